"""Names in a note, and the people a note names through them: "Tomas's sister", "林晚的妹妹"."""

from __future__ import annotations

import re
from dataclasses import dataclass

from agents.textmatch import Folded, fold
from memory.schema import Canon

# A name, a possessive, then a kin or role word ("Tomas's sister", "Lin's boss", "林晚的妹妹").
_POSSESSIVE = re.compile(r"(?:['’]s\s+|的)((?:older |younger |step|ex-)?[a-z\-]{2,20}|[\u4e00-\u9fff]{1,3})")
_KIN_ALIASES = {"mom": "mother", "mum": "mother", "dad": "father", "sis": "sister", "爸爸": "父亲", "妈妈": "母亲"}


@dataclass(frozen=True)
class Mention:
    """One name in a note that resolved to an id."""

    id: str
    start: int
    end: int
    surface: str


def follow_kin(mention: Mention, folded: Folded, canon: Canon) -> Mention:
    """Follow a possessive kin or role word after a name to the character canon relates that way.

    Canon's relationships read from the named character: Tomas's `Relationship(other_id="rosa", kind="sister")`
    makes Rosa "Tomas's sister". Anything else after the possessive ("Tomas's last line") leaves the name as it is.
    """
    found = _POSSESSIVE.match(folded.text, mention.end)
    person = canon.character(mention.id)
    if found is None or person is None:
        return mention
    said = found.group(1)
    words = {said, _KIN_ALIASES.get(said, said)}
    for link in person.relationships:
        kind = fold(link.kind).text.strip()
        if not kind or canon.character(link.other_id) is None:
            continue
        if any(word in kind for word in words):
            end = found.end(1)
        elif kind in said:  # 林晚的妹妹从…: the kin word ends where canon's word ends
            end = found.start(1) + said.index(kind) + len(kind)
        else:
            continue
        return Mention(link.other_id, mention.start, end, folded.quote(mention.start, end))
    return mention
