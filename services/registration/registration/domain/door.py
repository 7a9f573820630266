"""The door's search, pure: names folded so that case and accents don't matter ("ayse yilmaz" finds "Ayşe
Yılmaz"), and the keys a registration is found by at its evening (word prefixes of the name, a keyed hash of
each of the last digits of the phone), so that every search is one indexed equality in the store."""
import hashlib
import hmac
import re
import unicodedata

# Letters that Unicode does not take apart into a base letter and an accent.
_SPECIAL = str.maketrans({"ı": "i", "ø": "o", "đ": "d", "ł": "l", "ß": "ss", "æ": "ae", "œ": "oe", "þ": "th",
                          "ð": "d", "ħ": "h", "ŧ": "t", "ŀ": "l", "ĸ": "k"})
_WORD = re.compile(r"[^\W_]+")
# A name's words are found by their first letters up to this many; a longer word typed is checked in full after.
PREFIX_MAX = 12
# "The last digits of your phone number": 4 to 9 of them (9 is the whole Dutch number after the 0 or +31).
PHONE_DIGITS = range(4, 10)
_NOT_DIGITS = re.compile(r"[\s\-./()+]")
NAME, CODE, PHONE = "name", "code", "phone"


def fold(text: str) -> str:
    """Lower case without accents: "Ayşe Yılmaz" → "ayse yilmaz", "Lucía" → "lucia", "İpek" → "ipek"."""
    decomposed = unicodedata.normalize("NFKD", (text or "").casefold().translate(_SPECIAL))
    # Lower case again after: a compatibility form may decompose to a capital ("𝖠" → "A").
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold().translate(_SPECIAL)


def words(text: str) -> list[str]:
    """The folded words of a name or a query; "El-Amrani" and "O'Brien" also as one word ("elamrani")."""
    found = []
    for chunk in fold(text).split():
        parts = _WORD.findall(chunk)
        found += parts
        if len(parts) > 1:
            found.append("".join(parts))
    return found


def name_matches(query: str, name: str) -> bool:
    """Every word typed begins some word of the name, case and accents ignored."""
    name_words = words(name)
    typed = words(query)
    return bool(typed) and all(any(w.startswith(q) for w in name_words) for q in typed)


def phone_digits(query: str) -> str | None:
    """The digits to look for when the query is the end of a phone number (at least 4 digits), else None."""
    digits = _NOT_DIGITS.sub("", query or "")
    if len(digits) < PHONE_DIGITS.start or not digits.isascii() or not digits.isdigit():
        return None
    return digits[-(PHONE_DIGITS.stop - 1):]


def _phone_key(meeting_id: str, digits: str, secret: str) -> str:
    # Keyed, and per evening: the store holds no phone digits, and the same number is not linkable across evenings.
    mac = hmac.new(secret.encode(), f"door-phone:{meeting_id}:{digits}".encode(), hashlib.sha256)
    return f"{meeting_id}:t:{mac.hexdigest()[:24]}"


def name_key(meeting_id: str, word: str) -> str:
    return f"{meeting_id}:n:{word[:PREFIX_MAX]}"


def phone_key(meeting_id: str, digits: str, secret: str) -> str:
    return _phone_key(meeting_id, digits, secret)


def door_keys(meeting_id: str, name: str, phone: str | None, secret: str) -> list[str]:
    """Every key a registration is found by at the door: each first 1..12 letters of each word of its name,
    and a keyed hash of each of its phone number's last 4..9 digits."""
    keys = {name_key(meeting_id, w[:n]) for w in words(name) for n in range(1, min(len(w), PREFIX_MAX) + 1)}
    digits = "".join(ch for ch in (phone or "") if ch.isdigit())
    keys |= {_phone_key(meeting_id, digits[-n:], secret) for n in PHONE_DIGITS if len(digits) >= n}
    return sorted(keys)


def query_kinds(query: str, looks_like_code: bool) -> list[str]:
    """What a query at the door may be: a personal code, the end of a phone number, a name (more than one
    when it could be either, like "234567", which is a valid code too)."""
    kinds = []
    if looks_like_code:
        kinds.append(CODE)
    if phone_digits(query):
        kinds.append(PHONE)
    if words(query) and not phone_digits(query):
        kinds.append(NAME)
    return kinds


def lookup_word(query: str) -> str:
    """The word of a name query to look up: the longest (the fewest registrations share its beginning)."""
    return max(words(query), key=len)
