"""Matching after the evening: 10,000 residents x 500 roles with capacities (aim under 10 s).

Prints the time of scoring and of the capacity-respecting assignment, and compares the result with a greedy
best-edge-first baseline run in the same process on the same data (total score, who got a first suggestion).
Usage: python bench/matching.py [--residents 10000] [--initiatives 100] [--roles-per-initiative 5]
"""
import argparse
import pathlib
import random
import sys
import time
from collections import Counter

# This script is called matching.py: keep its own folder off the path so `matching` is the service package.
_HERE = pathlib.Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if pathlib.Path(p or ".").resolve() != _HERE]

from matching.assignment import solve  # noqa: E402
from matching.domain.matchmaking import Initiative, Resident, Role, greedy_solver, propose_pairs, propose_roles  # noqa: E402
from matching.domain.vocabulary import TARGET_GROUPS, THEMES  # noqa: E402

AREAS = ["Centrum", "Noord", "Delfshaven", "Feijenoord", "Charlois", "IJsselmonde"]
LANGS = ["nl", "ar", "tr", "en", "pap", "srn", "pl"]


def world(rng: random.Random, residents: int, initiatives: int, roles_each: int):
    themes, groups = sorted(THEMES), sorted(TARGET_GROUPS)
    inits = {}
    for i in range(initiatives):
        iid = f"i{i}"
        own = frozenset(rng.sample(themes, 2))
        roles = tuple(Role(f"{iid}-r{k}", iid, f"Rol {k}", frozenset(rng.sample(sorted(own | {rng.choice(themes)}), 2)),
                           rng.randint(5, 35)) for k in range(roles_each))
        inits[iid] = Initiative(iid, f"Initiatief {i}", rng.choice(AREAS), own, frozenset(rng.sample(groups, 2)),
                                frozenset(rng.sample(groups + themes, 2)),
                                frozenset(rng.sample(LANGS, 2)), roles, frozenset({f"m{i % 30}"}))
    evening = [f"i{i}" for i in range(0, initiatives, 10)]
    people = [Resident(f"p{n}", frozenset(rng.sample(themes, rng.randint(1, 3))),
                       frozenset(["nl"] + rng.sample(LANGS, 1)), rng.choice(AREAS),
                       frozenset(rng.sample(sorted(inits), rng.randint(0, 2))), rng.random() < 0.9)
              for n in range(residents)]
    return people, inits, evening


def summary(proposals):
    picks = [s for v in proposals.values() for s in v]
    return (len(proposals), len(picks), sum(s.score for s in picks),
            sum(1 for p in proposals.values() for s in p if any("wilde" in r for r in s.reasons["nl"])))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--residents", type=int, default=10_000)
    parser.add_argument("--initiatives", type=int, default=100)
    parser.add_argument("--roles-per-initiative", type=int, default=5)
    args = parser.parse_args()
    rng = random.Random(42)
    people, inits, evening = world(rng, args.residents, args.initiatives, args.roles_per_initiative)
    roles = [r for i in inits.values() for r in i.roles]
    places = sum(r.capacity for r in roles)
    consenting = sum(1 for p in people if p.consent)
    print(f"matching: {len(people)} residents ({consenting} consenting) x {len(roles)} roles, {places} places")
    results = {}
    for label, solver in (("assignment (scipy LAPJV, capacity-expanded)", solve), ("greedy baseline", greedy_solver)):
        started = time.perf_counter()
        proposals = propose_roles(people, inits, solver, evening)
        elapsed = time.perf_counter() - started
        results[label] = proposals
        covered, total, score, wanted = summary(proposals)
        taken = Counter(s.role_id for v in proposals.values() for s in v)
        over = sum(1 for r in roles if taken[r.role_id] > r.capacity)
        print(f"  {label}: {elapsed:.2f} s; {covered} residents with a suggestion, {total} suggestions, "
              f"total score {score:.0f}, {wanted} for an initiative they asked for, roles over capacity: {over}"
              + (f" (aim under 10 s) {'OK' if elapsed < 10 else 'ABOVE AIM'}" if solver is solve else ""))
    started = time.perf_counter()
    pairs = propose_pairs(inits, focus=evening)
    print(f"  initiative pairs for an evening of {len(evening)} presenters among {len(inits)}: {len(pairs)} pairs "
          f"in {(time.perf_counter() - started) * 1000:.0f} ms")


if __name__ == "__main__":
    main()
