"""The deterministic reader of producers' notes: English and Chinese text in, typed edit requests out.

A note is split into sentences and clauses; each clause is read by the patterns of its own language
first and the other language second (a Chinese note on an English series still names "June"), and
what no pattern reads is kept verbatim in `unparsed` so the room can say it could not act on it.
The offline writer answers the `interpret_note` task with this parser, and agents/notes.py calls it
directly when the room runs offline.
"""

from __future__ import annotations

import re

from pydantic import BaseModel, Field, ValidationError

from agents import note_parser_en, note_parser_zh
from agents.note_parser_build import Reading, warn
from agents.note_parser_scope import NoteScope
from memory.edits import EditRequest
from memory.schema import Canon, EpisodeBrief, Language, Scene, Script, ShotList

LANGUAGE_WORDS: dict[Language, str] = {"en": "English", "zh": "Chinese"}
_READERS = {"en": note_parser_en, "zh": note_parser_zh}
_QUOTED = re.compile(r"“[^”]*”|「[^」]*」|『[^』]*』|\"[^\"]*\"|‘[^’]*’|(?<![\w])'.+?'(?![\w])")
# "Mr. Moreno" is one sentence: no split after a title's full stop.
_SENTENCE = re.compile(
    r"(?<!\bMr\.)(?<!\bMs\.)(?<!\bDr\.)(?<!\bMrs\.)(?<=[.!?])\s+|(?<=\x01)\s+(?=[A-Z])|(?<=[。！？；;])|\n+"
)
_LATIN = re.compile(r"[A-Za-z]")
_CJK_CHAR = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]")
# English clauses that continue the previous clause's scene: "cut Tomas from scene 2 and make it shorter".
_ANAPHOR = re.compile(r"\b(?:it|there|that scene|this scene|the scene)\b", re.IGNORECASE)


class ParsedNote(BaseModel):
    """What the deterministic parser made of a note."""

    requests: list[EditRequest] = Field(default_factory=list, description="Typed requests, in the note's order.")
    unparsed: list[str] = Field(default_factory=list, description="Parts of the note no pattern read, verbatim.")
    warnings: list[str] = Field(default_factory=list, description="Names or references that did not resolve.")
    read_as: list[Language] = Field(default_factory=list, description="Languages whose patterns read some part.")


def note_language(text: str) -> Language:
    """Return the language a note is mostly written in: Chinese when it has more ideographs than Latin letters."""
    return "zh" if len(_CJK_CHAR.findall(text)) > len(_LATIN.findall(text)) else "en"


def split_note(note: str) -> list[list[str]]:
    """Split a note into sentences of clauses, never inside a quoted passage."""
    quotes: list[str] = []

    def hide(m: re.Match[str]) -> str:
        quotes.append(m.group(0))
        # A quote that ends its own sentence ("… Mark my words.' Then cut Mei.") may end the note's sentence too.
        end = "\x01" if re.search(r"[.!?。！？][\"'”’」』]$", m.group(0)) else "\x00"
        return f"\x00{len(quotes) - 1}{end}"

    hidden = _QUOTED.sub(hide, note)
    sentences: list[list[str]] = []
    for sentence in _SENTENCE.split(hidden):
        if not sentence or not sentence.strip(" \t.。;；!！?？"):
            continue
        splitter = note_parser_zh.SPLIT if note_language(sentence) == "zh" else note_parser_en.SPLIT
        parts = [p for p in splitter.split(sentence) if p and p.strip(" ,，、.。")]
        restored = [re.sub(r"\x00(\d+)[\x00\x01]", lambda m: quotes[int(m.group(1))], p).strip() for p in parts]
        sentences.append([p for p in restored if p])
    return sentences


def parse_note(
    note: str, *, script: Script, canon: Canon, brief: EpisodeBrief, shots: ShotList | None = None
) -> ParsedNote:
    """Read a producer's note into typed requests; keep what it cannot read, verbatim."""
    result = ParsedNote()
    if not note.strip():
        result.warnings.append(warn("empty_note"))
        return result
    scope = NoteScope(script=script, canon=canon, brief=brief, shots=shots)
    series = canon.language
    read_as: list[Language] = []
    last: str | None = None
    for sentence in split_note(note):
        previous_scene: Scene | None = None
        pending: str | None = None
        # Across a sentence break only a bare "Rework it." restates the last clause ("'…' feels wooden. Rework it.").
        last = (
            last
            if last is not None and _READERS[note_language(sentence[0])].WORDS.rewrite.search(sentence[0])
            else None
        )
        for part in sentence:
            reading, language, scene = _read(part, scope, previous_scene)
            if reading is None and last is not None and _repeats(last, part, scope, previous_scene, result):
                continue  # "这句太生硬，重写": the second clause restates the first
            if reading is None and pending is not None:
                joined = pending + ("，" if note_language(pending) == "zh" else ", ") + part
                reading, language, scene = _read(joined, scope, previous_scene)
                if reading is not None:
                    pending = None
            if reading is None:
                if pending is not None:
                    result.unparsed.append(pending)
                pending = part
                continue
            if pending is not None and reading.requests:
                # "王磊这一集，叫他阿宝": a fragment before a clause that reads the same with it belongs to it.
                joined = pending + ("，" if note_language(pending) == "zh" else ", ") + part
                together, _, _ = _read(joined, scope, previous_scene)
                if together is not None and together.requests == reading.requests and _refers(pending, scope):
                    pending = None
            if pending is not None:
                result.unparsed.append(pending)
                pending = None
            previous_scene = scene or previous_scene
            result.warnings += [w for w in reading.warnings if w not in result.warnings]
            if not reading.requests:
                result.unparsed.append(part)
                continue
            read_as.append(language)
            last = part
            for request in reading.requests:
                if request not in result.requests:
                    result.requests.append(request)
        if pending is not None:
            result.unparsed.append(pending)
    result.read_as = list(dict.fromkeys(read_as))
    other = [lang for lang in result.read_as if lang != series]
    if other or (note_language(note) != series and result.requests):
        lang = other[0] if other else note_language(note)
        result.warnings.append(warn(f"note_{lang}_patterns"))
    return result


def _read(part: str, scope: NoteScope, previous_scene: Scene | None) -> tuple[Reading | None, Language, Scene | None]:
    """Read a clause with its own language's patterns, then the other's; carry the sentence's scene."""
    first = note_language(part)
    order: list[Language] = [first, "zh" if first == "en" else "en"]
    fallback: tuple[Reading | None, Language, Scene | None] = (None, first, None)
    for language in order:
        module = _READERS[language]
        clause = module.clause(part, scope)
        inherits = clause.scene is None and not clause.episode_wide and previous_scene is not None
        if inherits and (language == "zh" or _ANAPHOR.search(clause.bare)):
            clause.scene = previous_scene
        try:
            reading = module.apply(clause)
        except ValidationError as exc:
            # Words longer than a request can carry (a 500-character "new line") are reported, not half-applied.
            problem = exc.errors(include_url=False)[0]
            where = ".".join(str(p) for p in problem["loc"])
            reading = Reading(
                warnings=[f"could not make a request of '{_short(part)}': {where} {problem['msg'].lower()}"]
            )
        if reading is not None and reading.requests:
            return reading, language, clause.scene
        if reading is not None and fallback[0] is None:
            fallback = (reading, language, clause.scene)
    return fallback


def _repeats(last: str, part: str, scope: NoteScope, scene: Scene | None, result: ParsedNote) -> bool:
    """Return True when a clause read together with the one before asks only for what that one did."""
    joiner = "，" if note_language(last) == "zh" else ", "
    reading, _, _ = _read(last + joiner + part, scope, scene)
    if reading is None or not reading.requests:
        return False
    have = [q.model_dump(exclude={"reason"}) for q in result.requests]
    return all(q.model_dump(exclude={"reason"}) in have for q in reading.requests)


def _refers(fragment: str, scope: NoteScope) -> bool:
    """Return True when a fragment names a character or a scene, so it can be the subject of the next clause."""
    module = _READERS[note_language(fragment)]
    clause = module.clause(fragment, scope)
    return bool(scope.character_mentions(clause.bare)) or clause.scene is not None


def _short(text: str, limit: int = 60) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"
