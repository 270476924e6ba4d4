"""Building continuity findings and giving them their final ids."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from agents.findings import with_ids
from memory.edits import EditRequest
from memory.schema import Canon, Finding


def finding(
    check: str,
    category: str,
    location: str,
    message: str,
    *,
    quote: str = "",
    canon_fact: str = "",
    requests: Sequence[EditRequest] = (),
) -> Finding:
    """Build a continuity finding; ``numbered`` gives it its final id."""
    return Finding(
        id=f"{check}:{location}:0",
        reviewer="continuity",
        check=check,
        category=category,
        severity="revise",
        message=message,
        quote=quote,
        location=location,
        canon_fact=canon_fact,
        requests=list(requests),
        source="rule",
    )


def numbered(findings: Iterable[Finding]) -> list[Finding]:
    """Drop duplicate findings and give the rest stable ids ``check:location:n``."""
    return with_ids(findings, lambda f: (f.check, f.location, f.quote, repr([r.model_dump() for r in f.requests])))


def character_name(canon: Canon, character_id: str) -> str:
    """Return a character's canon name, or the id itself when canon does not know it."""
    ch = canon.character(character_id)
    return ch.name if ch else character_id
