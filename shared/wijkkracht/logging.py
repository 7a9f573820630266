"""Structured JSON logs. They carry event_id, type and correlation_id, never an email address or phone number."""
import json
import logging
import re
import sys
import time

_STANDARD = set(vars(logging.makeLogRecord({})).keys()) | {"message", "asctime"}
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+\.[\w.-]+")
# International (+31 6 12345678, 0031612345678) and Dutch national (06-12345678) numbers; not dates or ids.
_PHONE = re.compile(r"(?<![\w.:-])(?:\+|00)[1-9](?:[ \-]?\d){7,14}(?![\w-])"
                    r"|(?<![\w.:-])0[1-9](?:[ \-]?\d){8}(?![\w-])")


def scrub(text: str) -> str:
    """A last line of defence: mask anything that looks like an email address or phone number."""
    return _PHONE.sub("[phone]", _EMAIL.sub("[email]", text))


class JsonFormatter(logging.Formatter):
    def __init__(self, service: str):
        super().__init__()
        self.service = service

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "ts": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created)) + f".{int(record.msecs):03d}Z",
            "level": record.levelname.lower(),
            "service": self.service,
            "logger": record.name,
            "msg": record.getMessage(),
        }
        for key, value in vars(record).items():
            if key not in _STANDARD and not key.startswith("_"):
                entry[key] = value
        if record.exc_info:
            entry["exc"] = self.formatException(record.exc_info)
        return scrub(json.dumps(entry, default=str, ensure_ascii=False))


def configure(service: str, level: str = "INFO"):
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter(service))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    logging.getLogger("kafka").setLevel(logging.WARNING)
    logging.getLogger("pymongo").setLevel(logging.WARNING)
