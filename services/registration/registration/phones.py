"""Phone numbers as residents type them (06-12345678, +31 6 1234 5678, 0031612345678, ...) to E.164."""
import phonenumbers


class InvalidPhone(ValueError):
    pass


def to_e164(text: str, region: str = "NL") -> str:
    """``+31612345678`` for any common Dutch notation; foreign numbers are accepted in international form."""
    cleaned = (text or "").strip()
    if cleaned.startswith("00"):
        cleaned = "+" + cleaned[2:]
    try:
        number = phonenumbers.parse(cleaned, region)
    except phonenumbers.NumberParseException as exc:
        raise InvalidPhone(str(exc)) from exc
    if not phonenumbers.is_valid_number(number):
        raise InvalidPhone("not a valid phone number")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def is_mobile(e164: str) -> bool:
    number = phonenumbers.parse(e164, None)
    return phonenumbers.number_type(number) in (phonenumbers.PhoneNumberType.MOBILE,
                                                phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE)
