"""The document store's lookups at 1,000, 20,000 and 100,000 documents: a lookup must cost the same at any size.

Measures, through pymongo against the stack's store, p50/p95 of: find by `_id`, find by an indexed field,
a query on a compound index, an update by `_id`, and finds of 10 documents by `$in` on `_id` and on an indexed
field; and updates by `_id` per second from 4 threads on different documents against 1 thread (the baseline:
a store that locks per document, as MongoDB does, lets them go side by side). The baseline, in the same run and
on the same data, is
PostgreSQL's own index lookup (`_jsonb->'_id' = $1` on the table FerretDB keeps the collection in); on a
store that is not the local FerretDB there is no baseline and only the growth is reported.

Usage: python bench/store.py [--sizes 1000,20000,100000] [--lookups 300] [--smoke]
"""
import argparse
import json
import os
import pathlib
import random
import statistics
import sys
import threading
import time

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pymongo import ASCENDING, MongoClient  # noqa: E402

from deploy.local import paths  # noqa: E402

DATABASE = "bench_store"
STATUSES = ("confirmed", "waitlisted", "cancelled")


def endpoints() -> dict:
    env = json.loads(paths.ENV_FILE.read_text()) if paths.ENV_FILE.exists() else {}
    env.update({k: v for k, v in os.environ.items() if k in ("MONGODB_URI", "POSTGRES_URL")})
    return env


def fill(coll, size: int) -> None:
    """`size` documents shaped like registrations, ten to an evening whatever the size (so a query by evening
    returns as much at 100,000 as at 1,000); kept between runs, so a rerun measures at once."""
    if coll.estimated_document_count() == size and coll.find_one({"_id": "r0", "meeting_id": "m0"}):
        return
    coll.drop()
    coll.create_index([("email", ASCENDING)])
    coll.create_index([("meeting_id", ASCENDING), ("status", ASCENDING)])
    started = time.perf_counter()
    for start in range(0, size, 1000):
        coll.insert_many([{"_id": f"r{i}", "email": f"bewoner{i}@example.org", "meeting_id": f"m{i // 10}",
                           "status": STATUSES[i % 3], "name": f"Bewoner {i}", "n": 0,
                           "interests": ["koken", "taal"]} for i in range(start, min(size, start + 1000))])
    print(f"  filled {size:,} documents in {time.perf_counter() - started:.1f} s")


def timed(fn, keys) -> list[float]:
    out = []
    for k in keys:
        started = time.perf_counter()
        fn(k)
        out.append((time.perf_counter() - started) * 1000)
    return out


def p(values, q: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1] if len(values) > 1 else values[0]


def measure(coll, pg, table: str | None, size: int, lookups: int) -> dict[str, list[float]]:
    rng = random.Random(size)
    ids = [rng.randrange(size) for _ in range(lookups)]
    ops = {
        "find by _id": lambda i: coll.find_one({"_id": f"r{i}"}),
        "find by indexed field": lambda i: coll.find_one({"email": f"bewoner{i}@example.org"}),
        "compound-index query": lambda i: list(coll.find({"meeting_id": f"m{i // 10}", "status": STATUSES[i % 3]},
                                                         {"_id": 1})),
        "update by _id": lambda i: coll.update_one({"_id": f"r{i}"}, {"$inc": {"n": 1}}),
        "find 10 by _id $in": lambda i: list(coll.find({"_id": {"$in": [f"r{(i + k * 97) % size}" for k in range(10)]}},
                                                       {"_id": 1})),
        "find 10 by field $in": lambda i: list(coll.find(
            {"email": {"$in": [f"bewoner{(i + k * 97) % size}@example.org" for k in range(10)]}}, {"_id": 1})),
    }
    if pg is not None:
        sql = f"SELECT _jsonb FROM {table} WHERE _jsonb->'_id' = %s::jsonb"
        ops["PostgreSQL index lookup (baseline)"] = lambda i: pg.execute(sql, (json.dumps(f"r{i}"),)).fetchone()
    for fn in ops.values():  # warm connections and caches
        for i in ids[:20]:
            fn(i)
    return {name: timed(fn, ids) for name, fn in ops.items()}


def writers_per_s(coll, size: int, threads: int, per_thread: int) -> float:
    """Updates by `_id` per second from ``threads`` threads, each on documents of its own."""
    def write(t):
        for k in range(per_thread):
            coll.update_one({"_id": f"r{(t * per_thread + k) % size}"}, {"$inc": {"n": 1}})

    workers = [threading.Thread(target=write, args=(t,)) for t in range(threads)]
    started = time.perf_counter()
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    return threads * per_thread / (time.perf_counter() - started)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="1000,20000,100000")
    parser.add_argument("--lookups", type=int, default=300)
    parser.add_argument("--smoke", action="store_true", help="1,000 and 5,000 documents, 100 lookups")
    args = parser.parse_args()
    sizes = [1000, 5000] if args.smoke else [int(s) for s in args.sizes.split(",")]
    lookups = 100 if args.smoke else args.lookups
    env = endpoints()
    client = MongoClient(env.get("MONGODB_URI", "mongodb://127.0.0.1:27117/"))
    pg = None
    if env.get("DOCSTORE_KIND") == "ferretdb" and env.get("POSTGRES_URL"):
        import psycopg

        from deploy.local.postgres import ferretdb_table

        pg = psycopg.connect(env["POSTGRES_URL"], autocommit=True)
    print(f"store: {env.get('DOCSTORE_KIND', '?')} at {client.address}; {lookups} lookups per figure; "
          f"load {os.getloadavg()[0]:.1f}")
    results = {}
    for size in sizes:
        coll = client[DATABASE][f"docs_{size}"]
        fill(coll, size)
        table = ferretdb_table(pg, DATABASE, coll.name) if pg is not None else None
        results[size] = measure(coll, pg, table, size, lookups)
        for name, values in results[size].items():
            print(f"  {size:>7,} documents  {name:36} p50 {p(values, 50):6.2f} ms  p95 {p(values, 95):6.2f} ms")
    small, large = sizes[0], sizes[-1]
    growth = {name: p(results[large][name], 50) / p(results[small][name], 50) for name in results[small]}
    print(f"p50 at {large:,} over p50 at {small:,} documents (1.0: the cost does not grow with the collection):")
    for name, g in growth.items():
        print(f"  {name:36} {g:.2f}x")
    per_thread = 50 if args.smoke else 300
    one, four = (writers_per_s(coll, large, n, per_thread) for n in (1, 4))
    print(f"updates by _id on different documents: 1 thread {one:.0f}/s, 4 threads {four:.0f}/s ({four / one:.2f}x)")
    fields = {"find_id": "find by _id", "find_field": "find by indexed field", "compound": "compound-index query",
              "update_id": "update by _id", "in_id": "find 10 by _id $in", "in_field": "find 10 by field $in"}
    line = f"RESULT name=store sizes={','.join(map(str, sizes))}"
    line += "".join(f" {k}_p50_ms={p(results[large][v], 50):.2f} {k}_growth={growth[v]:.2f}" for k, v in fields.items())
    line += f" writers_1_per_s={one:.0f} writers_4_per_s={four:.0f} writers_scaling={four / one:.2f}"
    if pg is not None:
        baseline = p(results[large]["PostgreSQL index lookup (baseline)"], 50)
        line += f" baseline_p50_ms={baseline:.2f} find_id_vs_baseline={p(results[large]['find by _id'], 50) / baseline:.1f}"
        pg.close()
    client.close()
    print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
