"""User-facing text in the series' language: one catalogue per language, looked up by key.

The catalogues are package data (``messages_en.json``, ``messages_zh.json``,
plus one fragment per area such as ``messages_en_canon.json``; a key lives in
exactly one file of its language, and a duplicate fails the load): flat maps
from a dotted key to a ``str.format`` template. Every key exists in both
languages with the same fields (a test holds that), so a caller never falls
back to English silently. Identifiers stay as they are in every
language: tool names, check names, ids, JSON arguments.

``translate`` covers text that was composed in English by code that does not
know the series language yet (room events built in the graphs): it matches
the text against the English templates of one key family and re-renders the
match in the target language; text it does not recognise passes unchanged.
"""

from __future__ import annotations

import json
import re
import string
from collections.abc import Iterable, Mapping
from functools import cache
from importlib import resources

LANGUAGES = ("en", "zh")
# Field names whose values are numbers; in reverse matching they only match digits,
# so a template such as "{reviewer}: {verdict}" cannot swallow unrelated text.
_NUMERIC_FIELDS = frozenset(
    {"n", "count", "episode", "revision", "episodes", "paywall", "notes", "shots", "findings", "verified", "checked"}
    | {"more", "steps"}
)
# Fields that name one thing inside a clause: a person, a scene or line id. They never span a "; " or ": ",
# so a clause template such as "{who} is not in {scene_ref}" cannot swallow the clauses before it.
_CLAUSE_FIELDS = {"who": r"[^;:]+?", "scene_ref": r"s\d+", "line_ref": r"s\d+-l\d+"}


@cache
def catalogue(language: str) -> Mapping[str, str]:
    """Return the message catalogue of a language ('en' or 'zh'); unknown languages get English."""
    code = language if language in LANGUAGES else "en"
    folder = resources.files("agents")
    names = sorted(
        entry.name
        for entry in folder.iterdir()
        if entry.name == f"messages_{code}.json" or re.fullmatch(rf"messages_{code}_[a-z]+\.json", entry.name)
    )
    merged: dict[str, str] = {}
    for name in names:
        data = json.loads(folder.joinpath(name).read_text(encoding="utf-8"))
        for key, value in data.items():
            if str(key).startswith("_"):
                continue
            if str(key) in merged:
                raise ValueError(f"message {key!r} is in two {code} catalogue files (the second is {name})")
            merged[str(key)] = str(value)
    return merged


def say(language: str, key: str, /, **fields: object) -> str:
    """Render message ``key`` in ``language`` with its named fields.

    Raises:
        KeyError: the key is in no catalogue (a programming error, caught by the catalogue test).
    """
    templates = catalogue(language)
    if key not in templates:
        raise KeyError(f"no message {key!r} in the {language} catalogue")
    return templates[key].format(**fields)


def term(language: str, kind: str, value: str) -> str:
    """Return the word for an enumerated value (a verdict, a status, a node), or the value itself."""
    return catalogue(language).get(f"term.{kind}.{value}", value)


def joined(language: str, items: Iterable[object]) -> str:
    """Join items the way the language lists them: 'a, b' or 'a、b'."""
    return say(language, "sep.list").join(str(i) for i in items)


def fields_of(template: str) -> set[str]:
    """Return the placeholder names a template uses."""
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def _value_pattern(name: str) -> str:
    """Return what a field may match: digits, one of its enumerated terms, or any text."""
    if name in _NUMERIC_FIELDS:
        return r"\d+"
    if name in _CLAUSE_FIELDS:
        return _CLAUSE_FIELDS[name]
    head = f"term.{name}."
    values = sorted((k[len(head) :] for k in catalogue("en") if k.startswith(head)), key=len, reverse=True)
    return "|".join(re.escape(v) for v in values) if values else ".+?"


@cache
def _reverse(prefix: str) -> tuple[tuple[str, re.Pattern[str]], ...]:
    """Compile the English templates under ``prefix`` into patterns, the most specific first."""
    out: list[tuple[str, re.Pattern[str], int]] = []
    for key, template in catalogue("en").items():
        if not key.startswith(prefix):
            continue
        parts: list[str] = []
        literal = 0
        for text, name, _, _ in string.Formatter().parse(template):
            parts.append(re.escape(text))
            literal += len(text)
            if name:
                parts.append(rf"(?P<{name}>{_value_pattern(name)})")
        out.append((key, re.compile("".join(parts), re.DOTALL), literal))
    out.sort(key=lambda item: -item[2])
    return tuple((key, pattern) for key, pattern, _ in out)


def translate(language: str, text: str, prefix: str) -> str:
    """Re-render English text built from a template under ``prefix`` in ``language``; unknown text is kept.

    Captured values that are enumerated terms (a verdict, a reviewer) are translated too, and a
    ``detail`` is translated in turn. Text made of clauses joined by '; ' is translated clause by
    clause when it matches no template as a whole.
    """
    if language == "en" or not text:
        return text
    whole = _translate_one(language, text, prefix)
    if whole is not None:
        return whole
    clauses = text.split("; ")
    if len(clauses) == 1:
        return text
    done = [_translate_one(language, clause, prefix) for clause in clauses]
    if all(d is None for d in done):
        return text
    return say(language, "sep.clause").join(d if d is not None else c for d, c in zip(done, clauses, strict=True))


def _translate_one(language: str, text: str, prefix: str) -> str | None:
    for key, pattern in _reverse(prefix):
        match = pattern.fullmatch(text)
        if match is None:
            continue
        fields = {
            name: term(language, name, value) if f"term.{name}.{value}" in catalogue(language) else value
            for name, value in match.groupdict().items()
        }
        if "detail" in fields:
            fields["detail"] = translate(language, fields["detail"], prefix)
        return say(language, key, **fields)
    return None
