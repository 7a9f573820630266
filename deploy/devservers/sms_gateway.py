"""Development SMS gateway on 127.0.0.1:8026 that answers like a real one (POST /v1/messages),
stores every accepted message in .local/data/sms/messages.jsonl, and can be told to fail.

    POST   /v1/messages   {"to": "+316...", "from": "Wijkkracht", "body": "...", "reference": "..."}
                          -> 201 {"id", "status": "accepted", "reference"}; 400 on a bad `to`/empty body
    GET    /api/messages  [?to=+316...][&reference=...] -> {"messages": [...], "total": n}
    DELETE /api/messages  forget what was received
    POST   /api/fail      {"count": N, "status": 503[, "retry_after": s]} -> the next N sends fail so
    POST   /api/reset     forget messages and pending failures
"""

from __future__ import annotations

import argparse
import logging
import os
import re
import signal
import sys
import threading
import uuid
from http.server import ThreadingHTTPServer
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from devstore import JsonHandler, JsonlStore, now_iso  # noqa: E402

REPO = Path(__file__).resolve().parents[2]
E164 = re.compile(r"^\+[1-9][0-9]{7,14}$")
MAX_BODY_CHARS = 1600  # ten concatenated SMS parts, as common gateways allow
log = logging.getLogger("dev-sms")


class FailurePlan:
    """The failures asked for with /api/fail, consumed one per send attempt."""

    def __init__(self):
        self._lock = threading.Lock()
        self.count = 0
        self.status = 503
        self.retry_after: int | None = None

    def set(self, count: int, status: int, retry_after: int | None) -> None:
        with self._lock:
            self.count, self.status, self.retry_after = count, status, retry_after

    def take(self) -> tuple[int, int | None] | None:
        """(status, retry_after) if this attempt is to fail, else None."""
        with self._lock:
            if self.count <= 0:
                return None
            self.count -= 1
            return self.status, self.retry_after


def validate(payload) -> tuple[dict | None, dict | None]:
    """(message fields, None) or (None, error body) for a POST /v1/messages payload."""
    if not isinstance(payload, dict):
        return None, {"error": "invalid_request", "message": "body must be a JSON object"}
    to = payload.get("to")
    if not isinstance(to, str) or not to.strip():
        return None, {"error": "invalid_recipient", "field": "to", "message": "`to` is required"}
    if not E164.match(to.strip()):
        return None, {"error": "invalid_recipient", "field": "to",
                      "message": "`to` must be a phone number in E.164 form, e.g. +31612345678"}
    body = payload.get("body")
    if not isinstance(body, str) or not body.strip():
        return None, {"error": "invalid_body", "field": "body", "message": "`body` must be non-empty text"}
    if len(body) > MAX_BODY_CHARS:
        return None, {"error": "invalid_body", "field": "body",
                      "message": f"`body` is longer than {MAX_BODY_CHARS} characters"}
    sender = payload.get("from", "")
    reference = payload.get("reference")
    if not isinstance(sender, str) or (reference is not None and not isinstance(reference, str)):
        return None, {"error": "invalid_request", "message": "`from` and `reference` must be strings"}
    return {"to": to.strip(), "from": sender, "body": body, "reference": reference}, None


def make_handler(store: JsonlStore, failures: FailurePlan):
    class SmsApi(JsonHandler):
        def do_POST(self):
            try:
                payload = self.read_json()
            except ValueError as e:
                return self.send_json(400, {"error": "invalid_request", "message": str(e)})
            if self.route == "/v1/messages":
                return self._send_sms(payload)
            if self.route == "/api/fail":
                return self._plan_failures(payload)
            if self.route == "/api/reset":
                store.clear()
                failures.set(0, 503, None)
                log.info("gateway reset")
                return self.send_json(200, {"reset": True})
            self.not_found()

        def _send_sms(self, payload):
            fields, error = validate(payload)
            if error:
                log.info("sms rejected error=%s", error["error"])
                return self.send_json(400, error)
            planned = failures.take()
            if planned:
                status, retry_after = planned
                log.info("sms failed on request status=%d reference=%s", status, fields["reference"])
                headers = {"Retry-After": str(retry_after)} if retry_after is not None else None
                return self.send_json(status, {"error": "gateway_failure",
                                               "message": f"injected failure (status {status})"}, headers)
            record = {"id": uuid.uuid4().hex, **fields, "status": "accepted", "received_at": now_iso()}
            store.append(record)
            # The number and the text are personal data: only the ids go to the log.
            log.info("sms accepted id=%s reference=%s chars=%d", record["id"], record["reference"], len(record["body"]))
            return self.send_json(201, {"id": record["id"], "status": "accepted", "reference": record["reference"]})

        def _plan_failures(self, payload):
            try:
                count = int(payload.get("count", 1))
                status = int(payload.get("status", 503))
                retry_after = payload.get("retry_after")
                retry_after = None if retry_after is None else int(retry_after)
            except (TypeError, ValueError, AttributeError):
                return self.send_json(400, {"error": "invalid_request", "message": "count/status must be integers"})
            if count < 0 or not 400 <= status <= 599:
                return self.send_json(400, {"error": "invalid_request",
                                            "message": "count must be >= 0 and status a 4xx or 5xx code"})
            failures.set(count, status, retry_after)
            log.info("next %d sends will fail with status %d", count, status)
            return self.send_json(200, {"count": count, "status": status, "retry_after": retry_after})

        def do_GET(self):
            if self.route == "/api/messages":
                messages = store.all()
                wanted = set(self.query.get("to", []))
                if wanted:
                    messages = [m for m in messages if m["to"] in wanted]
                references = set(self.query.get("reference", []))
                if references:  # the client asking whether a message whose answer it lost arrived
                    messages = [m for m in messages if m.get("reference") in references]
                return self.send_json(200, {"messages": messages, "total": len(messages)})
            if self.route == "/api/fail":
                return self.send_json(200, {"count": failures.count, "status": failures.status})
            if self.route == "/healthz":
                return self.send_json(200, {"status": "ok"})
            self.not_found()

        def do_DELETE(self):
            if self.route == "/api/messages":
                store.clear()
                log.info("messages cleared")
                return self.send_json(200, {"deleted": True})
            self.not_found()

    return SmsApi


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description="Development SMS gateway")
    parser.add_argument("--host", default=os.environ.get("DEV_SMS_HOST", "127.0.0.1"))
    parser.add_argument("--port", type=int, default=int(os.environ.get("DEV_SMS_PORT", "8026")))
    parser.add_argument("--data-dir", default=os.environ.get("DEV_SMS_DATA", str(REPO / ".local/data/sms")))
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")

    store = JsonlStore(Path(args.data_dir) / "messages.jsonl")
    server = ThreadingHTTPServer((args.host, args.port), make_handler(store, FailurePlan()))
    server.daemon_threads = True
    # serve_forever runs in a thread so the main thread can take SIGTERM and shut it down cleanly.
    stopping = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stopping.set())
    threading.Thread(target=server.serve_forever, name="sms-api", daemon=True).start()
    log.info("listening http://%s:%d messages=%d", args.host, args.port, len(store.all()))
    stopping.wait()
    server.shutdown()
    log.info("stopped")
    return 0


if __name__ == "__main__":
    sys.exit(main())
