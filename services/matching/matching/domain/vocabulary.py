"""The words of the evening: colours in order of use, and Dutch/English labels for themes and groups."""

COLOURS = ("rood", "blauw", "groen", "geel", "oranje", "paars", "roze", "wit", "zwart", "bruin")

THEMES = {
    "koken": ("koken", "cooking"),
    "tuinieren": ("tuinieren", "gardening"),
    "kunst-cultuur": ("kunst en cultuur", "art and culture"),
    "repareren": ("repareren", "repairing things"),
    "taal": ("taal", "language"),
    "opvoeding": ("opvoeding", "parenting"),
    "sport": ("sport", "sport"),
    "ontmoeting": ("ontmoeting", "meeting people"),
    "werk": ("werk", "work"),
    "zorg": ("zorg", "care"),
    "educatie": ("educatie", "education"),
}

TARGET_GROUPS = {
    "ouderen": ("ouderen", "older people"),
    "jongeren": ("jongeren", "young people"),
    "vrouwen": ("vrouwen", "women"),
    "kinderen": ("kinderen", "children"),
    "ouders": ("ouders", "parents"),
    "nieuwkomers": ("nieuwkomers", "newcomers"),
    "geisoleerden": ("mensen die alleen staan", "isolated people"),
    "iedereen": ("iedereen", "everyone"),
}

LANGUAGES = {
    "nl": ("Nederlands", "Dutch"), "en": ("Engels", "English"), "ar": ("Arabisch", "Arabic"),
    "tr": ("Turks", "Turkish"), "ber": ("Berbers", "Berber"), "pap": ("Papiaments", "Papiamento"),
    "srn": ("Sranantongo", "Sranan Tongo"), "pl": ("Pools", "Polish"), "es": ("Spaans", "Spanish"),
    "fr": ("Frans", "French"), "pt": ("Portugees", "Portuguese"), "so": ("Somalisch", "Somali"),
    "ti": ("Tigrinya", "Tigrinya"), "uk": ("Oekraïens", "Ukrainian"), "ru": ("Russisch", "Russian"),
    "zh": ("Chinees", "Chinese"), "hi": ("Hindi", "Hindi"), "ku": ("Koerdisch", "Kurdish"),
    "fa": ("Perzisch", "Persian"), "cv": ("Kaapverdisch", "Cape Verdean Creole"),
}


def colour_name(index: int) -> str:
    """The colour for the ``index``-th group (0-based): the named ones first, then numbered."""
    if index < len(COLOURS):
        return COLOURS[index]
    return f"kleur-{index + 1}"


def label(code: str, lang: str = "nl") -> str:
    """A theme, target group or language code as a word in ``lang`` (the code itself if unknown)."""
    for table in (THEMES, TARGET_GROUPS, LANGUAGES):
        if code in table:
            return table[code][0 if lang == "nl" else 1]
    return code


def join_words(words: list[str], lang: str = "nl") -> str:
    """``a, b en c`` / ``a, b and c``."""
    words = list(words)
    if len(words) <= 1:
        return "".join(words)
    last = " en " if lang == "nl" else " and "
    return ", ".join(words[:-1]) + last + words[-1]
