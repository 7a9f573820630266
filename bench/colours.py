"""Colour assignment at the door: 1,000 arrivals, time per arrival (aim under 5 ms), in the pure domain.

Each arrival brings what the worker hands the domain: companions (a fifth come in pairs) and a history of
about 30 earlier table-mates. Usage: python bench/colours.py [--arrivals 1000] [--expected 1000]
"""
import argparse
import random
import statistics
import time

from matching.domain.colours import Seating, assign_colour


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--arrivals", type=int, default=1000)
    parser.add_argument("--expected", type=int, default=1000)
    parser.add_argument("--group-size", type=int, default=6)
    args = parser.parse_args()
    rng = random.Random(7)
    people = [f"p{i}" for i in range(args.arrivals)]
    companions = {p: [] for p in people}
    for a, b in zip(people[0:args.arrivals // 5:2], people[1:args.arrivals // 5:2]):
        companions[a], companions[b] = [b], [a]
    history = {p: {o: rng.randint(1, 3) for o in rng.sample(people, min(30, len(people)))} for p in people}
    seating = Seating(seed="bench", group_size=args.group_size, expected=args.expected)
    times = []
    for p in people:
        started = time.perf_counter()
        assign_colour(seating, p, companions[p], history[p])
        times.append(time.perf_counter() - started)
    ms = sorted(t * 1000 for t in times)
    sizes = seating.sizes().values()
    print(f"colour assignment: {args.arrivals} arrivals, {len(seating.colours)} colours, "
          f"group sizes {min(sizes)}..{max(sizes)}")
    print(f"  per arrival: mean {statistics.fmean(ms):.3f} ms, p95 {ms[int(0.95 * (len(ms) - 1))]:.3f} ms, "
          f"max {ms[-1]:.3f} ms, total {sum(ms):.0f} ms (aim: under 5 ms each) "
          f"{'OK' if ms[int(0.95 * (len(ms) - 1))] < 5 else 'ABOVE AIM'}")


if __name__ == "__main__":
    main()
