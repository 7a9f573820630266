"""Development SMTP server: accepts every message on 127.0.0.1:2525, stores it durably in
.local/data/mail/messages.jsonl, and serves what it received at http://127.0.0.1:8025/api/messages."""

from __future__ import annotations

import argparse
import email
import email.policy
import logging
import os
import signal
import sys
import threading
import uuid
from email.message import EmailMessage
from http.server import ThreadingHTTPServer
from pathlib import Path

from aiosmtpd.controller import Controller

sys.path.insert(0, str(Path(__file__).resolve().parent))
from devstore import JsonHandler, JsonlStore, now_iso  # noqa: E402

REPO = Path(__file__).resolve().parents[2]
log = logging.getLogger("dev-smtp")


def parse_message(raw: bytes, mail_from: str, rcpt_tos: list[str]) -> dict:
    """The stored form of one message: envelope recipients, headers, text/html bodies, attachments."""
    msg: EmailMessage = email.message_from_bytes(raw, policy=email.policy.default)
    headers: dict[str, str] = {}
    for key, value in msg.items():
        headers[key] = f"{headers[key]}\n{value}" if key in headers else str(value)
    text = html = None
    attachments = []
    for part in msg.walk():
        if part.is_multipart():
            continue
        ctype = part.get_content_type()
        if part.get_content_disposition() == "attachment" or part.get_filename():
            attachments.append({"filename": part.get_filename(), "content_type": ctype,
                                "size": len(part.get_payload(decode=True) or b"")})
        elif ctype == "text/plain" and text is None:
            text = part.get_content()
        elif ctype == "text/html" and html is None:
            html = part.get_content()
    return {
        "id": uuid.uuid4().hex,
        "message_id": msg.get("Message-ID"),
        "from": str(msg.get("From") or mail_from),
        "envelope_from": mail_from,
        "to": list(rcpt_tos),
        "subject": str(msg.get("Subject") or ""),
        "headers": headers,
        "text": text,
        "html": html,
        "attachments": attachments,
        "size": len(raw),
        "received_at": now_iso(),
    }


class StoringHandler:
    """aiosmtpd handler: every message is accepted and stored before the 250 reply."""

    def __init__(self, store: JsonlStore):
        self.store = store

    async def handle_DATA(self, server, session, envelope):
        try:
            record = parse_message(envelope.original_content or envelope.content,
                                   envelope.mail_from, envelope.rcpt_tos)
            self.store.append(record)
        except Exception:
            log.exception("could not store a message")
            return "451 Requested action aborted: local error in processing"
        # No addresses or subject in the log: they are personal data.
        log.info("mail stored id=%s recipients=%d size=%d attachments=%d",
                 record["id"], len(record["to"]), record["size"], len(record["attachments"]))
        return "250 Message accepted for delivery"


def make_api_handler(store: JsonlStore):
    class MailApi(JsonHandler):
        def do_GET(self):
            if self.route == "/api/messages":
                messages = store.all()
                wanted = {t.lower() for t in self.query.get("to", [])}
                if wanted:
                    messages = [m for m in messages if any(r.lower() in wanted for r in m["to"])]
                return self.send_json(200, {"messages": messages, "total": len(messages)})
            if self.route.startswith("/api/messages/"):
                wanted_id = self.route.rsplit("/", 1)[1]
                for m in store.all():
                    if m["id"] == wanted_id:
                        return self.send_json(200, m)
                return self.send_json(404, {"error": "not_found", "message": "no such message"})
            if self.route == "/healthz":
                return self.send_json(200, {"status": "ok"})
            self.not_found()

        def do_DELETE(self):
            if self.route == "/api/messages":
                store.clear()
                log.info("mailbox cleared")
                return self.send_json(200, {"deleted": True})
            self.not_found()

    return MailApi


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default=os.environ.get("DEV_SMTP_HOST", "127.0.0.1"))
    parser.add_argument("--smtp-port", type=int, default=int(os.environ.get("DEV_SMTP_PORT", "2525")))
    parser.add_argument("--http-port", type=int, default=int(os.environ.get("DEV_MAIL_API_PORT", "8025")))
    parser.add_argument("--data-dir", default=os.environ.get("DEV_MAIL_DATA", str(REPO / ".local/data/mail")))
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    # aiosmtpd's own logger writes each SMTP command, MAIL FROM/RCPT TO addresses included, at INFO.
    logging.getLogger("mail.log").setLevel(logging.WARNING)

    store = JsonlStore(Path(args.data_dir) / "messages.jsonl")
    smtp = Controller(StoringHandler(store), hostname=args.host, port=args.smtp_port,
                      server_hostname="wijkkracht-dev-smtp", enable_SMTPUTF8=True)
    api = ThreadingHTTPServer((args.host, args.http_port), make_api_handler(store))
    api.daemon_threads = True

    stopping = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stopping.set())

    smtp.start()
    threading.Thread(target=api.serve_forever, name="mail-api", daemon=True).start()
    log.info("listening smtp=%s:%d api=http://%s:%d messages=%d",
             args.host, args.smtp_port, args.host, args.http_port, len(store.all()))
    stopping.wait()
    api.shutdown()
    smtp.stop()
    log.info("stopped")
    return 0


if __name__ == "__main__":
    sys.exit(main())
