"""SMS providers behind one port: the development gateway and MessageBird (Bird), chosen by configuration.

Like email, hand-over is split: ``hand_over`` writes the whole HTTP request on a kept-alive connection,
``confirm`` reads the answer, so the sender can mark the delivery sent in between. The delivery id travels
as the provider's client reference.

MessageBird, from its public REST documentation (developers.messagebird.com/api/sms-messaging):
``POST https://rest.messagebird.com/messages`` with ``Authorization: AccessKey <key>`` and JSON
``{originator, body, recipients: [msisdn], reference, datacoding}`` → 201 with the message; errors come as
``{"errors": [{"code", "description", "parameter"}]}`` with 401/422 (our fault, permanent) or 5xx.
"""
import http.client
import json
import time
import urllib.parse

from ..domain.errors import PermanentError, TransientError, UnknownOutcome


def classify_status(status: int, body: bytes, provider: str) -> Exception | None:
    """None for success; TransientError for 408/425/429/5xx; PermanentError for any other 4xx."""
    if 200 <= status < 300:
        return None
    detail = body[:160].decode("utf-8", "replace")
    reason = f"{provider}: HTTP {status} {detail}".strip()
    if status in (408, 425, 429) or status >= 500:
        return TransientError(reason)
    return PermanentError(reason)


class HttpSmsTransport:
    """A kept-alive HTTP(S) connection to one gateway; subclasses say what the request looks like."""

    provider = "sms"

    def __init__(self, base_url: str, timeout_s: float = 5.0, max_idle_s: float = 2.0):
        parsed = urllib.parse.urlsplit(base_url)
        self.scheme, self.host = parsed.scheme or "http", parsed.hostname
        self.port = parsed.port or (443 if self.scheme == "https" else 80)
        self.base_path = parsed.path.rstrip("/")
        self.timeout_s = timeout_s
        self.max_idle_s = max_idle_s
        self.conn: http.client.HTTPConnection | None = None
        self.last_used = 0.0

    # What differs per provider.
    def request(self, sender: str, to: str, text: str, reference: str, unicode: bool) -> tuple[str, bytes, dict]:
        raise NotImplementedError

    def close(self):
        if self.conn is not None:
            self.conn.close()
            self.conn = None

    def _connection(self) -> http.client.HTTPConnection:
        # Servers close idle keep-alive connections; an old one might be half-closed, so start fresh.
        if self.conn is not None and time.monotonic() - self.last_used > self.max_idle_s:
            self.close()
        if self.conn is None:
            cls = http.client.HTTPSConnection if self.scheme == "https" else http.client.HTTPConnection
            self.conn = cls(self.host, self.port, timeout=self.timeout_s)
        return self.conn

    def hand_over(self, sender: str, to: str, text: str, reference: str, unicode: bool = False):
        path, body, headers = self.request(sender, to, text, reference, unicode)
        conn = self._connection()
        try:
            conn.request("POST", self.base_path + path, body=body, headers=headers)
        except (OSError, http.client.HTTPException) as exc:
            self.close()
            raise TransientError(f"{self.provider}: {type(exc).__name__}: {exc}"[:200]) from exc
        self.last_used = time.monotonic()
        return lambda: self._confirm(conn)

    def _confirm(self, conn: http.client.HTTPConnection) -> str:
        try:
            response = conn.getresponse()
            body = response.read()
        except (OSError, http.client.HTTPException) as exc:
            self.close()
            raise UnknownOutcome(f"{self.provider}: no answer: {type(exc).__name__}") from exc
        self.last_used = time.monotonic()
        if response.will_close:
            self.close()
        error = classify_status(response.status, body, self.provider)
        if error:
            raise error
        return self.receipt(body)

    def lookup(self, reference: str) -> str | None:
        """Whether the provider holds a message with this client reference (our delivery id): its id, or None
        if it has none. Asked after an unknown outcome, so a message is not sent twice. Raises
        NotImplementedError where the provider offers no such question, TransientError if it can't answer."""
        raise NotImplementedError

    def _get_json(self, path: str, headers: dict | None = None) -> dict:
        """A one-off GET on a connection of its own (the kept-alive one may be the one that just broke)."""
        cls = http.client.HTTPSConnection if self.scheme == "https" else http.client.HTTPConnection
        conn = cls(self.host, self.port, timeout=self.timeout_s)
        try:
            conn.request("GET", self.base_path + path, headers=headers or {})
            response = conn.getresponse()
            body = response.read()
        except (OSError, http.client.HTTPException) as exc:
            raise TransientError(f"{self.provider}: lookup: {type(exc).__name__}") from exc
        finally:
            conn.close()
        error = classify_status(response.status, body, self.provider)
        if error:
            raise TransientError(error.reason)
        try:
            return json.loads(body or b"{}")
        except ValueError as exc:
            raise TransientError(f"{self.provider}: lookup: not JSON") from exc

    def receipt(self, body: bytes) -> str:
        try:
            return str(json.loads(body or b"{}").get("id", ""))[:100]
        except ValueError:
            return ""


class DevGatewayTransport(HttpSmsTransport):
    """The development gateway: ``POST /v1/messages {to, from, body, reference}`` → 201."""

    provider = "dev-sms"

    def request(self, sender, to, text, reference, unicode):
        body = json.dumps({"to": to, "from": sender, "body": text, "reference": reference}).encode()
        return "/v1/messages", body, {"Content-Type": "application/json"}

    def lookup(self, reference):
        found = self._get_json("/api/messages?" + urllib.parse.urlencode({"reference": reference}))
        messages = [m for m in found.get("messages") or [] if m.get("reference") == reference]
        return str(messages[0].get("id") or reference)[:100] if messages else None


class MessageBirdTransport(HttpSmsTransport):
    """MessageBird (Bird) SMS REST API."""

    provider = "messagebird"

    def __init__(self, base_url: str, access_key: str, **kw):
        super().__init__(base_url, **kw)
        self.access_key = access_key

    def request(self, sender, to, text, reference, unicode):
        body = json.dumps({
            "originator": sender,
            "recipients": [to.lstrip("+")],  # MSISDN: country code, no plus
            "body": text,
            "reference": reference,          # our delivery id: shows up again in status reports
            "datacoding": "unicode" if unicode else "plain",
        }).encode()
        headers = {"Content-Type": "application/json", "Accept": "application/json",
                   "Authorization": f"AccessKey {self.access_key}"}
        return "/messages", body, headers


def from_config(cfg) -> HttpSmsTransport:
    """The transport configuration asks for (``SMS_PROVIDER``)."""
    provider = cfg.sms_provider()
    if provider == "messagebird":
        key = cfg.messagebird_access_key()
        if not key:
            raise RuntimeError("SMS_PROVIDER=messagebird needs MESSAGEBIRD_ACCESS_KEY")
        return MessageBirdTransport(cfg.messagebird_url(), key, timeout_s=cfg.sms_timeout_s())
    if provider == "dev":
        return DevGatewayTransport(cfg.sms_gateway_url(), timeout_s=cfg.sms_timeout_s())
    raise RuntimeError(f"unknown SMS_PROVIDER {provider!r} (dev, messagebird)")


def parse_inbound(form_or_json: dict) -> tuple[str | None, str | None]:
    """(sender's number, text) of an inbound SMS, whatever the gateway calls them.

    MessageBird posts ``originator``/``payload`` (or ``body``); the dev gateway ``from``/``body``;
    Twilio ``From``/``Body``.
    """
    sender = (form_or_json.get("originator") or form_or_json.get("from") or form_or_json.get("From")
              or form_or_json.get("msisdn"))
    text = form_or_json.get("payload") or form_or_json.get("body") or form_or_json.get("Body") \
        or form_or_json.get("message")
    if sender is not None:
        sender = str(sender).strip()
        if sender and not sender.startswith("+") and sender.isdigit():
            sender = "+" + sender
    return sender, text
