"""Write individual lines: filler dialogue, reactions, reveals, handovers, exits, all kept clean of banned words."""

from __future__ import annotations

import random
import re
from collections.abc import Iterable, Iterator

from agents.offline.compose_cast import role_map, short_name
from agents.offline.compose_wording import capital, folder, vary
from agents.offline.grammar import Genre, Lexicon, fields, fill, lexicon, phrasebook, registers
from agents.offline.said import SaidSoFar
from memory.schema import Canon, Character, Script, Secret

_VILLAINS = frozenset({"foe", "rival"})
_KID_EMOTIONS = ("calm", "sad", "afraid", "joyful", "tender", "neutral")
_PARENTHETICALS: dict[str, dict[str, str]] = {
    "en": {
        "tender": "softly",
        "cold": "flatly",
        "smug": "smiling",
        "afraid": "whispering",
        "desperate": "voice breaking",
        "angry": "through gritted teeth",
        "shocked": "barely audible",
    },
    "zh": {
        "tender": "轻声",
        "cold": "淡淡地",
        "smug": "似笑非笑",
        "afraid": "压低声音",
        "desperate": "声音发颤",
        "angry": "咬牙切齿",
        "shocked": "声音发紧",
    },
}


def mentions(text: str, character: Character, language: str) -> bool:
    """Tell whether a text names a character (full name, alias or short name)."""
    names = {character.name, *character.aliases, short_name(character, language)}
    for name in names:
        if not name:
            continue
        if name.isascii():
            if re.search(rf"\b{re.escape(name)}\b", text):
                return True
        elif name in text:
            return True
    return False


def contains_term(text: str, term: str) -> bool:
    """Match a banned term: whole words for Latin script, substrings for CJK."""
    if not term:
        return False
    if term.isascii():
        return re.search(rf"\b{re.escape(term)}\b", text, re.IGNORECASE) is not None
    return term in text


class LineWriter:
    """Composes line texts for one script, remembering which templates it has used and what the season has said.

    `earlier` is the season's committed scripts before this episode: no dialogue sentence said there (or earlier
    in this script) is said again.
    """

    def __init__(self, canon: Canon, rng: random.Random, earlier: Iterable[Script] = ()) -> None:
        self.canon = canon
        self.rng = rng
        self.language = canon.language
        self.lex: Lexicon = lexicon(canon.language)
        self.genre: Genre | None = self.lex.genres.get(canon.genre)
        if self.genre is None and canon.world.technology == "pre_industrial":
            self.genre = self.lex.genres["period"]
        self.roles = role_map(canon, self.genre)
        self.key_of = {c.id: k for k, c in self.roles.items()}
        self.used: set[str] = set()
        names = [n for c in canon.characters for n in (c.name, *c.aliases, short_name(c, canon.language))]
        earlier = list(earlier)
        self.said = SaidSoFar(canon.language, earlier, names, fold=folder(canon.language))
        self.actions = SaidSoFar(canon.language, earlier, names, kind="action")
        # The scene being written: who else is in the room to be spoken about, and where it is.
        self.scene_cast: list[str] = []
        self.place = ""

    def scene(self, cast: list[str], place: str) -> None:
        """Set the scene the next lines are written for."""
        self.scene_cast = list(cast)
        self.place = place

    # ------------------------------------------------------------------ helpers

    def character(self, char_id: str | None) -> Character | None:
        """Return a canon character by id."""
        return self.canon.character(char_id) if char_id else None

    def short(self, char_id: str | None) -> str:
        """Return the short name for a character id."""
        character = self.character(char_id)
        return short_name(character, self.language) if character else ""

    def lead(self) -> str | None:
        """Return the protagonist's id (the hero slot, else the character whose role says so)."""
        hero = self.roles.get("hero")
        if hero is not None:
            return hero.id
        return next((c.id for c in self.canon.characters if c.role.strip().casefold() == "protagonist"), None)

    def is_kid(self, char_id: str | None) -> bool:
        """Tell whether a character is a minor."""
        character = self.character(char_id)
        return character is not None and character.age < 18

    def clean(self, text: str, allow: str | None = None) -> bool:
        """True when a text uses no forbidden term and no keyword of a secret other than `allow`.

        A secret everyone in the scene already knows is no secret among them: once the premise's device is out,
        the people who know it can talk about it (the device recurs instead of vanishing after its reveal).
        """
        if "{" in text:
            return False
        if any(contains_term(text, t) for t in self.canon.world.forbidden_terms):
            return False
        room = set(self.scene_cast)
        kept = [s for s in self.canon.secrets if s.id != allow and not (room and room <= set(s.known_by))]
        return not any(contains_term(text, k) for s in kept for k in s.keywords)

    def role_values(self) -> dict[str, str]:
        """Map slot keys to short names for filling templates."""
        return {k: short_name(c, self.language) for k, c in self.roles.items()}

    def parenthetical(self, emotion: str) -> str:
        """Return an optional acting direction for an emotion."""
        if self.rng.random() < 0.3:
            return _PARENTHETICALS.get(self.language, {}).get(emotion, "")
        return ""

    # ----------------------------------------------------------------- emotions

    def emotion(self, intensity: int, char_id: str | None, listener_id: str | None = None, phase: int = 0) -> str:
        """Choose an emotion that follows the curve's intensity and the sides of speaker and listener."""
        level = 0 if intensity <= 3 else 1 if intensity <= 5 else 2 if intensity <= 7 else 3
        speaker = self.key_of.get(char_id or "", "")
        listener = self.key_of.get(listener_id or "", "")
        bands: tuple[tuple[str, ...], ...]
        if char_id is None:
            bands = (
                ("calm", "neutral", "tense"),
                ("tense", "sad", "cold"),
                ("tense", "afraid", "angry"),
                ("tense", "afraid", "desperate", "angry"),
            )
        elif self.is_kid(char_id):
            bands = (("calm", "joyful", "tender"), ("calm", "tender", "sad"), ("sad", "afraid"), ("afraid", "sad"))
        elif speaker and listener and (speaker in _VILLAINS) != (listener in _VILLAINS):
            # Villains needle and stonewall; cornered, they plead. The angry pool is the wronged side's voice.
            if speaker in _VILLAINS:
                bands = (
                    ("cold", "smug"),
                    ("smug", "cold", "tense"),
                    ("cold", "smug", "tense"),
                    ("cold", "desperate", "smug"),
                )
            else:
                bands = (
                    ("cold", "tense", "neutral"),
                    ("tense", "cold", "angry"),
                    ("angry", "tense", "cold"),
                    ("angry", "tense", "cold"),
                )
        elif speaker in _VILLAINS and listener in _VILLAINS:
            bands = (
                ("smug", "cold", "calm"),
                ("smug", "cold", "tense"),
                ("tense", "afraid", "cold"),
                ("afraid", "desperate", "angry"),
            )
        else:
            bands = (
                ("calm", "tender", "neutral", "joyful"),
                ("tense", "sad", "calm", "tender"),
                ("tense", "afraid", "sad"),
                ("afraid", "desperate", "sad", "tense"),
            )
        # Joy belongs to the payoff; early in an episode it reads as a non sequitur.
        band = tuple(e for e in bands[level] if e != "joyful" or phase == 3) or bands[level]
        return self.rng.choice(band)

    # -------------------------------------------------------------------- lines

    def _suits(self, tag: str, speaker_id: str) -> bool:
        """Tell whether a genre line's speaker tag ('good', 'bad' or a slot key) fits the speaker."""
        key = self.key_of.get(speaker_id, "")
        if tag == "good":
            return key not in _VILLAINS
        if tag == "bad":
            return key in _VILLAINS
        return not tag or tag == key

    def filler(
        self,
        emotion: str,
        speaker_id: str,
        listener_id: str | None,
        prop_name: str,
        prop_holder: str | None = None,
        fresh_only: bool = False,
    ) -> str:
        """Return a dialogue line for the emotion, addressed to the listener when the template allows.

        A stock template naming the prop is said by its holder when it addresses nobody, and to its holder when
        it addresses someone. No sentence the season has already said is said again: candidates are stock
        templates and lead + core combinations filled with this scene's people, place and prop, and the one
        sharing the least wording with the season so far wins. With fresh_only, return "" rather than fall back.
        """
        values = {"other": self.short(listener_id), "prop": prop_name, "place": self.place}
        third = [c for c in self.scene_cast if c not in (speaker_id, listener_id)]
        if third:
            values["third"] = self.short(self.rng.choice(third))
        stock = self._stock(emotion, speaker_id, listener_id, prop_name, prop_holder)
        combined = [] if self.is_kid(speaker_id) else self._combined(emotion, values)
        source: dict[str, str] = {}
        text = self.said.pick(self._usable(stock, combined, values, source))
        if text:
            self.used.add(source.get(text, text))
            return text
        if fresh_only:
            return ""
        for template in self.rng.sample(self.lex.tails, len(self.lex.tails)):
            if self.said.fresh(template):
                self.said.add(template)
                return template
        return self.rng.choice(self.lex.tails)

    def _stock(
        self, emotion: str, speaker_id: str, listener_id: str | None, prop_name: str, prop_holder: str | None
    ) -> list[str]:
        if self.is_kid(speaker_id):
            pool = [t for e, t in self.lex.kid_lines if e == emotion] or [t for _, t in self.lex.kid_lines]
        else:
            genre_lines = []
            for tagged, text in self.genre.lines if self.genre else ():
                base, _, tag = tagged.partition("@")
                if base == emotion and self._suits(tag, speaker_id):
                    genre_lines.append(text)
            pool = genre_lines + list(self.lex.dialogue.get(emotion, ()))
        usable = [
            t
            for t in pool
            if ("{other}" not in t or listener_id)
            and fields(t) <= {"other", "prop"}
            and ("{prop}" not in t or (prop_name and prop_holder == (listener_id if "{other}" in t else speaker_id)))
            and t not in self.used
        ]
        self.rng.shuffle(usable)
        return usable

    def _combined(self, emotion: str, values: dict[str, str]) -> list[str]:
        """Return lead + core templates of the emotion's register whose fields this scene can fill."""
        register = next((r for r in registers(self.language) if emotion in r.emotions), None)
        if register is None:
            return []
        leads = [t for t in register.leads if all(values.get(f) for f in fields(t))]
        cores = [t for t in register.cores if all(values.get(f) for f in fields(t))]
        joiner = "" if self.language == "zh" else " "
        pairs = [f"{lead}{joiner}{core}" for lead in leads for core in cores]
        self.rng.shuffle(pairs)
        return pairs

    def _usable(
        self, stock: list[str], combined: list[str], values: dict[str, str], source: dict[str, str]
    ) -> Iterator[str]:
        """Yield filled, clean candidates (noting each one's template in `source`): stock lines, then combinations."""
        # Every stock line competes (the pick takes the least worn wording); combinations fill the rest.
        order = [*stock, *combined]
        for template in order:
            text = vary(self.rng, self.language, capital(fill(template, values), self.language))
            if self.clean(text):
                source.setdefault(text, template)
                yield text

    def reaction(self, speaker_id: str | None = None, listener_id: str | None = None) -> str:
        """Return a stunned reaction line the season has not heard yet."""
        pool = [t for t in self.lex.reactions if t not in self.used]
        self.rng.shuffle(pool)
        text = self.said.pick(pool, sample=3)
        if not text and speaker_id:
            text = self.filler("shocked", speaker_id, listener_id, "", fresh_only=True)
        text = text or self.rng.choice(list(self.lex.reactions))
        self.used.add(text)
        return text

    def reveal(self, secret: Secret, learner_id: str, variant: int = 0) -> str:
        """Return a line revealing the secret to the learner; it contains every keyword."""
        values = {**self.role_values(), "other": self.short(learner_id)}
        templates = []
        if self.genre is not None:
            templates = [list(s.reveals) for s in self.genre.secrets if s.id == secret.id][:1]
        options = templates[0] if templates else []
        text = ""
        for offset in range(len(options)):
            candidate = fill(options[(variant + offset) % len(options)], values)
            if "{" not in candidate and all(contains_term(candidate, k) for k in secret.keywords):
                text = candidate
                break
        if not text:
            text = fill(self.lex.reveal_fallback, {"other": values["other"], "description": secret.description})
        missing = [k for k in secret.keywords if not contains_term(text, k)]
        if missing:
            # Canon edited by hand may carry keywords the templates never use; say them plainly.
            text += (" " if self.language == "en" else "") + (
                "，".join(missing) if self.language == "zh" else ", ".join(missing) + "."
            )
        return text

    def establishing(self, char_ids: list[str]) -> str:
        """Return an action line opening a scene with the people in it, worded as the season has not yet seen."""
        names = [self.short(c) for c in char_ids]
        values = {"a": names[0], "b": names[1] if len(names) > 1 else "", "place": self.place}
        # "Finds {b} alone" / "独自" lines only fit a two-person scene.
        pool = [
            t
            for t in (*phrasebook(self.language).establishing, *self.lex.establishing)
            if all(values.get(f) for f in fields(t)) and (len(names) <= 2 or not ("alone" in t or "独自" in t))
        ]
        self.rng.shuffle(pool)
        text = self.actions.pick(t for t in (fill(p, values) for p in pool) if t not in self.used and self.clean(t))
        if text:
            self.used.add(text)
            return text
        return fill(self.lex.establishing[1], {"a": names[0]})

    def handover(self, giver_id: str, taker_id: str, prop_name: str) -> str:
        """Return the action line that shows a prop changing hands."""
        return fill(
            self.lex.handover_line, {"giver": self.short(giver_id), "taker": self.short(taker_id), "prop": prop_name}
        )

    def exit_line(self, char_id: str) -> str:
        """Return the action line that takes a character out of the story."""
        pool = list(self.genre.exits) if self.genre and self.genre.exits else [self.lex.exit_fallback]
        for template in self.rng.sample(pool, len(pool)):
            text = fill(template, {"x": self.short(char_id)})
            if self.clean(text):
                return text
        return fill(self.lex.exit_fallback, {"x": self.short(char_id)})
