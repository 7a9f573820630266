"""Where a resident lives, as a Rotterdam district, from the digits of their postcode (roughly, by PC4 range)."""

_RANGES = (
    (3011, 3016, "Centrum"),
    (3021, 3029, "Delfshaven"),
    (3031, 3039, "Noord"),
    (3041, 3047, "Overschie"),
    (3051, 3059, "Hillegersberg-Schiebroek"),
    (3061, 3063, "Kralingen-Crooswijk"),
    (3064, 3069, "Prins Alexander"),
    (3071, 3075, "Feijenoord"),
    (3076, 3079, "IJsselmonde"),
    (3081, 3089, "Charlois"),
)


def area_of(postcode: str | None, fallback: str = "") -> str:
    """The district of a Dutch postcode such as ``3035 AB``; ``fallback`` (the evening's area) if unknown."""
    digits = "".join(ch for ch in (postcode or "")[:4] if ch.isdigit())
    if len(digits) == 4:
        number = int(digits)
        for low, high, area in _RANGES:
            if low <= number <= high:
                return area
    return fallback
