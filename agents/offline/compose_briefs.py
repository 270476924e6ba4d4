"""Write episode briefs: cast per episode, hooks, beats, curves, cliffhangers, without repeating the season."""

from __future__ import annotations

import random
from dataclasses import dataclass

from agents.offline.compose_cast import CastMember
from agents.offline.grammar import PHASES, Beat, Genre, Lexicon, fields, fill, spoken
from agents.offline.premise_canon import PremiseBeats, frames
from memory.schema import CharacterStatus, EpisodeBrief, Location, StateChange


@dataclass(frozen=True)
class Event:
    """A planned canon change and the slot keys that must be on screen for it."""

    episode: int
    change: StateChange
    roles: tuple[str, ...]


class BriefWriter:
    """Stateful across one season so hooks, cliffhangers, beats and titles do not repeat."""

    def __init__(
        self,
        rng: random.Random,
        lex: Lexicon,
        genre: Genre,
        members: list[CastMember],
        locations: list[Location],
        events: list[Event],
        exit_episode: int,
        exit_key: str,
        premise: PremiseBeats | None = None,
    ) -> None:
        self.rng = rng
        self.premise = premise
        self.lex = lex
        self.genre = genre
        self.members = {m.slot.key: m for m in members}
        self.locations = locations
        self.events = events
        self.exit_episode = exit_episode
        self.exit_key = exit_key
        self.used_text: set[str] = set()
        self.used_template: set[tuple[str, int]] = set()
        self.conflict_uses: dict[int, int] = {}
        self.story_day = 1

    # ----------------------------------------------------------------- rendering

    def _render(
        self, template: str, speaker: str, present: dict[str, str], avoid: set[str], prefer: str = ""
    ) -> str | None:
        needed = fields(template) - {"other"}
        if not needed <= present.keys() or needed & avoid:
            return None
        if speaker and (speaker not in present or speaker in avoid):
            return None
        values = dict(present)
        if "other" in fields(template):
            pool = [k for k in present if k not in needed and k != speaker and k not in avoid]
            # The hero is the one things happen to; "someone else" reads oddly when it is the hero again.
            if speaker == "" and len(pool) > 1 and "hero" in pool:
                pool.remove("hero")
            if not pool:
                return None
            prefer = prefer or ("hero" if speaker not in ("", "hero") else "foe")
            values["other"] = present[prefer] if prefer in pool else present[self.rng.choice(pool)]
        return fill(template, values)

    def _opened(self, kind: str, text: str, template: str) -> str:
        """Vary an action line with an opening phrase (a fresh combination once the templates run out)."""
        opener = self.rng.choice(self.lex.hook_openers if kind == "hook" else self.lex.cliff_openers)
        if self.lex.language == "en" and not template.startswith("{"):
            text = text[:1].lower() + text[1:]
        return opener + text

    def _joined(self, first: str, second: str) -> str:
        if first.rstrip('”"').endswith("—"):
            return first  # A line cut off mid-word must stay cut off.
        return f"{first} {second}" if self.lex.language == "en" else first + second

    def _addressed(self, body: str, template: str, speaker: str, present: dict[str, str], avoid: set[str]) -> str:
        """Vary a spoken line by addressing someone present, when the template names nobody."""
        if "{other}" in template:
            return body
        listeners = [k for k in present if k != speaker and k not in avoid]
        if not listeners:
            return body
        name = present[self.rng.choice(listeners)]
        if self.lex.language == "zh":
            return f"{name}，{body}"
        return f"{name}, {body[:1].lower() + body[1:] if body[:2] != 'I ' else body}"

    def _pick(self, kind: str, options: list[Beat], present: dict[str, str], avoid: set[str]) -> str:
        indexed = list(enumerate(options))
        self.rng.shuffle(indexed)
        fresh = [(i, o) for i, o in indexed if (kind, i) not in self.used_template]
        fallback = ""
        for pool in (fresh, indexed):
            for index, (speaker, template) in pool:
                for attempt in range(8):
                    body = self._render(template, speaker, present, avoid)
                    if body is None:
                        break
                    # Later attempts combine fragments, so a long season never repeats a line verbatim.
                    if speaker:
                        if attempt > 0:
                            body = self._addressed(body, template, speaker, present, avoid)
                        if attempt > 3:
                            body = self._joined(body, self.rng.choice(self.lex.tails))
                        text = spoken(self.lex.language, self.members[speaker].character.name, body)
                    else:
                        text = body if attempt == 0 else self._opened(kind, body, template)
                        if attempt > 3:
                            text = self._joined(text, self.rng.choice(self.lex.action_tails))
                    fallback = fallback or text
                    if text not in self.used_text:
                        self.used_text.add(text)
                        self.used_template.add((kind, index))
                        return text
        return fallback or self.members["hero"].short

    def _beat(self, phase: int, present: dict[str, str], avoid: set[str]) -> str:
        options = list(self.genre.beats[phase]) + list(self.lex.beats[phase])
        indexed = list(enumerate(options))
        self.rng.shuffle(indexed)
        fresh = [(i, o) for i, o in indexed if (PHASES[phase], i) not in self.used_template]
        for pool in (fresh, indexed):
            for index, template in pool:
                text = self._render(template, "", present, avoid, prefer="foe")
                if text is not None:
                    self.used_template.add((PHASES[phase], index))
                    return text
        return fill(self.lex.beats[phase][0], {"hero": present["hero"], "other": present["hero"]})

    def _title(self, number: int) -> str:
        pool = [t for t in self.genre.episode_titles if t not in self.used_text]
        if pool:
            title = self.rng.choice(pool)
        else:
            combos = [
                f"{t}: {s}" if self.lex.language == "en" else f"{t}{s}"
                for t in self.genre.episode_titles
                for s in self.lex.title_suffixes
            ]
            fresh = [c for c in combos if c not in self.used_text]
            title = self.rng.choice(fresh) if fresh else f"{self.rng.choice(self.genre.episode_titles)} {number}"
        self.used_text.add(title)
        return title

    def _curve(self, paywall: bool) -> list[int]:
        first = self.rng.randint(2, 5)
        second = self.rng.randint(first, min(first + 3, 8))
        turn = 10 if paywall else self.rng.randint(max(second + 1, 7), 10)
        last = self.rng.randint(2, turn - 2)
        return [first, second, turn, last]

    # ------------------------------------------------------------------- casting

    def _cast(self, number: int, events: list[Event]) -> list[str]:
        alive = [
            k
            for k in self.members
            if not (self.exit_key == k and number > self.exit_episode)
            and self.members[k].character.status == CharacterStatus.ALIVE
        ]
        chosen: list[str] = ["hero"]
        for event in events:
            for key in event.roles:
                if key not in chosen:
                    chosen.append(key)
        # A child appears only in quiet family episodes, never around exits, reveals or schemes.
        kid_ok = not events and self.rng.random() < 0.35
        size = max(len(chosen), min(4, self.rng.choice((2, 3, 3, 4))))
        if self.premise is not None and number <= 2:
            # The premise's people are on screen in the first two episodes: the first half in 1, the rest in 2.
            wanted = [k for k in self.premise.people if k in alive and k not in chosen]
            half = -(-len(wanted) // 2) if len(wanted) > 3 else len(wanted)
            for key in wanted[:half] if number == 1 else wanted[half:] or wanted[:1]:
                if len(chosen) < 4:
                    chosen.append(key)
            size = max(size, len(chosen))
        if "foe" in alive and "foe" not in chosen and len(chosen) < size and self.rng.random() < 0.75:
            chosen.append("foe")
        others = [k for k in alive if k not in chosen and (k != "kid" or kid_ok)]
        self.rng.shuffle(others)
        while len(chosen) < size and others:
            chosen.append(others.pop())
        if len(chosen) < 2 and others:
            chosen.append(others.pop())
        return chosen

    # -------------------------------------------------------------------- briefs

    def brief(self, number: int, paywall: int) -> EpisodeBrief:
        """Return the brief for one episode; call in episode order."""
        events = [e for e in self.events if e.episode == number]
        keys = self._cast(number, events)
        present = {k: self.members[k].short for k in keys}
        ids = [self.members[k].character.id for k in keys]
        exiting = {e.roles[0] for e in events if e.change.field == "status"}
        if number > 1:
            self.story_day += self.rng.choice((0, 1, 1, 1, 2))

        hook = self._pick("hook", list(self.genre.hooks) + list(self.lex.hooks), present, set())
        cliff = self._pick("cliff", list(self.genre.cliffs) + list(self.lex.cliffs), present, exiting)
        beats = [self._beat(p, present, exiting if p == 3 else set()) for p in range(4)]
        if self.premise is not None:
            hook, beats, cliff = self._premise_beats(number, present, hook, beats, cliff)
        for event in events:
            beats = self._event_beats(event, present, beats)
        conflict = self._conflict(present)

        count = self.rng.choice((1, 2, 2, 3))
        location_ids = [loc.id for loc in self.rng.sample(self.locations, min(count, len(self.locations)))]
        if self.premise is not None and self.premise.place_ids:
            # Scene one of every episode is at one of the premise's own places, in turn; episodes 1 and 2
            # share out all of them between their scenes, so every premise place is on screen early.
            places = self.premise.place_ids
            own = [places[(number - 1) % len(places)]]
            if number <= 2:
                own += [p for i, p in enumerate(places) if i % 2 == number - 1 and p not in own][:2]
            location_ids = [*own, *(i for i in location_ids if i not in own)][: max(count, len(own))]
        return EpisodeBrief(
            number=number,
            title=self._title(number),
            opening_hook=hook,
            key_beats=beats,
            emotional_curve=self._curve(number == paywall),
            cliffhanger=cliff,
            core_conflict=conflict,
            character_ids=ids,
            location_ids=location_ids,
            story_day=self.story_day,
            is_paywall=number == paywall,
            planned_changes=[e.change for e in events],
        )

    def _conflict(self, present: dict[str, str]) -> str:
        indexed = list(enumerate(self.genre.conflicts))
        self.rng.shuffle(indexed)
        # Least-used first, so three templates rotate instead of one repeating.
        indexed.sort(key=lambda pair: self.conflict_uses.get(pair[0], 0))
        for index, template in indexed:
            text = self._render(template, "", present, set(), prefer="foe")
            if text is not None:
                self.conflict_uses[index] = self.conflict_uses.get(index, 0) + 1
                return text
        return fill(self.genre.conflicts[0], {**present, "other": present["hero"]})

    def _event_beats(self, event: Event, present: dict[str, str], beats: list[str]) -> list[str]:
        beats = list(beats)
        change = event.change
        if change.field == "knows":
            knower, learner = event.roles
            beats[2] = fill(self.lex.reveal_beat, {"knower": present[knower], "learner": present[learner]})
            if self.premise is not None and change.entity_id == self.premise.device_secret_id:
                # The paywall turn is the premise's own conflict coming out, not a stock reveal.
                values = {"knower": present[knower], "learner": present[learner], "secret": self.premise.device_hook}
                beats[2] = fill(frames(self.lex.language)["paywall_turn"], values)
        elif change.field == "holder_id":
            giver, taker = event.roles
            prop_name = next((p for p in (self._prop_name(change.entity_id),) if p), change.entity_id)
            beats[1] = fill(
                self.lex.handover_beat, {"giver": present[giver], "taker": present[taker], "prop": prop_name}
            )
        elif change.field == "status":
            (key,) = event.roles
            exits = self.genre.exits or (self.lex.exit_fallback,)
            beats[3] = fill(self.rng.choice(exits), {"x": present[key]})
        return beats

    def _premise_frame(self, key: str, values: dict[str, str]) -> str | None:
        options = [t for t in frames(self.lex.language)[key] if fields(t) <= values.keys()]
        fresh = [t for t in options if fill(t, values) not in self.used_text]
        if not fresh:
            return None
        text = fill(self.rng.choice(fresh), values)
        text = text[:1].upper() + text[1:]  # "every morning: …" opens a sentence
        self.used_text.add(text)
        return text

    def _premise_beats(
        self, number: int, present: dict[str, str], hook: str, beats: list[str], cliff: str
    ) -> tuple[str, list[str], str]:
        """Carry the premise in the opening episodes: its device opens episode 1, its people, places and objects
        fill the setup beats and cliffhangers, and the device returns every few episodes so it recurs."""
        premise = self.premise
        assert premise is not None
        values = premise.values(number, present)
        beats = list(beats)
        if number == 1 and premise.device_hook:
            hook = premise.device_hook
        elif number % 3 == 0 and premise.device_hook:
            beats[0] = premise.device_hook
        elif number == 2:
            hook = self._premise_frame("time_hook", values) or hook
        if number <= 2:
            beats[0] = self._premise_frame("setup", values) or beats[0]
            beats[1] = self._premise_frame("person_beat", values) or beats[1]
            beats[2] = self._premise_frame("person_turn", values) or beats[2]
            key = "object_cliff" if number == 1 else "person_cliff"
            cliff = self._premise_frame(key, values) or self._premise_frame("place_cliff", values) or cliff
        return hook, beats, cliff

    def _prop_name(self, prop_id: str) -> str:
        if self.premise is not None and prop_id in self.premise.prop_names:
            return self.premise.prop_names[prop_id]
        for template in self.genre.props:
            if template.id == prop_id:
                return template.name
        return ""
