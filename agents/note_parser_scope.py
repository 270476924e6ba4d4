"""What a producer's note can refer to in one episode: names, places, props, lines, beats, shots.

The note parser (agents/note_parser.py) reads words; this module turns the words into ids of the
script and canon being revised. Names resolve through canon names, aliases, English first names and
surnames, and Chinese given names — but only where the short form is unambiguous in the cast, so
"Moreno" never picks one of two brothers at random.
"""

from __future__ import annotations

import difflib
import itertools
import json
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Literal

from agents.note_kin import Mention, follow_kin
from agents.textmatch import fold, has_cjk
from memory.schema import Canon, Character, EpisodeBrief, Line, Scene, Script, ShotList

WORDS_FILE = Path(__file__).parent / "offline" / "note_words.json"
Lexicon = Literal["times", "emotions", "tones", "lengths", "wardrobe"]
Lang = Literal["en", "zh"]
LANGS: tuple[Lang, ...] = ("en", "zh")
# Short English words that name no one and nothing, even when a place or prop is called by them.
_STOP = frozenset(["the", "of", "and", "a", "an", "at", "in", "on", "to", "by", "for", "with", "from", "old", "new"])
# Ids sit next to Chinese text with no space ("镜头s01-sh03里"), where \b finds no word boundary.
_LINE_ID = re.compile(r"(?<![A-Za-z0-9])s\d{2}-l\d{2}(?![A-Za-z0-9])", re.IGNORECASE)
_SHOT_ID = re.compile(r"(?<![A-Za-z0-9])s\d{2}-sh\d{2}(?![A-Za-z0-9])", re.IGNORECASE)
_SCENE_ID = re.compile(r"(?<![A-Za-z0-9])s\d{2}(?![A-Za-z0-9-])", re.IGNORECASE)
_QUOTES = re.compile(r"“([^”]+)”|「([^」]+)」|『([^』]+)』|\"([^\"]+)\"|‘([^’]+)’|(?<![\w])'(.+?)'(?![\w])")
_PUNCT = re.compile(r"[\s\W_]+", re.UNICODE)


@lru_cache(maxsize=1)
def _words() -> dict[str, dict[str, dict[str, str]]]:
    data: dict[str, dict[str, dict[str, str]]] = json.loads(WORDS_FILE.read_text(encoding="utf-8"))
    return data


def lexicon(kind: Lexicon, lang: Lang) -> dict[str, str]:
    """Return one word table of the note vocabulary, longest keys first."""
    table = _words()[kind][lang]
    return dict(sorted(table.items(), key=lambda kv: -len(kv[0])))


def _term_re(term: str) -> re.Pattern[str]:
    body = re.escape(fold(term).text.strip())
    if has_cjk(term):
        return re.compile(body)
    return re.compile(r"(?<![a-z0-9])" + body + r"(?![a-z0-9])")


def lookup(text: str, kind: Lexicon, lang: Lang) -> list[tuple[int, str, str]]:
    """Find the vocabulary words of a table in a text: (position, word, meaning), non-overlapping."""
    folded = fold(text).text
    taken: list[tuple[int, int]] = []
    found: list[tuple[int, str, str]] = []
    for word, meaning in lexicon(kind, lang).items():
        for m in _term_re(word).finditer(folded):
            if any(s < m.end() and m.start() < e for s, e in taken):
                continue
            taken.append((m.start(), m.end()))
            found.append((m.start(), word, meaning))
    return sorted(found)


def strip_quotes(text: str) -> str:
    """Blank out quoted passages so words inside a quoted line are not read as instructions."""
    return _QUOTES.sub(lambda m: " " * len(m.group(0)), text)


def quotes_in(text: str) -> list[str]:
    """Return the quoted passages of a note, in order."""
    return [next(g for g in m.groups() if g is not None) for m in _QUOTES.finditer(text)]


def quotes_after(text: str, marker: re.Pattern[str]) -> list[tuple[str, bool]]:
    """Return each quoted passage and whether it follows a 'new words' marker ("改成「…」", "should be '…'")."""
    return [
        (
            next(g for g in m.groups() if g is not None),
            marker.search(text[max(0, m.start() - 12) : m.start()]) is not None,
        )
        for m in _QUOTES.finditer(text)
    ]


def squash(text: str) -> str:
    """Fold a text and drop spaces and punctuation, for comparing a quote with a line."""
    return _PUNCT.sub("", fold(text).text)


@dataclass(frozen=True)
class LineRef:
    """A line the note points at, and the phrase of it the note quoted when it quoted only part."""

    line: Line
    phrase: str = ""


def unique_refs(refs: list[LineRef]) -> list[LineRef]:
    """Drop repeated references to the same line, keeping the first."""
    seen: set[str] = set()
    kept: list[LineRef] = []
    for ref in refs:
        if ref.line.id not in seen:
            seen.add(ref.line.id)
            kept.append(ref)
    return kept


@dataclass
class NoteScope:
    """The episode a note is about, indexed for resolving the note's words to ids."""

    script: Script
    canon: Canon
    brief: EpisodeBrief
    shots: ShotList | None = None
    recent: list[str] = field(default_factory=list)  # characters named so far, for "him" and "her"

    def __post_init__(self) -> None:
        self.characters = _index([(c.id, t) for c in self.canon.characters for t in _character_terms(c, self)])
        # "Night Market" must not turn "move it to night" into a move to the market.
        times = {fold(w).text for lang in LANGS for w in lexicon("times", lang)}
        self.locations = _index(
            [
                (loc.id, t)
                for loc in self.canon.locations
                for t in _place_terms(loc.name)
                if t == loc.name or fold(t).text not in times
            ]
        )
        for loc in self.canon.locations:
            self.locations += [(_term_re(a), loc.id) for a in loc.aliases]
        self.props = _index([(p.id, t) for p in self.canon.props for t in [*_place_terms(p.name), *p.aliases]])

    # ------------------------------------------------------------------ names

    def character_mentions(self, text: str) -> list[Mention]:
        """Return every character a text names, in order of appearance; "Tomas's sister" is the sister."""
        folded = fold(text)
        return [follow_kin(m, folded, self.canon) for m in _mentions(self.characters, text)]

    def location_mentions(self, text: str) -> list[Mention]:
        """Return every canon location a text names."""
        return _mentions(self.locations, text)

    def prop_mentions(self, text: str) -> list[Mention]:
        """Return every canon prop a text names."""
        return _mentions(self.props, text)

    def character(self, character_id: str) -> Character | None:
        """Return a canon character."""
        return self.canon.character(character_id)

    def remember(self, character_id: str) -> None:
        """Note that a character was just named, so a later pronoun can refer to them."""
        if character_id in self.recent:
            self.recent.remove(character_id)
        self.recent.append(character_id)

    def pronoun(self, gender: Literal["female", "male"]) -> tuple[str | None, str]:
        """Resolve 'her' or 'him': the last named character of that gender, else the only one on screen."""
        for cid in reversed(self.recent):
            found = self.character(cid)
            if found is not None and found.gender == gender:
                return cid, ""
        on_screen = [cid for cid in self.speakers() if (c := self.character(cid)) is not None and c.gender == gender]
        if len(on_screen) == 1:
            return on_screen[0], ""
        if on_screen:
            name = self.name_of(on_screen[0])
            return on_screen[0], f"took '{'her' if gender == 'female' else 'him'}' to be {name}, who has most lines"
        return None, ""

    def name_of(self, character_id: str) -> str:
        """Return a character's canon name, or the id when canon lacks them."""
        found = self.character(character_id)
        return found.name if found is not None else character_id

    def sharing(self, short: str) -> list[str]:
        """Return the names of every character a short form ("Moreno", "小唐") could mean."""
        want = fold(short).text.strip()
        return [c.name for c in self.canon.characters if want in {fold(f).text for f in _short_forms(c)}]

    def cast_line(self) -> str:
        """List the cast by name, for a warning about a name the room does not know."""
        return ", ".join(c.name for c in self.canon.characters)

    def speakers(self) -> list[str]:
        """Return the episode's speaking characters, most lines first."""
        counts: dict[str, int] = {}
        for line in self.script.lines():
            if line.kind == "dialogue" and line.speaker_id:
                counts[line.speaker_id] = counts.get(line.speaker_id, 0) + 1
        return sorted(counts, key=lambda cid: -counts[cid])

    # ----------------------------------------------------------------- scenes

    def scene(self, scene_id: str) -> Scene | None:
        """Return a scene of the script."""
        return next((s for s in self.script.scenes if s.id == scene_id), None)

    def scene_at(self, number: int) -> Scene | None:
        """Return the scene at a 1-based position; negative counts from the end."""
        scenes = self.script.scenes
        index = number - 1 if number > 0 else len(scenes) + number
        return scenes[index] if 0 <= index < len(scenes) else None

    def scenes_at(self, location_id: str) -> list[Scene]:
        """Return the scenes set at a location."""
        return [s for s in self.script.scenes if s.location_id == location_id]

    def scenes_by_time(self, time_of_day: str) -> list[Scene]:
        """Return the scenes played at a time of day."""
        return [s for s in self.script.scenes if s.time_of_day == time_of_day]

    def scene_ids_in(self, text: str) -> list[str]:
        """Return the scene ids ('s02') a text writes out."""
        known = {s.id for s in self.script.scenes}
        return [m.group().lower() for m in _SCENE_ID.finditer(text) if m.group().lower() in known]

    def scene_of_line(self, line_id: str) -> Scene | None:
        """Return the scene holding a line."""
        return next((s for s in self.script.scenes if any(ln.id == line_id for ln in s.lines)), None)

    # ------------------------------------------------------------------ lines

    def line(self, line_id: str) -> Line | None:
        """Return a line of the script."""
        return next((ln for ln in self.script.lines() if ln.id == line_id), None)

    def lines_of(self, character_id: str, scene_id: str | None = None) -> list[Line]:
        """Return a character's dialogue lines, in one scene or the whole episode."""
        scenes = [s for s in self.script.scenes if scene_id is None or s.id == scene_id]
        return [ln for s in scenes for ln in s.lines if ln.kind == "dialogue" and ln.speaker_id == character_id]

    def dialogue(self, scene_id: str | None = None) -> list[Line]:
        """Return the dialogue lines of one scene or of the episode."""
        scenes = [s for s in self.script.scenes if scene_id is None or s.id == scene_id]
        return [ln for s in scenes for ln in s.lines if ln.kind == "dialogue"]

    def line_ids_in(self, text: str) -> list[Line]:
        """Return the lines a text names by id ('s01-l03')."""
        found = [self.line(m.group().lower()) for m in _LINE_ID.finditer(text)]
        return [ln for ln in found if ln is not None]

    def read_quotes(self, text: str, marker: re.Pattern[str]) -> tuple[list[LineRef], list[str]]:
        """Split a clause's quotes into the lines they point at and the new words they ask for.

        A quote that is a whole line points at it; one that is part of a line points at that phrase, unless it
        follows a marker of new words ("改成「走吧」" asks for new words even when some line holds "走吧").
        """
        refs: list[LineRef] = []
        new: list[str] = []
        for quote, after_marker in quotes_after(text, marker):
            matched = self.quoted(quote)
            if matched and not (after_marker and all(ref.phrase for ref in matched)):
                refs += matched
            else:
                new.append(quote)
        return refs, new

    def quoted(self, quote: str) -> list[LineRef]:
        """Resolve a quote to the line it is (whole), the lines it is part of, or nothing (new words)."""
        want = squash(quote)
        if not want:
            return []
        lines = self.script.lines()
        whole = [ln for ln in lines if squash(ln.text) == want]
        if whole:
            return [LineRef(whole[0])]
        parts = [ln for ln in lines if want in squash(ln.text)]
        if parts:
            return [LineRef(ln, quote) for ln in parts]
        # A producer quoting from memory gets the words nearly right: a close whole-line match counts.
        scored = [(difflib.SequenceMatcher(None, want, squash(ln.text)).ratio(), ln) for ln in lines]
        best = max(scored, key=lambda pair: pair[0], default=None)
        if best is not None and best[0] >= 0.8:
            return [LineRef(best[1])]
        return []

    # ------------------------------------------------------------------ beats

    def beat_matching(self, text: str) -> int | None:
        """Return the index of the brief's beat a description best matches, when one matches well."""
        want = _grams(text)
        if not want:
            return None
        scores = [len(want & _grams(beat)) / max(1, len(want)) for beat in self.brief.key_beats]
        best = max(range(len(scores)), key=lambda i: scores[i], default=None)
        return best if best is not None and scores[best] >= 0.4 else None

    # ------------------------------------------------------------------ shots

    def shot_ids_in(self, text: str) -> list[str]:
        """Return the shot ids a text names that the shot list has."""
        known = {s.id for s in self.shots.shots} if self.shots is not None else set()
        return [m.group().lower() for m in _SHOT_ID.finditer(text) if m.group().lower() in known]

    def wardrobe_for(self, character_id: str, text: str, lang: Lang) -> str | None:
        """Return the wardrobe set of a character a text describes, by set id or costume words."""
        found = self.character(character_id)
        if found is None:
            return None
        sets = {w.id for w in found.wardrobe}
        folded = fold(text).text
        for w in found.wardrobe:
            if _term_re(w.id).search(folded) and not has_cjk(text):
                return w.id
        for _, _, meaning in lookup(text, "wardrobe", lang):
            if meaning in sets:
                return meaning
        for w in found.wardrobe:
            words = [t for t in re.split(r"[\s,]+", w.description) if len(t) >= 4 or has_cjk(t)]
            if any(_term_re(t).search(folded) for t in words if not has_cjk(t)):
                return w.id
        return None


def _grams(text: str) -> set[str]:
    folded = fold(text).text
    if has_cjk(folded):
        chars = [c for c in folded if has_cjk(c)]
        return {a + b for a, b in itertools.pairwise(chars)}
    return {w for w in re.findall(r"[a-z]+", folded) if len(w) >= 4 and w not in _STOP}


# How a Chinese producer names someone by surname: 小唐, 老周, 唐总, 周哥 ...
_ZH_BY_SURNAME = ("小{}", "老{}", "{}总", "{}哥", "{}姐", "{}叔", "{}姨", "{}老师", "{}先生", "{}小姐", "{}医生")


def _character_terms(character: Character, scope: NoteScope) -> list[str]:
    terms = [character.name, *character.aliases, *sorted(_short_forms(character))]
    # A short form shared by two characters names neither.
    others = [c for c in scope.canon.characters if c.id != character.id]
    shared = {t for t in terms for o in others if t in _short_forms(o)}
    full = {character.name, *character.aliases}
    return [t for t in dict.fromkeys(terms) if t in full or t not in shared]


def _short_forms(character: Character) -> set[str]:
    """A character's given name, first name and surname forms, before ambiguity is taken out."""
    name = character.name.strip()
    forms = {name, *character.aliases}
    if has_cjk(name):
        if len(name) == 3:
            forms.add(name[1:])  # given name: 林晚晴 -> 晚晴
        if len(name) in (2, 3):
            forms |= {pattern.format(name[0]) for pattern in _ZH_BY_SURNAME}
    else:
        forms |= {t for t in name.split() if len(t) >= 3}
    return forms


def _place_terms(name: str) -> list[str]:
    """Return a place's or prop's name and the parts of it a producer would say ('the hospital')."""
    terms = [name]
    if has_cjk(name):
        terms += [name[i:] for i in range(1, len(name) - 1)] + [name[:i] for i in range(2, len(name))]
    else:
        words = [w for w in name.split() if len(w) >= 4 and w.lower() not in _STOP]
        terms += words
    return terms


def _index(pairs: list[tuple[str, str]]) -> list[tuple[re.Pattern[str], str]]:
    """Compile terms to patterns, dropping a short form that two entities share, longest terms first."""
    owners: dict[str, set[str]] = {}
    for entity, term in pairs:
        owners.setdefault(fold(term).text.strip(), set()).add(entity)
    unique = [(t, next(iter(ids))) for t, ids in owners.items() if len(ids) == 1 and t]
    unique.sort(key=lambda pair: -len(pair[0]))
    return [(_term_re(t), entity) for t, entity in unique]


def _mentions(index: list[tuple[re.Pattern[str], str]], text: str) -> list[Mention]:
    folded = fold(text)
    taken: list[tuple[int, int]] = []
    found: list[Mention] = []
    for pattern, entity in index:
        for m in pattern.finditer(folded.text):
            if any(s < m.end() and m.start() < e for s, e in taken):
                continue
            taken.append((m.start(), m.end()))
            found.append(Mention(entity, m.start(), m.end(), folded.quote(m.start(), m.end())))
    return sorted(found, key=lambda mention: mention.start)
