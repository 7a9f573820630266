"""Matching after the evening: capacity respected across everyone, 1–3 suggestions per contactable attendee,
the initiatives people asked for first, complementary pairs of initiatives, reasons in Dutch and English.
(What fits the evening — scope, consent, who asked — is held in test_matchmaking_evening.py.)"""
import random
from collections import Counter

import pytest
from hypothesis import given, settings, strategies as st

from matching.assignment import solve
from matching.domain import matchmaking
from matching.domain.matchmaking import (Initiative, Resident, Role, greedy_solver, propose_pairs,
                                         propose_roles)
from matching.domain.vocabulary import TARGET_GROUPS, THEMES

FAST = settings(max_examples=50, deadline=None)
THEME_CODES = sorted(THEMES)
GROUP_CODES = sorted(TARGET_GROUPS)
AREAS = ["Noord", "Centrum", "Delfshaven"]


@st.composite
def worlds(draw):
    n_inits = draw(st.integers(1, 8))
    inits = {}
    for i in range(n_inits):
        iid = f"i{i}"
        roles = tuple(Role(f"{iid}-r{k}", iid, f"rol {k}",
                           frozenset(draw(st.lists(st.sampled_from(THEME_CODES), max_size=2))),
                           draw(st.integers(0, 4)))
                      for k in range(draw(st.integers(0, 3))))
        inits[iid] = Initiative(iid, f"Initiatief {i}", draw(st.sampled_from(AREAS)),
                                frozenset(draw(st.lists(st.sampled_from(THEME_CODES), max_size=3))),
                                frozenset(draw(st.lists(st.sampled_from(GROUP_CODES), max_size=2))),
                                frozenset(draw(st.lists(st.sampled_from(GROUP_CODES + THEME_CODES), max_size=2))),
                                roles=roles, evenings=frozenset(draw(st.lists(st.sampled_from(["m1", "m2"]), max_size=2))))
    residents = [Resident(f"p{n}", frozenset(draw(st.lists(st.sampled_from(THEME_CODES), max_size=3))),
                          frozenset(["nl"]), draw(st.sampled_from(AREAS)),
                          frozenset(draw(st.lists(st.sampled_from(sorted(inits)), max_size=2))),
                          draw(st.booleans()))
                 for n in range(draw(st.integers(0, 30)))]
    return residents, inits


def capacity(inits):
    return {r.role_id: r.capacity for i in inits.values() for r in i.roles}


@FAST
@given(worlds(), st.sampled_from([solve, greedy_solver]))
def test_no_role_is_suggested_to_more_people_than_it_has_places(world, solver):
    residents, inits = world
    proposals = propose_roles(residents, inits, solver, evening_initiatives=list(inits))
    taken = Counter(s.role_id for picks in proposals.values() for s in picks)
    places = capacity(inits)
    assert all(taken[role] <= places[role] for role in taken)


@FAST
@given(worlds())
def test_only_contactable_attendees_get_one_to_three_different_suggestions(world):
    residents, inits = world
    proposals = propose_roles(residents, inits, solve, evening_initiatives=list(inits))
    contactable = {r.person_id for r in residents if r.contact}
    assert set(proposals) <= contactable
    for picks in proposals.values():
        assert 1 <= len(picks) <= 3
        assert len({s.role_id for s in picks}) == len(picks)
        assert [s.score for s in picks] == sorted((s.score for s in picks), reverse=True)
        assert all(s.reasons["nl"] and len(s.reasons["nl"]) == len(s.reasons["en"]) for s in picks)


@FAST
@given(worlds())
def test_everyone_gets_a_first_suggestion_while_places_last(world):
    residents, inits = world
    proposals = propose_roles(residents, inits, solve, evening_initiatives=list(inits))
    taken = Counter(s.role_id for picks in proposals.values() for s in picks)
    free = {role: left - taken[role] for role, left in capacity(inits).items() if left > taken[role]}
    # The evening's roles are open to every attendee, so nobody is left out while any has a place.
    assert not free or {r.person_id for r in residents if r.contact} <= set(proposals)


def test_a_popular_role_does_not_take_everyone():
    kitchen = Initiative("keuken", "de Keuken", "Delfshaven", frozenset({"koken"}),
                         roles=(Role("chef", "keuken", "Kok", frozenset({"koken"}), 2),))
    garden = Initiative("tuin", "Inspiring Garden", "Delfshaven", frozenset({"tuinieren"}),
                        roles=(Role("tuinier", "tuin", "Tuinier", frozenset({"tuinieren", "koken"}), 5),))
    residents = [Resident(f"p{n}", frozenset({"koken"}), consent=True) for n in range(6)]
    proposals = propose_roles(residents, {"keuken": kitchen, "tuin": garden}, solve, ["keuken", "tuin"],
                              per_resident=1)
    roles = Counter(picks[0].role_id for picks in proposals.values())
    assert roles == {"chef": 2, "tuinier": 4}


def test_the_initiative_someone_asked_for_comes_first_with_its_reason():
    young = Initiative("yk", "Young Kitchen", "Noord", frozenset({"koken"}),
                       roles=(Role("yk-1", "yk", "Kookmaatje", frozenset({"koken"}), 3),))
    garden = Initiative("ig", "Inspiring Garden", "Noord", frozenset({"tuinieren"}),
                        roles=(Role("ig-1", "ig", "Tuinier", frozenset({"tuinieren"}), 3),))
    fatima = Resident("fatima", frozenset({"tuinieren"}), frozenset({"nl", "ar"}), "Noord", frozenset({"yk"}), True)
    picks = propose_roles([fatima], {"yk": young, "ig": garden}, solve, ["yk", "ig"])["fatima"]
    assert picks[0].initiative_id == "yk"
    assert "Je wilde meedoen met Young Kitchen." in picks[0].reasons["nl"]
    assert "You wanted to join Young Kitchen." in picks[0].reasons["en"]
    assert any("tuinieren" in reason for reason in picks[1].reasons["nl"])


def test_the_assignment_beats_greedy_where_greedy_blocks_the_better_whole():
    # Greedy gives the one place at A to p1 (its first best), leaving p2 with nothing; the assignment sends
    # p1 to B, which p1 asked for just as much.
    a = Initiative("A", "A", roles=(Role("a", "A", "a", frozenset({"koken"}), 1),))
    b = Initiative("B", "B", roles=(Role("b", "B", "b", frozenset({"sport"}), 1),))
    p1 = Resident("p1", frozenset({"koken", "sport"}), wants=frozenset({"A", "B"}), consent=True)
    p2 = Resident("p2", frozenset(), wants=frozenset({"A"}), consent=True)
    best = propose_roles([p1, p2], {"A": a, "B": b}, solve, per_resident=1)
    assert {k: v[0].role_id for k, v in best.items()} == {"p1": "b", "p2": "a"}


# Initiatives ↔ initiatives ---------------------------------------------------------------------------------

def test_tori_oso_and_brug_tussen_jong_en_oud_are_introduced_with_plain_reasons():
    tori = Initiative("tori", "Tori Oso", "Delfshaven", frozenset({"ontmoeting"}), frozenset({"ouderen"}),
                      frozenset({"vrouwen"}), evenings=frozenset({"m1"}))
    brug = Initiative("brug", "Brug tussen jong en oud", "Noord", frozenset({"ontmoeting"}),
                      frozenset({"jongeren"}), frozenset({"ouderen"}), evenings=frozenset({"m1"}))
    vrouwen = Initiative("vrouwen", "De vrouwen van Delfshaven", "Delfshaven", frozenset({"koken"}),
                         frozenset({"vrouwen"}), frozenset(), evenings=frozenset({"m2"}))
    pairs = propose_pairs({"tori": tori, "brug": brug, "vrouwen": vrouwen}, evening_names={"m1": "Post West"})
    ids = [set(p["initiative_ids"]) for p in pairs]
    assert {"tori", "brug"} in ids and {"tori", "vrouwen"} in ids
    tori_brug = next(p for p in pairs if set(p["initiative_ids"]) == {"tori", "brug"})
    assert "Tori Oso brengt ouderen samen; Brug tussen jong en oud zoekt ouderen." in tori_brug["reasons"]["nl"]
    assert "Tori Oso brings together older people; Brug tussen jong en oud is looking for older people." \
        in tori_brug["reasons"]["en"]
    assert any("dezelfde avond (Post West)" in r for r in tori_brug["reasons"]["nl"])
    # Same evening boosts: the pair that presented together ranks first.
    assert set(pairs[0]["initiative_ids"]) == {"tori", "brug"}


@FAST
@given(worlds())
def test_pairs_are_complementary_unique_and_never_self(world):
    _residents, inits = world
    pairs = propose_pairs(inits)
    seen = set()
    for pair in pairs:
        a, b = pair["initiative_ids"]
        assert a != b
        key = frozenset((a, b))
        assert key not in seen
        seen.add(key)
        ia, ib = inits[a], inits[b]
        assert ia.looking_for & (ib.target_groups | ib.themes) or ib.looking_for & (ia.target_groups | ia.themes)
        assert pair["reasons"]["nl"] and pair["reasons"]["en"] and pair["score"] > 0


@FAST
@given(worlds())
def test_the_scores_shown_are_the_scores_of_the_reference_function(world):
    from matching.domain.matchmaking import role_score
    residents, inits = world
    evening = list(inits)[:2]
    by_id = {r.person_id: r for r in residents}
    roles = {r.role_id: (r, inits[r.initiative_id]) for i in inits.values() for r in i.roles}
    for person, picks in propose_roles(residents, inits, solve, evening_initiatives=evening).items():
        for s in picks:
            assert s.score == role_score(by_id[person], *roles[s.role_id], frozenset(evening))


# Ranking by bit sets gives exactly what scoring every role gives -------------------------------------------

def _score_every_role(evening):
    """The plain ranking the bit sets replace: ``role_score`` for every role, best first, then by role number."""
    from matching.domain.matchmaking import role_score

    def best(index, resident, limit):
        scores = [(role_score(resident, role, initiative, evening), i) for i, (role, initiative) in enumerate(index.roles)
                  if matchmaking.in_scope(resident, initiative.initiative_id, evening)]
        return sorted((s for s in scores if s[0] > 0), key=lambda s: (-s[0], s[1]))[:limit]
    return best


def _seeded_world(seed, residents=400, initiatives=30):
    """Like bench/matching.py's evening, plus the awkward cases: roles without themes of their own or without
    places, initiatives without an area or languages, areas in other cases, residents without interests."""
    rng = random.Random(seed)
    langs = ["nl", "ar", "tr", "en", "pap"]
    inits = {}
    for i in range(initiatives):
        iid = f"i{i}"
        own = frozenset(rng.sample(THEME_CODES, rng.randint(0, 3)))
        roles = tuple(Role(f"{iid}-r{k}", iid, f"Rol {k}", frozenset(rng.sample(THEME_CODES, rng.randint(0, 3))),
                           rng.randint(0, 6)) for k in range(rng.randint(0, 5)))
        inits[iid] = Initiative(iid, f"Initiatief {i}", rng.choice(AREAS + ["", "noord"]), own,
                                languages=frozenset(rng.sample(langs, rng.randint(0, 2))), roles=roles)
    people = [Resident(f"p{n}", frozenset(rng.sample(THEME_CODES, rng.randint(0, 4))),
                       frozenset(rng.sample(langs, rng.randint(0, 2))), rng.choice(AREAS + ["", "NOORD"]),
                       frozenset(rng.sample(sorted(inits) + ["gone"], rng.randint(0, 3))), rng.random() < 0.9)
              for n in range(residents)]
    return people, inits, [f"i{i}" for i in range(0, initiatives, 4)]


def _as_dicts(proposals):
    return {person: [s.as_dict() for s in picks] for person, picks in proposals.items()}


@pytest.mark.parametrize("seed", [1, 2, 3])
@pytest.mark.parametrize("solver", [solve, greedy_solver])
def test_the_suggestions_and_reasons_are_those_of_scoring_every_role(seed, solver, monkeypatch):
    people, inits, evening = _seeded_world(seed)
    fast = _as_dicts(propose_roles(people, inits, solver, evening, candidates_per_resident=5))
    monkeypatch.setattr(matchmaking._RoleIndex, "best", _score_every_role(frozenset(evening)))
    assert fast == _as_dicts(propose_roles(people, inits, solver, evening, candidates_per_resident=5))


@FAST
@given(worlds(), st.integers(1, 10))
def test_each_residents_candidates_are_their_best_roles_in_scoring_order(world, limit):
    residents, inits = world
    evening = frozenset(list(inits)[:2])
    index = matchmaking._RoleIndex(inits, evening)
    reference = _score_every_role(evening)
    for resident in residents:
        assert index.best(resident, limit) == reference(index, resident, limit)
