"""The timetable for 40 groups x 15 initiatives (aim under 1 s), with and without a cap on the evening.

Usage: python bench/timetable.py [--groups 40] [--initiatives 15] [--repeat 20] [--smoke]
Ends with one ``RESULT name=timetable ...`` line (the capped evening's time as a share of the whole rotation's).
"""
import argparse
import datetime as dt
import statistics
import time

import pathlib
import sys

# bench/matching.py sits beside this script: keep this folder off the path so `matching` is the service package.
_HERE = pathlib.Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if pathlib.Path(p or ".").resolve() != _HERE]

from matching.domain.timetable import Table, build_timetable  # noqa: E402
from matching.domain.vocabulary import colour_name


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--groups", type=int, default=40)
    parser.add_argument("--initiatives", type=int, default=15)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--smoke", action="store_true", help="a few runs, the same code path")
    args = parser.parse_args()
    if args.smoke:
        args.repeat = 3
    tables = [Table(i + 1, colour_name(i)) for i in range(args.groups)]
    initiatives = [f"init-{k}" for k in range(args.initiatives)]
    start = dt.datetime(2026, 12, 12, 19, 0, tzinfo=dt.timezone.utc)
    print(f"timetable: {args.groups} groups x {args.initiatives} initiatives, slots of 20 minutes")
    fields = {}
    for key, label, cap in (("whole", "whole rotation", None), ("capped", "evening capped at 180 min", 180)):
        runs = []
        for _ in range(args.repeat):
            started = time.perf_counter()
            rounds = build_timetable(tables, initiatives, start, 20, cap)
            runs.append(time.perf_counter() - started)
        met = {}
        for r in rounds:
            for t in r["tables"]:
                if t["initiative_id"]:
                    met.setdefault(t["table"], set()).add(t["initiative_id"])
        per_group = [len(met.get(t.table, ())) for t in tables]
        print(f"  {label}: {len(rounds)} rounds, each group meets {min(per_group)}..{max(per_group)} initiatives; "
              f"median {statistics.median(runs) * 1000:.2f} ms, max {max(runs) * 1000:.2f} ms (aim under 1 s) "
              f"{'OK' if max(runs) < 1 else 'ABOVE AIM'}")
        fields.update({f"{key}_rounds": len(rounds), f"{key}_median_ms": f"{statistics.median(runs) * 1000:.2f}",
                       f"{key}_max_ms": f"{max(runs) * 1000:.2f}"})
    ratio = float(fields["capped_median_ms"]) / float(fields["whole_median_ms"]) if float(fields["whole_median_ms"]) else 0
    print(f"RESULT name=timetable groups={args.groups} initiatives={args.initiatives} "
          + " ".join(f"{k}={v}" for k, v in fields.items()) + f" capped_to_whole={ratio:.2f} aim_ms=1000")


if __name__ == "__main__":
    main()
