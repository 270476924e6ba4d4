"""Planters of how people are named and look, and what the world allows: names, wardrobe, colours, era terms.

Colour ground truth is read from canon with its own small table (``fair`` hair
is blonde, ``dark`` hair may be black or brown), not with the checks' lexicon,
so a colour word the checks do not know shows up as a miss.
"""

from __future__ import annotations

import re

from agents.offline.compose_slips import misspell
from agents.offline.grammar import lexicon
from evals.planted_plants import Plant, Planter, Spot, append_text, label, pick, plain_dialogue, present_scenes
from memory.schema import Canon, Character, Line, Scene

# ------------------------------------------------------------------ names


def cue_misspelt(spot: Spot) -> Plant | None:
    """Misspell a dialogue cue the way a hurried writer would."""
    lines = [ln for ln in spot.script.lines() if ln.kind == "dialogue" and spot.canon.character(ln.speaker_id or "")]
    line = pick(spot.rng, lines)
    if line is None:
        return None
    ch = spot.canon.character(line.speaker_id or "")
    assert ch is not None
    line.cue = misspell(ch, spot.canon)
    fact = f"{ch.id} is named {' / '.join([ch.name, *ch.aliases])}"
    return Plant(
        spot.script,
        [label("name_drift", "factual_detail", "cue_misspelt", line.id, fact, line.cue)],
        f"cue '{line.cue}' for {ch.name}",
    )


def misspelt_name(name: str, canon: Canon) -> str | None:
    """Return a one-slip misspelling of a canon name or alias, from the writer's own slip pools."""
    lex = lexicon(canon.language)
    taken = {n for c in canon.characters for n in (c.name, *c.aliases)}
    for given, _, wrong in (e for pool in (lex.female, lex.male, lex.period_female, lex.period_male) for e in pool):
        if name == given:
            out = wrong
        elif canon.language == "zh" and name.endswith(given):
            out = name[: -len(given)] + wrong
        elif canon.language == "en" and name.startswith(given + " "):
            out = wrong + name[len(given) :]
        else:
            continue
        return out if out not in taken else None
    return None


def text_name_misspelt(spot: Spot) -> Plant | None:
    """Misspell a character's name where a line's text uses it."""
    options: list[tuple[Line, str, str]] = []
    for line in spot.script.lines():
        for ch in spot.canon.characters:
            for name in sorted([ch.name, *ch.aliases], key=len, reverse=True):
                bounded = re.search(rf"(?<![A-Za-z]){re.escape(name)}(?![A-Za-z])", line.text)
                wrong = misspelt_name(name, spot.canon)
                if bounded and wrong:
                    options.append((line, name, wrong))
                    break
    chosen = pick(spot.rng, options)
    if chosen is None:
        return None
    line, name, wrong = chosen
    line.text = re.sub(rf"(?<![A-Za-z]){re.escape(name)}(?![A-Za-z])", wrong, line.text, count=1)
    return Plant(
        spot.script,
        [label("name_drift", "factual_detail", "text_name_misspelt", line.id, f"The canon name is {name}", wrong)],
        f"'{name}' written '{wrong}' in {line.id}",
    )


def cue_alias(spot: Spot) -> Plant | None:
    """Decoy: a cue uses the speaker's canon alias, or the name with a voice-over extension."""
    line = pick(spot.rng, [ln for ln in spot.script.lines() if ln.kind == "dialogue" and ln.speaker_id])
    ch = spot.canon.character(line.speaker_id or "") if line else None
    if line is None or ch is None:
        return None
    line.cue = ch.aliases[0] if ch.aliases else f"{ch.name} (V.O.)"
    return Plant(spot.script, [], f"cue '{line.cue}' for {ch.name}")


# ------------------------------------------------------------------ wardrobe

_SETS = ("tuxedo", "pajamas", "wedding_dress", "raincoat", "swimsuit")
# Anything that might show a costume change; planters keep away from it.
_CHANGE_HINT = re.compile(r"chang|dress|puts on|slips into|wear|换|穿|更衣", re.IGNORECASE)
_CHANGE_SENTENCE = {"en": "{name} changes into {pos} {outfit}.", "zh": "{name}换上了{outfit}。"}


def _pos(ch: Character) -> str:
    return {"female": "her", "male": "his"}.get(ch.gender, "their")


def wardrobe_unknown(spot: Spot) -> Plant | None:
    """Dress a character in a set they do not own."""
    options = [(s, c) for s in present_scenes(spot.script) for c in s.wardrobe if spot.canon.character(c)]
    chosen = pick(spot.rng, options)
    if chosen is None:
        return None
    scene, cid = chosen
    ch = spot.canon.character(cid)
    assert ch is not None
    owned = [w.id for w in ch.wardrobe]
    scene.wardrobe[cid] = pick(spot.rng, [s for s in _SETS if s not in owned]) or "costume"
    fact = f"{ch.name}'s wardrobe sets: {', '.join(owned)}"
    return Plant(
        spot.script,
        [label("wardrobe_drift", "factual_detail", "wardrobe_unknown", scene.id, fact, scene.wardrobe[cid])],
        f"{ch.name} in '{scene.wardrobe[cid]}' in {scene.id}",
    )


def _switch_spots(spot: Spot, from_carryover: bool) -> list[tuple[int, str, str]]:
    """Return (scene index, character, set worn before) where a same-day costume switch can be planted."""
    scenes = spot.script.scenes
    out: list[tuple[int, str, str]] = []
    for i, scene in enumerate(scenes):
        if scene.flashback:
            continue
        for cid, worn in scene.wardrobe.items():
            ch = spot.canon.character(cid)
            earlier = [j for j in range(i) if not scenes[j].flashback and cid in scenes[j].wardrobe]
            same_day = [j for j in earlier if scenes[j].story_day == scene.story_day]
            if ch is None or len(ch.wardrobe) < 2:
                continue
            carried = spot.carryover.last_story_day == scene.story_day and cid in spot.carryover.wardrobe
            if from_carryover and not earlier and carried:
                out.append((i, cid, spot.carryover.wardrobe[cid]))
            elif not from_carryover and same_day:
                out.append((i, cid, worn))
    return out


def _switch(spot: Spot, subtype: str, *, marked: bool) -> Plant | None:
    options = _switch_spots(spot, subtype == "wardrobe_carryover")
    scenes = spot.script.scenes
    # A change the script already shows would make the switch legitimate.
    options = [
        o for o in options if not any(_CHANGE_HINT.search(ln.text) for s in scenes[: o[0] + 1] for ln in s.lines)
    ]
    chosen = pick(spot.rng, options)
    if chosen is None:
        return None
    i, cid, before = chosen
    ch = spot.canon.character(cid)
    assert ch is not None
    new = pick(spot.rng, [w for w in ch.wardrobe if w.id != before])
    assert new is not None
    day = scenes[i].story_day
    # The rest of the day follows the new costume, so the switch is one error, not a switch and a switch back.
    for scene in scenes[i:]:
        if not scene.flashback and scene.story_day == day and cid in scene.wardrobe:
            scene.wardrobe[cid] = new.id
    if marked:
        action = next((ln for ln in scenes[i].lines if ln.kind == "action"), None)
        if action is None:
            return None
        sentence = _CHANGE_SENTENCE[spot.language].format(name=ch.name, pos=_pos(ch), outfit=new.description)
        action.text = f"{sentence} {action.text}" if spot.language == "en" else sentence + action.text
        return Plant(spot.script, [], f"{ch.name} changes into '{new.id}' on screen in {scenes[i].id}")
    fact = f"{ch.name} wears '{before}' earlier on day {day}"
    return Plant(
        spot.script,
        [label("wardrobe_drift", "factual_detail", subtype, scenes[i].id, fact, new.id)],
        f"{ch.name} switches '{before}' -> '{new.id}' in {scenes[i].id}",
    )


def wardrobe_switch(spot: Spot) -> Plant | None:
    """Switch a character's costume mid-day with no change shown."""
    return _switch(spot, "wardrobe_switch", marked=False)


def wardrobe_carryover(spot: Spot) -> Plant | None:
    """Switch the costume a character wore at the end of the last episode, on the same story day."""
    return _switch(spot, "wardrobe_carryover", marked=False)


def marked_change(spot: Spot) -> Plant | None:
    """Decoy: the same mid-day switch, with the change shown in an action line."""
    return _switch(spot, "wardrobe_switch", marked=True)


# ------------------------------------------------------------------ hair and eyes

_HAIR_READ = {
    "black": ("black", "raven", "jet", "黑", "乌", "青丝"),
    "dark": ("dark",),
    "brown": ("brown", "chestnut", "brunette", "栗", "棕", "褐"),
    "red": ("auburn", "ginger", "red", "copper", "红"),
    "blonde": ("blonde", "blond", "golden", "fair", "金", "黄"),
    "sandy": ("sandy",),
    "pale": ("grey", "gray", "silver", "white", "白", "银", "灰"),
}
_HAIR_FITS = {"dark": {"black", "brown"}, "sandy": {"blonde", "brown"}, "pale": {"grey", "white", "silver"}}
_EYES_READ = {
    "brown": ("brown", "褐", "棕"),
    "black": ("black", "黑"),
    "hazel": ("hazel",),
    "amber": ("amber", "琥珀"),
    "green": ("green", "绿"),
    "grey": ("grey", "gray", "灰"),
    "blue": ("blue", "蓝"),
}
_EYES_FITS = {
    "brown": {"brown", "black", "hazel", "amber"},
    "black": {"black", "brown"},
    "hazel": {"hazel", "brown", "green", "amber"},
    "amber": {"amber", "hazel", "brown"},
    "green": {"green", "hazel"},
    "grey": {"grey", "blue"},
    "blue": {"blue", "grey"},
}
_WRONG_HAIR = ("black", "blonde", "red", "brown", "white")
_WRONG_EYES = ("blue", "green", "grey", "brown", "black")
_ZH_COLOUR = {
    "black": "黑",
    "blonde": "金",
    "red": "红",
    "brown": "棕",
    "white": "白",
    "blue": "蓝",
    "green": "绿",
    "grey": "灰",
}
_SAY = {
    ("hair", "en"): "{name} pushes back {pos} {colour} hair.",
    ("hair", "zh"): "{name}把一缕{colour}色的长发拢到耳后。",
    ("eyes", "en"): "{name}'s {colour} eyes go cold.",
    ("eyes", "zh"): "{name}那双{colour}色的眼睛冷了下来。",
}


def canon_colours(text: str, feature: str) -> set[str]:
    """Return the colours a canon hair or eye description allows."""
    table, fits = (_HAIR_READ, _HAIR_FITS) if feature == "hair" else (_EYES_READ, _EYES_FITS)
    folded = text.casefold()
    out: set[str] = set()
    for key, words in table.items():
        if any((w in folded) if not w.isascii() else re.search(rf"\b{w}\b", folded) for w in words):
            out |= fits.get(key, {key})
    return out


def _appearance(spot: Spot, feature: str) -> Plant | None:
    options: list[tuple[Scene, Character, str]] = []
    for scene in present_scenes(spot.script):
        for cid in scene.character_ids:
            ch = spot.canon.character(cid)
            canon_text = (ch.appearance.hair if feature == "hair" else ch.appearance.eyes) if ch else ""
            fits = canon_colours(canon_text, feature)
            wrong = [c for c in (_WRONG_HAIR if feature == "hair" else _WRONG_EYES) if c not in fits]
            if ch and fits and any(ln.kind == "action" for ln in scene.lines):
                options += [(scene, ch, colour) for colour in wrong]
    chosen = pick(spot.rng, options)
    if chosen is None:
        return None
    scene, ch, colour = chosen
    line = pick(spot.rng, [ln for ln in scene.lines if ln.kind == "action"])
    assert line is not None
    said = colour if spot.language == "en" else _ZH_COLOUR[colour]
    append_text(line, _SAY[(feature, spot.language)].format(name=ch.name, pos=_pos(ch), colour=said), spot.language)
    canon_text = ch.appearance.hair if feature == "hair" else ch.appearance.eyes
    fact = f"{ch.name}'s {feature}: {canon_text}"
    return Plant(
        spot.script,
        [label("appearance_drift", "factual_detail", f"{feature}_colour", line.id, fact, said)],
        f"{ch.name} given {colour} {feature} in {line.id}",
    )


def hair_colour(spot: Spot) -> Plant | None:
    """Give a character a hair colour canon contradicts."""
    return _appearance(spot, "hair")


def eye_colour(spot: Spot) -> Plant | None:
    """Give a character an eye colour canon contradicts."""
    return _appearance(spot, "eyes")


_DYED = {"en": "{name} has dyed {pos} hair {colour} for tonight.", "zh": "{name}戴着一顶{colour}色的假发。"}


def dyed_hair(spot: Spot) -> Plant | None:
    """Decoy: a new hair colour that the line explains (dye, a wig)."""
    scene = pick(spot.rng, [s for s in present_scenes(spot.script) if any(ln.kind == "action" for ln in s.lines)])
    ch = spot.canon.character(pick(spot.rng, scene.character_ids) or "") if scene else None
    if scene is None or ch is None:
        return None
    line = next(ln for ln in scene.lines if ln.kind == "action")
    colour = "red" if spot.language == "en" else "红"
    append_text(line, _DYED[spot.language].format(name=ch.name, pos=_pos(ch), colour=colour), spot.language)
    return Plant(spot.script, [], f"{ch.name} in a dye or wig in {line.id}")


# ------------------------------------------------------------------ era terms

_MODERN = {
    "en": (
        ("phone", "I'll call you on the phone tonight."),
        ("car", "A car is waiting at the side gate."),
        ("gun", "He hides a gun under his robe."),
        ("camera", "Someone brought a camera to the banquet."),
        ("email", "The steward sent an email to the Censorate."),
        ("train", "She left on the night train."),
    ),
    "zh": (
        ("手机", "我用手机给你报信。"),
        ("汽车", "侧门外停着一辆汽车。"),
        ("手枪", "他袍子底下藏着一把手枪。"),
        ("照片", "我看过那张照片。"),
        ("电话", "今晚给我打个电话。"),
        ("火车", "她坐夜里的火车走了。"),
    ),
}
_ERA_DECOY = {
    ("pre_industrial", "en"): "I train with the guards every dawn.",
    ("pre_industrial", "zh"): "电光火石之间，他已拔剑。",
    ("modern", "en"): "Call me on my phone when you land.",
    ("modern", "zh"): "到了给我打电话，用手机也行。",
}


def anachronism(spot: Spot) -> Plant | None:
    """Put a modern thing into a pre-industrial world's dialogue."""
    spoken = pick(spot.rng, plain_dialogue(spot))
    term = pick(spot.rng, _MODERN[spot.language])
    if spot.canon.world.technology != "pre_industrial" or spoken is None or term is None:
        return None
    append_text(spoken[1], term[1], spot.language)
    fact = f"The world is {spot.canon.world.era} (technology: pre_industrial)"
    return Plant(
        spot.script,
        [label("anachronism", "world_building", "modern_term", spoken[1].id, fact, term[0])],
        f"'{term[0]}' in {spoken[1].id}",
    )


def era_decoy(spot: Spot) -> Plant | None:
    """Decoy: a word that only looks out of era ('train' as a verb), or a phone in a modern world."""
    spoken = pick(spot.rng, plain_dialogue(spot))
    sentence = _ERA_DECOY.get((spot.canon.world.technology, spot.language))
    if spoken is None or sentence is None:
        return None
    append_text(spoken[1], sentence, spot.language)
    return Plant(spot.script, [], f"era near miss in {spoken[1].id}")


PLANTERS: dict[str, Planter] = {
    "cue_misspelt": cue_misspelt,
    "text_name_misspelt": text_name_misspelt,
    "wardrobe_unknown": wardrobe_unknown,
    "wardrobe_switch": wardrobe_switch,
    "wardrobe_carryover": wardrobe_carryover,
    "hair_colour": hair_colour,
    "eye_colour": eye_colour,
    "anachronism": anachronism,
}
DECOYS: dict[str, Planter] = {
    "cue_alias": cue_alias,
    "marked_change": marked_change,
    "dyed_hair": dyed_hair,
    "era_decoy": era_decoy,
}
