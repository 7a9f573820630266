"""Matching's worker and api on the real Kafka and store: registration's events in, matching's events and
answers out — colours at the door, the timetable, the proposals, an answer link, erasure."""
import uuid

from tests.support import wait_until

from .conftest import Evening, event, of_meeting


def test_an_evening_through_matching(stack, publish, reader):
    evening = Evening(initiatives=3)
    people = [f"p-{uuid.uuid4().hex[:8]}" for _ in range(12)]
    pair = people[:2]
    companions = {pair[0]: [pair[1]], pair[1]: [pair[0]]}
    publish(evening.scheduled(), *evening.initiatives(),
            *[evening.registration(p, companions.get(p, [])) for p in people])
    first = evening.checked_in(people[0], companions[people[0]], expected=12)
    publish(first, first, *[evening.checked_in(p, companions.get(p, []), expected=12) for p in people[1:]])

    def seated():
        r = stack.get("matching", f"/api/v1/meetings/{evening.meeting_id}/groups", headers=stack.organiser)
        return r.json() if r.status_code == 200 and sum(len(g["members"]) for g in r.json()["groups"]) == 12 \
            else None

    groups = wait_until(seated, 60, message="12 people seated")["groups"]
    # 12 expected at group size 6: three tables of 4 (two of 6 would leave no room for a third opened late).
    assert [(g["colour"], g["table"], len(g["members"])) for g in groups] == [("rood", 1, 4), ("blauw", 2, 4),
                                                                               ("groen", 3, 4)]
    colour = {p: g["colour"] for g in groups for p in g["members"]}
    assert colour[pair[0]] != colour[pair[1]]
    assigned = reader.wait_for(lambda seen: len(of_meeting(seen, evening.meeting_id, "colour.assigned")) >= 12,
                               message="12 colour.assigned")
    assigned = of_meeting(assigned, evening.meeting_id, "colour.assigned")
    assert sorted(e["payload"]["person_id"] for e in assigned) == sorted(people)  # once each, the repeat ignored
    assert all(e["payload"]["colour"] == colour[e["payload"]["person_id"]] for e in assigned)

    publish(evening.step("started", 60))
    schedule = wait_until(lambda: (r := stack.get("matching", f"/api/v1/meetings/{evening.meeting_id}/schedule"))
                          .json()["rounds"] and r.json(), 30, message="the timetable")
    assert len(schedule["rounds"]) == 3
    for r in schedule["rounds"]:
        assert len({t["initiative_id"] for t in r["tables"]}) == 3 and all(t["question"] for t in r["tables"])
    assert len(of_meeting(reader.wait_for(lambda s: of_meeting(s, evening.meeting_id, "schedule.published")),
                          evening.meeting_id, "schedule.published")) == 1

    publish(evening.interests(people[3], [evening.initiative_ids[2]]), evening.step("closed", 180))
    matches = wait_until(lambda: (r := stack.get("matching", f"/api/v1/meetings/{evening.meeting_id}/matches", headers=stack.organiser))
                         .json()["proposed"] and r.json(), 60, message="the proposals")
    by_person = {r["person_id"]: r["suggestions"] for r in matches["residents"]}
    assert by_person[people[3]][0]["initiative_id"] == evening.initiative_ids[2]
    assert "Je wilde meedoen met Young Kitchen." in by_person[people[3]][0]["reasons"]
    english = stack.get("matching", f"/api/v1/meetings/{evening.meeting_id}/matches?lang=en", headers=stack.organiser).json()
    assert any("You wanted to join Young Kitchen." in s["reasons"]
               for r in english["residents"] for s in r["suggestions"])
    # Tonight's initiatives are introduced to partners that complement them (the shared store holds many more
    # initiatives than tonight's, so which partners win is not fixed: who looks for what they offer is).
    pairs = [p for p in matches["initiatives"] if set(p["initiative_ids"]) & set(evening.initiative_ids)]
    assert {i for p in pairs for i in p["initiative_ids"]} >= set(evening.initiative_ids[:2])
    assert all(len(set(p["initiative_ids"])) == 2 and p["reasons"] for p in matches["initiatives"])
    assert any("Tori Oso brengt ouderen samen" in r or "Tori Oso zoekt vrouwen" in r
               for p in pairs for r in p["reasons"])

    proposed = of_meeting(reader.wait_for(lambda s: of_meeting(s, evening.meeting_id, "matches.proposed")),
                          evening.meeting_id, "matches.proposed")[0]["payload"]
    suggestion = next(r for r in proposed["residents"] if r["person_id"] == people[3])["suggestions"][0]
    token = suggestion["accept_url"].rsplit("/", 1)[1]
    page = stack.get("matching", f"/antwoord/{token}")
    assert page.status_code == 200 and "Young Kitchen" in page.text
    for _ in range(2):
        answered = stack.post("matching", f"/api/v1/answers/{token}")
        assert answered.status_code == 200 and answered.json()["answer"] == "accept"
    accepted = reader.wait_for(lambda s: of_meeting(s, evening.meeting_id, "match.accepted"))
    assert [e["payload"]["person_id"] for e in of_meeting(accepted, evening.meeting_id, "match.accepted")] \
        == [people[3]]
    assert stack.post("matching", f"/api/v1/answers/{token[:-3]}abc").status_code == 404

    publish(event("person.erased", {"person_id": people[3]}, people[3]))

    def forgotten():
        groups_now = stack.get("matching", f"/api/v1/meetings/{evening.meeting_id}/groups", headers=stack.organiser).json()["groups"]
        residents = stack.get("matching", f"/api/v1/meetings/{evening.meeting_id}/matches", headers=stack.organiser).json()["residents"]
        return all(people[3] not in g["members"] for g in groups_now) and \
            all(r["person_id"] != people[3] for r in residents)

    wait_until(forgotten, 30, message="the erased person gone")
    assert stack.post("matching", f"/api/v1/answers/{token}").status_code == 404


def test_unknown_evenings_and_bad_links_are_4xx(stack):
    assert stack.get("matching", "/api/v1/meetings/does-not-exist/groups", headers=stack.organiser).status_code == 404
    assert stack.get("matching", "/antwoord/not-a-token").status_code == 404
    assert stack.get("matching", "/api/v1/meetings/x/seating/y").status_code == 401
    for odd in ("y", "a.b", "%24x", "g%09", "%F3%A4%80%A2"):  # ids become field names: none may break a path
        assert stack.get("matching", f"/api/v1/meetings/x/seating/{odd}", headers=stack.organiser).status_code == 404
    assert stack.get("matching", "/readyz").status_code == 200
    assert stack.get("matching", "/openapi.json").json()["paths"]
