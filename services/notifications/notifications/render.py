"""Messages from Jinja2 templates, Dutch and English (Dutch when a language has no template).

One template per kind and language, ``templates/<lang>/<name>.j2``, with the blocks ``subject``, ``text``,
``html`` and ``sms`` (and ``sms_short``: the text without names or titles, used when ``sms`` would take more
than SMS_MAX_SEGMENTS segments; one character outside GSM-7 in a name more than halves what a segment holds).
The same file is compiled twice: with autoescaping for the HTML block and without
for the plain-text blocks, so a name like "O'Neill" reads right in both.
"""
import dataclasses
import datetime as dt
import pathlib
from zoneinfo import ZoneInfo

from babel.dates import format_datetime
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

from .domain import sms as sms_text

TEMPLATES = pathlib.Path(__file__).parent / "templates"
SMS_MAX_SEGMENTS = 2
FALLBACK = "nl"
FOOTER = {"nl": "Liever geen berichten meer van Wijkkracht? Afmelden: {url}",
          "en": "Rather not hear from Wijkkracht again? Unsubscribe: {url}"}


@dataclasses.dataclass
class Rendered:
    subject: str
    text: str
    html: str | None
    sms: str


def _when(value: dt.datetime | None, lang: str, tz: str = "Europe/Amsterdam") -> str:
    if value is None:
        return ""
    pattern = "EEEE d MMMM 'om' HH:mm" if lang == "nl" else "EEEE d MMMM 'at' HH:mm"
    return format_datetime(value, pattern, tzinfo=ZoneInfo(tz), locale=lang)


def _short_when(value: dt.datetime | None, lang: str, tz: str = "Europe/Amsterdam") -> str:
    if value is None:
        return ""
    return format_datetime(value, "EEE d MMM HH:mm", tzinfo=ZoneInfo(tz), locale=lang)


class Renderer:
    def __init__(self, directory: pathlib.Path = TEMPLATES, tz: str = "Europe/Amsterdam"):
        common = {"loader": FileSystemLoader(str(directory)), "undefined": StrictUndefined,
                  "trim_blocks": True, "lstrip_blocks": True, "keep_trailing_newline": False}
        self.text_env = Environment(autoescape=False, **common)
        self.html_env = Environment(autoescape=select_autoescape(default=True, default_for_string=True), **common)
        for env in (self.text_env, self.html_env):
            env.filters["when"] = lambda v, lang="nl": _when(v, lang, tz)
            env.filters["short_when"] = lambda v, lang="nl": _short_when(v, lang, tz)
        self._shell = self.html_env.get_template("_email.html")

    def _template(self, env: Environment, name: str, lang: str):
        return env.select_template([f"{lang}/{name}.j2", f"{FALLBACK}/{name}.j2"])

    @staticmethod
    def _block(template, block: str, context: dict) -> str:
        if block not in template.blocks:
            return ""
        return "".join(template.blocks[block](template.new_context(context))).strip()

    def render(self, name: str, lang: str, context: dict) -> Rendered:
        lang = lang if lang in ("nl", "en") else FALLBACK
        context = {**context, "lang": lang}
        text_t = self._template(self.text_env, name, lang)
        html_t = self._template(self.html_env, name, lang)
        subject = " ".join(self._block(text_t, "subject", context).split())
        html_body = self._block(html_t, "html", context)
        html = self._shell.render(subject=subject, body=Markup(html_body), lang=lang,
                                  unsubscribe_url=context.get("unsubscribe_url")) if html_body else None
        text = self._block(text_t, "text", context)
        if context.get("unsubscribe_url"):
            text += "\n\n-- \n" + FOOTER[lang].format(url=context["unsubscribe_url"])
        return Rendered(subject=subject, text=text + "\n", html=html, sms=self._sms(text_t, context))

    def _sms(self, template, context: dict) -> str:
        """The ``sms`` block, or ``sms_short`` where the first would cost more than two segments."""
        full = self._block(template, "sms", context)
        if sms_text.prepare(full).segments <= SMS_MAX_SEGMENTS or "sms_short" not in template.blocks:
            return full
        return self._block(template, "sms_short", context)
