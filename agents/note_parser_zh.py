"""Chinese producer notes: 「把周浩从这一集删掉」「第二场短一点」「结尾改成林晚发现那封信」."""

from __future__ import annotations

import re

from agents.note_parser_build import Clause, Reading, replace_everywhere, take_characters, unknown_name
from agents.note_parser_rules import Words, rules
from agents.note_parser_scope import LineRef, NoteScope, lookup, quotes_in, strip_quotes, unique_refs
from memory.edits import AddBeat, ChangeMoment, DropBeat, Rename, ReorderBeats
from memory.schema import Line

NUMERALS = {"一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9, "十": 10}
_N = "[一二两三四五六1-6]"
SPLIT = re.compile(r"[，,、]\s*(?:另外|还有|然后|同时|并且|再|也)?|\s*(?:另外|还有|然后|同时|并且)[，,]?")

_SCENE_NUM = re.compile(rf"第({_N})场(?:戏)?|(?<![A-Za-z])(?:scene\s*)(\d)")
_SCENE_LAST = re.compile(r"最后一场(?:戏)?|结尾那场(?:戏)?")
_SCENE_FIRST = re.compile(r"开场那场(?:戏)?|第一场(?:戏)?|开头那场(?:戏)?")
_SCENE_AFTER_PLACE = re.compile(r"^(?:的)?(?:那|这)?(?:一)?(?:场|段)(?:戏)?|^(?:的)?戏")
_EPISODE = re.compile(r"这一集|本集|整集|这集|全集|整部|全片|整体|通篇|所有|每一场|每场")
_OWN_LINE = re.compile(rf"(?:的)?(最后一句|最后那句|第({_N})句|第一句|开口第一句)(?:台词|话)?")
_SCENE_LINE = re.compile(rf"第({_N})场(?:的|里的|里)?第({_N})句")
_THE_LINE = re.compile(r"(?<![的])(最后一句|最后那句|第一句)(?:台词|话)?")
_HE = re.compile(r"(?<!其)他(?!们)")
_SHE = re.compile(r"她(?!们)")
_NAME_CAPTURE = (
    re.compile(r"把([\u4e00-\u9fff]{2,3}?)(?:从|删|去掉|拿掉|砍掉|改名)"),
    re.compile(r"让([\u4e00-\u9fff]{2,3}?)(?:在第|也|出场|登场|出现|上场)"),
    re.compile(r"(?:删掉|去掉|拿掉|砍掉|不要)([\u4e00-\u9fff]{2,3}?)(?:这个角色|的戏份|$)"),
    re.compile(r"^([\u4e00-\u9fff]{2,3}?)(?:这一集|这集|本集)?(?:别|不要|不用|不能)(?:出场|出现|登场)"),
)
_NOT_NAMES = re.compile(r"[场集句段戏镜这那一个的些点]")

_MOMENT = re.compile(
    r"(结尾|结局|收尾|片尾|开头|开场|开篇|钩子|悬念|卡点|断点)(?:处|那里|的地方|的悬念)?(?:要|应该|得|就|最好)?"
    r"(?:改成|换成|改为|变成|写成|换作|改作|是|：|:)\s*(.+)"
)
_END_ON = re.compile(r"以(.+?)(?:结尾|收尾|结束|作结|卡住)")
_OPEN_ON = re.compile(r"(?:用|以|从)(.+?)(?:开场|开头|开篇)")
_ADD_BEAT_OF = re.compile(r"(?:加|增加|添加|补|插入|加上|添)(?:一个|一段|一场|一)(.+?)的(?:戏|情节|桥段|场面|段落)")
_ADD_BEAT = re.compile(
    r"(?:加|增加|添加|补|插入|加上|添)(?:一个|一段|一场|一|个|段|场)?(?:新的|小)?(?:情节|桥段|戏|段落|场面|剧情|冲突)"
    r"[：:，,]?\s*(?:让|写|是)?(.+)"
)
_DROP_BEAT_N = re.compile(
    rf"(?:删掉|去掉|拿掉|删除|砍掉|不要)第({_N})个(?:情节|节拍|桥段)|第({_N})个(?:情节|节拍|桥段)(?:删掉|去掉|拿掉|不要了?)"
)
_DROP_BIT = re.compile(r"(?:删掉|去掉|拿掉|删除|砍掉|不要)(.+?)(?:那段|这段|那个情节|的情节|那场戏|的戏|的桥段|那一段)")
_SWAP = re.compile(
    rf"第({_N})个?(?:情节|节拍)?(?:和|跟|与)第({_N})个?(?:情节|节拍)(?:的顺序)?(?:对调|调换|互换|换一下|交换|换个位置)"
)
_BEFORE = re.compile(
    rf"第({_N})个(?:情节|节拍)(?:放到|挪到|移到|提到|调到)第({_N})个(?:情节|节拍)?(前面|之前|前|后面|之后|后)"
)
_REVERSE = re.compile(r"情节(?:的)?(?:顺序)?(?:倒过来|反过来|倒序)")
_RENAME = re.compile(
    r"把?(.+?)(?:改名为|改名叫|改名成|改名|改叫|的名字改成|的名字改为|改称|换个名字叫)(?:为|叫|成)?[「“\"']?([\u4e00-\u9fffA-Za-z]{1,6})"
)
_CALL = re.compile(
    r"(?:叫他|叫她|管他叫|管她叫|称他为|称她为|称呼他为|称呼她为|喊他|喊她)[「“\"']?([\u4e00-\u9fffA-Za-z]{1,6})"
)
_SHOT_FOR = re.compile(r"(?:单独|加|补|给).{0,6}镜头|镜头.{0,4}(?:单独|补上|加上)")
_SECONDS = re.compile(r"(\d+(?:\.\d+)?)\s*秒")
# "更虐一点" is not one o'clock: a clock needs a time word or 到/在 before it.
_CLOCK = re.compile(
    rf"(凌晨|早上|上午|中午|下午|傍晚|晚上|夜里|半夜|深夜|到|在)\s*(十一|十二|十|{_N}|\d{{1,2}})点(半|(\d{{1,2}})分|钟)?"
)
_REVEAL = re.compile(r"透露|泄露|说破|揭穿|剧透|暴露|说出秘密|太早|提前说|别说出|不要说出|说漏|捅破")
_SPEAKER = re.compile(r"(?:让|给|改由|换成|交给|由|改成)([\u4e00-\u9fffA-Za-z]{2,8}?)(?:来)?(?:说|讲|念)")
_NEW_WORDS = re.compile(r"改成|换成|改为|说成|变成|应该是|写成|改作|：|:")
_REWRITE = re.compile(
    r"重写|改写|改一改|生硬|太假|别扭|尴尬|太直白|不自然|太俗|老套|换个说法|改一下|太尬|不像人话|太水|太平"
)
_REPLACE = re.compile(
    r"把[「“\"']?(.+?)[」”\"']?(?:都|全部|统统|一律)?(?:改成|换成|替换成|改为)[「“\"']?(.+?)[」”\"']?$"
)
_MOVE = re.compile(r"改到|挪到|搬到|放到|移到|改在|换到|改成|放在|设在|安排在|改为|定在|发生在|挪去|搬去|应该在")
_HOLD = re.compile(r"拿着|握着|手里|手上|交给|给了|归|拿|揣着|带着")
_NOBODY = re.compile(r"谁都不|没人|不归任何人")
_DROP_THING = re.compile(r"删掉|去掉|拿掉|不要|别出现|撤掉|别再出现|没有|不用|去除")
_WEAR = re.compile(r"穿|换上|换成|打扮|着装|服装")
_CUT = re.compile(
    r"删掉|删除|删了|去掉|拿掉|砍掉|不要|别出现|不出场|别出场|不用出场|不该出现|不应该出现|不能出现|踢出|移出|别让|"
    r"不需要|去除|拿出去|不该在|不应该在|别在"
)
_ADD = re.compile(r"出场|登场|出现|加上|加入|露面|加进|也在|要在|上场|戏份|进来")
_MORE = re.compile(r"一点|一些|些|更|要|得|地|显得|表现|演得|语气|说得")
_NEW_MARK = re.compile(r"(?:改成|换成|改为|说成|变成|应该是|写成|改作|：|:)\s*$")


def number(word: str) -> int:
    """Read a small Chinese or Arabic numeral."""
    if word.isdigit():
        return int(word)
    if word.startswith("十"):
        return 10 + NUMERALS.get(word[1:], 0)
    return NUMERALS.get(word, 1)


def clause(text: str, scope: NoteScope) -> Clause:
    """Resolve what a Chinese clause refers to."""
    bare = strip_quotes(text)
    found = Clause(text=text, bare=bare, scope=scope, lang="zh")
    _scene(found)
    found.episode_wide = found.scene is None and _EPISODE.search(bare) is not None
    mentions = [m for m in scope.character_mentions(bare) if not bare[max(0, m.start - 3) : m.start].endswith("而不是")]
    take_characters(found, [m.id for m in mentions], _HE, _SHE)
    _lines(found)
    return found


def _scene(found: Clause) -> None:
    scope, bare = found.scope, found.bare
    m = _SCENE_NUM.search(bare)
    if m:
        found.scene, found.scene_words = scope.scene_at(number(m.group(1) or m.group(2))), m.span()
        return
    m = _SCENE_LAST.search(bare)
    if m:
        found.scene, found.scene_words = scope.scene_at(-1), m.span()
        return
    m = _SCENE_FIRST.search(bare)
    if m:
        found.scene, found.scene_words = scope.scene_at(1), m.span()
        return
    ids = scope.scene_ids_in(bare)
    if ids:
        found.scene = scope.scene(ids[0])
        return
    for place in scope.location_mentions(bare):
        tail = _SCENE_AFTER_PLACE.match(bare[place.end :])
        if tail and scope.scenes_at(place.id):
            found.scene_options = scope.scenes_at(place.id)
            found.scene, found.scene_words = found.scene_options[0], (place.start, place.end + tail.end())
            return
    for pos, word, meaning in lookup(bare, "times", "zh"):
        tail = _SCENE_AFTER_PLACE.match(bare[pos + len(word) :])
        if (tail or word.endswith("戏")) and scope.scenes_by_time(meaning):
            found.scene_options = scope.scenes_by_time(meaning)
            found.scene = found.scene_options[0]
            found.scene_words = (pos, pos + len(word) + (tail.end() if tail else 0))
            return


def _lines(found: Clause) -> None:
    scope, bare = found.scope, found.bare
    refs: list[LineRef] = [LineRef(ln) for ln in scope.line_ids_in(bare)]
    quoted, found.new_quotes = scope.read_quotes(found.text, _NEW_MARK)
    refs += quoted
    for m in _SCENE_LINE.finditer(bare):
        scene = scope.scene_at(number(m.group(1)))
        spoken = scope.dialogue(scene.id) if scene is not None else []
        refs += _positional(spoken, "第", m.group(2))
    owned = False
    for m in _OWN_LINE.finditer(bare):
        before = bare[: m.start()]
        owners = [c for c in scope.character_mentions(before) if c.end >= len(before) - 1]
        cid = owners[-1].id if owners else None
        if cid is None and re.search(r"[他她]$", before):
            cid, _ = scope.pronoun("female" if before.endswith("她") else "male")
        if cid is not None:
            owned = True
            refs += _positional(scope.lines_of(cid, found.scene_id), m.group(1), m.group(2))
    if not owned:
        for m in _THE_LINE.finditer(bare):
            refs += _positional(scope.dialogue(found.scene_id), m.group(1), None)
    found.lines = unique_refs(refs)


def _positional(lines: list[Line], word: str, nth: str | None) -> list[LineRef]:
    position = len(lines) - 1 if word.startswith("最后") else (number(nth) - 1 if nth else 0)
    return [LineRef(lines[position])] if 0 <= position < len(lines) else []


# -------------------------------------------------------------------- intents


def apply(found: Clause) -> Reading | None:
    """Read one resolved Chinese clause into requests, or None when it asks for nothing the room knows."""
    for rule in RULES:
        reading = rule(found)
        if reading is not None:
            reading.warnings = found.warnings + reading.warnings
            return reading
    return None


def _tidy(text: str) -> str:
    return text.strip().strip("「」“”\"'‘’ ").rstrip("。！？；，,.!?").strip()[:400] or text.strip()[:400]


def _moment(c: Clause) -> Reading | None:
    m = _MOMENT.search(c.text)
    if m:
        word = m.group(1)
        cliff = word in ("悬念", "卡点", "断点") or "悬念" in m.group(0)[: m.start(2) - m.start(0)]
        moment = "cliffhanger" if cliff else "ending" if word in (
            "结尾", "结局", "收尾", "片尾") else "hook"  # fmt: skip
        return Reading([ChangeMoment(moment=moment, text=_tidy(m.group(2)))])
    m = _END_ON.search(c.text)
    if m:
        return Reading([ChangeMoment(moment="cliffhanger", text=_tidy(m.group(1)))])
    m = _OPEN_ON.search(c.text)
    if m and not _SCENE_NUM.search(c.bare):
        return Reading([ChangeMoment(moment="hook", text=_tidy(m.group(1)))])
    return None


def _add_beat(c: Clause) -> Reading | None:
    m = _ADD_BEAT_OF.search(c.text) or _ADD_BEAT.search(c.text)
    return Reading([AddBeat(text=_tidy(m.group(1)))]) if m and _tidy(m.group(1)) else None


def _drop_beat(c: Clause) -> Reading | None:
    m = _DROP_BEAT_N.search(c.bare)
    if m:
        index = number(m.group(1) or m.group(2)) - 1
        if index >= len(c.scope.brief.key_beats):
            return Reading(warnings=[f"这一集只有 {len(c.scope.brief.key_beats)} 个情节"])
        return Reading([DropBeat(index=index, text=c.scope.brief.key_beats[index])])
    m = _DROP_BIT.search(c.text)
    if m:
        text = _tidy(m.group(1))
        matched = c.scope.beat_matching(text)
        # "删掉周浩的戏" is about a person: only a description long enough to be an event is a beat.
        if matched is not None or len(text) > 3:
            return Reading([DropBeat(index=matched, text=text)])
    return None


def _reorder(c: Clause) -> Reading | None:
    count = len(c.scope.brief.key_beats)
    order = list(range(count))
    m = _SWAP.search(c.bare)
    if m:
        a, b = number(m.group(1)) - 1, number(m.group(2)) - 1
        if max(a, b) >= count:
            return None
        order[a], order[b] = order[b], order[a]
        return Reading([ReorderBeats(order=order)])
    m = _BEFORE.search(c.bare)
    if m:
        a, b = number(m.group(1)) - 1, number(m.group(2)) - 1
        if max(a, b) >= count or a == b:
            return None
        order.remove(a)
        order.insert(order.index(b) + (m.group(3).endswith("后")), a)
        return Reading([ReorderBeats(order=order)])
    if _REVERSE.search(c.bare):
        return Reading([ReorderBeats(order=order[::-1])])
    return None


def _rename(c: Clause) -> Reading | None:
    m = _RENAME.search(c.bare)
    if m:
        named = c.scope.character_mentions(m.group(1))
        if not named:
            return unknown_name(c, _tidy(m.group(1)).removeprefix("把"))
        cid: str | None = named[-1].id
        new = m.group(2)
    else:
        m = _CALL.search(c.bare)
        if not m:
            return None
        cid, _ = c.scope.pronoun("female" if "她" in m.group(0) else "male")
        if c.chars:
            cid = c.chars[0]
        new = m.group(1)
    if cid is None:
        return Reading(warnings=["不知道「他/她」指的是谁；请写出角色名"])
    new = re.sub(r"(吧|了|啊|呢|就行|即可)$", "", new)
    return Reading([Rename(old=c.scope.name_of(cid), new=new, character_id=cid)])


def _replace(c: Clause) -> Reading | None:
    m = _REPLACE.search(c.text)
    if not m or c.scene is not None:
        return None
    old, new = _tidy(m.group(1)), _tidy(m.group(2))
    if c.scope.character_mentions(old) and not quotes_in(c.text):
        return None
    if any(old in ln.text for ln in c.scope.script.lines()):
        return replace_everywhere(c, old, new)
    return None


def _clock(c: Clause) -> str | None:
    m = _CLOCK.search(c.bare)
    if not m:
        return None
    word, hour = m.group(1), number(m.group(2))
    minute = 30 if m.group(3) == "半" else int(m.group(4) or 0)
    # 下午三点 is 15:00 and 晚上十点 22:00, but 凌晨三点 and 半夜两点 stay in the small hours.
    evening = word in ("下午", "傍晚", "晚上", "夜里") and hour < 12
    if evening or (word in ("半夜", "深夜") and 6 <= hour < 12) or (word == "中午" and hour < 6):
        hour += 12
    return f"{hour % 24:02d}:{minute:02d}" if minute < 60 and hour <= 24 else None


def _not_a_name(word: str) -> bool:
    return _NOT_NAMES.search(word) is not None


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
    unknown=_NAME_CAPTURE,
    not_a_name=_not_a_name,
    clock=_clock,
)


def _have_do(c: Clause) -> Reading | None:
    """Read 「让林晚当众撕掉合同」 as a new beat, when nothing more specific read it."""
    text = c.text.strip()
    if not text.startswith(("让", "叫")):
        return None
    named = c.scope.character_mentions(text[1:])
    if not named or named[0].start != 0 or len(text) - 1 - named[0].end < 2:
        return None
    return Reading([AddBeat(text=_tidy(text[1:]))])


RULES = rules(WORDS, (_moment, _add_beat, _drop_beat, _reorder, _rename), _replace, (_have_do,))
