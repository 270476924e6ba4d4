"""A note may name someone through someone else: "Cut Lin's sister", "把林婉的表哥删掉"."""

from __future__ import annotations

from agents.note_parser import parse_note
from memory.edits import CutCharacter
from memory.schema import Canon, Relationship
from tests.fixtures_canon import canon_en, canon_zh, script_en, script_zh
from tests.test_notes import brief


def _related(canon: Canon, who: str, other: str, kind: str) -> Canon:
    person = canon.character(who)
    assert person is not None
    person.relationships.append(Relationship(other_id=other, kind=kind))
    return canon


def test_a_possessive_kin_word_names_the_relative_not_the_owner() -> None:
    canon = _related(canon_en(), "lin_wan", "mei", "younger sister")
    parsed = parse_note("Cut Lin's sister from this episode.", script=script_en(), canon=canon, brief=brief("en"))
    assert parsed.requests == [CutCharacter(character_id="mei")]
    # Without that relationship in canon the sentence is about Lin herself, as before.
    plain = parse_note("Cut Lin's sister from this episode.", script=script_en(), canon=canon_en(), brief=brief("en"))
    assert [r.character_id for r in plain.requests if isinstance(r, CutCharacter)] == ["lin_wan"]


def test_a_possessive_that_is_not_kin_keeps_the_name() -> None:
    canon = _related(canon_en(), "lin_wan", "mei", "sister")
    parsed = parse_note("Cut Lin's scenes with Marcus.", script=script_en(), canon=canon, brief=brief("en"))
    assert all(not isinstance(r, CutCharacter) or r.character_id != "mei" for r in parsed.requests)


def test_chinese_de_kin_word_names_the_relative() -> None:
    canon = _related(canon_zh(), "lin_wan", "wang_lei", "表哥")
    parsed = parse_note("把林婉的表哥从这一集删掉", script=script_zh(), canon=canon, brief=brief("zh"))
    assert parsed.requests == [CutCharacter(character_id="wang_lei")]
