"""Answer links: a resident's link says who, which role and which answer, and cannot be altered."""
from matching import links


def test_a_link_carries_its_answer_and_nothing_else_opens_it(monkeypatch):
    monkeypatch.setenv("MATCHING_SECRET_KEY", "s3cret")
    token = links.make_token("m1", "p1", "i1", "r1", "accept")
    assert links.read_token(token) == {"meeting_id": "m1", "person_id": "p1", "initiative_id": "i1",
                                       "role_id": "r1", "answer": "accept"}
    payload, timestamp, signature = token.split(".")
    # Alter the signature's first character (its last carries padding bits: changing it may alter nothing).
    forged = ".".join([payload, timestamp, ("A" if signature[0] != "A" else "B") + signature[1:]])
    assert links.read_token(forged) is None
    other = links.make_token("m1", "p1", "i1", "r1", "decline")
    assert links.read_token(other.split(".")[0] + "." + ".".join(token.split(".")[1:])) is None  # swapped answer
    assert links.read_token("not-a-token") is None
    monkeypatch.setenv("MATCHING_SECRET_KEY", "another")
    assert links.read_token(token) is None  # signed with the service's own key only
    assert links.answer_url("abc").endswith("/antwoord/abc")
