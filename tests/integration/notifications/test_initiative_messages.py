"""The running notifications worker, fed initiatives' events as registration publishes them: what an initiative's
contact receives (the confirmation, its page's link again, the other's details once a pair is accepted), in
the initiative's own language, by email or by SMS when the contact gave only a phone."""
import uuid

import pytest
from pymongo import MongoClient

from notifications.adapters import store
from notifications.domain import model
from notifications.domain import sms as sms_text
from tests.integration.notifications import events as ev
from tests.support import unique_email, wait_until
from wijkkracht import topics
from wijkkracht.events import new_event


@pytest.fixture
def db(stack):
    client = MongoClient(stack.env.get("MONGODB_URI", "mongodb://127.0.0.1:27117/"), tz_aware=True)
    yield client["notifications"]
    client.close()


@pytest.fixture
def producer(stack):
    prod = ev.producer(stack)
    yield prod
    prod.close()


def page_url() -> str:
    return f"http://127.0.0.1:8001/initiatief/{uuid.uuid4().hex}{uuid.uuid4().hex[:24]}"  # 56, as compact_link


def initiative(name: str, *, language="nl", email: str | None = None, phone: str | None = None) -> dict:
    """An initiative as registration's payload names it (``initiatives.payload``)."""
    return {"initiative_id": uuid.uuid4().hex, "name": name, "description": "Samen koken en eten.",
            "area": "Delfshaven", "themes": ["koken"], "target_groups": ["ouderen"], "looking_for": ["koken"],
            "contact": {"name": "Sam de Vries", "email": email, "phone": phone}, "language": language,
            "page_url": page_url(), "pitch": False,
            "roles": [{"role_id": uuid.uuid4().hex, "title": "Kok", "description": "", "themes": ["koken"],
                       "capacity": 2},
                      {"role_id": uuid.uuid4().hex, "title": "Gastvrouw", "description": "", "themes": [],
                       "capacity": 1}]}


def announced(event_type: str, doc: dict) -> dict:
    """initiative.registered / initiative.changed."""
    return new_event(event_type, doc, key=doc["initiative_id"], producer="registration")


def message(event_type: str, doc: dict, status="pending") -> dict:
    """initiative.submitted / initiative.link_requested (``initiatives._message``)."""
    return new_event(event_type, {k: doc[k] for k in ("initiative_id", "name", "contact", "language", "page_url",
                                                      "roles")} | {"status": status},
                     key=doc["initiative_id"], producer="registration")


def pair_accepted(meeting_id: str, a: dict, b: dict) -> dict:
    pair = sorted([a, b], key=lambda d: d["initiative_id"])
    return new_event("initiative_pair.accepted", {
        "meeting_id": meeting_id, "initiative_ids": [d["initiative_id"] for d in pair],
        "initiatives": [{"initiative_id": d["initiative_id"], "name": d["name"], "contact": d["contact"],
                         "language": d["language"]} for d in pair]}, key=meeting_id, producer="registration")


def mails(stack, address: str, count: int, what: str) -> list[dict]:
    return wait_until(lambda: len(m := stack.mail(to=address)) >= count and m, 60, message=what)


def test_an_english_initiative_is_confirmed_in_english_once_with_its_roles_and_link(stack, db, producer):
    address = unique_email("initiative-en")
    doc = initiative("Young Kitchen", language="en", email=address)
    submitted = message("initiative.submitted", doc)
    asked = message("initiative.link_requested", doc)
    # The confirmation redelivered; the link request after it on the initiative's partition marks the end.
    ev.publish(producer, submitted, submitted, asked)

    found = mails(stack, address, 2, "the confirmation and the link")
    confirmation = [m for m in found if m["subject"] == "Registration received: Young Kitchen"]
    link = [m for m in found if m["subject"] == "The link to the page of Young Kitchen"]
    assert len(confirmation) == 1 and len(link) == 1 and len(found) == 2
    text = confirmation[0]["text"]
    assert "Dear Sam de Vries" in text and "An organiser checks your registration first" in text
    assert "- Kok (2 people)" in text and "- Gastvrouw (1 person)" in text
    assert doc["page_url"] in text and "edit your roles" in text and "see the evenings you present at" in text
    assert doc["page_url"] in link[0]["text"]
    delivery = store.delivery(db, model.delivery_id(model.INITIATIVE_CONFIRMATION, doc["initiative_id"], "pending"))
    assert delivery["status"] == "sent" and delivery["channel"] == "email"
    assert delivery["initiative_id"] == doc["initiative_id"] and delivery["person_id"] is None


def test_a_pending_initiative_hears_once_when_it_is_approved(stack, producer):
    address = unique_email("initiative-approved")
    doc = initiative("Buurtkeuken Oost", email=address)
    approved = announced("initiative.registered", doc)
    ev.publish(producer, message("initiative.submitted", doc), approved, approved,
               message("initiative.link_requested", doc, status="approved"))  # the link marks the end

    found = mails(stack, address, 3, "the confirmation, the approval and the link")
    subjects = sorted(m["subject"] for m in found)
    assert subjects == ["Aanmelding ontvangen: Buurtkeuken Oost", "Buurtkeuken Oost is aangemeld bij Wijkkracht",
                        "De link naar de pagina van Buurtkeuken Oost"]
    approval = next(m for m in found if m["subject"] == "Buurtkeuken Oost is aangemeld bij Wijkkracht")
    assert "goedgekeurd: Buurtkeuken Oost doet mee" in approval["text"] and doc["page_url"] in approval["text"]


def test_a_contact_with_only_a_phone_gets_a_text_of_two_segments_with_the_link(stack, producer):
    phone = ev.random_mobile()
    doc = initiative("Stichting De Vrouwen van Delfshaven - Samen Sterk in de Wijk", phone=phone)
    ev.publish(producer, message("initiative.submitted", doc))

    texts = wait_until(lambda: stack.sms(to=phone), 60, message="the confirmation by SMS")
    assert len(texts) == 1
    body = texts[0]["body"]
    assert sms_text.prepare(body).segments <= 2, body
    assert doc["page_url"] in body and body.startswith("Wijkkracht: dank je wel")


def test_a_link_request_mails_the_link_in_dutch(stack, producer):
    address = unique_email("initiative-link")
    doc = initiative("Buurtmoestuin De Peen", email=address)
    again = {**doc, "page_url": page_url()}  # a new key, a new link
    ev.publish(producer, message("initiative.link_requested", again, status="approved"))

    found = mails(stack, address, 1, "the link")
    assert len(found) == 1
    assert found[0]["subject"] == "De link naar de pagina van Buurtmoestuin De Peen"
    assert "Hier is hij" in found[0]["text"] and again["page_url"] in found[0]["text"]
    assert doc["page_url"] not in found[0]["text"]


def test_a_pair_accepted_gives_each_the_others_details_in_its_own_language_once(stack, db, producer):
    meeting_id = f"m-{uuid.uuid4().hex[:12]}"
    dutch = initiative("Tori Oso", email=unique_email("tori"))
    english = initiative("Brug tussen jong en oud", language="en", email=unique_email("brug"),
                         phone=ev.random_mobile())
    marker_a, marker_b = (initiative(n, email=unique_email("marker")) for n in ("Marker A", "Marker B"))
    everyone = (dutch, english, marker_a, marker_b)
    ev.publish(producer, *(announced("initiative.registered", d) for d in everyone))
    # As in life, the initiatives (and their page links) are known before an evening's pair is accepted: the
    # registrations are on the initiatives' partitions, the pair on the evening's, so wait for them.
    wait_until(lambda: all(store.initiative(db, d["initiative_id"]) for d in everyone), 30,
               message="the four initiatives known to notifications")
    accepted = pair_accepted(meeting_id, dutch, english)
    emitted_again = pair_accepted(meeting_id, dutch, english)  # another event for the same pair and evening
    # Redelivered, emitted again; a later pair of the evening, on the same partition, marks the end.
    ev.publish(producer, accepted, accepted, emitted_again, pair_accepted(meeting_id, marker_a, marker_b))

    mails(stack, marker_b["contact"]["email"], 1, "the later pair's message")
    mails(stack, marker_a["contact"]["email"], 1, "the later pair's message")
    to_dutch = mails(stack, dutch["contact"]["email"], 1, "Tori Oso's message")
    to_english = mails(stack, english["contact"]["email"], 1, "Brug's message")
    assert len(to_dutch) == 1 and len(to_english) == 1

    nl = to_dutch[0]
    assert nl["subject"] == "Tori Oso en Brug tussen jong en oud willen kennismaken"
    assert "allebei gezegd" in nl["text"] and english["contact"]["email"] in nl["text"]
    assert english["contact"]["phone"] in nl["text"] and dutch["page_url"] in nl["text"]
    assert english["page_url"] not in nl["text"]
    en = to_english[0]
    assert en["subject"] == "Brug tussen jong en oud and Tori Oso would like to meet"
    assert "both said they are interested" in en["text"] and dutch["contact"]["email"] in en["text"]
    assert english["page_url"] in en["text"] and dutch["page_url"] not in en["text"]


def test_an_erased_contact_is_gone_from_the_pairs_messages_and_not_given_to_a_partner_later(stack, db, producer):
    erased = {"name": "", "email": None, "phone": None}
    leaving = initiative("Brug tussen jong en oud", email=unique_email("leaving"), phone=ev.random_mobile())
    partner, later_partner = (initiative(n, email=unique_email("partner")) for n in ("Tori Oso", "Young Kitchen"))
    old = leaving["contact"]
    # A pair accepted before notifications knew either initiative: the messages keep them as the event named them.
    first_evening = f"m-{uuid.uuid4().hex[:12]}"
    ev.publish(producer, pair_accepted(first_evening, leaving, partner))
    assert old["email"] in mails(stack, partner["contact"]["email"], 1, "the partner's message")[0]["text"]
    # Its own message too, before the erasure (one still waiting then is rightly never sent to the old address).
    mails(stack, old["email"], 1, "the leaving initiative's own message")

    # The contact is erased (registration's DELETE .../contact announces the initiative with no contact).
    ev.publish(producer, *(announced("initiative.registered", d) for d in (partner, later_partner)),
               announced("initiative.changed", {**leaving, "contact": erased}))
    wait_until(lambda: (store.initiative(db, leaving["initiative_id"]) or {}).get("contact") == erased, 30,
               message="the erasure held")

    def holding_the_old_contact():
        return [d["_id"] for d in db.deliveries.find({"meeting_id": first_evening})
                if old["email"] in str(d) or old["phone"] in str(d)]
    wait_until(lambda: not holding_the_old_contact(), 30, message="the pair's messages without the old contact")

    # A pair accepted before the erasure but handled after it (another partition) gives the partner no one.
    later = pair_accepted(f"m-{uuid.uuid4().hex[:12]}", leaving, later_partner)
    ev.publish(producer, later)
    told = mails(stack, later_partner["contact"]["email"], 1, "the later partner's message")[0]["text"]
    assert "Brug tussen jong en oud" in told and old["email"] not in told and old["phone"] not in told
    assert "De organisator brengt jullie met elkaar in contact" in told
    assert len(stack.mail(to=old["email"])) == 1  # the first evening's message; nothing since
    assert not [d for d in db.deliveries.find({"meeting_id": later["payload"]["meeting_id"]})
                if old["email"] in str(d) or old["phone"] in str(d)]


def test_a_change_to_english_makes_the_next_message_english_to_the_new_contact(stack, db, producer):
    old_address, new_address = unique_email("before"), unique_email("after")
    changing = initiative("Young Kitchen", email=old_address)
    other = initiative("Tori Oso", email=unique_email("tori"))
    changed = {**changing, "language": "en", "contact": {"name": "Kim Jansen", "email": new_address, "phone": None},
               "roles": changing["roles"][:1]}
    ev.publish(producer, *(announced("initiative.registered", d) for d in (changing, other)),
               announced("initiative.changed", changed))
    wait_until(lambda: (store.initiative(db, changing["initiative_id"]) or {}).get("language") == "en", 30,
               message="the change held")
    held = store.initiative(db, changing["initiative_id"])
    assert held["contact"]["email"] == new_address and list(held["roles"]) == [changed["roles"][0]["role_id"]]

    meeting_id = f"m-{uuid.uuid4().hex[:12]}"
    ev.publish(producer, new_event("matches.proposed", {
        "meeting_id": meeting_id, "part": 1, "parts": 1, "residents": [],
        "initiatives": [{"initiative_ids": [changing["initiative_id"], other["initiative_id"]], "score": 0.8,
                         "reasons": {"nl": ["Allebei in Delfshaven"], "en": ["Both in Delfshaven"]}}]},
        key=meeting_id, producer="matching"), topic=topics.MATCHING)

    english = mails(stack, new_address, 1, "the introduction in English")[0]
    dutch = mails(stack, other["contact"]["email"], 1, "the introduction in Dutch")[0]
    assert english["subject"] == "Meet each other: Young Kitchen and Tori Oso"
    assert "Dear Kim Jansen" in english["text"] and "Both in Delfshaven" in english["text"]
    assert f'"interested" or "not now" on your page: {changing["page_url"]}' in english["text"]
    assert dutch["subject"] == "Kennismaken: Tori Oso en Young Kitchen"
    assert f'op jullie pagina: {other["page_url"]}' in dutch["text"]
    assert stack.mail(to=old_address) == []


def test_a_resident_who_accepts_is_introduced_to_an_english_initiative_in_english_with_its_page(stack, producer):
    address = unique_email("initiative-intro")
    doc = initiative("Young Kitchen", language="en", email=address)
    meeting = ev.meeting_scheduled()
    meeting_id = meeting["payload"]["meeting_id"]
    signup = ev.registration_created(meeting_id, name="Fatima El Amrani", share=True)
    person_id = signup["payload"]["person_id"]
    ev.publish(producer, announced("initiative.registered", doc), meeting, signup)
    ev.publish(producer, new_event("match.accepted", {
        "meeting_id": meeting_id, "person_id": person_id, "initiative_id": doc["initiative_id"],
        "role_id": doc["roles"][0]["role_id"]}, key=meeting_id, producer="matching"), topic=topics.MATCHING)

    intro = mails(stack, address, 1, "the introduction to the initiative")
    assert len(intro) == 1 and intro[0]["subject"] == "Someone would like to meet Young Kitchen"
    assert "Fatima El Amrani would like to meet Young Kitchen (Kok)" in intro[0]["text"]
    assert signup["payload"]["email"] in intro[0]["text"]  # the resident agreed to share
    assert f"See and answer this on your page: {doc['page_url']}" in intro[0]["text"]
    to_resident = mails(stack, signup["payload"]["email"], 2, "the resident's confirmation and introduction")
    assert all(doc["page_url"] not in m["text"] for m in to_resident)  # the initiative's link is its own
