"""What a service's outbox relay parked: events the broker will never take (too large), for the operator.

    python -m wijkkracht.parked registration        # one line per parked event, oldest first
    python -m wijkkracht.parked matching --json     # the same as JSON lines

A parked event is kept whole in the service's ``parked_events`` collection (it is that service's own data, and
erasure treats it like the rest); this lists only where it came from, its type, size and when — never its
payload, which may name a person. A parked event means an event design that grows with something (attendance,
say): fix the producer to emit smaller events, then the state it belonged to can be published again.
"""
import argparse
import json
import sys

from pymongo.database import Database

from . import mongo
from .outbox import PARKED

FIELDS = ("_id", "type", "topic", "collection", "document_id", "approx_bytes", "error", "parked_at")


def summaries(db: Database) -> list[dict]:
    """The parked events, oldest first, without their payload."""
    rows = [{k: doc.get(k) for k in FIELDS} for doc in db[PARKED].find({}, {"event": 0})]
    rows.sort(key=lambda r: str(r["parked_at"]))
    return [{**r, "event_id": r.pop("_id"), "parked_at": str(r["parked_at"])} for r in rows]


def report(db: Database, out, as_json: bool = False) -> int:
    rows = summaries(db)
    for row in rows:
        if as_json:
            out.write(json.dumps(row, default=str) + "\n")
        else:
            out.write(f"{row['parked_at']}  {row['type']}  {row['event_id']}  {row['approx_bytes']} bytes  "
                      f"from {row['collection']}/{row['document_id']}  for {row['topic']}  ({row['error']})\n")
    if not as_json:
        out.write(f"{len(rows)} parked event(s)\n")
    return len(rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m wijkkracht.parked", description=__doc__.splitlines()[0])
    parser.add_argument("service", choices=["registration", "matching", "notifications"])
    parser.add_argument("--json", action="store_true", help="one JSON object per line")
    args = parser.parse_args(argv)
    client = mongo.connect(args.service)
    try:
        report(mongo.database(client, args.service), sys.stdout, as_json=args.json)
    finally:
        client.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
