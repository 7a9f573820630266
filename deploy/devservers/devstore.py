"""What the dev SMTP server and dev SMS gateway share: a durable JSON-lines message store and a
small JSON-over-HTTP handler base."""

from __future__ import annotations

import json
import threading
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from urllib.parse import parse_qs, urlsplit


def now_iso() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class JsonlStore:
    """Messages in memory and in a JSON-lines file; each append reaches the operating system before it is
    acknowledged, and the file is read back at start so messages survive a restart or a kill -9 of the dev
    server. No fsync: only a power cut could lose a line, and an fsync per message made the dev server
    the slowest part of a notifications benchmark on a busy disk."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._messages: list[dict] = []
        if self.path.exists():
            for line in self.path.read_text(encoding="utf-8").splitlines():
                try:
                    self._messages.append(json.loads(line))
                except json.JSONDecodeError:
                    pass  # a line torn by a crash mid-write: it was never acknowledged

    def append(self, message: dict) -> None:
        line = json.dumps(message, ensure_ascii=False) + "\n"
        with self._lock:
            with open(self.path, "a", encoding="utf-8") as f:
                f.write(line)
            self._messages.append(message)

    def all(self) -> list[dict]:
        with self._lock:
            return list(self._messages)

    def clear(self) -> None:
        with self._lock:
            open(self.path, "w", encoding="utf-8").close()
            self._messages.clear()


class JsonHandler(BaseHTTPRequestHandler):
    """Request helpers for small JSON APIs; subclasses implement do_GET/do_POST/do_DELETE."""

    protocol_version = "HTTP/1.1"
    MAX_BODY = 256 * 1024

    def log_message(self, format, *args):  # noqa: A002 - the stdlib's signature
        pass  # request lines can carry query strings with addresses; we log per message instead

    @property
    def route(self) -> str:
        return urlsplit(self.path).path.rstrip("/") or "/"

    @property
    def query(self) -> dict[str, list[str]]:
        return parse_qs(urlsplit(self.path).query)

    def read_json(self):
        """The request body as JSON; raises ValueError with a client-facing reason."""
        length = int(self.headers.get("Content-Length") or 0)
        if length > self.MAX_BODY:
            raise ValueError("request body too large")
        raw = self.rfile.read(length) if length else b""
        if not raw:
            return {}
        try:
            return json.loads(raw)
        except (json.JSONDecodeError, UnicodeDecodeError) as e:
            raise ValueError(f"body is not valid JSON: {e}") from None

    def send_json(self, status: int, body, headers: dict | None = None) -> None:
        data = json.dumps(body, ensure_ascii=False).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)

    def not_found(self) -> None:
        self.send_json(404, {"error": "not_found", "message": f"no route {self.command} {self.route}"})
