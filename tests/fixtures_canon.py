"""Small canon and script fixtures, in English and Chinese, shared by the continuity tests.

``script_en``/``script_zh`` pass every check against ``canon_en``/``canon_zh``;
tests plant one error at a time in a fresh copy.
"""

from __future__ import annotations

from memory.schema import (
    Appearance,
    Canon,
    Carryover,
    Character,
    CharacterStatus,
    Line,
    Location,
    Prop,
    PropState,
    PropUse,
    Scene,
    Script,
    Secret,
    Voice,
    WardrobeSet,
    WorldRules,
)


def _character(
    cid: str,
    name: str,
    *,
    aliases: list[str] | None = None,
    age: int = 30,
    gender: str = "female",
    hair: str = "long black hair",
    eyes: str = "dark brown",
    sets: tuple[str, ...] = ("work", "gala"),
    status: CharacterStatus = CharacterStatus.ALIVE,
) -> Character:
    return Character.model_validate(
        {
            "id": cid,
            "name": name,
            "aliases": aliases or [],
            "age": age,
            "gender": gender,
            "role": "ally",
            "appearance": Appearance(hair=hair, eyes=eyes, build="slim"),
            "wardrobe": [WardrobeSet(id=s, description=f"{s} clothes") for s in sets],
            "voice": Voice(gender="female" if gender == "female" else "male"),
            "status": status,
        }
    )


def canon_en(technology: str = "modern") -> Canon:
    """Build a small valid English canon."""
    return Canon.model_validate(
        {
            "title": "The Jade Ledger",
            "language": "en",
            "genre": "revenge",
            "tone": "tense",
            "world": WorldRules(era="present-day Shanghai", technology=technology),
            "characters": [
                _character("lin_wan", "Lin Wan", aliases=["Wanwan", "Miss Lin"]),
                _character("chen_hao", "Chen Hao", aliases=["Hao"], gender="male", status=CharacterStatus.DEAD),
                _character(
                    "marcus",
                    "Marcus Reed",
                    aliases=["Marcus"],
                    gender="male",
                    hair="short brown hair",
                    eyes="green",
                    sets=("suit", "casual"),
                ),
                _character("mei", "Mei", age=9),
            ],
            "locations": [
                Location(id="office", name="the office", description="glass and steel"),
                Location(id="apartment", name="the apartment", description="small and warm"),
            ],
            "props": [
                Prop(
                    id="pendant",
                    name="jade pendant",
                    aliases=["pendant"],
                    description="green jade",
                    holder_id="lin_wan",
                ),
                Prop(id="ledger", name="red ledger", description="account book", state=PropState.DESTROYED),
            ],
            "secrets": [
                Secret(
                    id="twin",
                    description="Marcus is Chen Hao's twin brother",
                    about_id="marcus",
                    keywords=["twin", "brother"],
                    known_by=["marcus"],
                )
            ],
        }
    )


def dialogue_line(lid: str, speaker: str, cue: str, text: str, reveals: list[str] | None = None) -> Line:
    """Build a dialogue line."""
    return Line(id=lid, kind="dialogue", speaker_id=speaker, cue=cue, text=text, reveals=reveals or [])


def action_line(lid: str, text: str) -> Line:
    """Build an action line."""
    return Line(id=lid, kind="action", text=text)


def script_en() -> Script:
    """Build a clean English script that passes every check."""
    return Script(
        episode=3,
        title="Numbers",
        target_seconds=60,
        summary="Lin finds a hole in the accounts.",
        scenes=[
            Scene(
                id="s01",
                location_id="office",
                time_of_day="morning",
                story_day=5,
                clock="09:00",
                character_ids=["lin_wan", "marcus"],
                wardrobe={"lin_wan": "work", "marcus": "suit"},
                props=[PropUse(prop_id="pendant", holder_id="lin_wan")],
                lines=[
                    action_line(
                        "s01-l01",
                        "Lin Wan studies the accounts, the jade pendant at her throat, her black hair tied back.",
                    ),
                    dialogue_line(
                        "s01-l02",
                        "lin_wan",
                        "Lin Wan",
                        "Marcus, these numbers don't add up. Then again, Chen Hao never could count.",
                    ),
                    dialogue_line("s01-l03", "marcus", "Marcus", "Then someone is lying to us. Mark my words."),
                ],
            ),
            Scene(
                id="s02",
                location_id="apartment",
                time_of_day="evening",
                story_day=5,
                clock="19:00",
                character_ids=["lin_wan", "mei"],
                wardrobe={"lin_wan": "work", "mei": "work"},
                lines=[
                    action_line("s02-l01", "Lin Wan helps Mei with her homework by the window."),
                    dialogue_line(
                        "s02-l02", "mei", "Mei", "Auntie, will you read me a story? Mine has a brother in it."
                    ),
                    dialogue_line("s02-l03", "lin_wan", "Miss Lin", "Of course. Then straight to sleep."),
                ],
            ),
        ],
    )


def carry() -> Carryover:
    """Build the carryover from the previous episode."""
    return Carryover(last_story_day=4, last_clock="22:00", wardrobe={"lin_wan": "gala"})


def canon_zh() -> Canon:
    """Build a small valid Chinese period canon."""
    return Canon.model_validate(
        {
            "title": "玉佩记",
            "language": "zh",
            "genre": "period",
            "tone": "悬疑",
            "world": WorldRules(era="明朝江南", technology="pre_industrial", forbidden_terms=["巧克力"]),
            "characters": [
                _character("lin_wan", "林婉", aliases=["婉婉", "林小姐"], hair="乌黑长发"),
                _character("chen_hao", "陈浩", gender="male", status=CharacterStatus.DEAD),
                _character("wang_lei", "王磊", gender="male", hair="黑色短发", sets=("robe",)),
            ],
            "locations": [
                Location(id="study", name="书房", description="檀木书架"),
                Location(id="garden", name="后园", description="竹林小径"),
            ],
            "props": [
                Prop(id="pendant", name="玉佩", description="青玉", holder_id="lin_wan"),
                Prop(id="letter", name="密信", description="火漆封口", state=PropState.LOST),
            ],
            "secrets": [
                Secret(id="twin", description="王磊是陈浩的孪生兄弟", keywords=["孪生", "兄弟"], known_by=["wang_lei"])
            ],
        }
    )


def script_zh() -> Script:
    """Build a clean Chinese script with surname characters inside ordinary words."""
    return Script(
        episode=2,
        title="账册",
        target_seconds=60,
        summary="林婉发现账册有假。",
        scenes=[
            Scene(
                id="s01",
                location_id="study",
                time_of_day="day",
                story_day=3,
                clock="12:00",
                character_ids=["lin_wan", "wang_lei"],
                wardrobe={"lin_wan": "work", "wang_lei": "robe"},
                props=[PropUse(prop_id="pendant", holder_id="lin_wan")],
                lines=[
                    action_line("s01-l01", "林婉坐在书房里，手里握着玉佩，乌黑的长发挽起。"),
                    dialogue_line(
                        "s01-l02", "lin_wan", "林婉", "王磊，这本账册有问题。林子里的人都说，陈旧的账房早就空了。"
                    ),
                    dialogue_line("s01-l03", "wang_lei", "王磊", "林小姐放心，我马上去查。王爷那边，我也去问问。"),
                    dialogue_line("s01-l04", "wang_lei", "王磊", "我在林中见过陈家的人。周末，再去一趟。"),
                ],
            ),
            Scene(
                id="s02",
                location_id="garden",
                time_of_day="afternoon",
                story_day=3,
                clock="15:00",
                character_ids=["lin_wan"],
                wardrobe={"lin_wan": "work"},
                lines=[
                    action_line("s02-l01", "林婉在后园散步，写了一封书信。"),
                    dialogue_line("s02-l02", "lin_wan", "婉婉", "高兴，就多走走。树林，竹林，都好。"),
                ],
            ),
        ],
    )
