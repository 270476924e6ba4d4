"""Recognisers for names that drift from their canon spelling, in English and Chinese.

An English look-alike is a capitalised word one or two edits from a canon name
that is not a common word; a Chinese one is a two- or three-character run with
one character changed that stands where a name would.
"""

from __future__ import annotations

import re

from agents.textmatch import edit_distance, is_cjk_char, latin_words, names_of, term_list
from memory.schema import Canon

# Frequent capitalised words (sentence starts, titles) that sit one or two edits from common names.
_COMMON_WORDS = frozenset(
    term_list(
        "about, above, after, again, against, also, always, another, anyone, anything, around, because, before, "
        "behind, being, below, between, both, brother, careful, come, could, daddy, dear, does, doing, done, down, "
        "during, each, either, enough, even, ever, every, father, first, from, give, good, goodbye, great, have, "
        "hello, help, here, hers, herself, himself, home, honey, however, inside, into, just, keep, kind, know, last, "
        "later, leave, left, less, like, listen, little, look, make, many, mark, maybe, mine, miss, missing, money, "
        "more, most, mother, much, must, myself, never, news, next, nice, night, none, nothing, okay, once, only, "
        "open, other, ours, over, perhaps, please, quiet, quite, rather, ready, really, right, said, same, shall, "
        "she's, should, since, sister, some, sorry, soon, still, stop, such, sure, take, tell, than, thank, thanks, "
        "that, that's, their, them, then, there, these, they, thing, think, this, those, though, through, today, "
        "together, tomorrow, tonight, truly, under, until, very, wait, want, was, well, were, what, when, where, "
        "which, while, white, whose, will, with, without, would, wrong, yeah, years, yesterday, your, yours, yourself, "
        "mister, madam, ma'am, lady, lord, sir, mrs, young, elder, uncle, aunt, grandma, grandpa, boss, chief, doctor, "
        "officer, monday, tuesday, wednesday, thursday, friday, saturday, sunday, january, february, march, april, "
        "june, july, august, september, october, november, december, christmas, easter, spring, summer, autumn, "
        "winter, afternoon, answer, ask, baby, believe, blood, breathe, bring, call, captain, carry, catch, check, "
        "close, coming, cook, dad, damn, darling, dawn, death, drink, drive, drop, dusk, eat, emperor, empress, "
        "evening, everybody, everyone, fate, fear, fight, find, fine, fire, follow, food, forget, forgive, free, "
        "friend, general, gentlemen, go, god, going, gold, guard, hand, hang, hear, heaven, hell, hide, hold, hope, "
        "hurry, jade, jump, kill, king, kiss, ladies, laugh, learn, lend, lie, life, live, lock, love, luck, mama, "
        "master, meet, midnight, minister, mistress, mom, morning, move, mum, need, nobody, noon, papa, pass, pay, "
        "pick, play, poor, prince, princess, promise, pull, push, put, queen, reach, read, real, remember, rest, rich, "
        "ring, rose, run, save, say, see, sell, send, servant, shoot, show, shut, silk, sing, sit, sleep, somebody, "
        "someone, something, speak, stand, start, stay, steal, swear, sweet, sweetheart, talk, teach, throw, touch, "
        "trust, try, turn, walk, wash, watch, wear, work, write, yell"
    )
)
_ZH_STOP = frozenset(
    "的了着过是在和与跟及也都就又还才把被给对向让叫说道问答笑看听想要会能来去回到不没这那你我他她它们个些上下中里外内"
    "前后左右大小老多少家人子儿头点吗呢吧啊呀哦哈嘛啦么一二三四五六七八九十百千万年月日时分天妃府宫氏总董姐哥妹弟叔"
    "姨伯婶公婆爸妈夫嫂少先某爷"
)
# Ordinary words that begin with a common surname and can stand alone between punctuation.
_ZH_WORDS = frozenset(
    term_list(
        "周末, 高兴, 黄昏, 马上, 江湖, 金钱, 白色, 林中, 陈旧, 王子, 张开, 李子, 杨柳, 刘海, 孙子, 胡说, 何必, 何况, "
        "何时, 高手, 方便, 许多, 许久, 石头, 叶子, 田野, 常常, 于是, 毕竟, 全部, 连忙, 关系, 关心, 路上, 温柔, 温暖, "
        "童年, 应该, 曾经, 任何, 明天, 明白, 东西, 司机, 谢谢, 宁可, 成功, 万一, 当然, 黄金, 白天, 安静, 安全, 文件, "
        "华丽, 严重, 时间, 花园, 龙井, 雷声, 钟声, 江南, 沈默, 孔雀, 齐心, 向来"
    )
)
_SENTENCE_START = re.compile(r"(?:^|[.!?…:;]\s*)[\"'“‘(\s]*$")
# After a sentence opener, what marks it as a name: possessive, vocative, or a verb a subject takes.
_NAME_USE = re.compile(
    r"(?:['’]s\b|\s*[,!?]|\s+(?:is|was|has|had|will|would|can|could|did|does|isn['’]t|wasn['’]t|won['’]t|"
    r"doesn['’]t|didn['’]t|said|says|told|knows|knew|wants|wanted|never|always|just)\b)"
)
_ZH_BEFORE = frozenset("叫找见问喊请对跟和给陪帮让等替")
_ZH_OPENING = re.compile(r"(?:^|[。！？!?…\n])[\s“「\"']*$")
_ZH_VOCATIVE = re.compile(r"^[，,！!？?]\s*(?:你|您)")
_ZH_AFTER_TITLES = ("姐", "哥", "先生", "小姐", "同学", "医生", "老师")
# Stop characters that are also common homophone slips for given-name characters (佳/嘉 -> 家, 梓 -> 子):
# accepted inside a three-character name whose other two characters match.
_ZH_SLIP_STOPS = frozenset("家子儿")
# What follows a subject's name in a sentence (a verb or adverb); a three-character look-alike before one is a name.
_ZH_AFTER_NAME = frozenset("把被将对向跟和说问笑看站走坐拿接递推抓握转低抬摇点冷已正早也都就又还却才刚猛愣的")


def _canon_words(canon: Canon) -> set[str]:
    names = [n for c in canon.characters for n in names_of(c)]
    names += [n for loc in canon.locations for n in (loc.name, *loc.aliases)]
    names += [n for p in canon.props for n in (p.name, *p.aliases)] + [canon.title]
    return {w.casefold() for n in names for w, _ in latin_words(n)}


def similar_en_names(
    text: str, canon: Canon, lowercase_words: set[str], *, stage_direction: bool = False
) -> list[tuple[str, str]]:
    """Return (word, canon name) pairs for capitalised words that look like misspelt canon names.

    Args:
        text: The line's text.
        canon: Canon holding the names.
        lowercase_words: Words the script uses in lower case, hence ordinary words.
        stage_direction: True for an action line, whose sentences open on the character who acts.
    """
    tokens = [w for c in canon.characters for n in names_of(c) for w, _ in latin_words(n) if len(w) >= 4]
    if not tokens:
        return []
    known = _canon_words(canon) | _COMMON_WORDS | lowercase_words
    out: list[tuple[str, str]] = []
    seen: set[str] = set()
    for word, at in latin_words(text):
        word = re.sub(r"['’]s$", "", word)
        if len(word) < 4 or not word[0].isupper() or word.casefold() in known or word in seen:
            continue
        # A sentence opener is capitalised anyway; trust it as a name only when used as one (vocative, possessive,
        # the subject of a verb), except in stage directions, whose sentences open on the character who acts.
        if not stage_direction and _SENTENCE_START.search(text[:at]) and not _NAME_USE.match(text[at + len(word) :]):
            continue
        seen.add(word)
        best: tuple[int, str] | None = None
        for token in tokens:
            limit = 1 if len(token) < 6 else 2
            d = edit_distance(word.casefold(), token.casefold(), limit)
            # Short names need the same initial: 'Mina'/'Nina' are both real names.
            if 1 <= d <= limit and (len(token) >= 6 or word[0].casefold() == token[0].casefold()):
                best = min(best, (d, token)) if best else (d, token)
        if best:
            out.append((word, best[1]))
    return out


def similar_zh_names(text: str, canon: Canon) -> list[tuple[str, str]]:
    """Return (substring, canon name) pairs for Chinese names with one character drifted."""
    names = [n for c in canon.characters for n in names_of(c) if len(n) in (2, 3) and all(map(is_cjk_char, n))]
    taken = [(m.start(), m.end()) for n in _all_canon_names(canon) for m in re.finditer(re.escape(n), text)]
    out: list[tuple[str, str]] = []
    for name in names:
        for i in (m.start() for m in re.finditer(re.escape(name[0]), text)):
            cand = text[i : i + len(name)]
            diffs = [k for k in range(1, len(name)) if k < len(cand) and cand[k] != name[k]]
            if len(cand) != len(name) or len(diffs) != 1 or not all(map(is_cjk_char, cand)):
                continue
            odd = cand[diffs[0]]
            stop = odd in _ZH_STOP and not (len(name) == 3 and odd in _ZH_SLIP_STOPS)
            if stop or odd == name[0] or cand in _ZH_WORDS or cand[:2] in _ZH_WORDS:
                continue
            if any(s < i + len(cand) and i < e for s, e in taken) or cand in names:
                continue
            if _zh_name_position(text[:i], text[i + len(cand) :], len(cand)):
                out.append((cand, name))
    return list(dict.fromkeys(out))


def _zh_name_position(before: str, after: str, length: int) -> bool:
    # Two-character look-alikes are mostly ordinary words (高级, 周全): only a title, a name-taking verb or a
    # vocative opening makes them names. Three-character ones need only to stand on their own.
    if after.startswith(_ZH_AFTER_TITLES):
        return True
    free_after = not after or not is_cjk_char(after[0])
    if length == 3:
        return (free_after or after[0] in _ZH_AFTER_NAME) and (
            not before or not is_cjk_char(before[-1]) or before[-1] in _ZH_BEFORE
        )
    if before and before[-1] in _ZH_BEFORE and free_after:
        return True
    return _ZH_OPENING.search(before) is not None and _ZH_VOCATIVE.match(after) is not None


def _all_canon_names(canon: Canon) -> list[str]:
    names = [n for c in canon.characters for n in names_of(c)]
    return (
        names
        + [n for loc in canon.locations for n in (loc.name, *loc.aliases)]
        + [n for p in canon.props for n in (p.name, *p.aliases)]
    )
