"""Reading a writer's script.fountain edit back into the script: what changes, what is kept, what is refused."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from memory.schema import Canon, Script
from renderers.fountain_read import FountainEditError, read_back
from renderers.screenplay import SceneHeadings, to_fountain
from tests.fixtures_canon import canon_en, canon_zh, script_en, script_zh


def _round(
    script: Script, canon: Canon, edit: Callable[[str], str] | None = None, headings: SceneHeadings = "auto"
) -> Script:
    text = to_fountain(script, canon, credit="dramaroom-offline-writer (offline)", headings=headings)
    return read_back(edit(text) if edit else text, script, canon, headings)


@pytest.mark.parametrize("headings", ["auto", "fountain", "duanju"])
@pytest.mark.parametrize("language", ["en", "zh"])
def test_an_unedited_file_reads_back_as_the_same_script(language: str, headings: SceneHeadings) -> None:
    script, canon = (script_zh(), canon_zh()) if language == "zh" else (script_en(), canon_en())
    assert _round(script, canon, headings=headings) == script


def test_chinese_words_cue_and_parenthetical_edits_are_taken() -> None:
    script, canon = script_zh(), canon_zh()

    def edit(text: str) -> str:
        text = text.replace(
            "林小姐放心，我马上去查。王爷那边，我也去问问。 [[s01-l03]]", "账册我今晚就送去衙门。 [[s01-l03]]"
        )
        # s01-l04 is given to 林婉 and played angry (the emotion word the file uses for it).
        paragraphs = text.split("\n\n")
        at = next(i for i, p in enumerate(paragraphs) if "[[s01-l04]]" in p)
        paragraphs[at] = "@林婉\n(愤怒)\n我在林中见过陈家的人。周末，再去一趟。 [[s01-l04]]"
        return "\n\n".join(paragraphs)

    after = _round(script, canon, edit)
    lines = {ln.id: ln for ln in after.lines()}
    assert lines["s01-l03"].text == "账册我今晚就送去衙门。" and lines["s01-l03"].speaker_id == "wang_lei"
    assert (lines["s01-l04"].speaker_id, lines["s01-l04"].cue, lines["s01-l04"].emotion) == ("lin_wan", "林婉", "angry")
    assert [ln.id for ln in after.lines()] == [ln.id for ln in script.lines()]


def test_moved_and_removed_lines() -> None:
    script, canon = script_en(), canon_en()
    first = script.scenes[0]
    moved, cut = first.lines[1].id, first.lines[2].id

    def edit(text: str) -> str:
        paragraphs = text.split("\n\n")
        para = {p_id: p for p_id in (moved, cut) for p in paragraphs if f"[[{p_id}]]" in p}
        paragraphs = [p for p in paragraphs if p not in para.values()]
        last = max(i for i, p in enumerate(paragraphs) if "[[" in p)
        return "\n\n".join([*paragraphs[: last + 1], para[moved], *paragraphs[last + 1 :]])

    after = _round(script, canon, edit)
    ids = [ln.id for ln in after.lines()]
    assert cut not in ids and ids[-1] == moved, "the cut line is gone; the moved line closes the episode"
    assert len(ids) == len(script.lines()) - 1


def test_a_new_scene_takes_its_place_from_the_heading() -> None:
    script, canon = script_en(), canon_en()
    other = next(loc for loc in canon.locations if loc.id != script.scenes[-1].location_id)
    probe = script.model_copy(
        update={"scenes": [*script.scenes, script.scenes[-1].model_copy(update={"location_id": other.id})]}
    )
    heading = to_fountain(probe, canon, credit="x").split("\n\n")
    new_heading = next(p for p in reversed(heading) if p.startswith(("INT.", "EXT."))).split(" #")[0]
    after = _round(script, canon, lambda t: t.replace("\n> ", f"\n{new_heading}\n\nA door slams somewhere.\n\n> ", 1))
    assert len(after.scenes) == len(script.scenes) + 1
    added = after.scenes[-1]
    assert added.location_id == other.id and added.id not in {s.id for s in script.scenes}
    assert [(ln.kind, ln.text) for ln in added.lines] == [("action", "A door slams somewhere.")]


@pytest.mark.parametrize(
    ("edit", "needle"),
    [
        (lambda t: t.replace(" #s01#", " ON THE MOON #s01#", 1), "is not one dramaroom can read back"),
        (lambda t: t.replace("\n> ", "\nNOBODY KNOWN\nHello there.\n\n> ", 1), "the cue 'NOBODY KNOWN'"),
        (
            lambda t: "Title: x\n\n" + "\n".join(ln for ln in t.split("\n") if not ln.startswith(("INT.", "EXT."))),
            "scene",
        ),
    ],
    ids=["heading", "cue", "no-headings"],
)
def test_what_cannot_be_read_back_is_refused_in_one_line(edit: Callable[[str], str], needle: str) -> None:
    with pytest.raises(FountainEditError, match=needle) as caught:
        _round(script_en(), canon_en(), edit)
    assert "\n" not in str(caught.value)
