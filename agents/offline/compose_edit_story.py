"""Offline edits of an episode's shape: where and when scenes play, their length, hook, ending, beats and tone."""

from __future__ import annotations

from agents.continuity_timeline import clock_fits, typical_clock
from agents.edit_match import beat_text, first_playing_beat, plays_beat, tone_emotions
from agents.offline.compose_edit import Editor
from agents.offline.timing import format_clock, parse_clock, time_of_day
from memory.edits import AddBeat, ChangeMoment, ChangeTone, DropBeat, MoveScene, ReorderBeats, ResizeScene
from memory.schema import Emotion, Line, Scene


def move_scene(ed: Editor, r: MoveScene) -> bool:
    """Set a scene's place and time, then push later scenes on so story time still runs forward."""
    scene = ed.scene(r.scene_id)
    if scene is None or (r.location_id is not None and ed.canon.location(r.location_id) is None):
        return False
    if r.location_id is not None:
        scene.location_id = r.location_id
    if r.clock is not None and parse_clock(r.clock) is not None:
        scene.clock = r.clock
        if r.time_of_day is None and not clock_fits(scene.time_of_day, r.clock):
            scene.time_of_day = time_of_day(r.clock)
    if r.time_of_day is not None:
        scene.time_of_day = r.time_of_day
        if r.clock is None and not clock_fits(r.time_of_day, scene.clock):
            scene.clock = typical_clock(r.time_of_day)
    if r.story_day is not None:
        scene.story_day = r.story_day
    _run_forward(ed, scene, fixed_day=r.story_day is not None)
    return True


def _key(scene: Scene) -> tuple[int, int]:
    return scene.story_day, parse_clock(scene.clock) or 0


def _run_forward(ed: Editor, moved: Scene, *, fixed_day: bool) -> None:
    """A scene moved earlier than the one before it plays the next day; later scenes follow it."""
    scenes = [s for s in ed.script.scenes if not s.flashback]
    if moved not in scenes:
        return
    index = scenes.index(moved)
    if index > 0 and not fixed_day and _key(moved) < _key(scenes[index - 1]):
        moved.story_day = scenes[index - 1].story_day + 1
    for earlier, later in zip(scenes[index:], scenes[index + 1 :], strict=False):
        if _key(later) < _key(earlier):
            # Same day a little later when the clock allows it, else the next day at the scene's usual hour.
            bumped = (parse_clock(earlier.clock) or 0) + 30
            if later.time_of_day == earlier.time_of_day and bumped < 24 * 60:
                later.story_day, later.clock = earlier.story_day, format_clock(bumped)
            else:
                later.story_day = earlier.story_day + 1


def resize_scene(ed: Editor, r: ResizeScene) -> bool:
    """Cut filler lines (never the hook, a reveal, a beat or the cliffhanger), or write new exchanges."""
    scenes = ed.scope(r.scene_id)
    if not scenes:
        return False
    total = sum(len(s.lines) for s in scenes)
    amount = max(1, total // 3)
    if r.direction == "shorter":
        cuttable = [(s, ln) for s in scenes for ln in s.lines if not ed.protected(ln)]
        ed.rng.shuffle(cuttable)
        cut = 0
        for scene, line in cuttable:
            if cut >= amount or len(scene.lines) <= 1:
                continue
            scene.lines.remove(line)
            cut += 1
        return cut > 0
    for step in range(amount):
        scene = scenes[step % len(scenes)]
        speaker = ed.speaker_for(scene, avoid=_last_speaker(scene))
        if speaker is None:
            return step > 0
        ed.insert(scene, max(1, len(scene.lines) - 1), ed.dialogue(scene, speaker))
    return True


def _last_speaker(scene: Scene) -> str | None:
    spoken = [ln.speaker_id for ln in scene.lines[:-1] if ln.kind == "dialogue"]
    return spoken[-1] if spoken else None


def change_moment(ed: Editor, r: ChangeMoment) -> bool:
    """Play the note's hook on the first line, or its ending or cliffhanger on the last, with a reaction."""
    if not r.text.strip():
        return False
    if r.moment == "hook":
        scene = ed.script.scenes[0]
        scene.lines[0] = _moment_line(ed, scene, r.text, scene.lines[0].id, "tense")
        _react(ed, scene, 1)
        return True
    scene = ed.script.scenes[-1]
    emotion: Emotion = "shocked" if r.moment == "cliffhanger" else "tender"
    if r.moment == "ending" and len(scene.lines) > 1:
        # The ending lands just before the cut; the cut itself stays on the cliffhanger's image.
        scene.lines[-2] = _moment_line(ed, scene, r.text, scene.lines[-2].id, emotion)
        return True
    scene.lines[-1] = _moment_line(ed, scene, r.text, scene.lines[-1].id, emotion)
    return True


def _moment_line(ed: Editor, scene: Scene, text: str, line_id: str, emotion: Emotion) -> Line:
    line = ed.action(scene, ed.sentence(text), emotion)
    return line.model_copy(update={"id": line_id})


def _react(ed: Editor, scene: Scene, index: int) -> None:
    speaker = ed.speaker_for(scene)
    if speaker is not None:
        reaction = ed.dialogue(scene, speaker, "shocked", ed.writer.reaction())
        ed.insert(scene, index, reaction)


def _flat(ed: Editor) -> list[tuple[Scene, Line]]:
    return [(s, ln) for s in ed.script.scenes for ln in s.lines]


def _insert_at(ed: Editor, flat_index: int, text: str, beat: int | None = None) -> None:
    """Insert a beat's action line (and a reaction) before the line at a flat index of the script."""
    flat = _flat(ed)
    flat_index = max(1, min(flat_index, len(flat)))
    if flat_index < len(flat):
        scene, index = flat[flat_index][0], flat[flat_index][0].lines.index(flat[flat_index][1])
    else:
        scene, index = ed.script.scenes[-1], len(ed.script.scenes[-1].lines)
    line = ed.action(scene, ed.sentence(text))
    ed.insert(scene, index, line.model_copy(update={"beat": beat}))
    _react(ed, scene, index + 1)


def add_beat(ed: Editor, r: AddBeat) -> bool:
    """Dramatise a new beat before the brief beat it should precede, or just before the cliffhanger."""
    lines = ed.script.lines()
    where = len(lines) - 1
    if r.position is not None and r.position < len(ed.brief.key_beats):
        found = first_playing_beat(lines, r.position, ed.brief.key_beats[r.position])
        where = found if found is not None else round(r.position * len(lines) / len(ed.brief.key_beats))
    _insert_at(ed, where, r.text)
    return True


def drop_beat(ed: Editor, r: DropBeat) -> bool:
    """Take out every line that plays the beat; a scene left empty gets an establishing line."""
    text = beat_text(ed.brief, r.index, r.text)
    if not text:
        return False
    for scene in ed.script.scenes:
        kept = [ln for ln in scene.lines if not plays_beat(ln, r.index, text)]
        if not kept:
            kept = [ed.action(scene, ed.writer.establishing(scene.character_ids or ed.brief.character_ids[:1]))]
        scene.lines = kept
    return True


def reorder_beats(ed: Editor, r: ReorderBeats) -> bool:
    """Play the beats in the new order: the lines that play them trade places; unplayed beats are written in."""
    beats = ed.brief.key_beats
    if len(set(r.order)) != len(r.order) or any(not 0 <= i < len(beats) for i in r.order):
        return False
    # Each beat claims one line (tagging it), so a line that could play two beats plays only the first.
    claimed: set[str] = set()
    for i in sorted(r.order):
        lines = ed.script.lines()
        line = next(
            (ln for ln in lines if ln.id not in claimed and ln.beat in (None, i) and plays_beat(ln, i, beats[i])), None
        )
        if line is None:
            _insert_at(ed, round((i + 1) * len(lines) / (len(beats) + 1)), beats[i], beat=i)
            line = next(ln for ln in ed.script.lines() if ln.beat == i and ln.id not in claimed)
        line.beat = i
        claimed.add(line.id)
    flat = _flat(ed)
    lines = [ln for _, ln in flat]
    positions = {i: first_playing_beat(lines, i, beats[i]) for i in r.order}
    slots = sorted(p for p in positions.values() if p is not None)
    if len(slots) < len(r.order) or len(set(slots)) < len(slots):
        return False  # two beats on one line cannot trade places
    movers = [flat[p][1] for i in r.order if (p := positions[i]) is not None]
    swaps = [(flat[slot][0], flat[slot][1], moving) for slot, moving in zip(slots, movers, strict=True)]
    for scene, old, moving in swaps:
        copy = moving.model_copy(update={"id": old.id})
        if copy.kind == "dialogue" and copy.speaker_id:
            ed.add_to_scene(scene, copy.speaker_id)
        ed.bring_named(scene, copy.text)
        scene.lines[scene.lines.index(old)] = copy
    return True


def change_tone(ed: Editor, r: ChangeTone) -> bool:
    """Play most dialogue in the tone's emotions, rewording the lines that carry no story."""
    emotions = tone_emotions(r.tone)
    if not emotions:
        return False
    spoken = [(s, ln) for s, ln in _flat(ed) if ln.kind == "dialogue"]
    for n, (scene, line) in enumerate(spoken):
        if n % 5 == 4 and line.emotion not in emotions:
            continue  # a fifth of the lines keep their colour: a tone, not a monotone
        emotion: Emotion = emotions[n % len(emotions)]  # type: ignore[assignment]
        line.emotion = emotion
        line.parenthetical = ed.writer.parenthetical(emotion)
        if not ed.protected(line):
            listener = ed.listener(scene, line.speaker_id or "")
            line.text = ed.writer.filler(emotion, line.speaker_id or "", listener, "", None)
    return True
