"""The HTML forms fuzzed with generated input (control, bidi and zero-width characters, escaped surrogates,
invalid UTF-8, huge values, missing fields, lists where one value belongs): never a 5xx, and a refused
sign-up shows the field's error in the resident's language and stores nobody.

Each example comes from its own loopback address (127.x.y.z), so the per-address rate limits of the forms
and the login do not turn the fuzzing into a stream of 429s."""
import random
import re
import urllib.parse
import uuid

import pytest
import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from requests.adapters import HTTPAdapter

from notifications import config as notifications_config, links

EXAMPLES = 40
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
NASTY = ["\x00", "\x01", "\x1b", "\x7f", "\n", "\r", "\t", "\u202e", "\u202a", "\u2066", "\u2069", "\u200b",
         "\u200f", "\ufeff", "\ud800", "\udfff", "\u2028", "\U0001f600", "é", "ß", "<", '"', "&", "%", " "]
INVISIBLE = re.compile(r"[\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]")
# What the sign-up page says about such a name, in each language (wijkkracht.validation.FIELD_MESSAGES).
INVISIBLE_SAYS = {"nl": "Haal onzichtbare tekens", "en": "Please remove invisible characters"}

text = st.one_of(
    st.text(alphabet=st.sampled_from(NASTY) | st.characters(codec="utf-8"), max_size=40),
    st.text(max_size=20).map(lambda t: t * 400),  # thousands of characters
    st.sampled_from(["", " ", "Ana", "ana@example.org", "06 12345678", "3031 AB", "yes", "email", "sms", "1"]),
)
# A value, a value given several times (a list where one belongs), or bytes that are not UTF-8 at all.
value = st.one_of(text, st.lists(text, min_size=2, max_size=3), st.just(b"\xff\xfe\xed\xa0\x80"))


def form_data(names: list[str], required: dict[str, str] | None = None):
    """Any subset of ``names`` with generated values, over a base that may or may not be valid."""
    return st.fixed_dictionaries({}, optional={name: value for name in names}).map(
        lambda data: {**(required or {}), **data})


def encode(fields: dict) -> bytes:
    """urlencoded by hand, so a lone surrogate travels as the bytes a broken client would send."""
    pairs = []
    for name, v in fields.items():
        for item in v if isinstance(v, list) else [v]:
            raw = item if isinstance(item, bytes) else item.encode("utf-8", "surrogatepass")
            pairs.append(f"{urllib.parse.quote(name)}={urllib.parse.quote_from_bytes(raw)}")
    return "&".join(pairs).encode()


class FromAddress(HTTPAdapter):
    def __init__(self, address: str):
        self.address = address
        super().__init__()

    def init_poolmanager(self, *args, **kwargs):
        kwargs["source_address"] = (self.address, 0)
        super().init_poolmanager(*args, **kwargs)


def client() -> requests.Session:
    session = requests.Session()
    address = f"127.{random.randint(1, 254)}.{random.randint(0, 254)}.{random.randint(1, 254)}"
    session.mount("http://", FromAddress(address))
    return session


def token_of(session, url) -> str:
    page = session.get(url, timeout=30)
    assert page.status_code == 200, (url, page.status_code)
    return CSRF.search(page.text).group(1)


def post(session, url, fields: dict):
    return session.post(url, data=encode(fields), timeout=30, allow_redirects=False,
                        headers={"Content-Type": "application/x-www-form-urlencoded"})


def no_server_error(response, fields):
    assert response.status_code < 500, (response.status_code, fields, response.text[:500])


def fuzz(test):
    return settings(max_examples=EXAMPLES, deadline=None, database=None,
                    suppress_health_check=list(HealthCheck))(test)


SIGNUP_FIELDS = ["name", "email", "phone", "postcode", "preferred_channel", "languages", "interests",
                 "consent_contact", "consent_share", "companion_0_name", "companion_0_phone",
                 "companion_1_name", "companion_1_phone"]


@pytest.fixture(scope="module")
def evening(stack):
    return stack.create_meeting(title="Formulieren getest")


def registrations(stack, meeting_id) -> int:
    return len(stack.get("registration", f"/api/v1/meetings/{meeting_id}/registrations",
                         headers=stack.organiser).json()["registrations"])


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_the_sign_up_form_answers_every_input_with_the_fields_error_and_stores_nothing_refused(stack, evening,
                                                                                             lang):
    url = stack.url("registration", f"/meetings/{evening['id']}/aanmelden?lang={lang}")
    valid = {"name": "Ana Pereira", "preferred_channel": "email", "consent_contact": "yes"}

    @fuzz
    @given(fields=form_data(SIGNUP_FIELDS, valid))
    def run(fields):
        session = client()
        fields = {**fields, "email": fields.get("email", f"{uuid.uuid4().hex[:12]}@example.org"),
                  "lang": lang, "csrf_token": token_of(session, url)}
        before = registrations(stack, evening["id"])
        r = post(session, url, fields)
        no_server_error(r, fields)
        if r.status_code == 400:
            assert 'class="summary"' in r.text, r.text[:500]  # the list of what to mend, each field linked
            linked = re.findall(r'<li><a href="#([a-z0-9_]+)"', r.text)
            assert linked and all(re.search(f'id="{f}-error"', r.text) or f.startswith("companion")
                                  or f == "consent_contact" for f in linked), linked
            assert f'lang="{lang}"' in r.text
            name = fields.get("name")
            if isinstance(name, str) and INVISIBLE.search(name) and not re.search(r"[\x00-\x1f\x7f\ud800-\udfff]",
                                                                                  name):
                assert INVISIBLE_SAYS[lang] in r.text, r.text[:800]
            assert registrations(stack, evening["id"]) == before, "a refused sign-up stored someone"
        else:
            assert r.status_code in (303, 413, 429), (r.status_code, r.text[:300])

    run()


def test_a_sign_up_with_a_valid_companion_but_an_invalid_resident_stores_neither(stack, evening):
    url = stack.url("registration", f"/meetings/{evening['id']}/aanmelden?lang=en")
    before = registrations(stack, evening["id"])
    for resident, companion in (("Ana\u202e", "Bob Visser"), ("Ana Pereira", "Bob\u200b")):
        session = client()
        r = post(session, url, {"csrf_token": token_of(session, url), "lang": "en", "name": resident,
                                "email": f"{uuid.uuid4().hex[:12]}@example.org", "preferred_channel": "email",
                                "consent_contact": "yes", "companion_0_name": companion,
                                "companion_0_phone": "06 12345678"})
        assert r.status_code == 400 and INVISIBLE_SAYS["en"] in r.text
    assert registrations(stack, evening["id"]) == before


INITIATIVE_FIELDS = ["name", "description", "area", "contact_name", "contact_email", "contact_phone", "themes",
                     "target_groups", "looking_for", "role_0_title", "role_0_description", "role_0_capacity",
                     "role_1_title", "role_1_capacity"]


def test_the_initiatives_form_answers_every_input_with_the_fields_error(stack):
    url = stack.url("registration", "/initiatieven/aanmelden")

    @fuzz
    @given(fields=form_data(INITIATIVE_FIELDS, {"name": "Buurttuin", "contact_name": "Ilse",
                                                "contact_email": "ilse@example.org"}))
    def run(fields):
        session = client()
        fields = {**fields, "csrf_token": token_of(session, url)}
        r = post(session, url, fields)
        no_server_error(r, fields)
        if r.status_code == 400:
            assert 'class="summary"' in r.text and re.search(r'<li><a href="#[a-z0-9_]+"', r.text), r.text[:500]
        else:  # registered: to its confirmation page (303), as a resident's sign-up
            assert r.status_code in (303, 413, 429), (r.status_code, r.text[:300])

    run()


def test_the_login_form_answers_every_input_without_a_server_error(stack):
    url = stack.url("registration", "/inloggen")

    @fuzz
    @given(fields=form_data(["email", "password", "lang"]))
    def run(fields):
        session = client()
        fields = {**fields, "csrf_token": token_of(session, url)}
        r = post(session, url, fields)
        no_server_error(r, fields)
        assert r.status_code in (400, 401, 413, 429), (r.status_code, r.text[:300])
        if r.status_code == 401:
            assert 'class="error" role="alert"' in r.text  # "email address or password is not right"

    run()


def test_the_unsubscribe_page_answers_every_input_without_a_server_error(stack):
    token = links.unsubscribe_token(notifications_config.secret_key(), "person", "fuzz-nobody", None)
    url = stack.url("notifications", f"/afmelden/{token}")
    assert requests.get(url, timeout=30).status_code == 200, "the page does not know the test's link secret"

    @fuzz
    @given(fields=form_data(["channel", "List-Unsubscribe", "lang"]))
    def run(fields):
        r = post(client(), url, fields)
        no_server_error(r, fields)
        if r.status_code == 400:
            assert 'name="channel"' in r.text  # the choice is asked again
        else:
            assert r.status_code in (200, 413), (r.status_code, r.text[:300])

    run()
