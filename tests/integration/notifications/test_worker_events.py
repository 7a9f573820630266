"""The running notifications worker, fed events as registration publishes them: what residents receive."""
from tests.integration.notifications import events as ev
from tests.support import unique_email, wait_until
from wijkkracht.events import new_event


def resent(signup: dict) -> dict:
    p = signup["payload"]
    return new_event("registration.resent", {
        "registration_id": p["registration_id"], "person_id": p["person_id"], "meeting_id": p["meeting_id"],
        "status": p["status"], "code": p["code"], "cancel_url": p["cancel_url"],
        "preferred_channel": p["preferred_channel"]}, key=p["meeting_id"], producer="registration")


def test_a_repeated_sign_up_gets_its_confirmation_again_once_however_often_the_event_arrives(stack):
    producer = ev.producer(stack)
    meeting = ev.meeting_scheduled()
    address = unique_email("resent")
    signup = ev.registration_created(meeting["payload"]["meeting_id"], email=address)
    again = resent(signup)
    ev.publish(producer, meeting, signup, again, again)  # the second copy: a redelivery
    producer.close()
    person_id = signup["payload"]["person_id"]

    def confirmations():
        found = [d for d in ev.deliveries(stack, person_id=person_id) if d["kind"] == "confirmation"]
        return len(found) == 2 and all(d["status"] == "sent" for d in found) and found

    wait_until(confirmations, 60, message="the confirmation and its resend sent")
    mails = wait_until(lambda: len(m := stack.mail(to=address)) >= 2 and m, 30, message="both in the mailbox")
    assert len(mails) == 2
    assert all(signup["payload"]["code"] in m["text"] for m in mails)


def test_a_registration_cancelled_by_an_erasure_tells_nobody(stack):
    producer = ev.producer(stack)
    meeting = ev.meeting_scheduled()
    address = unique_email("erasedcancel")
    signup = ev.registration_created(meeting["payload"]["meeting_id"], email=address)
    p = signup["payload"]
    cancelled = new_event("registration.cancelled", {
        "registration_id": p["registration_id"], "person_id": p["person_id"], "meeting_id": p["meeting_id"],
        "status": "cancelled", "reason": "erased"}, key=p["meeting_id"], producer="registration")
    marker = ev.registration_created(meeting["payload"]["meeting_id"], email=unique_email("aftererased"))
    ev.publish(producer, meeting, signup, cancelled, marker)
    producer.close()
    # Events of one evening are handled in order: once the later sign-up is recorded, so is the cancel.
    wait_until(lambda: ev.deliveries(stack, person_id=marker["payload"]["person_id"]), 60,
               message="the later sign-up recorded")
    kinds = {d["kind"] for d in ev.deliveries(stack, person_id=p["person_id"])}
    assert "cancellation" not in kinds and "confirmation" in kinds
