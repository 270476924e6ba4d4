"""Premise facts: what the user's premise says, kept so the room can build on it and be checked against it.

The premise reader fills these in from the premise text; canon and plan are built
around them, and the premise coverage check asks whether each fact still shows
in what the room wrote. Every fact carries `terms`: the surface forms to look for
in text (English lower-cased, Chinese as written).
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from memory.schema import Language

FactKind = Literal["person", "place", "object", "device", "time"]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class PremiseThing(_Model):
    """A place, an object, the central device or a time frame the premise states."""

    id: str = Field(description="Stable ascii id, e.g. 'place_lighthouse', 'device', 'time_1'.")
    label: str = Field(description="Human label as the premise puts it, e.g. 'the lighthouse', '3:07 every night'.")
    terms: list[str] = Field(default_factory=list, description="Surface forms that show the fact is present in a text.")
    need: int = Field(default=1, ge=1, description="How many distinct terms a text must contain to cover the fact.")
    holder_id: str | None = Field(
        default=None, description="For an object: the premise person it belongs to, if the premise says."
    )
    interior: bool = Field(default=True, description="For a place: an interior (INT.) rather than an exterior.")
    text: str = Field(default="", description="For the device: the premise's own words for it.")


class PremisePerson(_Model):
    """A person the premise names or describes."""

    id: str = Field(description="Stable ascii id, e.g. 'elias_crane'; unnamed people get 'person_N'.")
    label: str = Field(description="Human label, e.g. 'Elias Crane (lighthouse keeper)', 'his drowned brother'.")
    terms: list[str] = Field(
        default_factory=list, description="Name forms (full, first, surname) or the relation word."
    )
    name: str = Field(default="", description="The name as written, empty when the premise gives none.")
    given: str = Field(default="", description="Given name (English first name; Chinese name after the surname).")
    surname: str = Field(default="", description="Surname, when the name has one.")
    gender: Literal["female", "male", ""] = Field(default="", description="Gender where the text says; else empty.")
    role: str = Field(default="", description="Job or role the premise gives, e.g. 'lighthouse keeper', '苏绣传人'.")
    relation: str = Field(default="", description="What this person is to `related_to`, e.g. 'brother', '师姐'.")
    related_to: str | None = Field(default=None, description="Id of the person the relation points to.")
    dead: bool = Field(default=False, description="True when the premise says the person is dead (drowned, late).")
    missing: bool = Field(
        default=False, description="True when the premise says the person is missing (vanished, lost, taken)."
    )
    antagonist: bool = Field(default=False, description="True when the premise makes this person a wrongdoer.")


class PremiseFact(_Model):
    """One premise fact, flattened for coverage checks and reports."""

    id: str
    kind: FactKind
    label: str
    terms: list[str]
    need: int = 1


class PremiseFacts(_Model):
    """Everything the premise states that the room must keep."""

    language: Language = Field(description="Language of the premise text.")
    premise: str = Field(description="The premise as the user gave it.")
    people: list[PremisePerson] = Field(default_factory=list)
    places: list[PremiseThing] = Field(default_factory=list)
    objects: list[PremiseThing] = Field(default_factory=list)
    device: PremiseThing | None = Field(default=None, description="The central device or situation.")
    time_frames: list[PremiseThing] = Field(default_factory=list)
    notes: list[str] = Field(default_factory=list, description="What the reader could not do, said plainly.")

    def facts(self) -> list[PremiseFact]:
        """Return every fact in one flat list: people, places, objects, the device, time frames."""
        out = [PremiseFact(id=p.id, kind="person", label=p.label, terms=p.terms) for p in self.people]
        groups: list[tuple[FactKind, list[PremiseThing]]] = [
            ("place", self.places),
            ("object", self.objects),
            ("device", [self.device] if self.device else []),
            ("time", self.time_frames),
        ]
        for kind, things in groups:
            out += [PremiseFact(id=t.id, kind=kind, label=t.label, terms=t.terms, need=t.need) for t in things]
        return out

    def named_people(self) -> list[PremisePerson]:
        """Return the people the premise names."""
        return [p for p in self.people if p.name]

    def person(self, person_id: str | None) -> PremisePerson | None:
        """Return the premise person with this id, if any."""
        return next((p for p in self.people if p.id == person_id), None)

    def summary_line(self) -> str:
        """Return the one line the CLI prints: what was kept from the premise."""
        labels = [f.label for f in self.facts()]
        zh = self.language == "zh"
        if not labels:
            return (
                "前提里没有可保留的人物、地点或物件；全部由类型语法补足"
                if zh
                else "kept from the premise: nothing specific (no people, places or objects named); "
                "the genre fills it in"
            )
        line = ("保留前提要素：" + "、".join(labels)) if zh else "kept from the premise: " + ", ".join(labels)
        if not self.named_people():
            line += (
                "；前提里没有具名人物，角色名由编剧室拟定"
                if zh
                else ("; no named people in the premise, so the cast's names are invented")
            )
        return line
