"""Draft an episode script from its brief: hook first, reversal mid-way, cliffhanger last."""

from __future__ import annotations

import random
from collections.abc import Iterable
from dataclasses import dataclass

from agents.offline.compose_flashback import OPENERS, LineSlot, ghosts, line_count, stage_flashback
from agents.offline.compose_lines import LineWriter, mentions
from agents.offline.compose_pickup import answer_line, pickup_line, raise_stakes, read_cut
from agents.offline.compose_staging import (
    fit_runtime,
    pick_wardrobe,
    planned_events,
    realised_changes,
    scene_times,
    stage_props,
    summarise,
)
from agents.offline.compose_wording import freshen, stage
from agents.offline.grammar import parse_spoken
from agents.offline.timing import time_of_day
from memory.schema import Canon, Carryover, CharacterStatus, EpisodeBrief, Line, Scene, Script


@dataclass(frozen=True)
class DraftInput:
    """Everything a draft depends on."""

    canon: Canon
    brief: EpisodeBrief
    carryover: Carryover
    target_seconds: int
    seed: int
    # The season's committed scripts before this episode (read-only): what was already said is not said again.
    earlier: tuple[Script, ...] = ()


_Slot = LineSlot


class _Drafter:
    def __init__(self, data: DraftInput, rng: random.Random) -> None:
        self.data = data
        self.canon = data.canon
        self.brief = data.brief
        self.rng = rng
        self.writer = LineWriter(data.canon, rng, data.earlier)
        alive = {c.id for c in data.canon.characters if c.status == CharacterStatus.ALIVE}
        present = list(dict.fromkeys(c for c in data.brief.character_ids if c in alive))
        if not present:
            present = [next(c.id for c in data.canon.characters if c.id in alive)]
        # The cold open brings back the people the last episode cut on, even if the plan did not list them.
        self.cut = read_cut(data.canon, data.carryover)
        present += [c for c in self.cut.people if c not in present]
        self.present = present
        self.places: list[str] = []
        self.ghosts = ghosts(data.canon, data.brief)
        self.flashback: int | None = None
        self._flashback_cast: list[str] | None = None
        hero = self.writer.roles.get("hero")
        self.hero = hero.id if hero is not None and hero.id in present else present[0]
        self.events = planned_events(data.canon, data.brief, present)
        self.phase = 0

    # --------------------------------------------------------------- planning

    def _spoken_slot(self, kind: str, text: str) -> _Slot:
        parsed = parse_spoken(text)
        if parsed is not None:
            name, body = parsed
            speaker = next((c for c in self.present if self._named(c, name)), None)
            if speaker is not None:
                return _Slot(kind, body, speaker, self._mentioned(body) | {speaker})
        return _Slot(kind, text, None, self._mentioned(text))

    def _named(self, char_id: str, name: str) -> bool:
        character = self.canon.character(char_id)
        return character is not None and name in (character.name, *character.aliases)

    def _mentioned(self, text: str) -> set[str]:
        out: set[str] = set()
        for char_id in self.present:
            character = self.canon.character(char_id)
            if character is not None and mentions(text, character, self.canon.language):
                out.add(char_id)
        return out

    def _slots(self, count: int) -> list[_Slot]:
        slots = [_Slot("filler") for _ in range(count)]
        slots[0] = self._spoken_slot("hook", self.brief.opening_hook)
        slots[-1] = self._spoken_slot("cliff", self.brief.cliffhanger)
        if not self.cut.empty:
            # Right after the hook, the cold open picks up the cliffhanger and someone there answers it.
            answerer = next((c for c in self.cut.people if c != self.cut.speaker), None)
            answerer = answerer or next((c for c in self.present if c not in self.cut.people), self.cut.people[0])
            slots[1] = _Slot("pickup", needs=set(self.cut.people))
            slots[2] = _Slot("answer", speaker=answerer, needs={answerer, *self.cut.people})
        turn = count // 2
        if self.events.reveal is not None:
            secret_id, speaker, learner = self.events.reveal
            slots[turn] = _Slot("reveal", speaker=speaker, needs={speaker, learner}, reveals=[secret_id])
            slots[turn + 1] = _Slot("reaction", speaker=learner, needs={learner})
        else:
            beat = self.brief.key_beats[2]
            slots[turn] = _Slot("beat", beat, None, self._mentioned(beat))
            # The turn is played, not only described: the one it names first speaks to the one it happens to.
            actor, target = self._beat_people(beat)
            played = actor != target and turn + 2 < count - 1
            slots[turn + 1] = _Slot("beat_reply", speaker=actor, needs={actor, target}) if played else _Slot("reaction")
            if played:
                slots[turn + 2] = _Slot("reaction", speaker=target, needs={target})
        # A hook or cliffhanger the plan describes (no one speaks it) is played too: its people have it out.
        for moment, at in ((slots[0], 1 if self.cut.empty else 3), (slots[-1], count - 2)):
            actor, target = self._beat_people(moment.text)
            if moment.speaker is None and moment.needs and actor != target and slots[at].kind == "filler":
                slots[at] = _Slot("beat_reply", speaker=actor, needs={actor, target})
        if self.events.exits:
            char_id, _ = self.events.exits[0]
            slots[-2] = _Slot("exit", needs={char_id}, speaker=char_id)
            if slots[-1].speaker == char_id:
                # Someone who has just left cannot deliver the last line; the cut plays it as action.
                slots[-1] = _Slot("cliff", self.brief.cliffhanger, None, self._mentioned(self.brief.cliffhanger))
        # Keep a line of air before the turn so two beats never land back to back.
        free = [i for i in range(1, turn - 1) if slots[i].kind == "filler"]
        if self.events.handover is not None and free:
            _, giver, taker = self.events.handover
            index = free[len(free) // 2]
            slots[index] = _Slot("handover", needs={giver, taker})
            free.remove(index)
        if count >= 14 and free and self.rng.random() < 0.6:
            beat = self.brief.key_beats[1]
            if self.events.handover is None:
                index = self.rng.choice(free[:-1] or free)
                actor, target = self._beat_people(beat)
                if not self.writer.actions.fresh(beat):
                    # The season has shown this moment in these words: its people play it in talk instead.
                    slots[index] = _Slot("beat_reply", speaker=actor, needs={actor, target})
                else:
                    slots[index] = _Slot("beat", beat, None, self._mentioned(beat))
                    if index + 1 < turn - 1 and slots[index + 1].kind == "filler":
                        # The people the beat names play it out: the first of them speaks to the second.
                        slots[index + 1] = _Slot("beat_reply", speaker=actor, needs={actor, target})
        return slots

    def _beat_people(self, beat: str) -> tuple[str, str]:
        """Return who acts in a beat and who it is done to: the first two present people it names, in order."""
        people = self._named_in(beat, self._mentioned(beat))
        actor = people[0] if people else self.hero
        target = next((c for c in people[1:]), next((c for c in self.present if c != actor), actor))
        return actor, target

    def _named_in(self, text: str, cast: Iterable[str]) -> list[str]:
        """Return the people of ``cast`` a text names by their short names, in the order it names them."""
        shorts = {c: self.writer.short(c) for c in cast}
        return [c for _, c in sorted((text.find(n), c) for c, n in shorts.items() if n and n in text)]

    def _bounds(self, slots: list[_Slot]) -> list[int]:
        count = len(slots)
        turn = count // 2
        if self.ghosts and turn - 1 - 3 >= 3 and count - (turn - 1) >= 3:
            # A middle scene of talk before the turn, so the lost can be seen in a flashback.
            return [0, 3, turn - 1]
        wanted = self.rng.choice((1, 2)) if count <= 11 else self.rng.choice((2, 2, 3))
        for scenes in range(wanted, 0, -1):
            starts = [b for b in range(3, count - 2) if b != turn + 1]
            if scenes == 1:
                return [0]
            for _ in range(30):
                picks = sorted(self.rng.sample(starts, scenes - 1)) if len(starts) >= scenes - 1 else []
                bounds = [0, *picks]
                sizes = [b - a for a, b in zip(bounds, [*bounds[1:], count], strict=True)]
                if picks and min(sizes) >= 3:
                    return bounds
        return [0]

    def _cast_scenes(self, slots: list[_Slot], bounds: list[int]) -> list[list[str]]:
        ranges = list(zip(bounds, [*bounds[1:], len(slots)], strict=True))
        casts: list[list[str]] = []
        for start, end in ranges:
            needed: list[str] = []
            for slot in slots[start:end]:
                for char_id in sorted(slot.needs):
                    if char_id not in needed:
                        needed.append(char_id)
            if self.hero not in needed:
                needed.insert(0, self.hero)
            size = max(len(needed), self.rng.choice((2, 2, 3)))
            others = [c for c in self.present if c not in needed]
            self.rng.shuffle(others)
            while len(needed) < size and others:
                needed.append(others.pop())
            casts.append(needed)
        # Everyone the episode has is seen at least once: the smallest scene takes whoever is still missing.
        for char_id in self.present:
            if not any(char_id in cast for cast in casts):
                min(casts, key=len).append(char_id)
        return casts

    # ----------------------------------------------------------------- lines

    def _write_lines(
        self, slots: list[_Slot], bounds: list[int], casts: list[list[str]], scene_props: list[tuple[str, str | None]]
    ) -> list[list[Line]]:
        count = len(slots)
        curve = self.brief.emotional_curve
        scenes: list[list[Line]] = []
        ranges = list(zip(bounds, [*bounds[1:], count], strict=True))
        for number, ((start, end), cast) in enumerate(zip(ranges, casts, strict=True)):
            place = self.canon.location(self.places[number]) if number < len(self.places) else None
            self.writer.scene(cast, place.name if place else "")
            lines: list[Line] = []
            last_speaker: str | None = None
            last_listener: str | None = None
            for index in range(start, end):
                slot = slots[index]
                self.phase = min(3, index * 4 // count)
                intensity = curve[self.phase]
                if slot.kind == "filler" and index == start and number > 0:
                    slot = _Slot("establish")
                # Look ahead so a filler line does not hand the same speaker two lines in a row.
                upcoming = slots[index + 1].speaker if index + 1 < end and slots[index + 1].kind != "exit" else None
                line = self._line(slot, intensity, cast, scene_props[number], last_speaker, last_listener, upcoming)
                if line.kind == "dialogue":
                    last_listener = last_speaker if last_speaker != line.speaker_id else last_listener
                    last_speaker = line.speaker_id
                lines.append(line.model_copy(update={"id": f"s{number + 1:02d}-l{len(lines) + 1:02d}"}))
            scenes.append(lines)
        return scenes

    def _pick_speaker(
        self,
        cast: list[str],
        last_speaker: str | None,
        last_listener: str | None,
        forced: str | None,
        upcoming: str | None = None,
    ) -> tuple[str, str | None]:
        if forced is not None:
            speaker = forced
        elif last_listener in cast and last_listener not in (last_speaker, upcoming) and self.rng.random() < 0.75:
            speaker = last_listener or cast[0]
        else:
            # Never two lines in a row from one mouth; the next line's fixed speaker outranks strict alternation.
            options = (
                [c for c in cast if c not in (last_speaker, upcoming)] or [c for c in cast if c != upcoming] or cast
            )
            speaker = self.rng.choice(options)
            if self.writer.is_kid(speaker) and len(options) > 1 and self.rng.random() < 0.5:
                speaker = self.rng.choice([c for c in options if c != speaker])
        others = [c for c in cast if c != speaker]
        preferred = upcoming if upcoming in others else last_speaker
        listener = preferred if preferred in others else (self.rng.choice(others) if others else None)
        return speaker, listener

    def _line(
        self,
        slot: _Slot,
        intensity: int,
        cast: list[str],
        prop: tuple[str, str | None],
        last_speaker: str | None,
        last_listener: str | None,
        upcoming: str | None,
    ) -> Line:
        writer = self.writer
        if slot.kind in ("hook", "cliff", "beat") and slot.speaker is None:
            text = slot.text if writer.clean(slot.text) else writer.establishing(cast)
            if slot.kind == "cliff":
                text = raise_stakes(writer, self.rng, text, None, cast)
            if text.startswith(slot.text):
                # The plan's words stay (so the line plays its beat); a moment the season has shown gets new staging.
                text = stage(writer, text)
            return Line(id="", kind="action", text=text, emotion=writer.emotion(intensity, None))
        if slot.kind == "establish":
            opener = OPENERS.get(self.canon.language, "") if cast is self._flashback_cast else ""
            text = opener + writer.establishing(cast)
            return Line(id="", kind="action", text=text, emotion=writer.emotion(intensity, None))
        if slot.kind == "handover" and self.events.handover is not None:
            prop_id, giver, taker = self.events.handover
            moved = self.canon.prop(prop_id)
            text = writer.handover(giver, taker, moved.name if moved else prop_id)
            return Line(id="", kind="action", text=text, emotion="tense")
        if slot.kind == "exit":
            return Line(id="", kind="action", text=writer.exit_line(slot.speaker or ""), emotion="tense")
        if slot.kind == "pickup":
            text = pickup_line(writer, self.rng, self.cut, writer.place, prop[0])
            return Line(id="", kind="action", text=text, emotion="tense")
        forced = slot.speaker if slot.speaker in cast else None
        if slot.kind == "reaction" and forced is None:
            forced = self._reactor(cast, last_speaker)
        speaker, listener = self._pick_speaker(cast, last_speaker, last_listener, forced, upcoming)
        prop_name, prop_holder = prop
        reveals: list[str] = []
        if slot.kind == "reveal" and self.events.reveal is not None:
            secret_id, _, learner = self.events.reveal
            secret = self.canon.secret(secret_id)
            listener = learner
            emotion = writer.emotion(max(intensity, 8), speaker, learner)
            text = writer.reveal(secret, learner) if secret else writer.filler(emotion, speaker, listener, "", None)
            reveals = [secret_id] if secret else []
        elif slot.kind == "reaction":
            emotion, text = "shocked", writer.reaction(speaker, listener)
        elif slot.kind == "beat_reply" and len(slot.needs) == 2:
            listener = next(c for c in slot.needs if c != speaker)
            emotion = writer.emotion(intensity, speaker, listener, self.phase)
            text = writer.filler(emotion, speaker, listener, prop_name, prop_holder)
        elif slot.kind == "answer":
            speaker_to = self.cut.speaker if self.cut.speaker in cast and self.cut.speaker != speaker else listener
            listener = speaker_to or listener
            emotion = writer.emotion(max(intensity, 6), speaker, listener, self.phase)
            text = answer_line(writer, self.rng, emotion, speaker, listener or speaker)
        elif slot.kind in ("hook", "cliff") and writer.clean(slot.text):
            emotion, text = writer.emotion(intensity, speaker, listener, self.phase), slot.text
            if slot.kind == "cliff":
                text = raise_stakes(writer, self.rng, text, speaker, cast)
            text = freshen(writer, text, emotion)
            writer.said.add(text)
        else:
            emotion = writer.emotion(intensity, speaker, listener, self.phase)
            text = writer.filler(emotion, speaker, listener, prop_name, prop_holder)
        character = self.canon.character(speaker)
        return Line(
            id="",
            kind="dialogue",
            speaker_id=speaker,
            cue=character.name if character else "",
            text=text,
            emotion=emotion,
            parenthetical=writer.parenthetical(emotion),
            reveals=reveals,
        )

    def _reactor(self, cast: list[str], last_speaker: str | None) -> str | None:
        """Pick who reacts to the turn: the last person the beat names (the one it happens to), else another."""
        named = self._named_in(self.brief.key_beats[2], cast)
        if len(named) >= 2:
            return named[-1]
        actor = named[0] if named else last_speaker
        others = [c for c in cast if c != actor]
        return self.rng.choice(others) if others else None

    # ---------------------------------------------------------------- build

    def draft(self) -> Script:
        count = line_count(self.data.target_seconds)
        slots = self._slots(count)
        bounds = self._bounds(slots)
        casts = self._cast_scenes(slots, bounds)
        # A middle scene may play in the past with the brief's lost characters in it, each speaking once.
        self.flashback = stage_flashback(slots, bounds, casts, self.ghosts)
        self._flashback_cast = casts[self.flashback] if self.flashback is not None else None
        locations = self.brief.location_ids
        self.places = [locations[n % len(locations)] for n in range(len(bounds))]
        if self.cut.location is not None:
            self.places[0] = self.cut.location
        ranges = list(zip(bounds, [*bounds[1:], len(slots)], strict=True))
        handover_scene = next(
            (i for i, (a, b) in enumerate(ranges) if any(s.kind == "handover" for s in slots[a:b])), None
        )
        uses, prop_names = stage_props(self.rng, self.writer, self.events.handover, handover_scene, casts)
        scene_lines = self._write_lines(slots, bounds, casts, prop_names)
        fit_runtime(self.rng, self.writer, scene_lines, prop_names, self.data.target_seconds)
        times = scene_times(self.rng, self.data.carryover, self.brief.story_day, len(bounds))
        chosen: dict[tuple[int, str], str] = {}
        scenes: list[Scene] = []
        for number, (lines, cast, (day, clock)) in enumerate(zip(scene_lines, casts, times, strict=True)):
            scenes.append(
                Scene(
                    id=f"s{number + 1:02d}",
                    location_id=self.places[number],
                    time_of_day=time_of_day(clock),
                    story_day=day,
                    clock=clock,
                    character_ids=cast,
                    wardrobe=pick_wardrobe(
                        self.rng, self.canon, self.data.carryover, self.events.other, day, cast, chosen
                    ),
                    props=[] if number == self.flashback else uses[number],
                    flashback=number == self.flashback,
                    lines=lines,
                )
            )
        return Script(
            episode=self.brief.number,
            title=self.brief.title,
            target_seconds=self.data.target_seconds,
            scenes=scenes,
            state_changes=realised_changes(self.brief, self.events, scenes),
            summary=summarise(self.writer, self.brief),
        )


def draft_script(data: DraftInput, revision: int, offset: int) -> Script:
    """Return a clean first draft (no deliberate slip) for the brief."""
    rng = random.Random(f"{data.seed}:write_script:{data.brief.number}:{revision}:{offset}")
    return _Drafter(data, rng).draft()
