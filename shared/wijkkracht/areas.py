"""Where a resident lives, as a Rotterdam district, from the digits of their postcode (roughly, by PC4 range).

Registration's report counts residents by district of residence (the postcode itself is never kept for it);
matching weighs a resident's district against an initiative's area."""

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
UNKNOWN = "unknown"  # no postcode given (a companion, a walk-in in a hurry)
ELSEWHERE = "elsewhere"  # a postcode outside Rotterdam's districts


def area_of(postcode: str | None, fallback: str | None = None) -> str:
    """The district of a Dutch postcode such as ``3035 AB``; ``elsewhere`` outside Rotterdam, ``unknown``
    without one — or, given a ``fallback`` (the evening's area), that for both."""
    digits = "".join(ch for ch in (postcode or "")[:4] if ch.isdigit())
    if len(digits) != 4:
        return UNKNOWN if fallback is None else fallback
    number = int(digits)
    for low, high, area in _RANGES:
        if low <= number <= high:
            return area
    return ELSEWHERE if fallback is None else fallback
