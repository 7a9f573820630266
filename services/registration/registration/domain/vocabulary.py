"""The codes of DESIGN §4 with their Dutch and English labels."""

THEMES = {
    "koken": ("Koken", "Cooking"),
    "tuinieren": ("Tuinieren", "Gardening"),
    "kunst-cultuur": ("Kunst en cultuur", "Art and culture"),
    "repareren": ("Repareren", "Repairing"),
    "taal": ("Taal", "Language"),
    "opvoeding": ("Opvoeding", "Parenting"),
    "sport": ("Sport", "Sport"),
    "ontmoeting": ("Ontmoeting", "Meeting people"),
    "werk": ("Werk", "Work"),
    "zorg": ("Zorg", "Care"),
    "educatie": ("Educatie", "Education"),
}

TARGET_GROUPS = {
    "ouderen": ("Ouderen", "Older people"),
    "jongeren": ("Jongeren", "Young people"),
    "vrouwen": ("Vrouwen", "Women"),
    "kinderen": ("Kinderen", "Children"),
    "ouders": ("Ouders", "Parents"),
    "nieuwkomers": ("Nieuwkomers", "Newcomers"),
    "geisoleerden": ("Mensen die alleen zijn", "People who feel isolated"),
    "iedereen": ("Iedereen", "Everyone"),
}

COLOURS = {
    "rood": ("rood", "red", "#c62828"),
    "blauw": ("blauw", "blue", "#1565c0"),
    "groen": ("groen", "green", "#2e7d32"),
    "geel": ("geel", "yellow", "#f9a825"),
    "oranje": ("oranje", "orange", "#ef6c00"),
    "paars": ("paars", "purple", "#6a1b9a"),
    "roze": ("roze", "pink", "#d81b60"),
    "wit": ("wit", "white", "#ffffff"),
    "zwart": ("zwart", "black", "#212121"),
    "bruin": ("bruin", "brown", "#6d4c41"),
}

LANGUAGE_CODES = ("nl", "en", "ar", "tr", "pap", "srn", "pl", "es", "fr", "de", "so", "ti", "uk", "zh",
                  "ber", "pt", "hi", "ur", "fa", "ru", "bg", "ro", "it")


def label(table: dict, code: str, lang: str) -> str:
    entry = table.get(code)
    if not entry:
        return code
    return entry[1] if lang == "en" else entry[0]
