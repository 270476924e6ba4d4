"""Count clichés and templated beats from the lexicons shipped in evals/lexicons/, and the season's own stock lines.

A lexicon only knows the stock phrases someone wrote down; a writer that
reuses its own lines (「小声点，隔墙有耳。」 in every episode) is templated
whatever the list says. So a dialogue sentence said in three or more
episodes (evals.metrics_repeats) counts as a templated-beat hit too, in the
category `stock_lines`.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Mapping, Sequence
from functools import cache
from importlib import resources
from typing import Literal

from pydantic import BaseModel, Field

from evals.metrics_repeats import normalise, sentences
from evals.metrics_text import tokens
from memory.schema import Language

Kind = Literal["cliche", "template"]
RATE_PER = 1000  # hits per 1,000 words (English) or characters (Chinese)


class LexiconCategory(BaseModel):
    kind: Kind = Field(description="cliche: stock words and phrases; template: a stock beat or line.")
    description: str = Field(description="What the category holds.")
    terms: list[str] = Field(min_length=1, description="Plain phrases, matched as described in `about`.")


class Lexicon(BaseModel):
    language: Language
    version: str = Field(description="Bumped whenever terms change, so figures say which list they used.")
    about: str = Field(description="Where the terms come from and how they are matched.")
    categories: dict[str, LexiconCategory]


@cache
def lexicon(language: Language) -> Lexicon:
    """Load the shipped lexicon of a language."""
    text = resources.files("evals").joinpath("lexicons", f"cliches_{language}.json").read_text(encoding="utf-8")
    return Lexicon.model_validate(json.loads(text))


def _matcher(lex: Lexicon) -> tuple[re.Pattern[str], list[tuple[str, Kind, str]]]:
    """Return one pattern with a group per term, longest first, so overlapping terms count once."""
    entries = sorted(
        ((name, cat.kind, term) for name, cat in lex.categories.items() for term in cat.terms),
        key=lambda e: len(e[2]),
        reverse=True,
    )
    if lex.language == "zh":
        parts = [f"({re.escape(term.casefold())})" for _, _, term in entries]
        return re.compile("|".join(parts)), entries
    # Optional plural or possessive, on word boundaries, so "lighthouses" counts and "alphabet" does not.
    parts = [f"({re.escape(term.casefold())})" for _, _, term in entries]
    return re.compile(rf"(?<![\w'])(?:{'|'.join(parts)})(?:s|es|'s)?(?![\w'])"), entries


class ClicheScan(BaseModel):
    """Lexicon hits in a body of text."""

    lexicon_version: str
    units: int = Field(description="Words (English) or characters (Chinese) scanned.")
    lines: int = Field(description="Lines scanned.")
    cliche_hits: int
    template_hits: int
    cliche_rate: float = Field(description="Cliché hits per 1,000 units.")
    template_rate: float = Field(description="Templated-beat hits per 1,000 units.")
    lines_with_hit: float = Field(description="Share of lines holding at least one hit.")
    by_category: dict[str, int] = Field(default_factory=dict)
    top_terms: list[tuple[str, int]] = Field(default_factory=list, description="Most frequent terms, with counts.")
    exempt: list[str] = Field(
        default_factory=list, description="Lexicon terms the premise itself uses: the writer's own, not counted."
    )


STOCK_CATEGORY = "stock_lines"


def scan(texts: Sequence[str], language: Language, stock: Mapping[str, str] | None = None, *, given: str) -> ClicheScan:
    """Count clichés and templated beats in lines of text.

    Args:
        texts: The lines.
        language: Their language.
        stock: The season's stock lines, normalised sentence -> the wording to report
            (`evals.metrics_repeats`); each sentence of a line that is one counts as a templated-beat hit.
        given: The user's own words (the premise): a lexicon term they use (a lighthouse keeper's lighthouse)
            is the story's, not the writer's reflex, and is not counted.
    """
    lex = lexicon(language)
    pattern, entries = _matcher(lex)
    folded_given = given.casefold().replace("\u2019", "'")
    exempt = {entries[(m.lastindex or 1) - 1][2] for m in pattern.finditer(folded_given)}
    by_category: Counter[str] = Counter()
    by_kind: Counter[str] = Counter()
    by_term: Counter[str] = Counter()
    hit_lines = 0
    for text in texts:
        found = False
        if stock:
            # A stock sentence counts once, as a stock line; the lexicon scans the rest of the line.
            rest = []
            for sentence in sentences(text, language):
                label = stock.get(normalise(sentence, language))
                if label is None:
                    rest.append(sentence)
                    continue
                found = True
                by_category[STOCK_CATEGORY] += 1
                by_kind["template"] += 1
                by_term[label] += 1
            text = " ".join(rest)
        folded = text.casefold().replace("\u2019", "'")
        for match in pattern.finditer(folded):
            name, kind, term = entries[(match.lastindex or 1) - 1]
            if term in exempt:
                continue
            found = True
            by_category[name] += 1
            by_kind[kind] += 1
            by_term[term] += 1
        hit_lines += found
    units = sum(len(tokens(t, language)) for t in texts)  # the whole lines, stock sentences included
    return ClicheScan(
        lexicon_version=lex.version,
        units=units,
        lines=len(texts),
        cliche_hits=by_kind["cliche"],
        template_hits=by_kind["template"],
        cliche_rate=round(by_kind["cliche"] * RATE_PER / units, 3) if units else 0.0,
        template_rate=round(by_kind["template"] * RATE_PER / units, 3) if units else 0.0,
        lines_with_hit=round(hit_lines / len(texts), 4) if texts else 0.0,
        by_category=dict(by_category),
        top_terms=by_term.most_common(8),
        exempt=sorted(exempt),
    )
