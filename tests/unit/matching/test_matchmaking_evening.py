"""Matching that fits the evening (DESIGN §4): suggestions only from the initiatives that presented that evening
and those the resident asked to join; everyone who may be contacted gets 1–3 as far as places allow, whether
or not they agreed to share their details; nothing about a resident reaches an initiative before they accept
unless they agreed to share; a place at an initiative goes to those who asked for it first; initiative pairs
among the evening's presenters, or saying why else."""
from collections import Counter

from hypothesis import given, settings, strategies as st

from matching.assignment import solve
from matching.domain import matchmaking
from matching.domain.matchmaking import Initiative, Resident, Role, greedy_solver, propose_pairs, propose_roles
from matching.domain.vocabulary import TARGET_GROUPS, THEMES

FAST = settings(max_examples=30, deadline=None)
THEME_CODES = sorted(THEMES)
GROUP_CODES = sorted(TARGET_GROUPS)
AREAS = ["Noord", "Centrum", "Delfshaven"]


@st.composite
def evenings(draw):
    """Initiatives of several evenings, tonight's presenters among them, and tonight's attendees: some who
    asked to join initiatives (tonight's or others'), some who may not be contacted, some who did not agree to
    share their details (walk-ins are attendees like any other here)."""
    inits = {}
    for i in range(draw(st.integers(1, 9))):
        iid = f"i{i}"
        roles = tuple(Role(f"{iid}-r{k}", iid, f"rol {k}",
                           frozenset(draw(st.lists(st.sampled_from(THEME_CODES), max_size=2))),
                           draw(st.integers(0, 3)))
                      for k in range(draw(st.integers(0, 3))))
        inits[iid] = Initiative(iid, f"Initiatief {i}", draw(st.sampled_from(AREAS + [""])),
                                frozenset(draw(st.lists(st.sampled_from(THEME_CODES), max_size=3))),
                                frozenset(draw(st.lists(st.sampled_from(GROUP_CODES), max_size=2))),
                                frozenset(draw(st.lists(st.sampled_from(GROUP_CODES + THEME_CODES), max_size=2))),
                                frozenset(draw(st.lists(st.sampled_from(["nl", "ar", "tr"]), max_size=2))),
                                roles=roles)
    tonight = draw(st.lists(st.sampled_from(sorted(inits)), unique=True, max_size=len(inits)))
    residents = [Resident(f"p{n}", frozenset(draw(st.lists(st.sampled_from(THEME_CODES), max_size=4))),
                          frozenset(draw(st.lists(st.sampled_from(["nl", "ar", "tr"]), max_size=2))),
                          draw(st.sampled_from(AREAS + [""])),
                          frozenset(draw(st.lists(st.sampled_from(sorted(inits) + ["unknown"]), max_size=3))),
                          consent=draw(st.booleans()), contact=draw(st.integers(0, 5)) > 0)
                 for n in range(draw(st.integers(0, 40)))]
    return residents, inits, tonight


def _roles(inits):
    return {r.role_id: r for i in inits.values() for r in i.roles}


def _scope(resident, inits, tonight):
    """The roles with places that may be suggested to this resident."""
    return {r.role_id for i in inits.values() for r in i.roles
            if r.capacity > 0 and (i.initiative_id in tonight or i.initiative_id in resident.wants)}


@FAST
@given(evenings(), st.sampled_from([solve, greedy_solver]))
def test_only_initiatives_that_presented_or_were_asked_for_are_suggested(evening, solver):
    residents, inits, tonight = evening
    by_id = {r.person_id: r for r in residents}
    for person, picks in propose_roles(residents, inits, solver, tonight).items():
        for s in picks:
            assert s.initiative_id in tonight or s.initiative_id in by_id[person].wants


@FAST
@given(evenings(), st.sampled_from([solve, greedy_solver]))
def test_every_contactable_attendee_gets_one_to_three_as_far_as_places_allow(evening, solver):
    residents, inits, tonight = evening
    proposals = propose_roles(residents, inits, solver, tonight)
    roles = _roles(inits)
    taken = Counter(s.role_id for picks in proposals.values() for s in picks)
    assert all(taken[role] <= roles[role].capacity for role in taken)
    full = {role for role, r in roles.items() if taken[role] >= r.capacity}
    for resident in residents:
        picks = proposals.get(resident.person_id, [])
        if not resident.contact:
            assert not picks  # did not agree to be contacted: nothing
            continue
        assert len(picks) <= 3 and len({s.role_id for s in picks}) == len(picks)
        if len(picks) < 3:
            # Fewer than three only when every other role in their scope has no place left.
            assert _scope(resident, inits, tonight) - {s.role_id for s in picks} <= full, resident


@FAST
@given(evenings())
def test_not_sharing_details_still_gets_suggestions_but_shares_nothing_before_accepting(evening):
    residents, inits, tonight = evening
    proposals = propose_roles(residents, inits, solve, tonight)
    # The same evening with everyone's consent to share flipped: the same suggestions, only the sharing differs.
    flipped = propose_roles([r.__class__(**{**r.__dict__, "consent": not r.consent}) for r in residents],
                            inits, solve, tonight)
    assert {p: [s.role_id for s in v] for p, v in proposals.items()} == \
        {p: [s.role_id for s in v] for p, v in flipped.items()}
    by_id = {r.person_id: r for r in residents}
    for person, picks in proposals.items():
        resident = by_id[person]
        for s in picks:
            assert s.share_details == resident.consent
            assert s.as_dict()["share_details"] == resident.consent
            assert matchmaking.may_see_details(resident, s) == resident.consent
            assert matchmaking.may_see_details(resident, s, accepted=True)


@FAST
@given(evenings(), st.sampled_from([solve, greedy_solver]))
def test_a_place_goes_to_someone_who_asked_before_anyone_who_did_not(evening, solver):
    residents, inits, tonight = evening
    proposals = propose_roles(residents, inits, solver, tonight)
    roles = _roles(inits)
    holders: dict[str, list[Resident]] = {}
    by_id = {r.person_id: r for r in residents}
    for person, picks in proposals.items():
        for s in picks:
            holders.setdefault(s.role_id, []).append(by_id[person])
    for resident in residents:
        picks = proposals.get(resident.person_id, [])
        if not resident.contact or len(picks) >= 3:
            continue
        joined = {s.initiative_id for s in picks}
        for role_id, role in roles.items():
            if role.initiative_id in resident.wants and role.initiative_id not in joined and role.capacity > 0:
                # They asked for this initiative and got no role there: its places all went to people who
                # asked for it too.
                assert all(role.initiative_id in other.wants for other in holders.get(role_id, [])), \
                    (resident.person_id, role_id)
                assert len(holders.get(role_id, [])) == role.capacity


def test_the_evening_in_delfshaven_as_reported():
    """14 attendees, 5 of whom did not tick "share my details" (two of them asked at the door to join Young
    Kitchen); an initiative from Noord that was not there; Young Kitchen's last place."""
    young = Initiative("yk", "Young Kitchen", "Delfshaven", frozenset({"koken"}),
                       roles=(Role("yk-chef", "yk", "Kookmaatje", frozenset({"koken"}), 2),))
    radar = Initiative("radar", "Radar", "Delfshaven", frozenset({"ontmoeting"}),
                       roles=(Role("radar-1", "radar", "Gastvrouw", frozenset({"ontmoeting"}), 20),))
    noord = Initiative("noordplus", "Stichting Noordplus", "Noord", frozenset({"koken", "ontmoeting"}),
                       roles=(Role("np-1", "noordplus", "Kok", frozenset({"koken"}), 20),))
    inits = {"yk": young, "radar": radar, "noordplus": noord}
    sharing = [Resident(f"s{n}", frozenset({"koken"}), frozenset({"nl"}), "Delfshaven", consent=True)
               for n in range(9)]
    asked = [Resident(f"a{n}", frozenset(), frozenset({"nl"}), "Delfshaven", frozenset({"yk"}), consent=False)
             for n in range(2)]
    quiet = [Resident(f"q{n}", frozenset({"ontmoeting"}), consent=False) for n in range(3)]
    proposals = propose_roles(sharing + asked + quiet, inits, solve, ["yk", "radar"])
    assert len(proposals) == 14  # everyone who may be contacted, sharing or not
    assert not any(s.initiative_id == "noordplus" for picks in proposals.values() for s in picks)
    kitchen = sorted(p for p, picks in proposals.items() if any(s.role_id == "yk-chef" for s in picks))
    assert kitchen == ["a0", "a1"]  # both places to those who asked, though others like cooking more
    assert all(not s.share_details for p in ("a0", "a1", "q0") for s in proposals[p])
    first = proposals["a0"][0]
    assert first.reasons["codes"][0] == matchmaking.ASKED
    assert first.reasons["nl"][0] == "Je wilde meedoen met Young Kitchen."


def test_a_walk_in_without_interests_is_suggested_tonights_initiatives():
    radar = Initiative("radar", "Radar", "Delfshaven", roles=(Role("radar-1", "radar", "Gastvrouw", capacity=5),))
    elsewhere = Initiative("ver", "Ver weg", "Noord", roles=(Role("ver-1", "ver", "Kok", capacity=5),))
    walk_in = Resident("w", contact=True, consent=False)
    (only,) = propose_roles([walk_in], {"radar": radar, "ver": elsewhere}, solve, ["radar"])["w"]
    assert only.initiative_id == "radar"
    assert only.reasons == {"nl": ["Je hebt Radar op de avond ontmoet."], "en": ["You met Radar at the evening."],
                            "codes": [matchmaking.MET_CODE]}


# Initiatives ↔ initiatives ---------------------------------------------------------------------------------

@FAST
@given(evenings())
def test_pairs_are_among_the_presenters_or_say_why_else(evening):
    _residents, inits, tonight = evening
    if not tonight:
        return  # nobody presented: the close proposes no pairs at all (see matching.handlers.propose)
    for pair in propose_pairs(inits, focus=tonight):
        a, b = pair["initiative_ids"]
        assert a in tonight or b in tonight
        if not (a in tonight and b in tonight):
            absent = inits[b if a in tonight else a]
            assert matchmaking.same_area(inits[a], inits[b])
            assert {matchmaking.SAME_AREA, matchmaking.NOT_PRESENT} <= set(pair["reasons"]["codes"])
            assert any(absent.name in r and absent.area in r for r in pair["reasons"]["nl"])
        assert len(pair["reasons"]["nl"]) == len(pair["reasons"]["en"])


def test_an_initiative_from_another_area_that_was_not_there_is_not_introduced():
    tori = Initiative("tori", "Tori Oso", "Delfshaven", frozenset({"ontmoeting"}), frozenset({"ouderen"}),
                      frozenset({"vrouwen"}))
    women = Initiative("vrouwen", "Vrouwen van Noord", "Noord", frozenset({"koken"}), frozenset({"vrouwen"}))
    neighbours = Initiative("buren", "Vrouwen van Delfshaven", "Delfshaven", frozenset({"koken"}),
                            frozenset({"vrouwen"}))
    pairs = propose_pairs({"tori": tori, "vrouwen": women, "buren": neighbours}, focus=["tori"])
    assert [p["initiative_ids"] for p in pairs] == [["buren", "tori"]]
    assert "Vrouwen van Delfshaven was er die avond niet bij, maar werkt ook in Delfshaven." in pairs[0]["reasons"]["nl"]
