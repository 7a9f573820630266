"""Erasure through the API holds for the resident and the evening: their registration cancelled, their
place given to whoever waited, their colour gone; signing up again afterwards works, as someone new."""
from tests.support import unique_email, wait_until


def test_an_erased_resident_frees_their_place_loses_their_colour_and_can_sign_up_again_as_someone_new(stack):
    meeting = stack.create_meeting(capacity=1)
    mid = meeting["id"]
    email = unique_email("gewist")
    resident = stack.sign_up(mid, name="Said Amrani", email=email)
    waiting = stack.sign_up(mid, name="Lotte Bakker")
    assert (resident["status"], waiting["status"]) == ("confirmed", "waitlisted")
    wait_until(lambda: stack.mail(to=email), 60, message="the first confirmation")
    url = f"/api/v1/meetings/{mid}/checkins"
    assert stack.post("registration", url, {"registration_id": resident["registration_id"]},
                      organiser=True).status_code == 201
    colour = f"{url}/{resident['person_id']}"
    wait_until(lambda: stack.get("registration", colour, headers=stack.organiser).json()["colour"], 60,
               message="the colour")

    erased = stack.http.delete(stack.url("registration", f"/api/v1/people/{resident['person_id']}"),
                               headers=stack.organiser, timeout=10)
    assert erased.status_code == 200

    def status_of(registration_id):
        listed = stack.get("registration", f"/api/v1/meetings/{mid}/registrations",
                           headers=stack.organiser).json()["registrations"]
        return next(r["status"] for r in listed if r["registration_id"] == registration_id)

    assert status_of(resident["registration_id"]) == "cancelled"
    wait_until(lambda: status_of(waiting["registration_id"]) == "confirmed", 30, message="the waiting promoted")
    found = stack.get("registration", colour, headers=stack.organiser)
    assert found.status_code == 404 or found.json()["colour"] is None
    door = stack.get("registration", f"/api/v1/meetings/{mid}/checkins", headers=stack.organiser).json()
    assert not [c for c in door["checkins"] if c.get("colour") and c["person_id"] == resident["person_id"]]
    counted = stack.get("registration", f"/api/v1/meetings/{mid}").json()
    assert counted["confirmed"] == 1

    # Signing up again with the same address: a new person (new ids), told as anyone new is.
    again = stack.sign_up(mid, name="Said Amrani", email=email)
    assert again["status"] == "waitlisted" and again["registration_id"] != resident["registration_id"]
    assert again["person_id"] != resident["person_id"]
    mails = wait_until(lambda: m if len(m := stack.mail(to=email)) >= 2 else None, 60,
                       message="the new sign-up's message")
    assert len(mails) == 2


def test_a_resident_who_cancelled_can_sign_up_again(stack):
    meeting = stack.create_meeting(capacity=1)
    email = unique_email("terug")
    first = stack.sign_up(meeting["id"], email=email)
    cancelled = stack.post("registration", f"/api/v1/registrations/{first['registration_id']}/cancel", organiser=True)
    assert cancelled.json()["status"] == "cancelled"
    again = stack.post("registration", f"/api/v1/meetings/{meeting['id']}/registrations",
                       {**first["request"], "email": email.upper()})
    assert again.status_code == 201 and again.json()["status"] == "confirmed"
    assert again.json()["person_id"] == first["person_id"]  # the same person, a new registration
    assert again.json()["registration_id"] != first["registration_id"]
    repeat = stack.post("registration", f"/api/v1/meetings/{meeting['id']}/registrations", first["request"])
    assert repeat.json() == {"status": "already_registered"}
