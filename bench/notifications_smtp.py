"""Confirmations per second into the development SMTP server: the notifications pipeline against a raw
smtplib loop into the same server, in the same run.

    .local/venv/bin/python bench/notifications_smtp.py [N] [--sender-only [--threads 2]] [--smoke]  (default N = 1000)

The pipeline run publishes one meeting.scheduled and N registration.created events to Kafka and times
until the N-th confirmation is in the SMTP server (by the server's own received_at), so it measures
the running notifications worker end to end: consume, record, claim, render, hand over, mark. The raw
loop sends the same number of messages of the same size over one smtplib connection. Prints both rates,
their ratio, and duplicates (a recipient with more than one message); exits non-zero on a duplicate or a
missing message. ``--sender-only`` measures the send path alone on a database of its own (see below).
``--smoke``: N = 20, the same code path. Ends with one ``RESULT name=notifications_smtp ...`` line.
"""
import argparse
import datetime as dt
import json
import os
import pathlib
import smtplib
import sys
import time
import urllib.parse
import urllib.request
import uuid

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from notifications.adapters import email as email_adapter  # noqa: E402
from tests.integration.notifications import events as ev  # noqa: E402
from tests.support import Stack, stack_env  # noqa: E402


def mail_by_recipient(api_url: str, recipients: list[str]) -> dict[str, list[dict]]:
    """The SMTP server's messages to these addresses (asked for by address: a mailbox that has seen many runs
    holds a hundred megabytes, and fetching it whole slows the very server being measured)."""
    found: dict[str, list[dict]] = {}
    wanted = set(recipients)
    for i in range(0, len(recipients), 500):
        query = urllib.parse.urlencode([("to", to) for to in recipients[i:i + 500]])
        with urllib.request.urlopen(f"{api_url.rstrip('/')}/api/messages?{query}", timeout=60) as response:
            for message in json.load(response)["messages"]:
                for to in message["to"]:
                    if to in wanted:
                        found.setdefault(to, []).append(message)
    return found


def wait_for_mail(api_url: str, recipients: list[str], deadline: float, interval_s: float) -> dict[str, list[dict]]:
    """Until every address has its message or the deadline (time.time()); then all their messages, duplicates
    included."""
    found: dict[str, list[dict]] = {}
    while len(found) < len(recipients) and time.time() < deadline:
        found.update(mail_by_recipient(api_url, [to for to in recipients if to not in found]))
        print(f"  {len(found)}/{len(recipients)} messages in the SMTP server", end="\r", flush=True)
        if len(found) < len(recipients):
            time.sleep(interval_s)
    print()
    return mail_by_recipient(api_url, recipients)


def received(message: dict) -> float:
    return dt.datetime.fromisoformat(message["received_at"].replace("Z", "+00:00")).timestamp()


def sample_confirmation() -> bytes:
    """A message the size of a real confirmation (text, HTML, calendar invite)."""
    from notifications import compose
    from notifications.domain import ics
    from notifications.render import Renderer
    meeting = {"_id": "m", "title": "Wijkkracht Noord", "venue": "wijkgebouw de Banier", "area": "Noord",
               "starts_at": dt.datetime.now(dt.timezone.utc) + dt.timedelta(days=7)}
    ctx = {"people": {"p": {"name": "Fatima El Amrani", "language": "nl"}}, "meetings": {"m": meeting},
           "registrations": {"r": {"code": "K7Q2X9", "cancel_url": "http://127.0.0.1:8001/annuleren/abc"}},
           "initiatives": {}}
    delivery = {"kind": "confirmation", "person_id": "p", "meeting_id": "m", "registration_id": "r"}
    out = compose.compose(delivery, ctx["people"]["p"], ctx, unsubscribe_url="http://127.0.0.1:8003/afmelden/x")
    rendered = Renderer().render(out.template, out.language, out.context)
    invite = ics.evening("m", meeting["title"], meeting["starts_at"], meeting["venue"]).encode()
    return rendered, invite


def raw_loop(host: str, port: int, n: int, marker: str) -> float:
    rendered, invite = sample_confirmation()
    smtp = smtplib.SMTP(host, port, timeout=30)
    started = time.perf_counter()
    for i in range(n):
        to = f"raw-{marker}-{i}@bench.example"
        message = email_adapter.build(uuid.uuid4().hex, sender="Wijkkracht <noreply@wijkkracht.nl>", to=to,
                                      to_name="Fatima", subject=rendered.subject, text=rendered.text,
                                      html=rendered.html, domain="wijkkracht.nl",
                                      attachments=[("wijkkracht.ics", "text/calendar", invite)])
        smtp.sendmail("noreply@wijkkracht.nl", [to], message)
    elapsed = time.perf_counter() - started
    smtp.quit()
    return n / elapsed


def wait_for_quiet(stack: Stack, producer, marker: str, timeout_s: float = 900):
    """One confirmation through first: the worker may still be sending an earlier run's (or benchmark's)
    messages, and the figure is this run's, not that backlog's."""
    meeting = ev.meeting_scheduled(title="Wijkkracht Noord")
    probe = f"probe-{marker}@bench.example"
    started = time.time()
    ev.publish(producer, meeting, ev.registration_created(meeting["payload"]["meeting_id"], email=probe))
    wait_for_mail(stack.env["MAIL_API_URL"], [probe], started + timeout_s, 1)
    print(f"  the worker's earlier backlog: a probe's confirmation took {time.time() - started:.1f}s")


def pipeline(stack: Stack, n: int, marker: str, timeout_s: float) -> tuple[float, int, int]:
    producer = ev.producer(stack)
    wait_for_quiet(stack, producer, marker)
    meeting = ev.meeting_scheduled(title="Wijkkracht Noord")
    meeting_id = meeting["payload"]["meeting_id"]
    recipients = [f"pipe-{marker}-{i}@bench.example" for i in range(n)]
    signups = [ev.registration_created(meeting_id, email=to) for to in recipients]
    ev.publish(producer, meeting)
    started = time.time()
    ev.publish(producer, *signups)
    published = time.time() - started
    print(f"  published {n} registration.created in {published:.1f}s")
    found = wait_for_mail(stack.env["MAIL_API_URL"], recipients, time.time() + timeout_s, 2)
    producer.close()
    last = max((received(m) for msgs in found.values() for m in msgs), default=time.time())
    duplicates = sum(len(msgs) - 1 for msgs in found.values())
    return len(found) / max(1e-9, last - started), n - len(found), duplicates


def sender_only(stack: Stack, n: int, marker: str, threads: int) -> tuple[float, int, int]:
    """The send path alone (claim, render, hand over, mark), in this process, on a database of its own:
    what the worker's senders do, without Kafka and without the rest of the team's traffic in the queue."""
    import threading
    from pymongo import MongoClient
    from notifications.adapters import sms, store
    from notifications.domain import model
    from notifications.render import Renderer
    from notifications.sender import Sender, Settings
    client = MongoClient(stack.env.get("MONGODB_URI", "mongodb://127.0.0.1:27117/"), tz_aware=True)
    db = client[f"notifications_bench_{marker}"]
    store.ensure_indexes(db)
    db.meetings.insert_one({"_id": "m", "title": "Wijkkracht Noord", "venue": "wijkgebouw de Banier",
                            "area": "Noord", "starts_at": dt.datetime.now(dt.timezone.utc) + dt.timedelta(days=7)})
    db.people.insert_many([{"_id": f"p{i}", "name": "Fatima El Amrani", "email": f"solo-{marker}-{i}@bench.example",
                            "preferred_channel": "email", "language": "nl"} for i in range(n)])
    deliveries = [store.new_delivery(model.delivery_id("confirmation", marker, i), "confirmation", person_id=f"p{i}",
                                     meeting_id="m", channel="email", event_at=None, registration_id=f"r{i}",
                                     data={"code": "K7Q2X9", "cancel_url": "http://127.0.0.1:8001/annuleren/x"})
                  for i in range(n)]
    store.record(db, deliveries)
    host, port = stack.env.get("SMTP_HOST", "127.0.0.1"), int(stack.env.get("SMTP_PORT", 2525))
    settings = Settings(mail_from="Wijkkracht <noreply@wijkkracht.nl>", message_id_domain="wijkkracht.nl",
                        sms_sender="Wijkkracht", public_base_url="http://127.0.0.1:8003", secret_key="bench")
    renderer = Renderer()
    stopping = threading.Event()
    senders = [Sender(db, renderer, email_adapter.SmtpTransport(host, port),
                      sms.DevGatewayTransport(stack.env["SMS_GATEWAY_URL"]), settings) for _ in range(threads)]
    started = time.time()
    workers = [threading.Thread(target=s.run, args=(stopping,)) for s in senders]
    [w.start() for w in workers]
    recipients = [f"solo-{marker}-{i}@bench.example" for i in range(n)]
    found = wait_for_mail(stack.env["MAIL_API_URL"], recipients, started + max(120, n / 2), 0.5)
    stopping.set()
    [w.join() for w in workers]
    last = max((received(m) for msgs in found.values() for m in msgs), default=time.time())
    client.drop_database(db.name)
    return len(found) / max(1e-9, last - started), n - len(found), sum(len(m) - 1 for m in found.values())


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("n", nargs="?", type=int, help="confirmations (default 1000; 20 with --smoke)")
    parser.add_argument("--sender-only", action="store_true", help="the send path alone, on a database of its own")
    parser.add_argument("--threads", type=int, default=2, help="sender threads with --sender-only")
    parser.add_argument("--smoke", action="store_true", help="a few messages, the same code path, in seconds")
    args = parser.parse_args()
    n = args.n or (20 if args.smoke else 1000)
    stack = Stack(stack_env())
    host, port = stack.env.get("SMTP_HOST", "127.0.0.1"), int(stack.env.get("SMTP_PORT", 2525))
    marker = uuid.uuid4().hex[:8]
    print(f"notifications → SMTP, N={n}, SMTP {host}:{port}, Kafka {stack.env.get('KAFKA_BOOTSTRAP_SERVERS')}")
    raw = raw_loop(host, port, n, marker)
    print(f"  raw smtplib loop, one connection: {raw:.0f} messages/s")
    if args.sender_only:
        rate, missing, duplicates = sender_only(stack, n, marker, threads=args.threads)
        mode = f"sender_only_{args.threads}_threads"
        print(f"  send path only, {args.threads} sender threads: {rate:.0f} messages/s")
    else:
        rate, missing, duplicates = pipeline(stack, n, marker, timeout_s=max(120, n / 5))
        mode = "pipeline"
        print(f"  pipeline, end to end: {rate:.0f} confirmations/s")
    print(f"  ratio {rate / raw:.2f} of raw (target >= 0.5), {missing} missing, {duplicates} duplicates")
    print(f"RESULT name=notifications_smtp mode={mode} n={n} raw_smtplib_per_s={raw:.0f} rate_per_s={rate:.0f} "
          f"ratio={rate / raw:.2f} missing={missing} duplicates={duplicates} load1={os.getloadavg()[0]:.1f}")
    return 1 if missing or duplicates else 0


if __name__ == "__main__":
    sys.exit(main())
