"""Matching after the evening: residents to volunteer roles, and initiatives to each other, with reasons.

What fits the evening (DESIGN §4): a resident is suggested roles only at the initiatives that presented that
evening and those they asked to join; everyone who agreed to be contacted is suggested roles, whether or not
they agreed to share their details (that decides only whether an initiative may see them before they accept:
``Suggestion.share_details``). Initiative pairs are among the evening's presenters, or say why else (the same
area).

Residents → roles is an assignment, not a set of independent top-k lists: every role takes at most its
capacity across everyone. It runs in rounds, each a maximum-score assignment of at most one more role per
resident (the solver is given, see ``matching.assignment``):
1. first the initiatives people asked to join, among those who asked: a place at an initiative goes to
   someone who asked for it before anyone who did not (a role at each initiative asked for, up to three);
2. then everything in scope, round by round, so everyone gets a first suggestion before anyone gets a next
   one; whoever gets nothing in a round from their best few roles is tried against every role in scope, so
   nobody is left short while a role in their scope has a place.
Scores are built from what residents told us, strongest first: the initiatives they said they want to join,
their interests against the role's themes, a shared language, the same area.
"""
import dataclasses
import functools
from typing import Callable, Iterable

from .vocabulary import join_words, label

WANTED = 10.0          # the resident said they want to join this initiative
THEME = 3.0            # per interest matching the role's (or else the initiative's) themes
LANGUAGE = 1.5         # a language the initiative works in
AREA = 1.0             # the initiative works in the resident's area
MET = 0.5              # the initiative presented at the resident's evening
CANDIDATES = 8         # roles per resident handed to the assignment (their best, by score)

PAIR_NEED = 2.0        # per code one initiative looks for and the other offers
PAIR_SAME_EVENING = 1.5  # multiplier when both presented at the same evening
PAIR_SAME_AREA = 1.0
PAIRS_PER_INITIATIVE = 3


@dataclasses.dataclass(frozen=True)
class Resident:
    person_id: str
    interests: frozenset = frozenset()     # theme codes
    languages: frozenset = frozenset()
    area: str = ""
    wants: frozenset = frozenset()         # initiative ids they said they want to join
    consent: bool = False                  # agreed to share their details with initiatives (before accepting)
    contact: bool = True                   # agreed to be contacted: only then are they suggested anything


@dataclasses.dataclass(frozen=True)
class Role:
    role_id: str
    initiative_id: str
    title: str = ""
    themes: frozenset = frozenset()
    capacity: int = 1


@dataclasses.dataclass(frozen=True)
class Initiative:
    initiative_id: str
    name: str
    area: str = ""
    themes: frozenset = frozenset()
    target_groups: frozenset = frozenset()
    looking_for: frozenset = frozenset()
    languages: frozenset = frozenset()
    roles: tuple = ()
    evenings: frozenset = frozenset()       # meeting ids where it presented


# A solver: (rows, cols, edges [(row, col, score)], col_capacity) → [(row, col)], each row at most once,
# each col at most col_capacity[col] times, maximising the total score.
Solver = Callable[[int, int, list, list], list]


@dataclasses.dataclass
class Suggestion:
    initiative_id: str
    role_id: str
    score: float
    reasons: dict  # {"nl": [...], "en": [...], "codes": [...]}
    share_details: bool = False  # the initiative may see the resident's details before they accept

    def as_dict(self) -> dict:
        return {"initiative_id": self.initiative_id, "role_id": self.role_id, "score": round(self.score, 3),
                "reasons": self.reasons, "share_details": self.share_details}


# Why, as codes (for the organiser's page and for filters) next to the sentences.
ASKED, INTERESTS, LANGUAGE_CODE, AREA_CODE, MET_CODE = "asked", "interests", "language", "area", "met"
COMPLEMENTS, SAME_EVENING, SAME_AREA, NOT_PRESENT = "complements", "same_evening", "same_area", "not_present"


def in_scope(resident: Resident, initiative_id: str, evening_initiatives) -> bool:
    """May this initiative be suggested to this resident: it presented that evening, or they asked for it."""
    return initiative_id in resident.wants or initiative_id in evening_initiatives


def may_see_details(resident: Resident, suggestion: Suggestion, accepted: bool = False) -> bool:
    """May the suggestion's initiative get the resident's details: once they accept, or before that only if
    they agreed to share them."""
    return accepted or (resident.consent and suggestion.share_details)


def role_score(resident: Resident, role: Role, initiative: Initiative, evening_initiatives=frozenset()) -> float:
    """The score of one role for one resident (numbers only: this runs for every candidate pair)."""
    score = 0.0
    if initiative.initiative_id in resident.wants:
        score += WANTED
    elif initiative.initiative_id in evening_initiatives:
        score += MET
    score += THEME * len(resident.interests & (role.themes or initiative.themes))
    if resident.languages & initiative.languages:
        score += LANGUAGE
    if resident.area and initiative.area and resident.area.lower() == initiative.area.lower():
        score += AREA
    return score


def explain_role(resident: Resident, role: Role, initiative: Initiative, evening_initiatives=frozenset()) -> dict:
    """Why a role was suggested, in plain Dutch and English: ``{"nl": [...], "en": [...]}``."""
    nl, en, codes = [], [], []
    name = initiative.name
    if initiative.initiative_id in resident.wants:
        codes.append(ASKED)
        nl.append(f"Je wilde meedoen met {name}.")
        en.append(f"You wanted to join {name}.")
    shared = sorted(resident.interests & (role.themes or initiative.themes))
    if shared:
        codes.append(INTERESTS)
        nl.append(f"Je houdt van {join_words([label(t, 'nl') for t in shared], 'nl')}; "
                  f"daar gaat '{role.title or name}' over.")
        en.append(f"You like {join_words([label(t, 'en') for t in shared], 'en')}; "
                  f"that is what '{role.title or name}' is about.")
    languages = sorted(resident.languages & initiative.languages)
    if languages:
        codes.append(LANGUAGE_CODE)
        nl.append(f"{name} werkt ook in het {label(languages[0], 'nl')}, een taal die jij spreekt.")
        en.append(f"{name} also works in {label(languages[0], 'en')}, a language you speak.")
    if resident.area and initiative.area and resident.area.lower() == initiative.area.lower():
        codes.append(AREA_CODE)
        nl.append(f"{name} is actief in jouw wijk, {initiative.area}.")
        en.append(f"{name} is active in your area, {initiative.area}.")
    if initiative.initiative_id in evening_initiatives and initiative.initiative_id not in resident.wants:
        codes.append(MET_CODE)
        nl.append(f"Je hebt {name} op de avond ontmoet.")
        en.append(f"You met {name} at the evening.")
    return {"nl": nl, "en": en, "codes": codes}


class _RoleIndex:
    """The roles open to suggestions, numbered, with one bit set per signal (bit i stands for role i).

    A resident's best roles are found score level by score level with a few big-integer operations each,
    instead of Python work for every role they have any signal for (with a common language that is nearly
    every role: 3.4 million pairs for 10,000 residents × 500 roles).
    """

    def __init__(self, initiatives: dict[str, Initiative], evening_initiatives: frozenset):
        self.roles: list[tuple[Role, Initiative]] = []
        self.by_initiative: dict[str, int] = {}
        self.by_theme: dict[str, int] = {}
        self.by_area: dict[str, int] = {}
        self.by_language: dict[str, int] = {}
        self.evening = 0
        for initiative in initiatives.values():
            for role in initiative.roles:
                if role.capacity <= 0:
                    continue
                bit = 1 << len(self.roles)
                self.roles.append((role, initiative))
                _add(self.by_initiative, initiative.initiative_id, bit)
                for theme in role.themes or initiative.themes:
                    _add(self.by_theme, theme, bit)
                if initiative.area:
                    _add(self.by_area, initiative.area.lower(), bit)
                for language in initiative.languages:
                    _add(self.by_language, language, bit)
                if initiative.initiative_id in evening_initiatives:
                    self.evening |= bit
        self.every = (1 << len(self.roles)) - 1
        # Residents share languages, areas and interests far more often than whole profiles: kept per value.
        self._speaking: dict[frozenset, int] = {}
        self._sharing: dict[frozenset, list[int]] = {}

    def speaking(self, languages: frozenset) -> int:
        """The roles whose initiative works in any of these languages."""
        roles = self._speaking.get(languages)
        if roles is None:
            roles = 0
            for language in languages:
                roles |= self.by_language.get(language, 0)
            self._speaking[languages] = roles
        return roles

    def sharing(self, interests: frozenset) -> list[int]:
        """The roles by how many of these interests they are about: element k holds those sharing exactly k."""
        exactly = self._sharing.get(interests)
        if exactly is None:
            exactly = [self.every]
            for theme in interests:
                about = self.by_theme.get(theme, 0)
                if about:
                    exactly = ([exactly[0] & ~about]
                               + [(exactly[k] & ~about) | (exactly[k - 1] & about) for k in range(1, len(exactly))]
                               + [exactly[-1] & about])
            while len(exactly) > 1 and not exactly[-1]:
                exactly.pop()
            self._sharing[interests] = exactly
        return exactly

    def wanted_roles(self, resident: Resident) -> int:
        """The roles of the initiatives the resident asked to join."""
        wanted = 0
        for initiative_id in resident.wants:
            wanted |= self.by_initiative.get(initiative_id, 0)
        return wanted

    def in_scope(self, resident: Resident) -> int:
        return self.evening | self.wanted_roles(resident)

    def best(self, resident: Resident, limit: int) -> list[tuple[float, int]]:
        """The resident's ``limit`` best roles in scope (tonight's presenters and what they asked for) with a
        score above 0: ``[(score, role number)]``, best first, then by role number — the order of
        ``role_score`` over every role in scope."""
        wanted = self.wanted_roles(resident)
        met = self.evening & ~wanted
        sharing = self.sharing(resident.interests)
        speaking = self.speaking(resident.languages) if resident.languages else 0
        local = self.by_area.get(resident.area.lower(), 0) if resident.area else 0
        parts = ((wanted, met, 0), sharing,
                 (speaking & local, speaking & ~local, local & ~speaking, self.every & ~(speaking | local)))
        found: list[tuple[float, int]] = []
        for score, combinations in _levels(len(sharing)):
            if score <= 0 or len(found) >= limit:
                break
            roles = 0
            for signal, shared, place in combinations:
                roles |= parts[0][signal] & parts[1][shared] & parts[2][place]
            while roles and len(found) < limit:
                lowest = roles & -roles
                found.append((score, lowest.bit_length() - 1))
                roles ^= lowest
        return found


def _bits(roles: int):
    """The role numbers set in ``roles``, lowest first."""
    while roles:
        lowest = roles & -roles
        yield lowest.bit_length() - 1
        roles ^= lowest


def _add(index: dict, key, bit: int) -> None:
    index[key] = index.get(key, 0) | bit


@functools.cache
def _levels(shared_themes: int) -> list[tuple[float, list[tuple[int, int, int]]]]:
    """Every combination of signals a role can have for a resident, grouped by the score it gives, best first.

    A combination is (wanted / met tonight / neither, how many interests shared, language and area: both /
    language / area / neither). Each score is summed as ``role_score`` sums it, so ties are exactly its ties.
    """
    levels: dict[float, list[tuple[int, int, int]]] = {}
    for signal in range(3):
        for shared in range(shared_themes):
            for place, (language, area) in enumerate(((True, True), (True, False), (False, True), (False, False))):
                score = THEME * shared
                score += (WANTED, MET, 0.0)[signal]
                if area:
                    score += AREA
                if language:
                    score += LANGUAGE
                levels.setdefault(score, []).append((signal, shared, place))
    return sorted(levels.items(), reverse=True)


def propose_roles(residents: Iterable[Resident], initiatives: dict[str, Initiative], solve: Solver,
                  evening_initiatives: Iterable[str] = (), per_resident: int = 3,
                  candidates_per_resident: int = CANDIDATES) -> dict[str, list[Suggestion]]:
    """person_id → 1..per_resident suggestions (best first) for every resident who may be contacted, as far as
    the places of the roles in their scope (tonight's presenters and what they asked for) allow."""
    evening = frozenset(evening_initiatives)
    index = _RoleIndex(initiatives, evening)
    residents = [r for r in residents if r.contact]
    rounds = max(1, per_resident)
    capacity = [role.capacity for role, _ in index.roles]
    chosen: list[dict[int, float]] = [{} for _ in residents]

    def assign(options: dict[int, list[tuple[float, int]]]) -> None:
        """One round: at most one more role for each resident in ``options`` (resident → [(score, role)])."""
        edges = [(r, i, score) for r, scored in options.items() for score, i in scored
                 if capacity[i] > 0 and i not in chosen[r]]
        if edges:
            for r, i in solve(len(residents), len(index.roles), edges, capacity):
                chosen[r][i] = next(score for score, j in options[r] if j == i)
                capacity[i] -= 1

    # 1. The initiatives people asked to join, among those who asked: all their roles are candidates.
    asked = {}
    for r, resident in enumerate(residents):
        roles = list(_bits(index.wanted_roles(resident)))
        if roles:
            asked[r] = sorted(((role_score(resident, *index.roles[i], evening), i) for i in roles),
                              key=lambda option: (-option[0], option[1]))
    for level in range(rounds):
        # One role per initiative asked for: joining it is what they asked; a second role there can wait.
        assign({r: [(score, i) for score, i in options
                    if index.roles[i][1].initiative_id not in {index.roles[j][1].initiative_id for j in chosen[r]}]
                for r, options in asked.items() if len(chosen[r]) <= level})
    # 2. Everything in scope, round by round: everyone's next suggestion from their best few roles, then
    #    whoever got nothing this round from every role in scope that still has a place.
    best = [index.best(resident, candidates_per_resident) for resident in residents]
    for level in range(rounds):
        behind = [r for r in range(len(residents)) if len(chosen[r]) <= level]
        assign({r: best[r] for r in behind})
        free = sum(1 << i for i, left in enumerate(capacity) if left > 0)
        short = {}
        for r in behind:
            if len(chosen[r]) <= level:
                open_roles = index.in_scope(residents[r]) & free
                if open_roles:
                    short[r] = [(role_score(residents[r], *index.roles[i], evening), i) for i in _bits(open_roles)]
        assign(short)
    result = {}
    for resident, picks in zip(residents, chosen):
        if picks:
            ordered = sorted(picks.items(), key=lambda item: (-item[1], item[0]))
            result[resident.person_id] = [
                Suggestion(index.roles[i][1].initiative_id, index.roles[i][0].role_id, score,
                           explain_role(resident, *index.roles[i], evening), share_details=resident.consent)
                for i, score in ordered]
    return result


def greedy_solver(rows: int, cols: int, edges: list, capacity: list) -> list:
    """A simple solver (best edge first): pure Python, for small evenings and as a reference in tests."""
    left = list(capacity)
    used_rows = set()
    picked = []
    for r, c, _score in sorted(edges, key=lambda e: (-e[2], e[0], e[1])):
        if r in used_rows or left[c] <= 0:
            continue
        used_rows.add(r)
        left[c] -= 1
        picked.append((r, c))
    return picked


# Initiatives ↔ initiatives -------------------------------------------------------------------------------

def _offers(initiative: Initiative) -> frozenset:
    return initiative.target_groups | initiative.themes


def score_pair(a: Initiative, b: Initiative, evening_names: dict[str, str] | None = None):
    """How well two initiatives complement each other (0 when neither offers what the other looks for)."""
    a_needs = sorted(a.looking_for & _offers(b))
    b_needs = sorted(b.looking_for & _offers(a))
    if not a_needs and not b_needs:
        return 0.0, {"nl": [], "en": [], "codes": []}
    score = PAIR_NEED * (len(a_needs) + len(b_needs))
    nl, en, why = [], [], [COMPLEMENTS]
    for seeker, offerer, codes in ((a, b, a_needs), (b, a, b_needs)):
        if codes:
            s_nl, s_en = _complement_sentence(seeker, offerer, codes)
            nl.append(s_nl)
            en.append(s_en)
    shared_evenings = sorted(a.evenings & b.evenings)
    if shared_evenings:
        why.append(SAME_EVENING)
        score *= PAIR_SAME_EVENING
        title = (evening_names or {}).get(shared_evenings[0])
        nl.append(f"Jullie presenteerden op dezelfde avond{f' ({title})' if title else ''}.")
        en.append(f"You both presented at the same evening{f' ({title})' if title else ''}.")
    if same_area(a, b):
        why.append(SAME_AREA)
        score += PAIR_SAME_AREA
        nl.append(f"Jullie zijn allebei actief in {a.area}.")
        en.append(f"You are both active in {a.area}.")
    return score, {"nl": nl, "en": en, "codes": why}


def same_area(a: Initiative, b: Initiative) -> bool:
    return bool(a.area and b.area and a.area.lower() == b.area.lower())


def _complement_sentence(seeker: Initiative, offerer: Initiative, codes: list[str]) -> tuple[str, str]:
    groups = [c for c in codes if c in offerer.target_groups]
    themes = [c for c in codes if c not in offerer.target_groups]
    nl_parts, en_parts = [], []
    if groups:
        nl_parts.append(f"{offerer.name} brengt {join_words([label(c, 'nl') for c in groups], 'nl')} samen")
        en_parts.append(f"{offerer.name} brings together {join_words([label(c, 'en') for c in groups], 'en')}")
    if themes:
        nl_parts.append(f"{offerer.name} werkt aan {join_words([label(c, 'nl') for c in themes], 'nl')}")
        en_parts.append(f"{offerer.name} works on {join_words([label(c, 'en') for c in themes], 'en')}")
    words_nl = join_words([label(c, 'nl') for c in codes], 'nl')
    words_en = join_words([label(c, 'en') for c in codes], 'en')
    return (f"{' en '.join(nl_parts)}; {seeker.name} zoekt {words_nl}.",
            f"{' and '.join(en_parts)}; {seeker.name} is looking for {words_en}.")


def propose_pairs(initiatives: dict[str, Initiative], focus: Iterable[str] = (),
                  per_initiative: int = PAIRS_PER_INITIATIVE, evening_names: dict[str, str] | None = None):
    """Complementary pairs, best first: ``[{initiative_ids: [a, b], score, reasons}]``.

    Pairs among ``focus`` (the evening's presenters; everyone if empty), or of a presenter with an initiative
    that was not there but works in the same area — its reasons then say so. At most ``per_initiative``
    partners for each focused initiative.
    """
    focus = set(focus) or set(initiatives)
    ids = sorted(initiatives)
    candidates = []
    for x, a_id in enumerate(ids):
        for b_id in ids[x + 1:]:
            both = a_id in focus and b_id in focus
            if not both and not (a_id in focus or b_id in focus):
                continue
            if not both and not same_area(initiatives[a_id], initiatives[b_id]):
                continue  # someone who was not there, with no other reason to meet: not introduced
            score, reasons = score_pair(initiatives[a_id], initiatives[b_id], evening_names)
            if score > 0 and not both:
                absent = initiatives[b_id if a_id in focus else a_id]
                reasons["codes"].append(NOT_PRESENT)
                reasons["nl"].append(f"{absent.name} was er die avond niet bij, maar werkt ook in {absent.area}.")
                reasons["en"].append(f"{absent.name} was not at that evening, but also works in {absent.area}.")
            if score > 0:
                candidates.append((score, a_id, b_id, reasons))
    candidates.sort(key=lambda c: (-c[0], c[1], c[2]))
    taken: dict[str, int] = {}
    pairs = []
    for score, a_id, b_id, reasons in candidates:
        # A pair is kept while a focused side still has room for a partner.
        room = [i for i in (a_id, b_id) if i in focus and taken.get(i, 0) < per_initiative]
        if not room:
            continue
        for i in (a_id, b_id):
            taken[i] = taken.get(i, 0) + 1
        pairs.append({"initiative_ids": [a_id, b_id], "score": round(score, 3), "reasons": reasons})
    return pairs
