"""Answer links expire 60 days after they were made; a token from before they carried a time opens nothing."""
import time

from itsdangerous import URLSafeSerializer

from matching import config, links


def test_an_answer_link_works_for_sixty_days_and_then_no_more(monkeypatch):
    monkeypatch.setenv("MATCHING_LINK_SECRET", "s3cret-for-links")
    made_at = time.time()
    token = links.make_token("m1", "p1", "i1", "r1", "decline")
    assert config.answer_link_max_age_s() == 60 * 24 * 3600
    monkeypatch.setattr(time, "time", lambda: made_at + 59 * 24 * 3600)
    assert links.read_token(token)["answer"] == "decline"
    monkeypatch.setattr(time, "time", lambda: made_at + 61 * 24 * 3600)
    assert links.read_token(token) is None


def test_an_untimed_token_signed_with_the_same_key_is_refused(monkeypatch):
    monkeypatch.setenv("MATCHING_LINK_SECRET", "s3cret-for-links")
    old = URLSafeSerializer("s3cret-for-links", salt="matching.answer.v1").dumps(["m1", "p1", "i1", "r1", "accept"])
    assert links.read_token(old) is None
