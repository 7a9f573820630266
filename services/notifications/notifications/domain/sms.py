"""SMS text: GSM-7 or UCS-2, and how many segments a text costs.

A text in the GSM-7 alphabet fits 160 characters in one segment (153 per segment when split); one
character outside it makes the whole message UCS-2: 70 per segment, 67 when split. So we first replace
typographic punctuation and accents GSM-7 lacks (ë → e, ‘ → ') deliberately; only text that still cannot
be written in GSM-7 (a name in Arabic script, say) goes as UCS-2.
"""
import dataclasses
import math
import unicodedata

GSM7_BASIC = ("@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
              "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà")
GSM7_EXTENSION = "^{}\\[~]|€\f"  # each costs two septets (escape + character)
_BASIC = set(GSM7_BASIC)
_EXTENSION = set(GSM7_EXTENSION)

_TYPOGRAPHIC = {
    "‘": "'", "’": "'", "‚": "'", "′": "'", "“": '"', "”": '"', "„": '"', "″": '"',
    "–": "-", "—": "-", "‐": "-", "‑": "-", "−": "-", "…": "...", "\u00a0": " ", "\u2009": " ",
    "\u202f": " ", "•": "-", "·": "-", "\t": " ",
}


def is_gsm7(text: str) -> bool:
    return all(ch in _BASIC or ch in _EXTENSION for ch in text)


def _to_gsm7(ch: str) -> str:
    if ch in _BASIC or ch in _EXTENSION:
        return ch
    if ch in _TYPOGRAPHIC:
        return _TYPOGRAPHIC[ch]
    stripped = "".join(c for c in unicodedata.normalize("NFKD", ch) if not unicodedata.combining(c))
    return stripped if stripped and is_gsm7(stripped) else ch


def to_gsm7(text: str) -> str:
    """Replace what has a faithful GSM-7 spelling; leave the rest (the caller then sends UCS-2)."""
    return "".join(_to_gsm7(ch) for ch in text)


@dataclasses.dataclass(frozen=True)
class SmsText:
    text: str
    encoding: str  # "GSM-7" or "UCS-2"
    units: int     # septets for GSM-7, UTF-16 code units for UCS-2
    segments: int


def measure(text: str) -> SmsText:
    """How ``text`` would travel: its encoding, length in the encoding's units, and its segments."""
    if is_gsm7(text):
        units = sum(2 if ch in _EXTENSION else 1 for ch in text)
        return SmsText(text, "GSM-7", units, 1 if units <= 160 else math.ceil(units / 153))
    units = len(text.encode("utf-16-le")) // 2
    return SmsText(text, "UCS-2", units, 1 if units <= 70 else math.ceil(units / 67))


def prepare(text: str) -> SmsText:
    """Normalise whitespace, prefer GSM-7 where the text allows it, and measure the result."""
    cleaned = "\n".join(" ".join(line.split()) for line in text.strip().splitlines())
    cleaned = "\n".join(line for line in cleaned.split("\n") if line) if cleaned.count("\n") > 3 else cleaned
    return measure(to_gsm7(cleaned))
