"""An iCalendar (RFC 5545) event for an evening, attached to the confirmation."""
import datetime as dt


def _escape(text: str) -> str:
    return (text or "").replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")


def _fold(line: str) -> str:
    """Lines longer than 75 octets are folded (CRLF + space)."""
    out, current = [], ""
    for ch in line:
        if len((current + ch).encode("utf-8")) > 75:
            out.append(current)
            current = " " + ch
        else:
            current += ch
    out.append(current)
    return "\r\n".join(out)


def _utc(value: dt.datetime) -> str:
    return value.astimezone(dt.timezone.utc).strftime("%Y%m%dT%H%M%SZ")


def evening(meeting_id: str, title: str, starts_at: dt.datetime, venue: str, *, duration_min: int = 150,
            description: str = "", url: str | None = None, sequence: int = 0,
            stamp: dt.datetime | None = None) -> str:
    """One VEVENT; the UID is the evening's, so a later update replaces it in the resident's calendar."""
    stamp = stamp or dt.datetime.now(dt.timezone.utc)
    lines = [
        "BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//Wijkkracht//notifications//NL", "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH", "BEGIN:VEVENT",
        f"UID:{meeting_id}@wijkkracht.nl",
        f"SEQUENCE:{sequence}",
        f"DTSTAMP:{_utc(stamp)}",
        f"DTSTART:{_utc(starts_at)}",
        f"DTEND:{_utc(starts_at + dt.timedelta(minutes=duration_min))}",
        f"SUMMARY:{_escape(title)}",
        f"LOCATION:{_escape(venue)}",
    ]
    if description:
        lines.append(f"DESCRIPTION:{_escape(description)}")
    if url:
        lines.append(f"URL:{url}")
    lines += ["END:VEVENT", "END:VCALENDAR"]
    return "\r\n".join(_fold(line) for line in lines) + "\r\n"
