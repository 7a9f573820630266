"""Matching after the evening: 10,000 residents x 500 roles with capacities (aim under 5 s). Needs no stack.

Times the capacity-respecting assignment (and how much of it the solver took), and a greedy best-edge-first
baseline run in the same process on the same data (total score, who got a first suggestion). Ends with one
``RESULT`` line; ``ratio`` is the assignment's time over the baseline's, ``suggested`` the residents with a
suggestion, ``over_capacity`` the roles given to more people than they have places, in either run.
Usage: python bench/matching.py [--smoke] [--residents 10000] [--initiatives 100] [--roles-per-initiative 5]
"""
import argparse
import os
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


def timed(solver, spent: list):
    """The solver, adding the seconds each call takes to ``spent``."""
    def run(*args):
        started = time.perf_counter()
        try:
            return solver(*args)
        finally:
            spent.append(time.perf_counter() - started)
    return run


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--smoke", action="store_true", help="a small evening (1,000 x 50), to check it runs")
    parser.add_argument("--residents", type=int)
    parser.add_argument("--initiatives", type=int)
    parser.add_argument("--roles-per-initiative", type=int, default=5)
    args = parser.parse_args()
    args.residents = args.residents or (1_000 if args.smoke else 10_000)
    args.initiatives = args.initiatives or (10 if args.smoke else 100)
    rng = random.Random(42)
    people, inits, evening = world(rng, args.residents, args.initiatives, args.roles_per_initiative)
    roles = [r for i in inits.values() for r in i.roles]
    places = sum(r.capacity for r in roles)
    consenting = sum(1 for p in people if p.consent)
    print(f"matching: {len(people)} residents ({consenting} consenting) x {len(roles)} roles, {places} places")
    print(f"  load average {' / '.join(f'{x:.2f}' for x in os.getloadavg())} (1 / 5 / 15 min), {os.cpu_count()} cores")
    seconds, covered_by, over_capacity = {}, {}, 0
    for label, solver in (("assignment (scipy LAPJV, capacity-expanded)", solve), ("greedy baseline", greedy_solver)):
        in_solver: list[float] = []
        started = time.perf_counter()
        proposals = propose_roles(people, inits, timed(solver, in_solver), evening)
        seconds[solver] = elapsed = time.perf_counter() - started
        covered, total, score, wanted = summary(proposals)
        covered_by[solver] = covered
        taken = Counter(s.role_id for v in proposals.values() for s in v)
        over = sum(1 for r in roles if taken[r.role_id] > r.capacity)
        over_capacity += over
        print(f"  {label}: {elapsed:.2f} s (solver {sum(in_solver):.2f} s in {len(in_solver)} passes, scoring and "
              f"reasons {elapsed - sum(in_solver):.2f} s); {covered} residents with a suggestion, {total} suggestions, "
              f"total score {score:.0f}, {wanted} for an initiative they asked for, roles over capacity: {over}"
              + (f" (aim under 5 s) {'OK' if elapsed < 5 else 'ABOVE AIM'}" if solver is solve else ""))
    started = time.perf_counter()
    pairs = propose_pairs(inits, focus=evening)
    print(f"  initiative pairs for an evening of {len(evening)} presenters among {len(inits)}: {len(pairs)} pairs "
          f"in {(time.perf_counter() - started) * 1000:.0f} ms")
    ratio = seconds[solve] / seconds[greedy_solver]
    print(f"RESULT name=matching residents={len(people)} roles={len(roles)} seconds={seconds[solve]:.3f} "
          f"baseline_seconds={seconds[greedy_solver]:.3f} ratio={ratio:.2f} suggested={covered_by[solve]} "
          f"over_capacity={over_capacity}")
    return 1 if over_capacity else 0


if __name__ == "__main__":
    sys.exit(main())
