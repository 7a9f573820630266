"""Repeat encounters over a series of evenings: our colours (history-aware) against random balanced colours.

Six evenings of 60 residents each (groups of 6); from the second evening on, 60 % of the room are returning
residents drawn from everyone who came before, in a random order at the door, some in pairs of companions.
A repeat encounter is a pair at one table who already shared a table at an earlier evening. Both arms see
the same arrivals; each keeps its own history. Aim: ours at most one third of random's.
Usage: python bench/encounters.py [--series 20] [--evenings 6] [--size 60] [--returning 0.6] [--smoke]
Ends with one ``RESULT name=encounters ...`` line.
"""
import argparse
import random
import time

import pathlib
import sys

# bench/matching.py sits beside this script: keep this folder off the path so `matching` is the service package.
_HERE = pathlib.Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if pathlib.Path(p or ".").resolve() != _HERE]

from matching.domain.colours import Seating, assign_colour, table_mates  # noqa: E402


def run_series(rng: random.Random, evenings: int, size: int, returning: float, group_size: int):
    pool: list[str] = []
    next_id = 0
    history = {"ours": {}, "random": {}}   # person → {other: times}
    repeats = {"ours": 0, "random": 0}
    pairs = {"ours": 0, "random": 0}
    for evening in range(evenings):
        n_back = min(len(pool), round(size * returning)) if evening else 0
        people = rng.sample(pool, n_back)
        while len(people) < size:
            people.append(f"r{next_id}")
            next_id += 1
        rng.shuffle(people)
        # A fifth of the room comes as pairs of companions.
        companions = {p: [] for p in people}
        for a, b in zip(people[0:size // 5:2], people[1:size // 5:2]):
            companions[a], companions[b] = [b], [a]
        seed = f"{rng.random()}"
        for arm in ("ours", "random"):
            met = history[arm]
            seating = Seating(seed=seed, group_size=group_size, expected=size)
            for p in people:
                known = met.get(p, {}) if arm == "ours" else {}
                assign_colour(seating, p, companions[p] if arm == "ours" else (), known)
            mates = table_mates(seating)
            for a, b in {tuple(sorted((p, o))) for p, others in mates.items() for o in others}:
                pairs[arm] += 1
                if met.get(a, {}).get(b):
                    repeats[arm] += 1
            for p, others in mates.items():
                for o in others:
                    met.setdefault(p, {})[o] = met.get(p, {}).get(o, 0) + 1
        seen = set(pool)
        pool.extend(p for p in people if p not in seen)
    return repeats, pairs


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--series", type=int, default=20)
    parser.add_argument("--evenings", type=int, default=6)
    parser.add_argument("--size", type=int, default=60)
    parser.add_argument("--returning", type=float, default=0.6)
    parser.add_argument("--group-size", type=int, default=6)
    parser.add_argument("--smoke", action="store_true", help="two series, the same code path")
    args = parser.parse_args()
    if args.smoke:
        args.series = 2
    rng = random.Random(2026)
    totals = {"ours": [0, 0], "random": [0, 0]}
    started = time.perf_counter()
    for _ in range(args.series):
        repeats, pairs = run_series(rng, args.evenings, args.size, args.returning, args.group_size)
        for arm in totals:
            totals[arm][0] += repeats[arm]
            totals[arm][1] += pairs[arm]
    rate = {arm: r / p if p else 0.0 for arm, (r, p) in totals.items()}
    ratio = rate["ours"] / rate["random"] if rate["random"] else 0.0
    print(f"repeat encounters over {args.series} series x {args.evenings} evenings x {args.size} residents, "
          f"{args.returning:.0%} returning, groups of {args.group_size}")
    print(f"  random balanced colours: {totals['random'][0]} of {totals['random'][1]} table pairs = {rate['random']:.2%}")
    print(f"  ours (history-aware):    {totals['ours'][0]} of {totals['ours'][1]} table pairs = {rate['ours']:.2%}")
    print(f"  ratio ours/random: {ratio:.2f} (aim <= 0.33) {'OK' if ratio <= 1 / 3 else 'ABOVE AIM'}"
          f"  [{time.perf_counter() - started:.1f} s]")
    print(f"RESULT name=encounters series={args.series} evenings={args.evenings} size={args.size} "
          f"random_repeat_pct={rate['random'] * 100:.2f} ours_repeat_pct={rate['ours'] * 100:.2f} ratio={ratio:.2f} "
          f"aim_ratio=0.33 seconds={time.perf_counter() - started:.1f}")


if __name__ == "__main__":
    main()
