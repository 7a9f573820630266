"""The report's charts: well-formed SVG that states every figure in text, to the eye and to a screen reader."""
import re
import xml.etree.ElementTree as ET

from registration.web.charts import BAR_MAX_W, Group, Row, bar_chart, grouped_bar_chart

SVG = "{http://www.w3.org/2000/svg}"


def parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)


def texts(root: ET.Element) -> list[str]:
    return [t.text for t in root.iter(f"{SVG}text")]


def bars(root: ET.Element) -> list[ET.Element]:
    return [r for r in root.iter(f"{SVG}rect") if r.get("height") == "16"]


def test_a_bar_chart_names_its_title_and_every_figure_in_its_text_alternative():
    root = parse(bar_chart("areas", "Bewoners per wijk", [Row("Noord", 25), Row("Centrum", 12), Row("Delfshaven", "< 5")]))
    assert root.get("role") == "img"
    title_id, desc_id = root.get("aria-labelledby").split()
    assert root.find(f"{SVG}title").get("id") == title_id and root.find(f"{SVG}title").text == "Bewoners per wijk"
    desc = root.find(f"{SVG}desc")
    assert desc.get("id") == desc_id
    assert desc.text == "Noord: 25; Centrum: 12; Delfshaven: < 5."


def test_every_bar_has_its_label_and_number_in_black_text_beside_it():
    root = parse(bar_chart("att", "Aanwezig per avond", [Row("Centrum", 20), Row("Noord", 30)]))
    shown = texts(root)
    assert "Aanwezig per avond" in shown
    for label, value in (("Centrum", "20"), ("Noord", "30")):
        assert label in shown and value in shown
    assert {t.get("fill") for t in root.iter(f"{SVG}text")} == {"#000"}


def test_bars_are_drawn_to_scale_with_the_largest_filling_the_width():
    root = parse(bar_chart("att", "t", [Row("a", 10), Row("b", 5), Row("c", 0)]))
    widths = [float(r.get("width")) for r in bars(root)]
    assert widths == [BAR_MAX_W, BAR_MAX_W / 2]  # a zero draws no bar, only its "0"
    assert "0" in texts(root)


def test_a_small_cell_is_hatched_and_says_less_than_five_never_a_number():
    root = parse(bar_chart("areas", "t", [Row("Noord", 8), Row("Charlois", "< 5")]))
    small = [r for r in bars(root) if r.get("fill", "").startswith("url(")]
    assert len(small) == 1 and small[0].get("stroke-dasharray")
    assert "< 5" in texts(root)
    assert not {"1", "2", "3", "4"} & set(texts(root))


def test_groups_have_their_heading_and_each_stage_is_named_not_only_shaded():
    stages = ("aan tafel", "interesse", "voorgesteld", "geaccepteerd")
    svg = grouped_bar_chart("funnel", "Van tafel tot vrijwilliger", [
        Group("Tori Oso", tuple(Row(s, v) for s, v in zip(stages, (18, 7, 5, 2)))),
        Group("Brug tussen jong en oud", tuple(Row(s, v) for s, v in zip(stages, (12, 4, 3, 1))))])
    root = parse(svg)
    shown = texts(root)
    assert "Tori Oso" in shown and "Brug tussen jong en oud" in shown
    assert sum(1 for t in shown if t in stages) == 8
    assert root.find(f"{SVG}desc").text.startswith("Tori Oso: aan tafel: 18; interesse: 7")


def test_text_is_escaped_and_long_labels_are_shortened_on_the_bar_but_whole_in_the_description():
    long = "Wijkkracht <Delfshaven> & Post West, 12 december, met ZOWEL! en Radar"
    root = parse(bar_chart("x", "A & B", [Row(long, 3)]))  # parses: & and < are escaped
    assert root.find(f"{SVG}title").text == "A & B"
    assert long in root.find(f"{SVG}desc").text
    assert any(t.endswith("…") and len(t) <= 34 for t in texts(root))


def test_ids_are_per_chart_so_two_charts_on_one_page_do_not_share_a_pattern():
    a, b = bar_chart("one", "t", [Row("x", "< 5")]), bar_chart("two", "t", [Row("x", "< 5")])
    assert re.findall(r'id="([^"]+)"', a) != re.findall(r'id="([^"]+)"', b)
    assert 'url(#one-small)' in a and 'url(#two-small)' in b


def test_an_empty_chart_says_so_in_words():
    root = parse(bar_chart("none", "Bewoners per wijk", [], empty_text="Nog geen cijfers."))
    assert "Nog geen cijfers." in texts(root)
    assert root.find(f"{SVG}desc").text == "Nog geen cijfers."
    assert not bars(root)


def test_small_cells_alone_do_not_fill_the_width_as_if_they_were_large():
    root = parse(bar_chart("areas", "t", [Row("Noord", "< 5"), Row("Centrum", "< 5")]))
    assert all(float(r.get("width")) < BAR_MAX_W / 2 for r in bars(root))
