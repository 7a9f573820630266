"""Closing an evening proposes what fits that evening (DESIGN §4), from registration's events on the real store:
roles only at the evening's presenters and at initiatives a resident asked to join; every attendee who agreed
to be contacted is suggested roles (walk-ins and those who did not share their details too), and
``share_details`` tells the initiative's side whether it may see them before they accept; initiatives of
another evening and another area are not introduced."""
from matching.adapters import store

from .conftest import Evening, event
from .test_handlers_on_store import apply, pending_events, seat_everyone


def _elsewhere(evening_id: str) -> tuple[dict, dict]:
    """An initiative that presented at another evening, in Noord, offering what tonight's presenters look for."""
    iid = f"noord-{evening_id}"
    return iid, event("initiative.registered", {
        "initiative_id": iid, "name": "Stichting Noordplus", "description": "", "area": "Noord",
        "themes": ["koken", "ontmoeting"], "target_groups": ["ouderen", "vrouwen"], "looking_for": ["jongeren"],
        "roles": [{"role_id": f"{iid}-0", "title": "Kok", "themes": ["koken"], "capacity": 20}],
        "contact": {"name": "Contact", "email": "noordplus@example.org"}}, iid)


def test_a_close_suggests_only_what_fits_the_evening_to_everyone_who_may_be_contacted(scratch_db):
    evening = Evening(initiatives=3)
    noord, registered = _elsewhere(evening.meeting_id)
    apply(scratch_db, registered)
    people = [f"p{i}" for i in range(6)]
    seat_everyone(scratch_db, evening, people, {})
    # p1 did not share their details; p2 asked not to be contacted; "walk" came in at the door.
    apply(scratch_db, evening.registration("p1", consent=False))
    quiet = evening.registration("p2", consent=False)
    quiet["payload"]["consent"]["contact"] = False
    apply(scratch_db, quiet)
    walk_in = evening.registration("walk", consent=False)
    walk_in["payload"]["walk_in"] = True
    apply(scratch_db, walk_in)
    apply(scratch_db, evening.checked_in("walk", expected=7))
    # p3 said at the door they want to join Noordplus too, which was not there tonight.
    apply(scratch_db, evening.interests("p3", [noord]))
    apply(scratch_db, evening.step("closed", 180))

    (proposed,) = pending_events(scratch_db, "matches.proposed")
    residents = {r["person_id"]: r["suggestions"] for r in proposed["payload"]["residents"]}
    assert set(residents) == {"p0", "p1", "p3", "p4", "p5", "walk"}  # p2 may not be contacted
    for person, suggestions in residents.items():
        allowed = set(evening.initiative_ids) | ({noord} if person == "p3" else set())
        assert {s["initiative_id"] for s in suggestions} <= allowed, person
        assert all(s["share_details"] == (person not in ("p1", "walk")) for s in suggestions)
    assert residents["p3"][0]["initiative_id"] == noord
    assert residents["p3"][0]["reasons"]["codes"][0] == "asked"
    # Pairs only among tonight's presenters: Noordplus (another evening, another area) is introduced to no one.
    pairs = proposed["payload"]["initiatives"]
    assert pairs and all(set(p["initiative_ids"]) <= set(evening.initiative_ids) for p in pairs)
    shown = store.matches(scratch_db, evening.meeting_id)
    assert {r["person_id"] for r in shown["residents"]} == set(residents)
