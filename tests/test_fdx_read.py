"""Final Draft files carry dramaroom's ids, and a writer's FDX edit reads back into the script."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest

from memory.schema import Canon, Script
from renderers.fdx import ID_ATTRIBUTE, fdx_to_fountain, to_fdx_with_ids
from renderers.fountain_read import FountainEditError, read_back
from renderers.screenplay import SceneHeadings, to_fountain
from tests.fixtures_canon import canon_en, canon_zh, script_en, script_zh


def _fdx(script: Script, canon: Canon, headings: SceneHeadings = "auto") -> str:
    return to_fdx_with_ids(to_fountain(script, canon, credit="dramaroom-offline-writer (offline)", headings=headings))


def _back(fdx: str, script: Script, canon: Canon, headings: SceneHeadings = "auto") -> Script:
    return read_back(fdx_to_fountain(fdx, script), script, canon, headings)


def _paragraphs(fdx: str) -> list[ET.Element]:
    return list(ET.fromstring(fdx.encode("utf-8")).iter("Paragraph"))


@pytest.mark.parametrize("headings", ["auto", "duanju"])
@pytest.mark.parametrize("language", ["en", "zh"])
def test_every_scene_and_line_id_is_in_the_fdx_and_an_unedited_file_reads_back_the_same(
    language: str, headings: SceneHeadings
) -> None:
    script, canon = (script_zh(), canon_zh()) if language == "zh" else (script_en(), canon_en())
    fdx = _fdx(script, canon, headings)
    paragraphs = _paragraphs(fdx)
    assert [p.get("Number") for p in paragraphs if p.get("Type") == "Scene Heading"] == [s.id for s in script.scenes]
    assert [p.get(ID_ATTRIBUTE) for p in paragraphs if p.get(ID_ATTRIBUTE)] == [ln.id for ln in script.lines()]
    assert _back(fdx, script, canon, headings) == script


def test_words_cues_added_and_removed_lines_are_taken_with_their_ids() -> None:
    script, canon = script_en(), canon_en()
    fdx = _fdx(script, canon)
    spoken = [ln for ln in script.lines() if ln.kind == "dialogue"]
    first, second = spoken[0], spoken[1]
    fdx = fdx.replace(f">{first.text}<", ">A new reading of the line.<", 1)
    root = ET.fromstring(fdx.encode("utf-8"))
    content = root.find("Content")
    assert content is not None
    gone = next(p for p in content if p.get(ID_ATTRIBUTE) == second.id)
    children = list(content)
    at = children.index(gone)
    block = [gone]  # its words, and the parenthetical and cue before them
    for element in reversed(children[:at]):
        block.append(element)
        if element.get("Type") == "Character":
            break
    for element in block:
        content.remove(element)
    added = ET.SubElement(content, "Paragraph", {"Type": "Action"})
    ET.SubElement(added, "Text").text = "Rain hammers the window."
    edited = _back(ET.tostring(root, encoding="unicode"), script, canon)
    lines = {ln.id: ln for ln in edited.lines()}
    assert lines[first.id].text == "A new reading of the line." and lines[first.id].speaker_id == first.speaker_id
    assert second.id not in lines
    last = edited.scenes[-1].lines[-1]
    assert last.text == "Rain hammers the window." and last.id not in {ln.id for ln in script.lines()}


def test_ids_a_tool_dropped_are_matched_by_order_and_words() -> None:
    script, canon = script_en(), canon_en()
    fdx = _fdx(script, canon)
    spoken = [ln for ln in script.lines() if ln.kind == "dialogue"]
    stripped = re.sub(rf' (?:{ID_ATTRIBUTE}|Number)="[^"]*"', "", fdx).replace(
        f">{spoken[1].text}<", ">Said another way.<", 1
    )
    assert ID_ATTRIBUTE not in stripped
    edited = _back(stripped, script, canon)
    assert [ln.id for ln in edited.lines()] == [ln.id for ln in script.lines()]
    assert {ln.id: ln.text for ln in edited.lines()}[spoken[1].id] == "Said another way."


@pytest.mark.parametrize(
    ("text", "needle"), [("not xml at all", "not readable Final Draft XML"), ("<Other/>", "not a Final Draft file")]
)
def test_a_file_that_is_not_final_draft_is_refused_in_one_line(text: str, needle: str) -> None:
    with pytest.raises(FountainEditError, match=needle):
        fdx_to_fountain(text, script_en())
