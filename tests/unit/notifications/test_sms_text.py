"""SMS texts: GSM-7 where the text allows it, UCS-2 only when it must, and what that costs in segments."""
from hypothesis import given, strategies as st

from notifications.domain import sms


def test_a_plain_text_is_gsm7_and_one_segment_up_to_160_characters():
    assert sms.measure("a" * 160).segments == 1
    assert sms.measure("a" * 161).segments == 2
    assert sms.measure("a" * 306).segments == 2
    assert sms.measure("a" * 307).segments == 3


def test_extension_characters_count_double():
    assert sms.measure("€" * 80) == sms.SmsText("€" * 80, "GSM-7", 160, 1)
    assert sms.measure("€" * 81).segments == 2


def test_one_character_outside_gsm7_makes_ucs2_with_70_per_segment():
    assert sms.measure("ş" + "a" * 69).encoding == "UCS-2"
    assert sms.measure("ş" + "a" * 69).segments == 1
    assert sms.measure("ş" + "a" * 70).segments == 2


def test_dutch_accents_and_typographic_quotes_are_rewritten_into_gsm7():
    prepared = sms.prepare("Tot ‘morgen’ in café de Brücke – geëerd… Zoë")
    assert prepared.encoding == "GSM-7"
    assert prepared.text == "Tot 'morgen' in café de Brücke - geeerd... Zoe"


def test_a_name_in_arabic_script_is_kept_and_sent_as_ucs2():
    prepared = sms.prepare("Welkom فاطمة")
    assert prepared.encoding == "UCS-2"
    assert "فاطمة" in prepared.text


def test_the_colour_sms_is_one_segment():
    text = sms.prepare("Welkom bij Wijkkracht Delfshaven! Jouw kleur: ORANJE, tafel 12")
    assert text.segments == 1 and text.encoding == "GSM-7"


@given(st.text(max_size=400))
def test_prepared_text_is_measured_in_its_own_encoding(text):
    prepared = sms.prepare(text)
    assert prepared.encoding == ("GSM-7" if sms.is_gsm7(prepared.text) else "UCS-2")
    assert prepared.segments >= (1 if prepared.units else 1)
