"""Read an English premise into premise facts with rules over capitalisation and a lexicon (premise_lexicon_en.json).

No model download: names are capitalised word runs that are not sentence furniture,
jobs, relations, places and objects come from the lexicon, and the device is the
first sentence's predicate after its subject.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any

from agents.premise_people import Naming, premise_people
from memory.premise import PremiseFacts, PremisePerson, PremiseThing

_WORD = re.compile(r"[A-Za-z][A-Za-z'’\-]*|\d+(?::\d\d)?")
_CAP_RUN = re.compile(r"(?<![\w'’])([A-Z][a-zA-Z'’\-]*(?:\s+(?:[A-Z][a-zA-Z'’\-]*|de|van|von|da|del|di|le|la))*)")
_CLOCK = re.compile(r"\b(\d{1,2}:\d{2}(?:\s*[ap]\.?m\.?)?|\d{1,2}\s*[ap]\.?m\.?|midnight|noon|dawn)\b", re.IGNORECASE)
_EVERY = re.compile(
    r"\bevery\s+(?:single\s+)?(night|morning|evening|day|week|month|year|winter|summer|spring|autumn)\b"
)
_SPAN_UNITS = r"(?:minutes|hours|days|nights|weeks|months|years|seasons|hour|day|night|week|month|year)"
_NUMBER = (
    r"(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|twenty|thirty|forty|fifty|hundred|\d+)"
)
_DURATION = re.compile(
    rf"\b(?:(?:(?:for|in|within|only|just|after|before|lasting)\s+)(?:a|an)|{_NUMBER})"
    rf"(?:[\s-]+(?:more|whole|short|long))?[\s-]+{_SPAN_UNITS}(?![\w-])"
    r"(?:\s+(?:before|after|ago|later|left))?",
    re.IGNORECASE,
)
_WEEKDAY = re.compile(
    r"\b(?:by|on|every|until|before|next|this|last)\s+((?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)s?)\b"
)
_YEAR = re.compile(r"\b(?:in\s+)?((?:1[5-9]|20)\d\d)\b")
# A sentence ends at . ! ? before a capital, but not after a title ("Dr. Helen Cho").
_SENTENCE = re.compile(
    r"(?<!\bDr\.)(?<!\bMr\.)(?<!\bMs\.)(?<!\bSt\.)(?<!\bMrs\.)(?<!\bProf\.)(?<=[.!?])\s+(?=[A-Z\"“])"
)
_POSSESSOR = re.compile(r"(?:\b(his|her|their|my)|([A-Z][a-z]+)['’]s)\s+$")


@dataclass
class _Lexicon:
    jobs: list[str]
    relations: dict[str, str]
    places: dict[str, bool]
    objects: list[str]
    stop_capitalised: frozenset[str]
    titles: dict[str, str]
    gendered_jobs: dict[str, str]
    place_suffixes: frozenset[str]
    place_prepositions: frozenset[str]
    known_places: frozenset[str]
    dead_cues: list[str]
    missing_cues: list[str]
    antagonist_cues: list[str]
    numbers: dict[str, str]
    stopwords: frozenset[str]
    ambiguous_objects: frozenset[str]


@cache
def _lexicon() -> _Lexicon:
    raw: dict[str, Any] = json.loads(resources.files("agents").joinpath("premise_lexicon_en.json").read_text("utf-8"))
    return _Lexicon(
        jobs=sorted(raw["jobs"], key=len, reverse=True),
        relations=dict(raw["relations"]),
        places=dict(raw["places"]),
        objects=sorted(raw["objects"], key=len, reverse=True),
        stop_capitalised=frozenset(raw["stop_capitalised"]),
        titles=dict(raw["titles"]),
        gendered_jobs=dict(raw["gendered_jobs"]),
        place_suffixes=frozenset(raw["place_suffixes"]),
        place_prepositions=frozenset(raw["place_prepositions"]),
        known_places=frozenset(raw["known_places"]),
        dead_cues=list(raw["dead_cues"]),
        missing_cues=list(raw["missing_cues"]),
        antagonist_cues=list(raw["antagonist_cues"]),
        numbers=dict(raw["numbers"]),
        stopwords=frozenset(raw["stopwords"]),
        ambiguous_objects=frozenset(raw.get("ambiguous_objects", [])),
    )


def slug(text: str) -> str:
    """Return a lower_snake_case ascii id for a label."""
    return "_".join(re.findall(r"[a-z0-9]+", text.lower())) or "x"


def plural(word: str) -> str:
    """Return a simple English plural, for terms."""
    if word.endswith("y") and word[-2:-1] not in "aeiou":
        return word[:-1] + "ies"
    if word.endswith(("s", "x", "z", "ch", "sh")):
        return word + "es"
    return word + "s"


@dataclass
class _Mention:
    start: int
    end: int
    text: str


@dataclass
class _Person:
    name: str = ""
    title: str = ""
    mentions: list[_Mention] = field(default_factory=list)
    role: str = ""
    relation: str = ""
    related_to: int | None = None
    gender: str = ""
    label: str = ""
    dead: bool = False
    missing: bool = False
    antagonist: bool = False


def _phrases(text: str, lexicon: list[str]) -> list[tuple[int, int, str]]:
    """Return non-overlapping (start, end, phrase) matches of lexicon phrases, longest first, in text order."""
    lowered = text.lower()
    taken: list[tuple[int, int, str]] = []
    for phrase in lexicon:
        pattern = rf"(?<![\w\-]){re.escape(phrase)}(?:s|es)?(?![\w\-])"
        for found in re.finditer(pattern, lowered):
            a, b = found.span()
            if any(a < e and s < b for s, e, _ in taken):
                continue
            taken.append((a, b, phrase))
    return sorted(taken)


class _Reader:
    def __init__(self, premise: str) -> None:
        self.text = re.sub(r"\s+", " ", premise).strip()
        self.lex = _lexicon()
        self.sentence_starts = {0} | {m.end() for m in _SENTENCE.finditer(self.text)}
        self.people: list[_Person] = []
        self.places: list[PremiseThing] = []
        self.place_spans: list[tuple[int, int]] = []

    # ------------------------------------------------------------------ names

    def _is_sentence_start(self, index: int) -> bool:
        before = self.text[:index].rstrip(' "“(')
        return index in self.sentence_starts or not before or before.endswith((".", "!", "?", ":", ";"))

    def _capitalised(self) -> list[_Mention]:
        out: list[_Mention] = []
        for found in _CAP_RUN.finditer(self.text):
            words = found.group(1).split()
            start = found.start(1)
            # Sentence furniture ("When", "The", "Her") is dropped from the front of a run.
            # Sentence furniture ("When", "Her") and a leading job ("CEO Grace Liu") are not part of a name.
            while words and (
                words[0].rstrip("'’s") in self.lex.stop_capitalised | {"I"} or words[0].lower() in self.lex.jobs
            ):
                start += len(words[0]) + 1
                words = words[1:]
            # Names are written in title case: "AI", "FBI" and a premise in capitals name nobody.
            words = words if all(any(ch.islower() for ch in w) for w in words) else []
            while words and words[-1] in ("de", "van", "von", "da", "del", "di", "le", "la"):
                words = words[:-1]
            if not words:
                continue
            name = " ".join(words)
            name = re.sub(r"['’]s$", "", name)
            if name.lower() in self.lex.jobs or name.lower() in self.lex.relations:
                continue  # "Grandma" is a relation, not a name
            following = re.match(r"\s+([a-z][a-z\-]+)", self.text[start + len(name) :])
            if (
                " " not in name
                and following
                and following.group(1) in self._nouns()
                and (name not in self.lex.known_places)
            ):
                continue  # "a Victorian maid": an adjective before a noun, not a name
            out.append(_Mention(start, start + len(name), name))
        return out

    def _nouns(self) -> set[str]:
        lex = self.lex
        return {w for w in (*lex.jobs, *lex.relations, *lex.places, *lex.objects) if " " not in w}

    def _place_like(self, mention: _Mention) -> bool:
        words = mention.text.split()
        after = self.text[mention.end : mention.end + 40].lower()
        # "Lena Park, a violinist" and "Ivy Hill is" are people, whatever their surname looks like.
        if re.match(r"^,\s+(?:a|an|the)\s", after) and any(
            re.match(rf"^,\s+(?:a|an|the)\s+(?:[a-z\-]+\s+){{0,2}}{re.escape(j)}\b", after) for j in self.lex.jobs
        ):
            return False
        before = self.text[: mention.start].lower().split()
        article = bool(before) and before[-1] == "the"
        if article:
            before = before[:-1]
        named = before[-1:] in (["named"], ["called"])
        located = bool(before) and before[-1] in self.lex.place_prepositions and not named
        if any(w in self.lex.known_places for w in words):
            return not named
        if words[-1] in self.lex.place_suffixes:
            return located or article or not (self._is_sentence_start(mention.start) or before[-1:] == ["and"])
        # A single capitalised word is a place only after a preposition of place ("a maid in Brighton").
        inside = bool(before) and before[-1] in ("in", "at", "near", "across", "around", "outside", "inside", "into")
        return located and (len(words) > 1 or inside)

    def _find_people_and_named_places(self) -> None:
        mentions = self._capitalised()
        everywhere = {m.text for m in mentions if not self._is_sentence_start(m.start)}
        for mention in mentions:
            if self._place_like(mention):
                self._add_place(mention.text, mention.text, mention.start, mention.end, interior=True, proper=True)
                continue
            if self._is_sentence_start(mention.start) and " " not in mention.text:
                after = self.text[mention.end : mention.end + 12]
                # A lone capitalised word opening a sentence is a name only when the text treats it as one.
                treated = mention.text in everywhere or re.match(r"^(?:,\s+(?:a|an|the|his|her)\b|['’]s\b)", after)
                if not treated and not any(mention.text in n.split() for n in everywhere):
                    continue
            self._add_mention(mention)

    def _add_mention(self, mention: _Mention) -> None:
        words = mention.text.split()
        for person in self.people:
            known = person.name.split()
            if mention.text == person.name or (len(words) == 1 and words[0] in known):
                person.mentions.append(mention)
                return
            if len(known) == 1 and len(words) > 1 and words[0] == known[0]:
                person.name = mention.text
                person.mentions.append(mention)
                return
        title = self.text[max(0, mention.start - 20) : mention.start].lower().split()
        person = _Person(name=mention.text, mentions=[mention])
        if title and title[-1].rstrip(".") in self.lex.titles:
            person.title = title[-1].rstrip(".")
            person.gender = self.lex.titles[person.title]
        self.people.append(person)

    # --------------------------------------------------------- roles, relations

    def _near(self, start: int, end: int) -> tuple[_Person | None, _Person | None]:
        """Return the named person right after (a job 'named X', 'J X') and right before ('X, a J') a span."""
        after_person = before_person = None
        for person in self.people:
            for m in person.mentions:
                gap_after = self.text[end : m.start]
                if m.start >= end and re.fullmatch(r"\s*(?:,?\s*(?:named|called)|,)?\s*", gap_after):
                    after_person = after_person or person
                gap_before = self.text[m.end : start]
                if m.end <= start and re.fullmatch(
                    r"['’]?\s*(?:,\s*|\s+is\s+|\s+was\s+|\s+works\s+as\s+|\s+)(?:(?:a|an|the)\s+)?(?:[a-z\-]+\s+){0,2}",
                    gap_before,
                ):
                    before_person = person
        return after_person, before_person

    def _assign_jobs(self) -> None:
        self.job_spans = _phrases(self.text, self.lex.jobs)
        for start, end, job in self.job_spans:
            after, before = self._near(start, end)
            person = after or before
            if person is not None and not person.role:
                person.role = job
            elif person is None and re.search(
                r"\b(?:is|was)\s+(?:secretly|actually|really|in fact)?\s*(?:the|a|an)\s+(?:[a-z\-]+\s+)?$",
                self.text[max(0, start - 40) : start],
            ):
                continue  # "is secretly the founder": the lead's hidden identity, not another person
            elif person is None and not any(p.role == job for p in self.people):
                # An unnamed person the premise describes by job ("a retired detective").
                opening = self.text[max(0, start - 30) : start]
                art = re.search(r"\b(a|an|the|his|her|their)\s+(?:[a-z\-]+\s+){0,2}$", opening, re.IGNORECASE)
                if art or start == 0 or self._is_sentence_start(start):
                    label_start = start - (len(opening) - art.start()) if art else start
                    anon = _Person(role=job, label=self.text[label_start:end])
                    anon.mentions.append(_Mention(start, end, job))
                    self.people.append(anon)
            if person is not None and job in self.lex.gendered_jobs and not person.gender:
                person.gender = self.lex.gendered_jobs[job]
        for person in self.people:
            if not person.gender and person.role in self.lex.gendered_jobs:
                person.gender = self.lex.gendered_jobs[person.role]

    def _order_people(self) -> None:
        """Put people in order of first mention, the lead first: the first not met through someone else."""
        self.people.sort(key=lambda p: p.mentions[0].start)
        for index, person in enumerate(self.people):
            head = self.text[max(0, person.mentions[0].start - 40) : person.mentions[0].start].lower()
            through = re.search(r"\b(?:by|from|with|to|of|for|against|at)\s+(?:[a-z\-']+\s+){0,3}$", head)
            if not through and not person.relation:
                self.people.insert(0, self.people.pop(index))
                return

    def _owner(self, start: int, pronoun: str) -> int | None:
        """Resolve a possessive before `start` to the person it points to (the latest fitting mention)."""
        wanted = {"his": "male", "her": "female"}.get(pronoun.lower(), "")
        # Premises are told from the lead's side: "her father" is the lead's father when the lead fits.
        if pronoun.lower() in ("his", "her", "their", "my", "the", "a", "an") and self.people:
            lead = self.people[0]
            if lead.mentions and lead.mentions[0].end <= start and (not wanted or lead.gender in ("", wanted)):
                return 0
        best: tuple[int, int] | None = None
        for index, person in enumerate(self.people):
            for m in person.mentions:
                fits = m.end <= start and (not wanted or person.gender in ("", wanted))
                if fits and (best is None or m.end > best[0]):
                    best = (m.end, index)
        if pronoun and pronoun[0].isupper():
            for index, person in enumerate(self.people):
                if person.name and pronoun in person.name.split():
                    return index
        return best[1] if best else (0 if self.people else None)

    def _assign_relations(self) -> None:
        relations = sorted(self.lex.relations, key=len, reverse=True)
        for start, end, word in _phrases(self.text, relations):
            head = self.text[max(0, start - 40) : start]
            owner_match = re.search(
                r"(?:\b(his|her|their|my|the|a|an)|([A-Z][a-z]+)['’]s)\s+((?:[a-z\-]+\s+){0,2})$", head, re.IGNORECASE
            )
            after, before = self._near(start, end)
            named = after if after is not None and after.relation == "" else None
            if (
                named is None
                and before is not None
                and re.fullmatch(
                    r",\s*(?:his|her|their)\s+", self.text[before.mentions[-1].end : start] if before.mentions else ""
                )
            ):
                named = before
            if owner_match is None and named is None:
                continue
            owner = None
            if owner_match is not None:
                owner = self._owner(start - len(owner_match.group(0)), owner_match.group(1) or owner_match.group(2))
            if named is not None:
                named.relation = named.relation or word
                if owner is not None and self.people[owner] is not named:
                    named.related_to = owner
                if not named.gender:
                    named.gender = self.lex.relations[word]
                continue
            if any((p.relation == word or p.role == word) and not p.name for p in self.people):
                continue
            label_start = start - len(owner_match.group(0)) if owner_match else start
            anon = _Person(relation=word, related_to=owner, gender=self.lex.relations[word])
            anon.label = self.text[label_start:end]
            anon.mentions.append(_Mention(start, end, word))
            self.people.append(anon)

    def _genders_and_fates(self) -> None:
        for index, person in enumerate(self.people):
            first = person.mentions[0]
            window = self.text[first.start : first.start + 160]
            others = [m.start for p in self.people if p is not person for m in p.mentions if m.start > first.end]
            stop = min([*others, first.start + 160]) - first.start
            # The lead owns the premise's pronouns; anyone else only a subject pronoun right after their name.
            pattern = r"\b(he|his|him|himself|she|her|hers|herself)\b" if index == 0 else r"\b(he|she)\b"
            if not person.gender and (person.name or index == 0):
                pronoun = re.search(pattern, window[:stop], re.IGNORECASE)
                if pronoun:
                    person.gender = "male" if pronoun.group(1).lower() in ("he", "his", "him", "himself") else "female"
            before = (person.label or "") + " " + self.text[max(0, first.start - 25) : first.start]
            after = self.text[first.end : first.end + 30].lower()
            person.dead = any(re.search(rf"\b{re.escape(c)}\b", before.lower()) for c in self.lex.dead_cues) or bool(
                re.match(r"^(?:,\s*who)?\s+(?:drowned|died|was killed|was murdered|is dead|passed away)\b", after)
            )
            # "his missing sister", "who vanished": absent at the season's start, her fate the mystery.
            person.missing = not person.dead and (
                any(re.search(rf"\b{re.escape(c)}\b", before.lower()) for c in self.lex.missing_cues)
                or bool(re.match(r"^(?:,\s*who)?\s+(?:vanished|disappeared|went missing|is missing)\b", after))
            )
            tail = self.text[first.end : first.end + 60].lower()
            person.antagonist = index > 0 and any(
                re.match(rf"^[,\s]*(?:\w+[,\s]+){{0,3}}?{re.escape(c)}\b", tail) for c in self.lex.antagonist_cues
            )
            head = self.text[max(0, first.start - 60) : first.start].lower()
            if re.search(r"\b(?:by|from)\s+(?:(?:his|her|their|the)\s+)?(?:[a-z\-]+\s+){0,2}$", head) and re.search(
                r"\b(?:betrayed|framed|cheated|ruined|fired|jilted|robbed|poisoned|stolen|abandoned)\b", head
            ):
                person.antagonist = index > 0

    # ----------------------------------------------------------- places, things

    def _add_place(self, key: str, label: str, start: int, end: int, *, interior: bool, proper: bool = False) -> None:
        self.place_spans.append((start, end))
        if any(p.label.lower() == label.lower() or key.lower() in p.terms for p in self.places):
            return
        terms = [key] if proper else [key.lower(), plural(key.lower())]
        self.places.append(PremiseThing(id=f"place_{slug(key)}", label=label, terms=terms, interior=interior))

    def _find_places(self) -> None:
        for start, end, noun in _phrases(self.text, sorted(self.lex.places, key=len, reverse=True)):
            if any(start < e and s < end for s, e in self.place_spans):
                continue
            before = self.text[max(0, start - 40) : start]
            determined = re.search(
                r"(?:\b(?:the|a|an|his|her|their|my|its|in|at|to|from)|['’]s)\s+(?:[a-z\-]+\s+)?$", before
            )
            if noun in self.lex.ambiguous_objects and not determined:
                continue  # "trains his granddaughter": a verb, not a train
            self._add_place(noun, f"the {noun}", start, end, interior=self.lex.places[noun])

    def _find_objects(self) -> list[PremiseThing]:
        job_spans = [(s, e) for s, e, _ in self.job_spans]
        out: list[PremiseThing] = []
        for start, end, noun in _phrases(self.text, self.lex.objects):
            if any(s <= start and end <= e for s, e in job_spans):
                continue  # "radio host" is a job, not a radio
            if any(noun in o.terms for o in out):
                continue
            before = self.text[max(0, start - 40) : start]
            determined = re.search(r"(?:\b(?:the|a|an|his|her|their|my|its)|['’]s)\s+(?:[a-z\-]+\s+)?$", before)
            if noun in self.lex.ambiguous_objects and not determined:
                continue  # "her grandmother will sign": a verb, not a will
            head = self.text[max(0, start - 40) : start]
            owner = _POSSESSOR.search(re.sub(r"(?:[a-z\-]+\s+){0,2}$", "", head))
            holder = None
            if owner is not None:
                index = self._owner(start - len(head) + owner.start(), owner.group(1) or owner.group(2))
                holder = index
            out.append(
                PremiseThing(
                    id=f"object_{slug(noun)}",
                    label=f"the {noun}",
                    terms=[noun, plural(noun)],
                    holder_id=str(holder) if holder is not None else None,
                )
            )
        return out

    def _find_times(self) -> list[PremiseThing]:
        found: list[tuple[int, int, str, list[str]]] = []
        lowered = self.text.lower()
        for m in _CLOCK.finditer(self.text):
            found.append((m.start(), m.end(), m.group(1), [m.group(1).lower()]))
        for m in _EVERY.finditer(lowered):
            found.append((m.start(), m.end(), m.group(0), [m.group(0), f"each {m.group(1)}"]))
        for m in _DURATION.finditer(self.text):
            phrase = re.sub(r"^(?:for|in|within|only|just|after|before|lasting)\s+", "", m.group(0), flags=re.I)
            phrase = re.sub(r"\s+(?:before|after|ago|later|left)$", "", phrase, flags=re.I)
            if m.group(0).lower() in ("one day", "one night", "one morning", "one evening"):
                continue  # "One day the reply comes": a narrative turn, not a stated time frame
            words = re.split(r"[\s-]+", phrase.lower())
            digits = " ".join(self.lex.numbers.get(w, w) for w in words if w not in ("more", "whole", "short", "long"))
            found.append((m.start(), m.end(), m.group(0).strip(), sorted({phrase.lower(), digits})))
        for m in _WEEKDAY.finditer(self.text):
            found.append((m.start(), m.end(), m.group(0), [m.group(1).lower()]))
        for m in _YEAR.finditer(self.text):
            found.append((m.start(), m.end(), m.group(1), [m.group(1)]))
        found.sort()
        merged: list[tuple[int, int, str, list[str]]] = []
        for item in found:
            if merged and item[0] <= merged[-1][1] + 4:
                # "every night at 3:07" is one time frame: its clock is the term that must show.
                a, b, label, terms = merged[-1]
                clock = [t for t in (*terms, *item[3]) if re.search(r"\d", t)]
                new_label = f"{item[2]} {label}" if _CLOCK.fullmatch(item[2]) else f"{label} {item[2]}"
                merged[-1] = (a, max(b, item[1]), new_label, clock or [*terms, *item[3]])
            elif not any(item[0] >= a and item[1] <= b for a, b, _, _ in merged):
                merged.append(item)
        return [
            PremiseThing(id=f"time_{i + 1}", label=label, terms=list(dict.fromkeys(terms)))
            for i, (_, _, label, terms) in enumerate(merged)
        ]

    def _device(self) -> PremiseThing | None:
        sentence = _SENTENCE.split(self.text)[0].strip()
        subject_end = 0
        lead = self.people[0].mentions[0] if self.people else None
        if lead is not None and lead.end <= len(sentence):
            subject_end = lead.end  # the premise's situation is what its lead does or is
        rest = sentence[subject_end:]
        # Skip an appositive ("Elias Crane, a lighthouse keeper, hears ...") and relative openers.
        rest = re.sub(r"^\s*,\s*(?:a|an|the)\s[^,]{1,60},", "", rest)
        rest = re.sub(r"^\s*(?:,|who|that)\s+", " ", rest).strip(" ,.;:!?")
        if len(rest.split()) < 3:
            rest = sentence.strip(" .!?")
        rest = re.split(r"\s*(?:;|—| - )\s*", rest)[0]
        clauses = re.split(r",\s+(?=(?:who|which|but|and|so|she|he|they|until|while|where)\b)", rest)
        if len(clauses) > 1 and len(clauses[0].split()) >= 5:
            rest = clauses[0]
        words = rest.split()
        if len(words) > 24:
            rest = " ".join(words[:24])
        names = {w.lower() for p in self.people for w in p.name.split()}
        terms: list[str] = []
        for word in _WORD.findall(rest):
            lowered = word.lower().strip("'’")
            lowered = re.sub(r"['’]s$", "", lowered)
            if lowered in self.lex.stopwords or lowered in names or len(lowered) < 3 or _CLOCK.fullmatch(lowered):
                continue
            if lowered not in terms:
                terms.append(lowered)
        if not terms:
            return None
        nouns = set(self.lex.objects) | set(self.lex.places) | set(self.lex.relations) | set(self.lex.jobs)
        timeish = set(self.lex.numbers) | {"day", "days", "night", "nights", "week", "weeks", "month", "months", "year"}
        terms = [t for t in terms if t not in timeish] or terms
        # Nouns the lexicon knows say most about the situation; long words next; short verbs last.
        terms.sort(key=lambda t: (t not in nouns, len(t) < 5))
        return PremiseThing(id="device", label=rest, terms=terms[:5], need=min(2, len(terms)), text=rest)

    # ----------------------------------------------------------------- result

    def read(self) -> PremiseFacts:
        self._find_people_and_named_places()
        self._assign_jobs()
        self._order_people()
        self._assign_relations()
        self._genders_and_fates()
        self._find_places()
        objects = self._find_objects()
        people = self._people_out()
        ids = [p.id for p in people]
        objects = [
            o.model_copy(update={"holder_id": ids[int(o.holder_id)] if o.holder_id is not None else None})
            for o in objects
        ]
        return PremiseFacts(
            language="en",
            premise=self.text,
            people=people,
            places=self.places,
            objects=objects,
            device=self._device(),
            time_frames=self._find_times(),
        )

    def _people_out(self) -> list[PremisePerson]:
        return premise_people(self.people, self._naming)

    def _naming(self, index: int) -> Naming:
        person = self.people[index]
        if person.name:
            parts = person.name.split()
            given, surname = parts[0], (parts[-1] if len(parts) > 1 else "")
            label = person.name + (f" ({person.role})" if person.role else "")
            terms = [person.name.lower(), *([given.lower(), surname.lower()] if surname else [])]
            return Naming(slug(person.name), label, terms, given, surname)
        label = person.label or (f"a {person.role}" if person.role else person.relation)
        terms = [t for t in (person.relation, person.role) if t]
        return Naming(slug(person.role or person.relation or "person"), label, terms + [plural(t) for t in terms])


def read_premise_en(premise: str) -> PremiseFacts:
    """Return the premise facts of an English premise."""
    return _Reader(premise).read()
