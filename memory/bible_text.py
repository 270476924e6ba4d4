"""Render recallable story-bible documents and score keyword overlap.

Pure text helpers for ``memory.bible``: they turn canon entities, scenes and
state changes into short prose documents (what gets embedded), and provide
the keyword half of hybrid recall. The embedding model is English-centric, so
for Chinese the keyword half carries most of the weight: a query is split
into latin words and CJK character bigrams, and a document scores the
fraction of those terms it contains.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from memory.canon_fold import NO_HOLDER, timeline_events
from memory.schema import Canon, Scene, Script, StateChange, TimelineEvent

__all__ = [
    "Doc",
    "change_doc",
    "contains_variants",
    "entity_docs",
    "event_doc",
    "keyword_overlap",
    "keyword_terms",
    "scene_doc",
    "summary_doc",
]

SCENE_CHARS = 1500
LINE_CHARS = 160
_CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_TOKEN = re.compile(rf"[{_CJK}]+|[A-Za-z0-9][A-Za-z0-9_'-]*")
# English words too common to count as keyword hits (CJK bigrams need no such list).
_STOP = frozenset(
    re.findall(
        r"\w+",
        "the and for with that this from into onto what who whom whose where when which while are was were been "
        "has have had does did not but all any some about scene scenes episode episodes there their them they "
        "his her him she its our your you how why",
    )
)
_TIME_ZH = {"dawn": "黎明", "morning": "早上", "day": "白天", "afternoon": "下午", "evening": "傍晚", "night": "夜"}


@dataclass
class Doc:
    """One recallable document: deterministic id, prose, flat metadata, entity ids it concerns."""

    id: str
    text: str
    meta: dict[str, str | int | float | bool]
    entities: set[str] = field(default_factory=set)


def _name(canon: Canon | None, entity_id: str) -> str:
    """Return the display name of any canon entity, or its id."""
    if canon is not None:
        for entity in (canon.character(entity_id), canon.location(entity_id), canon.prop(entity_id)):
            if entity is not None:
                return entity.name
    return entity_id


def _clip(text: str, limit: int) -> str:
    """Collapse whitespace and cut text to limit characters."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _zh(canon: Canon | None) -> bool:
    """Say whether documents should be written in Chinese."""
    return canon is not None and canon.language == "zh"


# How base canon reads as recallable text, in the series' language (a Chinese series recalls Chinese documents).
_CANON_WORDS = {
    "en": {
        "sep": ", ",
        "list": "; ",
        "relation": "{kind} of {other}",
        "character": "Character {name} ({aliases}): {who}. Looks: {looks}. Wears: {wardrobe}.",
        "traits": " Traits: {traits}.",
        "relationships": " Relationships: {rels}.",
        "location": "Location {name} ({aliases}), {heading}: {description}",
        "int": "INT.",
        "ext": "EXT.",
        "prop": "Prop {name} ({aliases}): {description}. State: {state}.",
        "held": " Held by {holder}.",
        "secret": "Secret: {description}{about} Known by: {known}.",
        "about": " About {name}.",
        "nobody": "nobody",
        "keywords": " Keywords: {keywords}.",
        "world": "World: {era}; technology {technology}.",
        "forbidden": " Forbidden words: {terms}.",
        "rule": "World rule: {rule}",
    },
    "zh": {
        "sep": "、",
        "list": "；",
        "relation": "{other}的{kind}",
        "character": "角色{name}（{aliases}）：{who}。外貌：{looks}。服装：{wardrobe}。",
        "traits": "性格：{traits}。",
        "relationships": "关系：{rels}。",
        "location": "地点{name}（{aliases}），{heading}：{description}",
        "int": "内景",
        "ext": "外景",
        "prop": "道具{name}（{aliases}）：{description}。状态：{state}。",
        "held": "持有人：{holder}。",
        "secret": "秘密：{description}{about}知情者：{known}。",
        "about": "关于{name}。",
        "nobody": "无人",
        "keywords": "关键词：{keywords}。",
        "world": "世界：{era}；技术：{technology}。",
        "forbidden": "禁用词：{terms}。",
        "rule": "世界规则：{rule}",
    },
}


def entity_docs(canon: Canon) -> list[Doc]:
    """Return one document per character, location, prop, secret and world rule of base canon."""
    w = _CANON_WORDS["zh" if _zh(canon) else "en"]
    sep = w["sep"]
    docs: list[Doc] = []
    for c in canon.characters:
        rels = w["list"].join(
            w["relation"].format(kind=r.kind, other=_name(canon, r.other_id)) for r in c.relationships
        )
        looks = sep.join(
            x for x in (c.appearance.hair, c.appearance.eyes, c.appearance.build, c.appearance.features) if x
        )
        wardrobe = w["list"].join(f"{x.id}: {x.description}" for x in c.wardrobe)
        who = sep.join(x for x in (c.role, c.occupation, str(c.age), c.gender) if x)
        aliases = sep.join(c.aliases) or c.id
        text = (
            w["character"].format(name=c.name, aliases=aliases, who=who, looks=looks, wardrobe=wardrobe)
            + (w["traits"].format(traits=sep.join(c.traits)) if c.traits else "")
            + (w["relationships"].format(rels=rels) if rels else "")
        )
        docs.append(_canon_doc("character", c.id, text, {c.id} | {r.other_id for r in c.relationships}))
    for loc in canon.locations:
        heading = w["int"] if loc.interior else w["ext"]
        aliases = sep.join(loc.aliases) or loc.id
        text = w["location"].format(name=loc.name, aliases=aliases, heading=heading, description=loc.description)
        docs.append(_canon_doc("location", loc.id, text, {loc.id}))
    for p in canon.props:
        holder = w["held"].format(holder=_name(canon, p.holder_id)) if p.holder_id else ""
        aliases = sep.join(p.aliases) or p.id
        text = w["prop"].format(name=p.name, aliases=aliases, description=p.description, state=p.state) + holder
        docs.append(_canon_doc("prop", p.id, text, {p.id} | ({p.holder_id} if p.holder_id else set())))
    for s in canon.secrets:
        about = w["about"].format(name=_name(canon, s.about_id)) if s.about_id else ""
        known = sep.join(_name(canon, k) for k in s.known_by) or w["nobody"]
        keywords = w["keywords"].format(keywords=sep.join(s.keywords)) if s.keywords else ""
        text = w["secret"].format(description=s.description, about=about, known=known) + keywords
        entities = {s.id, *s.known_by} | ({s.about_id} if s.about_id else set())
        docs.append(_canon_doc("secret", s.id, text, entities))
    world = canon.world
    forbidden = w["forbidden"].format(terms=sep.join(world.forbidden_terms)) if world.forbidden_terms else ""
    text = w["world"].format(era=world.era, technology=world.technology) + forbidden
    docs.append(_canon_doc("rule", "world", text, set()))
    for i, rule in enumerate(world.rules, start=1):
        docs.append(_canon_doc("rule", f"rule{i:02d}", w["rule"].format(rule=rule), set()))
    return docs


def _canon_doc(kind: str, entity_id: str, text: str, entities: set[str]) -> Doc:
    """Build a base-canon document (episode 0)."""
    ref = f"canon/{kind}/{entity_id}"
    meta: dict[str, str | int | float | bool] = {
        "kind": kind,
        "episode": 0,
        "ref": ref,
        "seq": 0,
        "entity_id": entity_id,
    }
    return Doc(id=f"canon:{kind}:{entity_id}", text=text, meta=meta, entities=entities)


def scene_doc(script: Script, index: int, scene: Scene, canon: Canon | None) -> Doc:
    """Return the document for one scene: heading, who is there, props, condensed lines."""
    place = _name(canon, scene.location_id)
    location = canon.location(scene.location_id) if canon else None
    interior = location.interior if location else True
    who = [_name(canon, cid) for cid in scene.character_ids]
    props = [
        f"{_name(canon, p.prop_id)}" + (f" ({_name(canon, p.holder_id)})" if p.holder_id else "") for p in scene.props
    ]
    if _zh(canon):
        head = (
            f"第{script.episode}集 {scene.id}场。{'内景' if interior else '外景'} {place} — "
            f"{_TIME_ZH[scene.time_of_day]}，"
            f"第{scene.story_day}天 {scene.clock}{'（闪回）' if scene.flashback else ''}。在场：{'、'.join(who)}。"
            + (f"道具：{'、'.join(props)}。" if props else "")
        )
        sep = "："
    else:
        head = (
            f"Episode {script.episode}, scene {scene.id}. {'INT.' if interior else 'EXT.'} {place} — "
            f"{scene.time_of_day}, day {scene.story_day}, {scene.clock}{' (flashback)' if scene.flashback else ''}. "
            f"Present: {', '.join(who)}." + (f" Props: {', '.join(props)}." if props else "")
        )
        sep = ": "
    parts = [head]
    for line in scene.lines:
        speaker = line.cue or _name(canon, line.speaker_id or "")
        text = _clip(line.text, LINE_CHARS)
        parts.append(f"{speaker}{sep}{text}" if line.kind == "dialogue" else f"({text})")
    text = _clip("\n".join(parts), SCENE_CHARS)
    entities = {*scene.character_ids, scene.location_id}
    entities |= {p.prop_id for p in scene.props} | {p.holder_id for p in scene.props if p.holder_id}
    entities |= {sid for line in scene.lines for sid in line.reveals}
    meta: dict[str, str | int | float | bool] = {
        "kind": "scene",
        "episode": script.episode,
        "ref": f"ep{script.episode:03d}/{scene.id}",
        "seq": index,
        "scene_id": scene.id,
        "location_id": scene.location_id,
        "story_day": scene.story_day,
        "clock": scene.clock,
        "flashback": scene.flashback,
    }
    return Doc(id=f"ep{script.episode:03d}:scene:{scene.id}", text=text, meta=meta, entities=entities)


def summary_doc(script: Script, canon: Canon | None) -> Doc:
    """Return the document holding an episode's summary, in the series' language."""
    if _zh(canon):
        text = f"第{script.episode}集《{script.title}》：{script.summary}"
    else:
        text = f"Episode {script.episode} — {script.title}: {script.summary}"
    entities = {cid for scene in script.scenes for cid in scene.character_ids}
    entities |= {scene.location_id for scene in script.scenes}
    meta: dict[str, str | int | float | bool] = {
        "kind": "summary",
        "episode": script.episode,
        "ref": f"ep{script.episode:03d}/summary",
        "seq": 0,
    }
    return Doc(id=f"ep{script.episode:03d}:summary", text=text, meta=meta, entities=entities)


def event_doc(script: Script, index: int, scene: Scene, event: TimelineEvent, canon: Canon | None) -> Doc:
    """Return the document for the timeline event a scene makes, in the series' language."""
    meta: dict[str, str | int | float | bool] = {
        "kind": "event",
        "episode": script.episode,
        "ref": f"ep{script.episode:03d}/event/{scene.id}",
        "seq": index,
        "story_day": event.story_day,
        "location_id": scene.location_id,
    }
    if _zh(canon):
        text = f"第{event.story_day}天，第{script.episode}集：{event.description}"
    else:
        text = f"Day {event.story_day}, episode {script.episode}: {event.description}"
    entities = {*event.character_ids, scene.location_id}
    return Doc(id=f"ep{script.episode:03d}:event:{scene.id}", text=text, meta=meta, entities=entities)


def change_doc(episode: int, index: int, change: StateChange, canon: Canon | None) -> Doc:
    """Return the document for one state change, its fields kept as structured metadata."""
    who, value = _name(canon, change.entity_id), change.value.strip()
    zh = _zh(canon)
    if change.field == "status":
        text = f"{who}的状态变为{value}" if zh else f"{who} is now {value}"
    elif change.field == "holder_id":
        holder = "无人" if zh else "nobody"
        holder = holder if value.lower() in NO_HOLDER else _name(canon, value)
        text = f"{who}转到{holder}手中" if zh else f"{who} passes to {holder}"
    elif change.field == "prop_state":
        text = f"{who}的状态变为{value}" if zh else f"{who} is now {value}"
    elif change.field == "knows":
        secret = canon.secret(change.entity_id) if canon else None
        what = secret.description if secret else change.entity_id
        text = f"{_name(canon, value)}得知秘密：{what}" if zh else f"{_name(canon, value)} learns the secret: {what}"
    else:
        text = f"{who}换上{value}" if zh else f"{who} now wears {value}"
    note = f"（{change.note}）" if zh and change.note else (f" ({change.note})" if change.note else "")
    prefix = f"第{episode}集：" if zh else f"Episode {episode}: "
    entities = {change.entity_id}
    if change.field in ("knows", "holder_id", "wardrobe") and value.lower() not in NO_HOLDER:
        entities.add(value)
    meta: dict[str, str | int | float | bool] = {
        "kind": "change",
        "episode": episode,
        "ref": f"ep{episode:03d}/change/{index:02d}",
        "seq": index,
        "entity_id": change.entity_id,
        "field": change.field,
        "value": change.value,
        "note": change.note,
    }
    return Doc(id=f"ep{episode:03d}:change:{index:02d}", text=prefix + text + note, meta=meta, entities=entities)


def keyword_terms(query: str, limit: int = 12) -> list[str]:
    """Split a query into keyword terms: lowercase latin words (no stop words) and CJK bigrams."""
    terms: list[str] = []
    for token in _TOKEN.findall(query):
        if re.match(rf"[{_CJK}]", token):
            grams = [token] if len(token) == 1 else [token[i : i + 2] for i in range(len(token) - 1)]
            terms.extend(grams)
        elif len(token) >= 3 and token.lower() not in _STOP:
            terms.append(token.lower())
    return list(dict.fromkeys(terms))[:limit]


def contains_variants(terms: list[str]) -> list[str]:
    """Return substrings for chroma's case-sensitive $contains: each term, plus Capitalised for latin words."""
    variants: list[str] = []
    for term in terms:
        variants.append(term)
        if term.isascii() and term[:1].isalpha():
            variants.append(term.capitalize())
    return list(dict.fromkeys(variants))


def keyword_overlap(terms: list[str], text: str) -> float:
    """Return the fraction of terms the text contains (case-insensitive), 0.0 to 1.0."""
    if not terms:
        return 0.0
    lowered = text.lower()
    return sum(term in lowered for term in terms) / len(terms)


def episode_docs(script: Script, canon: Canon | None) -> list[Doc]:
    """Return every recallable document of an episode: summary, scenes, timeline events, state changes."""
    docs = [summary_doc(script, canon)]
    docs += [scene_doc(script, i, scene, canon) for i, scene in enumerate(script.scenes)]
    pairs = zip(script.scenes, timeline_events(script, canon), strict=True)
    docs += [event_doc(script, i, scene, event, canon) for i, (scene, event) in enumerate(pairs)]
    docs += [change_doc(script.episode, i, c, canon) for i, c in enumerate(script.state_changes)]
    return docs
