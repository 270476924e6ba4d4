"""Premise coverage: which premise facts still show in what the room wrote (canon, plan, scripts).

Deterministic, so it runs in every mode. English matching folds inflection
(radio/radios, drowned/drowning) by a light stemmer; Chinese matches as written.
A person counts when any of their name forms (full, first name, surname) or,
for an unnamed person, the relation or job word shows.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from pydantic import BaseModel, ConfigDict, Field

from memory.premise import PremiseFact, PremiseFacts
from memory.schema import Canon, Script, SeriesBible

_WORD = re.compile(r"[a-z0-9]+(?::[0-9]+)?")


class PremiseCoverage(BaseModel):
    """Which premise facts a set of texts keeps."""

    model_config = ConfigDict(extra="forbid")

    covered: list[str] = Field(default_factory=list, description="Ids of the facts the texts contain.")
    missing: list[str] = Field(default_factory=list, description="Ids of the facts the texts lost.")
    ratio: float = Field(default=1.0, description="Covered share of all facts; 1.0 when the premise has none.")
    missing_labels: list[str] = Field(default_factory=list, description="Labels of the missing facts, for messages.")


def stem(word: str) -> str:
    """Fold an English word to a rough stem: radios -> radio, drowned/drowning -> drown, voices -> voic."""
    word = word.lower().strip("'’")
    word = re.sub(r"['’]s$", "", word)
    if word.endswith("ies") and len(word) > 4:
        word = word[:-3] + "y"
    elif word.endswith(("sses", "shes", "ches", "xes", "zes")):
        word = word[:-2]
    elif word.endswith("ing") and len(word) > 5:
        word = word[:-3]
    elif word.endswith("ed") and len(word) > 4:
        word = word[:-2]
    elif word.endswith("s") and not word.endswith("ss") and len(word) > 3:
        word = word[:-1]
    if len(word) > 3 and word[-1] == word[-2] and word[-1] not in "aeiouls":
        word = word[:-1]  # stopped -> stopp -> stop
    return word[:-1] if word.endswith("e") and len(word) > 3 else word


def _en_tokens(text: str) -> list[str]:
    return [stem(w) for w in _WORD.findall(text.lower().replace("’", "'").replace("-", " "))]


class _Haystack:
    """The texts to search, prepared once per language."""

    def __init__(self, texts: Sequence[str], language: str) -> None:
        self.language = language
        self.raw = "\n".join(texts)
        self.lowered = self.raw.lower()
        joined = " ".join(_en_tokens(self.raw)) if language == "en" else ""
        self.stems = f" {joined} "

    def has(self, term: str) -> bool:
        term = term.strip()
        if not term:
            return False
        if self.language == "zh" or not term.isascii():
            return term in self.raw or term.lower() in self.lowered
        if re.search(r"\d", term):
            return term.lower() in self.lowered
        tokens = _en_tokens(term)
        return bool(tokens) and f" {' '.join(tokens)} " in self.stems


def fact_covered(fact: PremiseFact, haystack: _Haystack) -> bool:
    """True when the texts contain enough of the fact's terms."""
    hits = {t for t in fact.terms if haystack.has(t)}
    if fact.kind == "device":
        return len(hits) >= min(fact.need, len(fact.terms))
    return len(hits) >= 1 if fact.terms else False


def premise_coverage(facts: PremiseFacts, texts: Sequence[str]) -> PremiseCoverage:
    """Return which premise facts the texts keep and which they lost."""
    language = facts.language
    haystack = _Haystack(texts, language)
    covered: list[str] = []
    missing: list[str] = []
    labels: list[str] = []
    all_facts = facts.facts()
    for fact in all_facts:
        if fact_covered(fact, haystack):
            covered.append(fact.id)
        else:
            missing.append(fact.id)
            labels.append(fact.label)
    ratio = len(covered) / len(all_facts) if all_facts else 1.0
    return PremiseCoverage(covered=covered, missing=missing, ratio=round(ratio, 4), missing_labels=labels)


def canon_texts(canon: Canon) -> list[str]:
    """Return canon's texts a premise fact can live in: names, jobs, relations, places, props, world, secrets."""
    texts = [canon.title, canon.world.era, *canon.world.rules]
    for c in canon.characters:
        texts += [c.name, *c.aliases, c.occupation, c.role, *(r.kind for r in c.relationships)]
    for loc in canon.locations:
        texts += [loc.name, *loc.aliases, loc.description]
    for p in canon.props:
        texts += [p.name, *p.aliases, p.description]
    for s in canon.secrets:
        texts += [s.description, *s.keywords]
    return texts


def series_texts(series: SeriesBible) -> list[str]:
    """Return the canon and plan texts of a series bible, for the plan review's coverage check."""
    plan = series.plan
    texts = [*canon_texts(series.canon), plan.title, plan.logline, *plan.arcs]
    for brief in plan.episodes:
        texts += [brief.title, brief.opening_hook, *brief.key_beats, brief.cliffhanger, brief.core_conflict]
    return texts


def script_texts(script: Script, canon: Canon) -> list[str]:
    """Return what an episode puts on screen: title, scene headings, cues, lines, the props in use.

    The summary is left out: it restates the brief, and coverage must come from the scenes themselves.
    """
    texts = [script.title]
    for scene in script.scenes:
        location = canon.location(scene.location_id)
        if location is not None:
            texts.append(location.name)
        for use in scene.props:
            prop = canon.prop(use.prop_id)
            if prop is not None:
                texts.append(prop.name)
            texts.append(use.action)
        for line in scene.lines:
            texts += [line.cue, line.text]
    return texts
