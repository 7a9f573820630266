"""Tables that mix, through all three services: seven sign up and come, one check-in is taken back by mistake;
at the start the table too small for a conversation closes, and its people see their new colour at the door and
get a short message saying so, in their own language."""
from tests.support import unique_email, wait_until


def test_a_small_table_closes_at_the_start_and_its_people_hear_their_new_colour(stack):
    meeting = stack.create_meeting(title="Wijkkracht Noord, kleine avond", group_size=6)
    mid = meeting["id"]
    people = [stack.sign_up(mid, name=f"Bewoner {n}", email=unique_email(), language="en" if n % 2 else "nl")
              for n in range(7)]
    by_person = {p["person_id"]: p for p in people}

    def colour_of(person_id):
        r = stack.get("registration", f"/api/v1/meetings/{mid}/checkins/{person_id}", headers=stack.organiser)
        return r.json() if r.status_code == 200 and r.json().get("colour") else None

    def groups():
        return stack.get("matching", f"/api/v1/meetings/{mid}/groups", headers=stack.organiser).json()["groups"]

    for person in people:  # one at a time, as at the door
        r = stack.post("registration", f"/api/v1/meetings/{mid}/checkins",
                       {"registration_id": person["registration_id"]}, organiser=True)
        assert r.status_code in (200, 201), r.text
        wait_until(lambda: colour_of(person["person_id"]), 60, message="a colour at the door")
    mistaken = people[-1]["person_id"]
    r = stack.http.delete(stack.url("registration", f"/api/v1/meetings/{mid}/checkins/{mistaken}"),
                          headers=stack.organiser, timeout=10)
    assert r.status_code in (200, 204), r.text
    # Seven expected for one table: the fifth opened a second, ahead of need; the mistaken one's seat is free.
    seated = wait_until(lambda: (g := groups()) and sum(len(x["members"]) for x in g) == 6 and g, 60,
                        message="the taken-back check-in's seat freed")
    assert mistaken not in {p for g in seated for p in g["members"]}
    assert sorted(len(g["members"]) for g in seated) == [2, 4]
    small = next(g for g in seated if len(g["members"]) == 2)
    big = next(g for g in seated if len(g["members"]) == 4)

    assert stack.post("registration", f"/api/v1/meetings/{mid}/start", organiser=True).status_code == 200
    after = wait_until(lambda: (g := groups()) and len(g) == 1 and g, 60, message="the small table closed")
    assert after == [{"colour": big["colour"], "table": big["table"], "members": after[0]["members"]}]
    assert sorted(after[0]["members"]) == sorted(small["members"] + big["members"])

    for person_id in small["members"]:  # the door shows their new colour, and they are told
        wait_until(lambda: colour_of(person_id)["colour"] == big["colour"], 60, message="the new colour at the door")
        person = by_person[person_id]
        english = person["request"].get("language") == "en"
        subject = ("New colour: " if english else "Nieuwe kleur: ") + (
            {"rood": "RED", "blauw": "BLUE"}[big["colour"]] if english else big["colour"].upper())
        mail = wait_until(lambda: [m for m in stack.mail(to=person["request"]["email"]) if m["subject"] == subject],
                          60, message="the new colour's message")
        assert len(mail) == 1
    for person_id in big["members"]:  # nobody else's colour changed
        assert colour_of(person_id)["colour"] == big["colour"]
    deliveries = stack.get("notifications", f"/api/v1/deliveries?meeting_id={mid}", headers=stack.organiser).json()
    changed = sorted(d["person_id"] for d in deliveries["deliveries"] if d["kind"] == "colour_changed")
    assert changed == sorted(small["members"])
