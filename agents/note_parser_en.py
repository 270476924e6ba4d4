"""English producer notes: "Cut Tomas from the office scene", "make scene 2 shorter", "end on Lin finding it"."""

from __future__ import annotations

import re

from agents.note_parser_build import Clause, Reading, replace_everywhere, take_characters, unknown_name
from agents.note_parser_rules import Words, rules
from agents.note_parser_scope import LineRef, NoteScope, lookup, quotes_in, strip_quotes, unique_refs
from memory.edits import AddBeat, ChangeMoment, DropBeat, Rename, ReorderBeats
from memory.schema import Line

_I = re.IGNORECASE
ORDINALS = {
    "first": 1, "one": 1, "opening": 1, "1st": 1, "second": 2, "two": 2, "2nd": 2, "third": 3, "three": 3,
    "3rd": 3, "fourth": 4, "four": 4, "4th": 4, "fifth": 5, "five": 5, "sixth": 6, "six": 6,
    "last": -1, "final": -1, "closing": -1, "penultimate": -2, "next-to-last": -2,
}  # fmt: skip
_ORD = "|".join(sorted(map(re.escape, ORDINALS), key=len, reverse=True))
_VERBS = (
    "cut|add|make|move|change|rename|call|drop|remove|lose|have|let|give|swap|reorder|bring|set|put|end|open|"
    "start|rewrite|replace|play|take|shorten|tighten|trim|lengthen|dress|include|introduce|get rid"
)
SPLIT = re.compile(
    rf"\s*;\s*|,?\s+and\s+(?:also\s+|then\s+)?(?=(?:{_VERBS})\b)|,\s*(?:also|then)\s+|,\s+(?=(?:{_VERBS})\b)", _I
)

_SCENE_NUM = re.compile(rf"\bscene\s+(\d+|{_ORD})\b", _I)
_SCENE_ORD = re.compile(rf"\b(?:the\s+)?({_ORD})\s+scene\b", _I)
_SCENE_NAMED = re.compile(r"\b(?:the|that|this)\s+((?:[\w'-]+\s+){1,3}?)scene\b", _I)
_EPISODE = re.compile(
    r"\b(?:this|the|whole|entire)\s+(?:whole\s+)?(?:episode|thing)\b|\bthis\s+one\b|\boverall\b|\beverywhere\b|"
    r"\bthroughout\b|\b(?:all|every)\s+(?:the\s+)?scenes?\b",
    _I,
)
_OWN_LINE = re.compile(rf"\b([A-Z][\w-]*(?:\s[A-Z][\w-]*)?)'s\s+({_ORD})\s+line\b")
_PRONOUN_LINE = re.compile(rf"\b(his|her)\s+({_ORD})\s+line\b", _I)
_THE_LINE = re.compile(rf"\bthe\s+({_ORD})\s+line\b", _I)
_LINE_N = re.compile(r"\bline\s+(\d+)\b", _I)
_NOT_BEFORE = re.compile(r"\b(?:not|instead\s+of|rather\s+than)\s+$", _I)
_HE = re.compile(r"\b(?:him|he|his|himself)\b", _I)
_SHE = re.compile(r"\b(?:her|she|hers|herself)\b", _I)
_NAME_AFTER_VERB = re.compile(
    r"\b(?i:cut|remove|drop|lose|add|bring(?:\s+in)?|include|introduce|rename|call|have|let)\s+([A-Z][a-z]+)\b"
)
_HAVE_DO = re.compile(
    r"^\s*(?:please\s+)?(?i:have|let)\s+([A-Z][\w-]*(?:\s[A-Z][\w-]*)?)\s+"
    r"(?!(?i:say|says|sound|be|look|appear|wear)\b)(\w.+)"
)
_NAME_SUBJECT = re.compile(
    r"^\s*(?:(?:Mr|Ms|Mrs|Dr)\.?\s+)?([A-Z][a-z]+)\s+"
    r"(?:shouldn't|should|must|doesn't|does not|needs|can't|is not|isn't)\b"
)

_MOMENT = re.compile(
    r"\b(cliffhanger|cold open|opening hook|hook|ending|final moment|final beat|last moment)\s*"
    r"(?:needs to be|should be|has to be|must be|to be|becomes?|to|into|:|—|=)\s+(.+)",
    _I,
)
_END_ON = re.compile(r"\b(?:end|close|finish|cut out)\s+(?:the\s+episode\s+)?(?:on|with)\s+(.+)", _I)
_OPEN_ON = re.compile(r"\b(?:open|start|begin)\s+(?:the\s+episode\s+)?(?:on|with)\s+(.+)", _I)
_ADD_BEAT = re.compile(
    r"\b(?:add|insert|include|put in|we need|i want|there should be|give us|write)\s+(?:a|an|one)?\s*"
    r"(?:new\s+|extra\s+|short\s+|quick\s+)?(?:beat|moment|scene|bit|sequence)\s*"
    r"(?:where|in which|when|with|of|:|—|-)\s*(.+)",
    _I,
)
_BEAT_WORDS = re.compile(rf"\b(?:beat\s+(\d)|({_ORD})\s+beat)\b", _I)
_DROP_VERB = r"(?:drop|cut|lose|remove|skip|delete|get rid of|kill|scrap|ditch)"
_DROP_BEAT = re.compile(rf"\b{_DROP_VERB}\s+(?:the\s+)?(?:\w+\s+)?beat\b", _I)
_DROP_BIT = re.compile(
    rf"\b{_DROP_VERB}\s+(?:the\s+)?(?:beat|bit|part|moment|scene)\s+"
    r"(?:where|in which|when|with)\s+(.+)",
    _I,
)
_SWAP = re.compile(
    rf"\bswap\s+(?:the\s+)?(?:beats?\s+)?(\d|{_ORD})(?:\s+beat)?\s+(?:and|with)\s+(?:the\s+)?(\d|{_ORD})", _I
)
_BEFORE = re.compile(
    rf"\b(?:put|play|move|have)\s+(?:the\s+)?(?:beat\s+(\d)|({_ORD})\s+beat)\s+(before|after)\s+(?:the\s+)?"
    rf"(?:beat\s+(\d)|({_ORD})(?:\s+beat|\s+one)?)",
    _I,
)
_ORDER = re.compile(r"\bbeats?\s+in\s+(?:the\s+)?order\s+([\d,\s]+(?:and\s+\d)?)", _I)
_REVERSE = re.compile(r"\breverse\s+(?:the\s+)?(?:order\s+of\s+the\s+)?beats\b", _I)
_NEW_NAME = r"['\"“‘]?([A-Z][\w'-]*(?:\s[A-Z][\w'-]*)?)['\"”’]?"
_CALL = re.compile(rf"\b(?i:call)\s+((?i:him|her)|[A-Z][\w-]*(?:\s[A-Z][\w-]*)?)\s+(?:by\s+)?{_NEW_NAME}")
_RENAME = re.compile(rf"\brename\s+(.+?)\s+(?:to|as|into)\s+{_NEW_NAME}", _I)
_CALLED = re.compile(rf"\b(.+?)\s+should\s+(?:be\s+)?(?:called|named|go\s+by)\s+{_NEW_NAME}")
_NAME_TO = re.compile(rf"\bchange\s+(.+?)'s\s+name\s+to\s+{_NEW_NAME}", _I)
_SHOT_FOR = re.compile(
    r"\b(?:its\s+own|a|an|new|separate|own|extra)\s+(?:close-?up\s+|insert\s+)?shot\b|\bshot\s+of\s+its\s+own\b", _I
)
_SECONDS = re.compile(r"\b(\d+(?:\.\d+)?)\s*(?:s|sec|secs|seconds?)\b", _I)
_CLOCK = re.compile(r"\bat\s+(\d{1,2})(?::(\d{2}))?\s*(am|pm|a\.m\.|p\.m\.|o'clock)?", _I)
_REVEAL = re.compile(
    r"\b(?:reveal|reveals|revealing|give(?:s)?\s+away|gives\s+it\s+away|spoil(?:s)?|spills?|blurts?|let(?:s)?\s+slip|"
    r"tips?\s+off|too\s+early|too\s+soon)\b",
    _I,
)
_SPEAKER = re.compile(
    r"\b(?i:give|hand|move|reassign)\s+(?:.+?)\s+to\s+([A-Z][\w-]*)|\b(?i:let|have|make)\s+([A-Z][\w-]*)\s+say\b|"
    r"\bsaid\s+by\s+([A-Z][\w-]*)|\b([A-Z][\w-]*)\s+should\s+say\s+(?:it|that|this)"
)
_NEW_WORDS = re.compile(r"\b(?:should\s+(?:be|say|read)|to|with|instead|say|says|read|reads|into|->|→)\b|:|→", _I)
_REWRITE = re.compile(
    r"\b(?:rewrite|redo|rework|reword|rephrase|punch\s+up|flat|clunky|stiff|awkward|on\s+the\s+nose|cheesy|wooden|"
    r"clich[eé]d?|doesn't\s+work|does\s+not\s+work|weak|fix|bland|corny|generic|unnatural)\b",
    _I,
)
_REPLACE = re.compile(r"\b(?:replace|swap)\s+(.+?)\s+(?:with|for)\s+(.+)|\bsay\s+(.+?)\s+instead\s+of\s+(.+)", _I)
_CHANGE_TO = re.compile(r"\bchange\s+(.+?)\s+to\s+(.+)", _I)
_MOVE = re.compile(
    r"\b(?:move|set|put|shift|change|make|relocate|take|switch|play|stage|happen|happens|take\s+place|takes\s+place|"
    r"should\s+be)\b",
    _I,
)
_HOLD = re.compile(
    # "have" only as possession ("should have the ring"): "Have Marcus slam the ledger" is an action.
    r"\b(?:holds?|holding|has|(?:should|must|to|could|would)\s+have|carry|carries|carrying|keeps?|give|gives|"
    r"hand|hands|pass|passes)\b",
    _I,
)
_NOBODY = re.compile(r"\b(?:nobody|no\s+one|no-one)\b", _I)
_DROP_THING = re.compile(r"\b(?:drop|cut|lose|remove|get\s+rid\s+of|no|without|take\s+out|lose)\b", _I)
_WEAR = re.compile(
    r"\b(?:wear|wears|wearing|dress|dressed|outfit|costume|change\s+into|put\s+\w+\s+in)\b|"
    r"\bin\s+(?:a|an|the|his|her|their)\s+(?:\w+\s+)?(?:suit|gown|raincoat|hoodie|jeans|uniform|jacket|coat)\b",
    _I,
)
_CUT = re.compile(
    r"\b(?:cut|remove|drop|lose|delete|get\s+rid\s+of|take\s+\w+\s+out|out\s+of|write\s+\w+\s+out|written\s+out|"
    r"shouldn't\s+be|should\s+not\s+be|shouldn't\s+appear|should\s+not\s+appear|doesn't\s+belong|does\s+not\s+belong|"
    r"don't\s+need|do\s+not\s+need|no\s+need\s+for|without|isn't\s+needed|is\s+not\s+needed|don't\s+want|"
    r"do\s+not\s+want|kill\s+off|ditch|doesn't\s+need\s+to\s+be|does\s+not\s+need\s+to\s+be|needn't\s+be)\b|"
    r"^\s*no\s+",
    _I,
)
_ADD = re.compile(
    r"\b(?:add|bring|include|introduce|should\s+be\s+in|should\s+appear|appear|appears|needs\s+to\s+be\s+in|"
    r"put\s+\w+\s+in|give\s+\w+\s+a\s+line|show\s+up|join|joins|enter|enters|more\s+of|in\s+it|"
    r"get\s+\w+\s+(?:in|into)|want\s+\w+\s+(?:in|into)|have\s+\w+\s+(?:in|into))\b",
    _I,
)
_MORE = re.compile(r"\b(?:make|sound|play|more|less|should\s+be|feel|be)\b", _I)
_NEW_MARK = re.compile(r"(?:\bto|\bbe|\bread|\breads|\bwith|\binto|\binstead|:|->|→)\s*$", _I)


def clause(text: str, scope: NoteScope) -> Clause:
    """Resolve what an English clause refers to."""
    bare = strip_quotes(text)
    found = Clause(text=text, bare=bare, scope=scope, lang="en")
    _scene(found)
    found.episode_wide = found.scene is None and _EPISODE.search(bare) is not None
    # "June, not Peter, should have the ring": a name after "not" is the one the note does not mean.
    mentions = [
        m for m in scope.character_mentions(bare) if not _NOT_BEFORE.search(bare[max(0, m.start - 16) : m.start])
    ]
    take_characters(found, [m.id for m in mentions], _HE, _SHE)
    _lines(found)
    return found


def _scene(found: Clause) -> None:
    scope, bare = found.scope, found.bare
    for m in _SCENE_NUM.finditer(bare):
        word = m.group(1).lower()
        number = int(word) if word.isdigit() else ORDINALS[word]
        found.scene, found.scene_words = scope.scene_at(number), m.span()
        return
    for m in _SCENE_ORD.finditer(bare):
        found.scene, found.scene_words = scope.scene_at(ORDINALS[m.group(1).lower()]), m.span()
        return
    ids = scope.scene_ids_in(bare)
    if ids:
        found.scene = scope.scene(ids[0])
        return
    for m in _SCENE_NAMED.finditer(bare):
        words = m.group(1)
        places = [p for p in scope.location_mentions(words) if scope.scenes_at(p.id)]
        if places:
            found.scene_options = scope.scenes_at(places[0].id)
            found.scene, found.scene_words = found.scene_options[0], m.span()
            return
        times = [t for _, _, t in lookup(words, "times", "en") if scope.scenes_by_time(t)]
        if times:
            found.scene_options = scope.scenes_by_time(times[0])
            found.scene, found.scene_words = found.scene_options[0], m.span()
            return


def _lines(found: Clause) -> None:
    scope, bare = found.scope, found.bare
    refs: list[LineRef] = [LineRef(ln) for ln in scope.line_ids_in(bare)]
    quoted, found.new_quotes = scope.read_quotes(found.text, _NEW_MARK)
    refs += quoted
    for m in _OWN_LINE.finditer(bare):
        owner = scope.character_mentions(m.group(1))
        if owner:
            refs += _positional(scope.lines_of(owner[0].id, found.scene_id), m.group(2))
    for m in _PRONOUN_LINE.finditer(bare):
        cid, _ = scope.pronoun("male" if m.group(1).lower() == "his" else "female")
        if cid is not None:
            refs += _positional(scope.lines_of(cid, found.scene_id), m.group(2))
    for m in _THE_LINE.finditer(bare):
        refs += _positional(scope.dialogue(found.scene_id), m.group(1))
    if found.scene is not None:
        for m in _LINE_N.finditer(bare):
            line = scope.line(f"{found.scene.id}-l{int(m.group(1)):02d}")
            refs += [LineRef(line)] if line is not None else []
    found.lines = unique_refs(refs)


def _positional(lines: list[Line], word: str) -> list[LineRef]:
    index = ORDINALS.get(word.lower(), 1)
    position = index - 1 if index > 0 else len(lines) + index
    return [LineRef(lines[position])] if 0 <= position < len(lines) else []


# -------------------------------------------------------------------- intents


def apply(found: Clause) -> Reading | None:
    """Read one resolved English clause into requests, or None when it asks for nothing the room knows."""
    for rule in RULES:
        reading = rule(found)
        if reading is not None:
            reading.warnings = found.warnings + reading.warnings
            return reading
    return None


def _moment(c: Clause) -> Reading | None:
    m = _MOMENT.search(c.text)
    if m:
        word = m.group(1).lower()
        moment = "cliffhanger" if word == "cliffhanger" else "ending" if word in ("ending", "final moment",
                 "final beat", "last moment") else "hook"  # fmt: skip
        return Reading([ChangeMoment(moment=moment, text=_tidy(m.group(2)))])
    m = _END_ON.search(c.text)
    if m:
        return Reading([ChangeMoment(moment="cliffhanger", text=_tidy(m.group(1)))])
    m = _OPEN_ON.search(c.text)
    if m and not _SCENE_NUM.search(c.bare):
        return Reading([ChangeMoment(moment="hook", text=_tidy(m.group(1)))])
    return None


def _tidy(text: str) -> str:
    return text.strip().strip("\"'“”‘’ ").rstrip(".!?;,").strip()[:400] or text.strip()[:400]


def _beat_index(word: str | None) -> int | None:
    if not word:
        return None
    number = int(word) if word.isdigit() else ORDINALS.get(word.lower())
    if number is None:
        return None
    return number - 1 if number > 0 else 4 + number


def _add_beat(c: Clause) -> Reading | None:
    m = _ADD_BEAT.search(c.text)
    if not m:
        return None
    return Reading([AddBeat(text=_tidy(m.group(1)))])


def _drop_beat(c: Clause) -> Reading | None:
    m = _DROP_BIT.search(c.text)
    if m:
        text = _tidy(m.group(1))
        return Reading([DropBeat(index=c.scope.beat_matching(text), text=text)])
    if _DROP_BEAT.search(c.bare):
        words = _BEAT_WORDS.search(c.bare)
        index = _beat_index(words.group(1) or words.group(2)) if words else None
        if index is None or index >= len(c.scope.brief.key_beats):
            return Reading(warnings=["which beat to drop? name it by number, e.g. 'drop the third beat'"])
        return Reading([DropBeat(index=index, text=c.scope.brief.key_beats[index])])
    return None


def _reorder(c: Clause) -> Reading | None:
    count = len(c.scope.brief.key_beats)
    order = list(range(count))
    m = _SWAP.search(c.bare)
    if m and ("beat" in c.bare.lower()):
        a, b = _beat_index(m.group(1)), _beat_index(m.group(2))
        if a is None or b is None or max(a, b) >= count:
            return None
        order[a], order[b] = order[b], order[a]
        return Reading([ReorderBeats(order=order)])
    m = _BEFORE.search(c.bare)
    if m:
        a, b = _beat_index(m.group(1) or m.group(2)), _beat_index(m.group(4) or m.group(5))
        if a is None or b is None or max(a, b) >= count or a == b:
            return None
        order.remove(a)
        order.insert(order.index(b) + (m.group(3).lower() == "after"), a)
        return Reading([ReorderBeats(order=order)])
    m = _ORDER.search(c.bare)
    if m:
        wanted = [int(d) - 1 for d in re.findall(r"\d", m.group(1))]
        if sorted(wanted) == order:
            return Reading([ReorderBeats(order=wanted)])
        return Reading(
            warnings=[f"a beat order needs each of the {count} beats once, e.g. 'beats in order 2, 1, 3, 4'"]
        )
    if _REVERSE.search(c.bare):
        return Reading([ReorderBeats(order=order[::-1])])
    return None


def _rename(c: Clause) -> Reading | None:
    for pattern in (_CALL, _RENAME, _CALLED, _NAME_TO):
        m = pattern.search(c.text)
        if not m:
            continue
        who, new = m.group(1), m.group(2).strip().strip("'\"’”")
        if who.lower() in ("him", "her"):
            cid, _ = c.scope.pronoun("male" if who.lower() == "him" else "female")
        else:
            named = c.scope.character_mentions(who)
            cid = named[0].id if named else None
        if cid is None:
            return unknown_name(c, who.strip())
        if c.scope.character_mentions(new) and c.scope.character_mentions(new)[0].id != cid:
            return Reading(warnings=[f"'{new}' already names another character; pick a name nobody has"])
        return Reading([Rename(old=c.scope.name_of(cid), new=new, character_id=cid)])
    return None


def _replace(c: Clause) -> Reading | None:
    m = _REPLACE.search(c.text) or (_CHANGE_TO.search(c.text) if len(quotes_in(c.text)) == 2 else None)
    if not m:
        return None
    groups = [g for g in m.groups() if g is not None]
    old, new = (groups[1], groups[0]) if m.group(0).lower().startswith("say") else (groups[0], groups[1])
    old, new = _tidy(old), _tidy(new)
    if c.scope.character_mentions(old) and not quotes_in(c.text):
        return None  # "replace Tomas with Peter" is about people, not words
    return replace_everywhere(c, old, new)


def _clock(c: Clause) -> str | None:
    m = _CLOCK.search(c.bare)
    if not m or not _MOVE.search(c.bare):
        return None
    hour, minute, half = int(m.group(1)), int(m.group(2) or 0), (m.group(3) or "").lower().replace(".", "")
    hour = hour + 12 if half == "pm" and hour < 12 else 0 if half == "am" and hour == 12 else hour
    return f"{hour:02d}:{minute:02d}" if hour < 24 and minute < 60 else None


def _not_a_name(word: str) -> bool:
    return word.lower() in ORDINALS or word in ("Scene", "The", "It", "This", "That", "Episode", "Beat")


WORDS = Words(
    cut=_CUT,
    add=_ADD,
    hold=_HOLD,
    nobody=_NOBODY,
    drop_thing=_DROP_THING,
    wear=_WEAR,
    more=_MORE,
    shot_for=_SHOT_FOR,
    seconds=_SECONDS,
    reveal=_REVEAL,
    speaker=_SPEAKER,
    new_words=_NEW_WORDS,
    rewrite=_REWRITE,
    move=_MOVE,
    unknown=(_NAME_AFTER_VERB, _NAME_SUBJECT),
    not_a_name=_not_a_name,
    clock=_clock,
)


def _have_do(c: Clause) -> Reading | None:
    """Read "Have Camila slap June in the lobby" as a new beat, when nothing more specific read it."""
    m = _HAVE_DO.search(c.text)
    if not m or not c.scope.character_mentions(m.group(1)):
        return None
    return Reading([AddBeat(text=_tidy(f"{m.group(1)} {m.group(2)}"))])


RULES = rules(WORDS, (_moment, _add_beat, _drop_beat, _reorder, _rename), _replace, (_have_do,))
