"""Deterministic continuity checks of a script against canon folded to its episode.

Each check is a small function returning findings; ``check_script`` runs them
all. Findings carry ConStory categories and typed edit requests (memory/edits.py)
that a reviser can apply, and a check can verify, without reading the message. This module holds the checks of
who and what is on the page (cast, names, wardrobe, looks, era terms); the
checks of story time live in ``continuity_timeline``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from agents.appearance_text import appearance_claims, change_marked
from agents.continuity_findings import character_name, finding, numbered
from agents.continuity_timeline import check_props, check_secret_knowledge, check_simultaneity, check_timeline
from agents.era_terms import modern_terms
from agents.messages import say, term
from agents.name_lookalikes import similar_en_names, similar_zh_names
from agents.textmatch import names_of
from memory.edits import (
    CutCharacter,
    DropProp,
    DropReveal,
    MoveScene,
    ReplaceText,
    RewriteLine,
    SetCue,
    SetPropHolder,
    SetWardrobe,
)
from memory.schema import Canon, Carryover, CharacterStatus, Finding, KeptWardrobe, Line, Scene, Script


def check_absent_characters(script: Script, canon: Canon) -> list[Finding]:
    """Flag dead or absent characters who appear or speak outside flashbacks."""
    returning = {c.entity_id for c in script.state_changes if c.field == "status" and c.value == "alive"}
    out: list[Finding] = []
    for scene in script.scenes:
        if scene.flashback:
            continue
        present = list(scene.character_ids) + [
            ln.speaker_id for ln in scene.lines if ln.speaker_id and ln.speaker_id not in scene.character_ids
        ]
        for cid in dict.fromkeys(present):
            ch = canon.character(cid)
            if ch is None or ch.status == CharacterStatus.ALIVE or cid in returning:
                continue
            spoken = next((ln for ln in scene.lines if ln.speaker_id == cid), None)
            # Listed in the scene: the scene is at fault; only speaking: point at the first line.
            where = spoken.id if spoken and cid not in scene.character_ids else scene.id
            out.append(
                finding(
                    "absent_character",
                    "timeline_plot",
                    where,
                    say(
                        canon.language,
                        "finding.absent_character",
                        name=ch.name,
                        status=term(canon.language, "status", ch.status.value),
                        scene=scene.id,
                    ),
                    quote=spoken.text if spoken else ch.name,
                    canon_fact=say(
                        canon.language,
                        "fact.status",
                        name=ch.name,
                        status=term(canon.language, "status", ch.status.value),
                    ),
                    requests=[CutCharacter(character_id=cid, scene_id=scene.id)],
                )
            )
    return out


def check_unknown_entities(script: Script, canon: Canon) -> list[Finding]:
    """Flag ids that canon does not define, and speakers missing from their scene."""
    out: list[Finding] = []
    cat = "factual_detail"
    for scene in script.scenes:
        if canon.location(scene.location_id) is None:
            out.append(
                finding(
                    "unknown_entity",
                    cat,
                    scene.id,
                    say(canon.language, "finding.unknown_location", id=scene.location_id),
                    quote=scene.location_id,
                    canon_fact=say(canon.language, "fact.no_location", id=scene.location_id),
                    requests=[MoveScene(scene_id=scene.id, location_id=loc.id) for loc in canon.locations[:1]],
                )
            )
        for cid in dict.fromkeys([*scene.character_ids, *scene.wardrobe]):
            if canon.character(cid) is None:
                out.append(
                    finding(
                        "unknown_entity",
                        cat,
                        scene.id,
                        say(canon.language, "finding.unknown_character", id=cid),
                        quote=cid,
                        canon_fact=say(canon.language, "fact.no_character", id=cid),
                        requests=[CutCharacter(character_id=cid, scene_id=scene.id)],
                    )
                )
        for use in scene.props:
            if canon.prop(use.prop_id) is None:
                out.append(
                    finding(
                        "unknown_entity",
                        cat,
                        scene.id,
                        say(canon.language, "finding.unknown_prop", id=use.prop_id),
                        quote=use.prop_id,
                        canon_fact=say(canon.language, "fact.no_prop", id=use.prop_id),
                        requests=[DropProp(prop_id=use.prop_id, scene_id=scene.id)],
                    )
                )
            elif use.holder_id and canon.character(use.holder_id) is None:
                prop = canon.prop(use.prop_id)
                out.append(
                    finding(
                        "unknown_entity",
                        cat,
                        scene.id,
                        say(canon.language, "finding.unknown_holder", id=use.holder_id),
                        quote=use.holder_id,
                        canon_fact=say(canon.language, "fact.no_character", id=use.holder_id),
                        requests=[
                            SetPropHolder(
                                scene_id=scene.id, prop_id=use.prop_id, holder_id=prop.holder_id if prop else None
                            )
                        ],
                    )
                )
        for line in scene.lines:
            out.extend(_unknown_in_line(line, scene, canon))
    return out


def _unknown_in_line(line: Line, scene: Scene, canon: Canon) -> list[Finding]:
    out: list[Finding] = []
    cat = "factual_detail"
    if line.kind == "dialogue":
        sid = line.speaker_id
        if not sid or canon.character(sid) is None:
            out.append(
                finding(
                    "unknown_entity",
                    cat,
                    line.id,
                    say(canon.language, "finding.unknown_speaker", id=sid or ""),
                    quote=line.text,
                    canon_fact=say(canon.language, "fact.no_character", id=sid or ""),
                    requests=[RewriteLine(line_id=line.id, reason="the speaker is not a canon character")],
                )
            )
        elif sid not in scene.character_ids:
            out.append(
                finding(
                    "unknown_entity",
                    cat,
                    line.id,
                    say(
                        canon.language, "finding.speaker_not_in_scene", name=character_name(canon, sid), scene=scene.id
                    ),
                    quote=line.text,
                    canon_fact=say(
                        canon.language, "fact.scene_cast", scene=scene.id, cast=", ".join(scene.character_ids)
                    ),
                    requests=[RewriteLine(line_id=line.id, reason="the speaker is not in the scene")],
                )
            )
    for secret_id in line.reveals:
        if canon.secret(secret_id) is None:
            out.append(
                finding(
                    "unknown_entity",
                    cat,
                    line.id,
                    say(canon.language, "finding.unknown_secret", id=secret_id),
                    quote=line.text,
                    canon_fact=say(canon.language, "fact.no_secret", id=secret_id),
                    requests=[DropReveal(line_id=line.id, secret_id=secret_id)],
                )
            )
    return out


def check_name_drift(script: Script, canon: Canon) -> list[Finding]:
    """Flag dialogue cues and in-text names that drift from canon spellings."""
    out: list[Finding] = []
    lowercase_words = {w for ln in script.lines() for w in re.findall(r"\b[a-z][a-z'’]+\b", ln.text)}
    for line in script.lines():
        ch = canon.character(line.speaker_id) if line.speaker_id else None
        cue = re.sub(r"\s*[(（][^)）]*[)）]\s*$", "", line.cue).strip()
        if line.kind == "dialogue" and ch and cue and cue.casefold() not in {n.casefold() for n in names_of(ch)}:
            out.append(
                finding(
                    "name_drift",
                    "factual_detail",
                    line.id,
                    say(canon.language, "finding.cue_drift", cue=line.cue, name=ch.name),
                    quote=line.cue,
                    canon_fact=say(canon.language, "fact.named", id=ch.id, names=" / ".join(names_of(ch))),
                    requests=[SetCue(line_id=line.id, value=ch.name)],
                )
            )
        en_names = similar_en_names(line.text, canon, lowercase_words, stage_direction=line.kind == "action")
        for old, new in [*en_names, *similar_zh_names(line.text, canon)]:
            out.append(
                finding(
                    "name_drift",
                    "factual_detail",
                    line.id,
                    say(canon.language, "finding.name_misspelling", old=old, new=new),
                    quote=old,
                    canon_fact=say(canon.language, "fact.canon_name", name=new),
                    requests=[ReplaceText(line_id=line.id, old=old, new=new)],
                )
            )
    return out


def check_wardrobe(script: Script, canon: Canon, carryover: Carryover) -> list[Finding]:
    """Flag unknown wardrobe sets, unmarked costume changes within one story day, and sets that ignore a
    lasting costume change an earlier episode made (a wardrobe state change holds until another one)."""
    out: list[Finding] = []
    declared = {(c.entity_id, c.value) for c in script.state_changes if c.field == "wardrobe"}
    last: dict[str, tuple[int, str, int]] = {}  # character -> (story day, set id, scene index)
    if carryover.last_story_day:
        last = {cid: (carryover.last_story_day, wid, 0) for cid, wid in carryover.wardrobe.items()}
    scenes = script.scenes
    for i, scene in enumerate(scenes):
        if scene.flashback:
            continue
        for cid, wid in scene.wardrobe.items():
            ch = canon.character(cid)
            if ch is None:
                continue
            sets = [w.id for w in ch.wardrobe]
            if wid not in sets:
                value = last[cid][1] if cid in last and last[cid][1] in sets else sets[0]
                out.append(
                    finding(
                        "wardrobe_drift",
                        "factual_detail",
                        scene.id,
                        say(canon.language, "finding.wardrobe_unknown", name=ch.name, wardrobe=wid, value=value),
                        quote=wid,
                        canon_fact=say(canon.language, "fact.wardrobe_sets", name=ch.name, sets=", ".join(sets)),
                        requests=[SetWardrobe(scene_id=scene.id, character_id=cid, wardrobe_id=value)],
                    )
                )
                continue
            prev = last.get(cid)
            if (
                prev
                and prev[0] == scene.story_day
                and prev[1] != wid
                and (cid, wid) not in declared
                and not any(change_marked(ln, cid, canon, s) for s in scenes[prev[2] : i + 1] for ln in s.lines)
            ):
                out.append(
                    finding(
                        "wardrobe_drift",
                        "factual_detail",
                        scene.id,
                        say(canon.language, "finding.wardrobe_switch", name=ch.name, before=prev[1], after=wid),
                        quote=wid,
                        canon_fact=say(
                            canon.language, "fact.wears_earlier", name=ch.name, wardrobe=prev[1], day=prev[0]
                        ),
                        requests=[SetWardrobe(scene_id=scene.id, character_id=cid, wardrobe_id=prev[1])],
                    )
                )
            elif (kept := _kept_elsewhere(carryover, script, cid, wid)) is not None:
                out.append(
                    finding(
                        "wardrobe_drift",
                        "factual_detail",
                        scene.id,
                        say(canon.language, "finding.wardrobe_kept", name=ch.name, wardrobe=wid, kept=kept.wardrobe_id),
                        quote=wid,
                        canon_fact=say(
                            canon.language,
                            "fact.wears_since",
                            name=ch.name,
                            wardrobe=kept.wardrobe_id,
                            episode=kept.since_episode,
                        ),
                        requests=[SetWardrobe(scene_id=scene.id, character_id=cid, wardrobe_id=kept.wardrobe_id)],
                    )
                )
            last[cid] = (scene.story_day, wid, i)
    return out


def _kept_elsewhere(carryover: Carryover, script: Script, character_id: str, wardrobe_id: str) -> KeptWardrobe | None:
    """Return the lasting costume change a scene's set ignores: an earlier episode's, not undone by this one."""
    kept = carryover.kept_wardrobe.get(character_id)
    if kept is None or kept.wardrobe_id == wardrobe_id:
        return None
    changes_again = any(c.field == "wardrobe" and c.entity_id == character_id for c in script.state_changes)
    return None if changes_again else kept


def check_appearance(script: Script, canon: Canon) -> list[Finding]:
    """Flag hair or eye colours in the text that contradict canon appearance."""
    out: list[Finding] = []
    for scene in script.scenes:
        for line in scene.lines:
            for claim in appearance_claims(line.text, canon):
                out.append(
                    finding(
                        "appearance_drift",
                        "factual_detail",
                        line.id,
                        say(
                            canon.language,
                            "finding.appearance",
                            quote=claim.quote,
                            name=claim.name,
                            feature=term(canon.language, "feature", claim.feature),
                            canon_text=claim.canon_text,
                            replacement=claim.replacement,
                        ),
                        quote=claim.quote,
                        canon_fact=say(
                            canon.language,
                            "fact.feature",
                            name=claim.name,
                            feature=term(canon.language, "feature", claim.feature),
                            canon_text=claim.canon_text,
                        ),
                        requests=[ReplaceText(line_id=line.id, old=claim.quote, new=claim.replacement)],
                    )
                )
    return out


def check_anachronisms(script: Script, canon: Canon) -> list[Finding]:
    """Flag terms the world's era or forbidden-term list rules out."""
    out: list[Finding] = []
    for line in script.lines():
        for hit, substitute in modern_terms(line.text, canon.world):
            out.append(
                finding(
                    "anachronism",
                    "world_building",
                    line.id,
                    say(canon.language, "finding.anachronism", hit=hit, era=canon.world.era, substitute=substitute)
                    if substitute
                    else say(canon.language, "finding.anachronism_any", hit=hit, era=canon.world.era),
                    quote=hit,
                    canon_fact=say(
                        canon.language, "fact.world", era=canon.world.era, technology=canon.world.technology
                    ),
                    requests=[ReplaceText(line_id=line.id, old=hit, new=substitute)],
                )
            )
    return out


def check_script(script: Script, canon: Canon, carryover: Carryover) -> list[Finding]:
    """Run every deterministic continuity check on a script and return its findings."""
    groups: Sequence[list[Finding]] = (
        check_absent_characters(script, canon),
        check_unknown_entities(script, canon),
        check_name_drift(script, canon),
        check_wardrobe(script, canon, carryover),
        check_appearance(script, canon),
        check_props(script, canon),
        check_timeline(script, carryover, canon.language),
        check_secret_knowledge(script, canon),
        check_simultaneity(script, canon),
        check_anachronisms(script, canon),
    )
    return numbered(f for group in groups for f in group)
