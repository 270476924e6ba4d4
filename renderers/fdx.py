"""Final Draft files with dramaroom's ids in them, and reading a writer's FDX edit back.

The FDX is screenplain's, from the episode's Fountain file, with the ids added: each scene heading
paragraph carries its scene id as Final Draft's scene `Number`, each action and dialogue paragraph its
line id as a `DramaroomId` attribute. Reading back turns the FDX into Fountain (ids as scene numbers and
notes) and hands it to the Fountain reader, so both files are read by one set of rules. A tool that drops
the ids on save leaves them to be matched by order and words against the script.
"""

from __future__ import annotations

import difflib
import xml.etree.ElementTree as ET

from memory.schema import Script
from renderers.fountain_read import FountainEditError, parse_fountain
from renderers.screenplay import to_fdx

ID_ATTRIBUTE = "DramaroomId"
_LINE_TYPES = {"Action": "action", "Dialogue": "dialogue"}


def to_fdx_with_ids(fountain: str) -> str:
    """Return Final Draft XML for a Fountain file dramaroom wrote, its scene and line ids kept in attributes."""
    text = to_fdx(fountain)
    root = ET.fromstring(text.encode("utf-8"))
    scenes = parse_fountain(fountain)
    paras = [p for s in scenes for p in s.paras]
    headings = [p for p in root.iter("Paragraph") if p.get("Type") == "Scene Heading"]
    lines = [p for p in root.iter("Paragraph") if p.get("Type") in _LINE_TYPES]
    if len(headings) != len(scenes) or len(lines) != len(paras):
        return text  # not a file laid out as dramaroom writes it: no ids rather than wrong ones
    for element, scene in zip(headings, scenes, strict=True):
        if scene.scene_id:
            element.set("Number", scene.scene_id)
    for element, para in zip(lines, paras, strict=True):
        if para.line_id:
            element.set(ID_ATTRIBUTE, para.line_id)
    body = ET.tostring(root, encoding="unicode")
    return '<?xml version="1.0" encoding="UTF-8" standalone="no" ?>\n' + body + "\n"


def _text(element: ET.Element) -> str:
    return " ".join("".join(t.itertext()) for t in element.iter("Text")).strip()


def fdx_to_fountain(fdx: str, script: Script) -> str:
    """Turn an FDX file into Fountain with ids as scene numbers and notes, for the Fountain reader.

    Raises:
        FountainEditError: The file is not Final Draft XML.
    """
    try:
        root = ET.fromstring(fdx.encode("utf-8"))
    except ET.ParseError as exc:
        raise FountainEditError(f"it is not readable Final Draft XML ({exc})") from exc
    if root.tag != "FinalDraft":
        raise FountainEditError("it is not a Final Draft file (no <FinalDraft> root)")
    paragraphs = [(p.get("Type") or "Action", _text(p), p) for p in root.iter("Paragraph")]
    paragraphs = [(kind, text, p) for kind, text, p in paragraphs if text]
    line_ids = _line_ids(paragraphs, script)
    scene_ids = _scene_ids(paragraphs, script)
    out: list[str] = []
    block: list[str] = []
    heading = 0
    for index, (kind, text, _) in enumerate(paragraphs):
        if kind == "Scene Heading":
            number = scene_ids[heading]
            heading += 1
            out.append("." + text + (f" #{number}#" if number else ""))
        elif kind == "Character":
            block = ["@" + text]
        elif kind == "Parenthetical" and block:
            block.append(text if text.startswith("(") else f"({text})")
        elif kind == "Dialogue" and block:
            note = f" [[{line_ids[index]}]]" if line_ids.get(index) else ""
            out.append("\n".join([*block, text + note]))
            block = []
        elif kind == "Transition":
            out.append("> " + text)
        else:  # action, and any other paragraph a writer typed
            note = f" [[{line_ids[index]}]]" if line_ids.get(index) else ""
            out.append("!" + text + note)
    return "\n\n".join(out) + "\n"


def _line_ids(paragraphs: list[tuple[str, str, ET.Element]], script: Script) -> dict[int, str]:
    """Return paragraph index -> line id: from the attributes, or matched by order and words when none has one."""
    wanted = [
        (i, kind, text) for i, (kind, text, _) in enumerate(paragraphs) if kind in _LINE_TYPES or kind == "General"
    ]
    given = {i: p.get(ID_ATTRIBUTE) or "" for i, (_, _, p) in enumerate(paragraphs)}
    if any(given.values()):
        return {i: v for i, v in given.items() if v}
    lines = script.lines()
    ours = [f"{line.kind}:{line.text}" for line in lines]
    theirs = [f"{_LINE_TYPES.get(kind, 'action')}:{text}" for _, kind, text in wanted]
    ids: dict[int, str] = {}
    matcher = difflib.SequenceMatcher(a=ours, b=theirs, autojunk=False)
    for tag, a0, a1, b0, b1 in matcher.get_opcodes():
        if tag == "equal" or (tag == "replace" and a1 - a0 == b1 - b0):  # same place, maybe new words
            for a, b in zip(range(a0, a1), range(b0, b1), strict=True):
                ids[wanted[b][0]] = lines[a].id
    return ids


def _scene_ids(paragraphs: list[tuple[str, str, ET.Element]], script: Script) -> list[str]:
    """Return each heading's scene id: its Number, or the script's scenes in order when no heading has one."""
    numbers = [p.get("Number") or "" for kind, _, p in paragraphs if kind == "Scene Heading"]
    if any(numbers):
        return numbers
    known = [s.id for s in script.scenes]
    return [known[i] if i < len(known) else "" for i in range(len(numbers))]
