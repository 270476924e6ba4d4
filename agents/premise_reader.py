"""Read a premise into premise facts, in the language it is written in."""

from __future__ import annotations

import re

from agents.premise_reader_en import read_premise_en
from agents.premise_reader_world import read_world
from agents.premise_reader_zh import read_premise_zh
from memory.premise import PremiseFacts
from memory.schema import Language

# Past this the reader keeps the opening: a premise is a pitch, and a pasted novel must not stall `new`.
MAX_PREMISE_CHARS = 8000
_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]")
_LATIN = re.compile(r"[A-Za-z]")


def premise_language(text: str) -> Language:
    """Return the language a premise is written in: Chinese when CJK characters outnumber Latin letters."""
    return "zh" if len(_CJK.findall(text)) * 2 >= len(_LATIN.findall(text)) and _CJK.search(text) else "en"


def language_mismatch(text: str, language: Language) -> str:
    """Return one line when the premise is not written in the series language, else ''."""
    written = premise_language(text)
    if not text.strip() or written == language:
        return ""
    names = {"en": "English", "zh": "Chinese"}
    return (
        f"the premise is written in {names[written]} but the series language is {names[language]}: "
        f"its facts are read as {names[written]} and the season is written in {names[language]}; "
        f"pass --language {written} to write it in {names[written]}"
    )


def read_premise(text: str, language: Language) -> PremiseFacts:
    """Return the premise facts; the text is read in the language it is written in, whatever the series' language."""
    clipped = text.strip()[:MAX_PREMISE_CHARS]
    written = premise_language(clipped) if clipped else language
    facts = read_world(read_premise_zh(clipped) if written == "zh" else read_premise_en(clipped))
    notes = list(facts.notes)
    if len(text.strip()) > MAX_PREMISE_CHARS:
        notes.append(f"the premise is {len(text.strip())} characters; only the first {MAX_PREMISE_CHARS} were read")
    if written != language:
        notes.append(language_mismatch(clipped, language))
    if not facts.named_people():
        notes.append("no named people in the premise; the cast's names are invented")
    return facts.model_copy(update={"notes": notes, "premise": text.strip()})
