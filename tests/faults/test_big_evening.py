"""An evening of 1,000 attendees closes while another evening's door keeps checking people in. The close makes
the proposals in parts (each part its own small document and its own matches.proposed), so no message is too
big for the broker, none is parked or dead-lettered, and the other evening's arrivals keep getting colours
meanwhile. Afterwards every attendee has 1-3 suggestions from that evening's initiatives, the organiser reads
them all at /matches, and notifications has a thank-you for each."""
import concurrent.futures
import time

import pymongo
import pymongo.errors
import pytest
import requests

from tests.faults.stream import Stream, colours, dlq_ends, report, seated
from tests.support import unique, wait_until

ATTENDEES = 1000
OTHER_ARRIVALS = 60
ASKING = 20          # attendees who said at the door they want to join the third initiative
PLACES = 400         # per role; two roles per initiative: room for everyone's suggestions


def _initiatives(stack, run: str) -> list[dict]:
    made = []
    for n, (theme, group) in enumerate((("koken", "ouderen"), ("ontmoeting", "jongeren"), ("tuinieren", "vrouwen"))):
        body = {"name": f"Groot {n} {run}", "description": "Voor de grote avond", "area": "Feijenoord",
                "contact": {"name": f"Groot {n}", "email": f"groot{n}.{run}@example.org"}, "themes": [theme],
                "target_groups": [group], "looking_for": [["jongeren", "vrouwen", "ouderen"][n]],
                "roles": [{"title": f"Rol {k}", "description": "Meehelpen", "themes": [theme], "capacity": PLACES}
                          for k in range(2)]}
        r = stack.post("registration", "/api/v1/initiatives", body, organiser=True)
        assert r.status_code == 201 and r.json()["status"] == "approved", r.text
        made.append(r.json())
    return made


def _polled(read):
    """``read`` for a poll: a connection reset (a keep-alive closed by a busy server, the store restarting) is
    just "not yet"."""
    def poll():
        try:
            return read()
        except (requests.RequestException, pymongo.errors.PyMongoError):
            return None
    return poll


def _parked(stack) -> int:
    client = pymongo.MongoClient(stack.env["MONGODB_URI"], serverSelectionTimeoutMS=10_000)
    try:
        return sum(client[name]["parked_events"].count_documents({})
                   for name in ("registration", "matching", "notifications"))
    finally:
        client.close()


def _matches(stack, meeting_id: str) -> dict:
    r = stack.http.get(stack.url("matching", f"/api/v1/meetings/{meeting_id}/matches"), headers=stack.organiser,
                       timeout=60)
    r.raise_for_status()
    return r.json()


def _thanks(stack, meeting_id: str) -> set[str]:
    """Who has a thank-you recorded at notifications (its deliveries API shows an evening's first 1,000
    deliveries only, and this evening has confirmations, colours and reminders too: counted in its store)."""
    client = pymongo.MongoClient(stack.env["MONGODB_URI"], serverSelectionTimeoutMS=10_000)
    try:
        return {d["person_id"] for d in client["notifications"]["deliveries"].find(
            {"meeting_id": meeting_id, "kind": "thanks"}, {"person_id": 1})}
    finally:
        client.close()


@pytest.mark.slow
@pytest.mark.timeout(1500)  # a few minutes on a quiet machine; seating 1,000 arrivals slows with the load
def test_a_big_evening_closes_while_another_evenings_door_keeps_going(stack):
    run = unique("big")
    initiatives = _initiatives(stack, run)
    ids = [i["id"] for i in initiatives]
    big = stack.create_meeting(title=f"Grote avond {run}", area="Feijenoord", venue="Pier 80", capacity=None,
                               initiative_ids=ids)["id"]
    other = stack.create_meeting(title=f"Andere avond {run}", area="Noord", capacity=None)["id"]
    dead_before = dlq_ends(stack.env["KAFKA_BOOTSTRAP_SERVERS"])
    parked_before = _parked(stack)

    # 1,000 sign up and come in through the public API (as many clients at once as a busy door and website).
    seeded_at = time.monotonic()
    crowd = Stream(stack, big, run, checkins=ATTENDEES, clients=12)
    crowd.run_all(ATTENDEES)
    assert len(crowd.answered) == ATTENDEES and len(crowd.checked_in) == ATTENDEES, dict(crowd.refused)
    arrived = set(crowd.checked_in)
    wait_until(_polled(lambda: sum(seated(stack, big).values()) >= ATTENDEES), 900, interval_s=2.0,
               message="a seat for each of the 1,000")
    seeded_s = time.monotonic() - seeded_at
    asking = sorted(arrived)[:ASKING]
    for person_id in asking:
        r = stack.post("registration", f"/api/v1/meetings/{big}/interests",
                       {"person_id": person_id, "initiative_ids": [ids[2]]}, organiser=True)
        assert r.status_code in (200, 201), r.text
    door = Stream(stack, other, f"{run}-other", clients=4)
    door.run_all(OTHER_ARRIVALS)
    assert len(door.answered) == OTHER_ARRIVALS, dict(door.refused)

    # The big evening closes; the other evening's door checks people in meanwhile, each waiting for its colour.
    assert stack.post("registration", f"/api/v1/meetings/{big}/close", organiser=True).status_code == 200
    closed_at = time.monotonic()
    waits: dict[str, float] = {}

    def arrive(doc):
        door.check_in(doc)
        started = time.monotonic()
        url = f"/api/v1/meetings/{other}/checkins/{doc['person_id']}"

        def colour():
            r = stack.http.get(stack.url("registration", url), headers=stack.organiser, timeout=30)
            return r.status_code == 200 and r.json().get("colour")
        wait_until(_polled(colour), 120, interval_s=0.05, message="a colour at the other evening's door")
        waits[doc["person_id"]] = time.monotonic() - started

    with concurrent.futures.ThreadPoolExecutor(max_workers=4) as pool:
        list(pool.map(arrive, door.answered))
    door_done_s = time.monotonic() - closed_at

    seen = {"matches": {"residents": [], "parts": 0}, "thanks": set()}

    def proposed():
        seen["matches"] = m = _matches(stack, big)
        return m if m["proposed"] and len(m["residents"]) >= ATTENDEES else None

    def thanked():
        seen["thanks"] = t = _thanks(stack, big)
        return t if len(t) >= ATTENDEES else None

    try:
        matches = wait_until(_polled(proposed), 240, interval_s=2.0, message="every attendee's suggestions")
        seen["proposed_s"] = time.monotonic() - closed_at
        thanks = wait_until(_polled(thanked), 600, interval_s=2.0, message="a thank-you recorded for every attendee")
        asked_at = time.monotonic()
        _matches(stack, big)
        seen["read_s"] = time.monotonic() - asked_at
    finally:
        shown = colours(stack, other)
        dead = {t: n - dead_before.get(t, 0) for t, n in dlq_ends(stack.env["KAFKA_BOOTSTRAP_SERVERS"]).items()}
        parked = _parked(stack) - parked_before
        latest, thanked_now = seen["matches"], seen["thanks"]
        other_ids = {d["person_id"] for d in door.answered}
        ordered = sorted(waits.values())
        report("big evening", attendees=len(arrived), seeded_s=round(seeded_s, 1),
               colours_assigned=len(shown.keys() & other_ids), colours_missing=len(other_ids - shown.keys()),
               other_door_colour_s_median=round(ordered[len(ordered) // 2], 2) if ordered else None,
               other_door_colour_s_max=round(ordered[-1], 2) if ordered else None,
               other_door_done_s=round(door_done_s, 1),
               residents_proposed=len(latest["residents"]), proposals_parts=latest.get("parts"),
               proposed_s=round(seen.get("proposed_s", -1), 1), matches_read_s=round(seen.get("read_s", -1), 2),
               thanks_recorded=len(thanked_now), lost=len(arrived - {r["person_id"] for r in latest["residents"]}),
               dlq=sum(dead.values()), parked=parked)
    assert set(shown) == other_ids, "an arrival at the other evening got no colour"
    assert sum(dead.values()) == 0, f"dead-lettered: {dead}"
    assert parked == 0, "an event was parked"
    by_person = {r["person_id"]: r["suggestions"] for r in matches["residents"]}
    assert set(by_person) == arrived  # every attendee (none of whom shared their details), no one else
    assert matches["parts"] > 1  # 1,000 residents' suggestions do not go as one message
    taken: dict[str, int] = {}
    for person_id, suggestions in by_person.items():
        assert 1 <= len(suggestions) <= 3
        assert {s["initiative_id"] for s in suggestions} <= set(ids)  # only that evening's initiatives
        assert not any(s["share_details"] for s in suggestions)
        for s in suggestions:
            taken[s["role_id"]] = taken.get(s["role_id"], 0) + 1
    assert all(n <= PLACES for n in taken.values())
    assert all(by_person[p][0]["initiative_id"] == ids[2] for p in asking)
    assert set(thanks) == arrived
