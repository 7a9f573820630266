"""Email over SMTP: building the message (text + HTML, .ics, List-Unsubscribe) and handing it over.

Hand-over is split in two so the sender can mark a delivery sent in the instant the message leaves:
``hand_over`` writes MAIL, RCPT, DATA and the message up to its final dot; ``confirm`` then reads the
server's answer. The sender records "sent" between the two (see sender.py for why).
"""
import re
import smtplib
import ssl
import time
from email.headerregistry import HeaderRegistry
from email.message import EmailMessage
from email.policy import SMTP as SMTP_POLICY
from email.policy import SMTPUTF8 as SMTPUTF8_POLICY
from email.utils import format_datetime, formataddr

from ..domain.errors import PermanentError, TransientError, UnknownOutcome

_LEADING_DOT = re.compile(rb"(?m)^\.")


class _HeaderClasses(HeaderRegistry):
    """The standard library's header registry makes a new class for every header it parses; the class for a
    header name is always the same, so it is made once (building a confirmation: 4.7-5.2 ms -> 3.4 ms)."""

    def __init__(self):
        super().__init__()
        self._made: dict[str, type] = {}

    def __getitem__(self, name):
        key = name.lower()
        if key not in self._made:
            self._made[key] = super().__getitem__(name)
        return self._made[key]


_HEADERS = _HeaderClasses()
_ASCII_POLICY = SMTP_POLICY.clone(header_factory=_HEADERS)
_UTF8_POLICY = SMTPUTF8_POLICY.clone(header_factory=_HEADERS)


def message_id(delivery_id: str, domain: str) -> str:
    """The provider sees our delivery id: a resent message keeps the same Message-ID."""
    return f"<{delivery_id}@{domain}>"


def build(delivery_id: str, *, sender: str, to: str, to_name: str | None, subject: str, text: str,
          html: str | None, domain: str, unsubscribe_url: str | None = None, sent_at=None,
          attachments: list[tuple[str, str, bytes]] = ()) -> bytes:
    """A MIME message: text with an HTML alternative, attachments as ``(filename, mime type, bytes)``."""
    to_name = " ".join((to_name or "").split()) or None  # no line breaks from a name into a header
    international = not to.isascii()  # e.g. şenol@example.org: needs SMTPUTF8 (RFC 6531) end to end
    msg = EmailMessage(policy=_UTF8_POLICY if international else _ASCII_POLICY)
    msg["From"] = sender
    if international:
        msg["To"] = to  # the bare address: header encoders refuse a UTF-8 local part with a name
    else:
        msg["To"] = formataddr((to_name, to)) if to_name else to
    msg["Subject"] = subject
    msg["Message-ID"] = message_id(delivery_id, domain)
    msg["X-Wijkkracht-Delivery"] = delivery_id
    if sent_at is not None:
        msg["Date"] = format_datetime(sent_at)
    if unsubscribe_url:
        # RFC 2369 and RFC 8058: mail clients show an unsubscribe button that POSTs to this URL.
        msg["List-Unsubscribe"] = f"<{unsubscribe_url}>"
        msg["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    msg.set_content(text)
    if html:
        msg.add_alternative(html, subtype="html")
    for filename, mime, payload in attachments:
        maintype, subtype = mime.split("/", 1)
        params = {"method": "PUBLISH"} if mime == "text/calendar" else {}
        msg.add_attachment(payload, maintype=maintype, subtype=subtype, filename=filename, params=params)
    return msg.as_bytes()


def _classify(code: int, reply: bytes, step: str):
    text = reply.decode("utf-8", "replace")[:200] if isinstance(reply, bytes) else str(reply)[:200]
    reason = f"smtp {step}: {code} {text}"
    if 400 <= code < 500:
        return TransientError(reason)
    return PermanentError(reason)


class SmtpTransport:
    """One persistent SMTP connection (per sender thread), reconnected when it breaks or has been idle."""

    def __init__(self, host: str, port: int, *, security: str = "none", credentials=None, timeout_s: float = 5.0,
                 max_idle_s: float = 20.0, local_hostname: str | None = None):
        self.host, self.port = host, port
        self.security = security
        self.credentials = credentials
        self.timeout_s = timeout_s
        self.max_idle_s = max_idle_s
        self.local_hostname = local_hostname
        self.smtp: smtplib.SMTP | None = None
        self.last_used = 0.0

    def _connect(self) -> smtplib.SMTP:
        context = ssl.create_default_context()
        if self.security == "tls":
            smtp = smtplib.SMTP_SSL(self.host, self.port, timeout=self.timeout_s, context=context,
                                    local_hostname=self.local_hostname)
        else:
            smtp = smtplib.SMTP(self.host, self.port, timeout=self.timeout_s, local_hostname=self.local_hostname)
        smtp.ehlo()
        if self.security == "starttls":
            smtp.starttls(context=context)
            smtp.ehlo()
        if self.credentials:
            smtp.login(*self.credentials)
        return smtp

    def close(self):
        if self.smtp is not None:
            try:
                self.smtp.close()
            except OSError:
                pass
            self.smtp = None

    def _session(self) -> tuple[smtplib.SMTP, bool]:
        """The open connection (and whether it was reused) or a new one."""
        if self.smtp is not None and time.monotonic() - self.last_used > self.max_idle_s:
            self.close()
        if self.smtp is not None:
            return self.smtp, True
        try:
            self.smtp = self._connect()
        except smtplib.SMTPAuthenticationError as exc:
            self.close()
            raise TransientError(f"smtp auth: {exc.smtp_code}") from exc  # config fault: keep the mail, retry
        except (OSError, smtplib.SMTPException) as exc:
            self.close()
            raise TransientError(f"smtp connect: {type(exc).__name__}: {exc}"[:200]) from exc
        return self.smtp, False

    def hand_over(self, sender: str, recipient: str, message: bytes):
        """Send everything up to the final dot; return ``confirm()`` that reads the server's verdict.

        Raises TransientError/PermanentError if the message was certainly not taken.
        """
        payload = _LEADING_DOT.sub(b"..", message)
        if not payload.endswith(b"\r\n"):
            payload += b"\r\n"
        international = not (sender.isascii() and recipient.isascii())
        for _try in range(2):
            smtp, reused = self._session()
            options = []
            if international:
                if not smtp.has_extn("smtputf8"):
                    raise PermanentError("smtp: the address needs SMTPUTF8, which the server does not offer")
                options = ["SMTPUTF8", "BODY=8BITMIME"]
            try:
                code, reply = smtp.mail(sender, options)
                if code != 250:
                    smtp.rset()
                    raise _classify(code, reply, "MAIL")
                code, reply = smtp.rcpt(recipient)
                if code not in (250, 251):
                    smtp.rset()
                    raise _classify(code, reply, "RCPT")
                code, reply = smtp.docmd("DATA")
                if code != 354:
                    smtp.rset()
                    raise _classify(code, reply, "DATA")
                smtp.send(payload + b".\r\n")
            except (smtplib.SMTPServerDisconnected, OSError) as exc:
                self.close()
                if reused and _try == 0:
                    continue  # the server dropped an idle connection: nothing was taken, try a fresh one
                raise TransientError(f"smtp: {type(exc).__name__}: {exc}"[:200]) from exc
            except smtplib.SMTPException as exc:
                self.close()
                raise TransientError(f"smtp: {type(exc).__name__}"[:200]) from exc
            self.last_used = time.monotonic()
            return lambda: self._confirm(smtp)
        raise TransientError("smtp: could not open a session")

    def _confirm(self, smtp: smtplib.SMTP) -> str:
        try:
            code, reply = smtp.getreply()
        except (smtplib.SMTPServerDisconnected, OSError) as exc:
            self.close()
            raise UnknownOutcome(f"smtp: no answer after the message: {type(exc).__name__}") from exc
        if code != 250:
            raise _classify(code, reply, "end of DATA")
        return reply.decode("utf-8", "replace")[:200]
