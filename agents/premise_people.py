"""The people a premise names, as premise facts: one builder for both languages' readers.

Each reader decides how a person is named (ids, labels, the terms coverage looks for); ids made unique,
the person's own facts and the relations between people are the same in every language.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

from memory.premise import PremisePerson


class ReadPerson(Protocol):
    """What a reader found about one person."""

    name: str
    role: str
    relation: str
    related_to: int | None
    gender: str
    dead: bool
    missing: bool
    antagonist: bool


@dataclass(frozen=True)
class Naming:
    """How one language names a person: an id to start from, a label, the terms coverage looks for."""

    base: str
    label: str
    terms: list[str]
    given: str = ""
    surname: str = ""


def premise_people(people: Sequence[ReadPerson], naming: Callable[[int], Naming]) -> list[PremisePerson]:
    """Return the premise's people with unique ids, their relations pointing at each other's ids."""
    out: list[PremisePerson] = []
    used: set[str] = set()
    for index, person in enumerate(people):
        named = naming(index)
        pid = named.base if named.base not in used else f"{named.base}_{index + 1}"
        used.add(pid)
        out.append(
            PremisePerson(
                id=pid,
                label=named.label,
                terms=list(dict.fromkeys(named.terms)),
                name=person.name,
                given=named.given,
                surname=named.surname,
                gender="female" if person.gender == "female" else "male" if person.gender == "male" else "",
                role=person.role,
                relation=person.relation,
                related_to=None,
                dead=person.dead,
                missing=person.missing,
                antagonist=person.antagonist,
            )
        )
    for person, result in zip(people, out, strict=True):
        if person.related_to is not None and 0 <= person.related_to < len(out):
            target = out[person.related_to].id
            result.related_to = target if target != result.id else None
    return out
