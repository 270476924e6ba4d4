"""An independent checker of the story rules every offline-written script must obey."""

from __future__ import annotations

import re

from agents.offline.grammar import parse_spoken
from agents.offline.timing import parse_clock, time_of_day
from agents.textmatch import term_list
from memory.schema import Canon, Carryover, CharacterStatus, EpisodeBrief, PropState, Script

MODERN_EN = term_list(
    "phone, car, gun, computer, internet, electricity, email, camera, television, police, laptop, pistol, taxi, drive"
)
MODERN_ZH = ("手机", "电话", "汽车", "枪", "电脑", "网络", "电灯", "照片", "警察", "微信", "U盘")


def has_term(text: str, term: str) -> bool:
    """Return True when the text holds the term (as a whole word, for a Latin term)."""
    if term.isascii():
        return re.search(rf"\b{re.escape(term)}\b", text, re.IGNORECASE) is not None
    return term in text


def _holders(canon: Canon, script: Script) -> list[dict[str, str | None]]:
    """Expected prop holders per scene, following the script's own handovers."""
    holders = {p.id: p.holder_id for p in canon.props}
    moves = {c.entity_id: c.value for c in script.state_changes if c.field == "holder_id"}
    out = []
    for scene in script.scenes:
        for use in scene.props:
            if use.prop_id in moves and any(use.prop_id in (u.prop_id,) and u.action for u in scene.props):
                holders[use.prop_id] = moves.pop(use.prop_id)
        out.append(dict(holders))
    return out


def slips(canon: Canon, carry: Carryover, script: Script) -> list[str]:
    """Detect the three slip kinds: cue drift, wardrobe drift, prop-holder slip."""
    found: list[str] = []
    for line in script.lines():
        character = canon.character(line.speaker_id or "")
        if line.kind == "dialogue" and character is not None and line.cue != character.name:
            found.append(f"cue:{line.id}:{character.name}")
    worn: dict[tuple[int, str], str] = {(carry.last_story_day, c): w for c, w in carry.wardrobe.items()}
    for scene in script.scenes:
        for char_id, set_id in scene.wardrobe.items():
            key = (scene.story_day, char_id)
            if key in worn and worn[key] != set_id:
                found.append(f"wardrobe:{scene.id}:{char_id}:{worn[key]}")
            worn.setdefault(key, set_id)
    for scene, holders in zip(script.scenes, _holders(canon, script), strict=True):
        for use in scene.props:
            if use.holder_id != holders.get(use.prop_id):
                found.append(f"prop:{scene.id}:{use.prop_id}:{holders.get(use.prop_id)}")
    return found


def _units(text: str) -> list[str]:
    return re.findall(r"[\u4e00-\u9fff]|[^\W_]+", text.casefold())


def plays(planned: str, text: str) -> bool:
    """Tell whether a line plays a planned moment: all its words, in order (a lead or a witness may be added)."""
    want, have = _units(planned), iter(_units(text))
    return all(unit in have for unit in want)


def problems(canon: Canon, brief: EpisodeBrief, carry: Carryover, script: Script) -> list[str]:
    """Every rule a script must obey, except the three slip kinds (see slips())."""
    out: list[str] = []
    lines = script.lines()
    if not 10 <= len(lines) <= 20 or not 1 <= len(script.scenes) <= 3:
        out.append(f"size {len(script.scenes)} scenes / {len(lines)} lines")
    if script.title != brief.title or script.target_seconds != 90 or script.episode != brief.number:
        out.append("header")
    pieces = [p for p in re.split(r"(?<=[.!?。！？])\s*", script.summary.strip()) if p]
    if not 2 <= len(pieces) <= 3:
        out.append(f"summary has {len(pieces)} sentences")
    for expected, line in ((brief.opening_hook, lines[0]), (brief.cliffhanger, lines[-1])):
        parsed = parse_spoken(expected)
        if parsed is not None and line.kind == "dialogue":
            ok = plays(parsed[1], line.text) and canon.character(line.speaker_id or "") is not None
        else:
            ok = line.kind == "action" and plays(expected, line.text)
        if not ok:
            out.append(f"hook/cliff not from brief: {line.text}")
    reveal_planned = any(c.field == "knows" for c in brief.planned_changes)
    middle = lines[2:-2]
    if reveal_planned:
        if not any(line.reveals for line in middle):
            out.append("planned reveal not in the middle")
    elif not any(plays(brief.key_beats[2], line.text) for line in middle):
        out.append("turn beat missing from the middle")
    for change in brief.planned_changes:
        if change not in script.state_changes:
            out.append(f"planned change not realised: {change}")
    alive = {c.id for c in canon.characters if c.status == CharacterStatus.ALIVE}
    secrets = {s.id: s for s in canon.secrets}
    last_day, last_clock = carry.last_story_day, parse_clock(carry.last_clock) if carry.last_clock else None
    gone: set[str] = set()
    exits: dict[tuple[str, str], str] = {}
    for change in script.state_changes:
        leaving = canon.character(change.entity_id)
        if change.field == "status" and leaving is not None:
            name = leaving.aliases[0] if canon.language == "en" and leaving.aliases else leaving.name
            # The exit is the last action line that names the leaving character.
            marks = [(s.id, ln.id) for s in script.scenes for ln in s.lines if ln.kind == "action" and name in ln.text]
            if not marks:
                out.append(f"exit of {leaving.id} not shown")
            else:
                exits[marks[-1]] = leaving.id
    terms = list(canon.world.forbidden_terms)
    modern = MODERN_EN + MODERN_ZH if canon.world.technology == "pre_industrial" else ()
    for number, scene in enumerate(script.scenes, start=1):
        # The cold open may stay where the last episode cut, with the people who were there.
        if scene.id != f"s{number:02d}" or scene.location_id not in [*brief.location_ids, *carry.cliffhanger_ids]:
            out.append(f"{scene.id}: id or location")
        if scene.story_day < max(last_day, brief.story_day):
            out.append(f"{scene.id}: story day goes back")
        minutes = parse_clock(scene.clock)
        if minutes is None or scene.time_of_day != time_of_day(scene.clock):
            out.append(f"{scene.id}: clock {scene.clock} / {scene.time_of_day}")
        elif scene.story_day == last_day and last_clock is not None and minutes <= last_clock:
            out.append(f"{scene.id}: clock not after previous scene")
        last_day, last_clock = scene.story_day, minutes
        allowed = {*brief.character_ids, *carry.cliffhanger_ids}
        # A flashback may show someone the story has already lost.
        if not set(scene.character_ids) <= allowed or not (scene.flashback or set(scene.character_ids) <= alive):
            out.append(f"{scene.id}: cast outside brief or not alive")
        if set(scene.character_ids) & gone:
            out.append(f"{scene.id}: a character who left is back")
        if set(scene.wardrobe) != set(scene.character_ids):
            out.append(f"{scene.id}: wardrobe map does not match cast")
        for char_id, set_id in scene.wardrobe.items():
            character = canon.character(char_id)
            if character is None or set_id not in {w.id for w in character.wardrobe}:
                out.append(f"{scene.id}: unknown wardrobe {set_id}")
        for use in scene.props:
            prop = canon.prop(use.prop_id)
            if prop is None or prop.state in (PropState.DESTROYED, PropState.LOST):
                out.append(f"{scene.id}: unusable prop {use.prop_id}")
        for index, line in enumerate(scene.lines, start=1):
            if line.id != f"{scene.id}-l{index:02d}":
                out.append(f"line id {line.id}")
            if line.kind == "dialogue":
                if line.speaker_id not in scene.character_ids or line.speaker_id in gone:
                    out.append(f"{line.id}: speaker not present")
            elif line.speaker_id is not None or line.cue:
                out.append(f"{line.id}: action with speaker")
            if (scene.id, line.id) in exits:
                gone.add(exits[(scene.id, line.id)])
            for secret_id, secret in secrets.items():
                if secret_id in line.reveals:
                    if line.speaker_id not in secret.known_by or not all(
                        has_term(line.text, k) for k in secret.keywords
                    ):
                        out.append(f"{line.id}: bad reveal")
                elif any(has_term(line.text, k) for k in secret.keywords) and not (
                    set(scene.character_ids) <= set(secret.known_by)
                ):
                    # Among people who all know it, a secret is no secret: only a keyword said near others leaks.
                    out.append(f"{line.id}: leaks secret {secret_id}")
            for term in (*terms, *modern):
                if has_term(line.text, term):
                    out.append(f"{line.id}: forbidden term {term}")
            if "{" in line.text or "}" in line.text:
                out.append(f"{line.id}: unfilled template")
    return out
