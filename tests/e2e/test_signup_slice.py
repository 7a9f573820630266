"""The walking skeleton's slice, through the public contract: an organiser schedules an evening, residents
sign up, and each hears back on the channel they chose; the delivery shows in the delivery log."""
import random
import re

from tests.support import unique_email, wait_until


def random_mobile() -> tuple[str, str]:
    """A Dutch mobile number as a resident types it, and as E.164."""
    digits = "12" + "".join(random.choice("0123456789") for _ in range(6))  # 06-1x: a valid mobile range
    return f"06-{digits[:4]} {digits[4:]}", f"+316{digits}"


def deliveries(stack, person_id):
    r = stack.get("notifications", "/api/v1/deliveries", params={"person_id": person_id}, headers=stack.organiser)
    assert r.status_code == 200, r.text
    return r.json()["deliveries"]


def test_email_sign_up_gets_one_confirmation_email(stack):
    meeting = stack.create_meeting(title="Wijkkracht Noord")
    email = unique_email()
    signed_up = stack.sign_up(meeting["id"], name="Fatima El Amrani", email=email)
    assert signed_up["status"] == "confirmed"

    mail = wait_until(lambda: stack.mail(to=email), 60, message="the confirmation email")
    assert len(mail) == 1
    assert "Fatima" in mail[0]["text"]
    assert "Wijkkracht Noord" in mail[0]["subject"] + mail[0]["text"]

    sent = wait_until(lambda: [d for d in deliveries(stack, signed_up["person_id"]) if d["status"] == "sent"],
                      30, message="the delivery marked sent")
    assert sent[0]["kind"] == "confirmation"
    assert sent[0]["channel"] == "email"
    assert sent[0]["meeting_id"] == meeting["id"]


def test_signing_up_twice_learns_nothing_and_the_confirmation_goes_again_to_the_address_on_file(stack):
    meeting = stack.create_meeting()
    email = unique_email()
    first = stack.sign_up(meeting["id"], email=email)
    wait_until(lambda: stack.mail(to=email), 60, message="the confirmation email")

    again = stack.post("registration", f"/api/v1/meetings/{meeting['id']}/registrations",
                       {**first["request"], "email": email.upper(), "name": "Someone Else"})
    assert again.status_code == 200 and again.json() == {"status": "already_registered"}
    # The confirmation goes once more, to the resident (with their own name), not to whoever asked.
    mail = wait_until(lambda: m if len(m := stack.mail(to=email)) == 2 else None, 60,
                      message="the confirmation sent again")
    assert all(first["code"] in m["text"] and "Fatima" in m["text"] for m in mail)

    # An organiser gets the registration itself; nothing more is sent for that.
    organiser = stack.post("registration", f"/api/v1/meetings/{meeting['id']}/registrations",
                           {**first["request"], "email": email.upper()}, organiser=True)
    assert organiser.status_code == 200
    assert (organiser.json()["registration_id"], organiser.json()["person_id"]) == (first["registration_id"],
                                                                                   first["person_id"])
    def both_sent():
        sent = [d for d in deliveries(stack, first["person_id"]) if d["kind"] == "confirmation"
                and d["status"] == "sent"]
        return sent if len(sent) == 2 else None

    confirmations = wait_until(both_sent, 30, message="both confirmations marked sent")
    assert len(confirmations) == 2 and len(stack.mail(to=email)) == 2


def test_sms_sign_up_gets_a_text_at_the_number_in_e164(stack):
    meeting = stack.create_meeting(title="Wijkkracht Delfshaven", venue="Post West", area="Delfshaven")
    typed, e164 = random_mobile()
    signed_up = stack.sign_up(meeting["id"], name="Kees de Vries", email=None, phone=typed,
                              preferred_channel="sms")

    texts = wait_until(lambda: stack.sms(to=e164), 60, message="the confirmation SMS")
    assert len(texts) == 1
    assert "Kees" in texts[0]["body"] or "Post West" in texts[0]["body"]
    log = wait_until(lambda: [d for d in deliveries(stack, signed_up["person_id"]) if d["status"] == "sent"],
                     30, message="the SMS delivery marked sent")
    assert log[0]["channel"] == "sms"


def test_a_sign_up_without_a_way_to_reach_the_resident_is_refused_with_the_field(stack):
    meeting = stack.create_meeting()
    r = stack.post("registration", f"/api/v1/meetings/{meeting['id']}/registrations", {
        "name": "Zonder Contact", "languages": ["nl"], "interests": [], "preferred_channel": "email",
        "consent": {"contact": True, "share_with_initiatives": False}})
    assert 400 <= r.status_code < 500
    error = r.json()["error"]
    assert "email" in error.get("fields", {})


def test_a_companion_hears_in_their_own_message_who_signed_them_up_and_can_cancel(stack):
    meeting = stack.create_meeting(title="Wijkkracht Samen")
    typed, e164 = random_mobile()
    signed_up = stack.sign_up(meeting["id"], name="Fatima El Amrani", companions=[{"name": "Yusuf", "phone": typed}],
                              consent={"contact": True, "share_with_initiatives": True})
    [companion] = signed_up["companions"]
    texts = wait_until(lambda: stack.sms(to=e164), 60, message="the companion's own text")
    assert len(texts) == 1
    assert "Fatima El Amrani heeft je aangemeld" in texts[0]["body"] and "/afmelden/" in texts[0]["body"]
    # Their consent to share is their own to give: the resident's does not count for them.
    exported = stack.get("registration", f"/api/v1/people/{companion['person_id']}/export",
                         headers=stack.organiser).json()
    assert exported["registrations"][0]["consent"]["share_with_initiatives"] is False
    cancel_url = re.search(r"https?://\S+/afmelden/\S+", texts[0]["body"]).group(0)
    page = stack.http.get(cancel_url, timeout=10)
    assert page.status_code == 200
