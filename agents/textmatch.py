"""Text matching shared by the continuity checks and the ethics guards.

It also holds the continuity recognisers built on that matching: name look-
alikes (English and Chinese), hair and eye colour claims, costume-change
directions and era-breaking terms.

Latin terms match on word boundaries (with an optional plural, or any ending
for a term written with a trailing ``*``); terms holding CJK characters match
as substrings, because Chinese has no spaces to mark word boundaries. Matching
runs on a folded copy of the text (casefolded, accents and full-width forms
removed, zero-width characters dropped) that maps back to the original, so a
quote is always the verbatim source text.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache

from memory.schema import Canon, Character, Line, Scene, WorldRules

# Invisible or decorative characters that would split a name or a term.
_DROP = frozenset("\u200b\u200c\u200d\u2060\ufeff\u00ad·・•")
_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_LATIN_WORD = re.compile(r"[A-Za-z][A-Za-z'’-]*")
_CLOCK = re.compile(r"^\s*(\d{1,2})\s*[:：]\s*(\d{2})\s*$")


@dataclass(frozen=True)
class Folded:
    """A folded copy of a text that remembers where each character came from."""

    text: str
    source: str
    index: tuple[int, ...]

    def quote(self, start: int, end: int) -> str:
        """Return the verbatim source text behind the folded span [start, end)."""
        if start >= end or not self.index:
            return ""
        return self.source[self.index[start] : self.index[end - 1] + 1]


@dataclass(frozen=True)
class Hit:
    """One occurrence of a lexicon term in a text."""

    term: str
    start: int
    end: int
    quote: str


def fold(text: str) -> Folded:
    """Fold a text for matching: casefold, strip accents and width, drop invisible characters."""
    out: list[str] = []
    index: list[int] = []
    for i, ch in enumerate(text):
        if ch in _DROP:
            continue
        decomposed = unicodedata.normalize("NFKD", ch)
        base = "".join(c for c in decomposed if not unicodedata.combining(c)) or ch
        for c in base.casefold():
            out.append(c)
            index.append(i)
    return Folded("".join(out), text, tuple(index))


def has_cjk(text: str) -> bool:
    """Return True when the text holds at least one CJK ideograph."""
    return _CJK.search(text) is not None


def is_cjk_char(ch: str) -> bool:
    """Return True for a single CJK ideograph."""
    return len(ch) == 1 and _CJK.match(ch) is not None


@lru_cache(maxsize=4096)
def term_pattern(term: str) -> re.Pattern[str]:
    """Compile the pattern that finds a lexicon term in folded text."""
    wildcard = term.endswith("*")
    body = fold(term.rstrip("*")).text.strip()
    if has_cjk(body):
        return re.compile(re.escape(body))
    parts: list[str] = []
    for token in re.split(r"(\s+|-)", body):
        if not token:
            continue
        if token.isspace():
            parts.append(r"[\s\-]+")
        elif token == "-":
            parts.append(r"[\s\-]*")
        else:
            parts.append(re.escape(token))
    tail = r"[a-z]*" if wildcard else r"(?:s|es)?"
    return re.compile(r"(?<![a-z0-9])" + "".join(parts) + tail + r"(?![a-z0-9])")


def find_terms(
    folded: Folded, terms: Iterable[str], exclusions: Mapping[str, Iterable[str]] | None = None
) -> list[Hit]:
    """Find every occurrence of the terms, skipping those inside an excluded phrase."""
    hits: list[Hit] = []
    for term in terms:
        blocked = _excluded_spans(folded, (exclusions or {}).get(term, ()))
        for m in term_pattern(term).finditer(folded.text):
            if any(s <= m.start() and m.end() <= e for s, e in blocked):
                continue
            hits.append(Hit(term, m.start(), m.end(), folded.quote(m.start(), m.end())))
    hits.sort(key=lambda h: (h.start, -h.end))
    return hits


def _excluded_spans(folded: Folded, phrases: Iterable[str]) -> list[tuple[int, int]]:
    return [(m.start(), m.end()) for p in phrases for m in term_pattern(p).finditer(folded.text)]


def regex_hits(folded: Folded, patterns: Iterable[re.Pattern[str]]) -> list[Hit]:
    """Find every match of precompiled patterns (written for folded text)."""
    hits = [
        Hit(p.pattern, m.start(), m.end(), folded.quote(m.start(), m.end()))
        for p in patterns
        for m in p.finditer(folded.text)
    ]
    hits.sort(key=lambda h: (h.start, -h.end))
    return hits


def latin_words(text: str) -> list[tuple[str, int]]:
    """Return the Latin words of a text with their offsets."""
    return [(m.group().strip("'’-"), m.start()) for m in _LATIN_WORD.finditer(text)]


def edit_distance(a: str, b: str, limit: int = 3) -> int:
    """Return the Levenshtein distance between two strings, capped at limit + 1."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        if min(current) > limit:
            return limit + 1
        previous = current
    return min(previous[-1], limit + 1)


def clock_minutes(clock: str) -> int | None:
    """Parse a 24h 'HH:MM' clock into minutes after midnight, or None when malformed."""
    m = _CLOCK.match(clock)
    if not m:
        return None
    hours, minutes = int(m.group(1)), int(m.group(2))
    if hours > 24 or minutes > 59 or (hours == 24 and minutes):
        return None
    return (hours % 24) * 60 + minutes


def format_clock(minutes: int) -> str:
    """Format minutes after midnight as a 24h 'HH:MM' clock."""
    minutes %= 24 * 60
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


# --------------------------------------------------------------------------- names

# Frequent capitalised words (sentence starts, titles) that sit one or two edits from common names.
_COMMON_WORDS = frozenset([
    "about", "above", "after", "again", "against", "also", "always", "another", "anyone", "anything", "around",
    "because", "before", "behind", "being", "below", "between", "both", "brother", "careful", "come", "could",
    "daddy", "dear", "does", "doing", "done", "down", "during", "each", "either", "enough", "even", "ever", "every",
    "father", "first", "from", "give", "good", "goodbye", "great", "have", "hello", "help", "here", "hers", "herself",
    "himself", "home", "honey", "however", "inside", "into", "just", "keep", "kind", "know", "last", "later", "leave",
    "left", "less", "like", "listen", "little", "look", "make", "many", "mark", "maybe", "mine", "miss", "missing",
    "money", "more", "most", "mother", "much", "must", "myself", "never", "news", "next", "nice", "night", "none",
    "nothing", "okay", "once", "only", "open", "other", "ours", "over", "perhaps", "please", "quiet", "quite",
    "rather", "ready", "really", "right", "said", "same", "shall", "she's", "should", "since", "sister", "some",
    "sorry", "soon", "still", "stop", "such", "sure", "take", "tell", "than", "thank", "thanks", "that", "that's",
    "their", "them", "then", "there", "these", "they", "thing", "think", "this", "those", "though", "through",
    "today", "together", "tomorrow", "tonight", "truly", "under", "until", "very", "wait", "want", "was", "well",
    "were", "what", "when", "where", "which", "while", "white", "whose", "will", "with", "without", "would", "wrong",
    "yeah", "years", "yesterday", "your", "yours", "yourself", "mister", "madam", "ma'am", "lady", "lord", "sir",
    "miss", "mrs", "young", "elder", "uncle", "aunt", "grandma", "grandpa", "boss", "chief", "doctor", "officer",
    "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday", "january", "february", "march",
    "april", "june", "july", "august", "september", "october", "november", "december", "christmas", "easter",
    "spring", "summer", "autumn", "winter",
    "afternoon", "answer", "anything", "ask", "baby", "believe", "blood", "breathe", "bring", "brother", "call",
    "captain", "carry", "catch", "check", "close", "coming", "cook", "dad", "damn", "darling", "dawn", "dear",
    "death", "drink", "drive", "drop", "dusk", "eat", "emperor", "empress", "enough", "evening", "everybody",
    "everyone", "fate", "fear", "fight", "find", "fine", "fire", "follow", "food", "forget", "forgive", "free",
    "friend", "general", "gentlemen", "go", "god", "going", "gold", "guard", "hand", "hang", "hear", "heaven",
    "hell", "hide", "hold", "honey", "hope", "hurry", "jade", "jump", "kill", "king", "kiss", "ladies", "lady",
    "laugh", "learn", "lend", "lie", "life", "listen", "live", "lock", "look", "lord", "love", "luck", "madam",
    "mama", "master", "meet", "midnight", "minister", "mistress", "mom", "morning", "move", "mum", "need", "nobody",
    "noon", "nothing", "papa", "pass", "pay", "pick", "play", "poor", "prince", "princess", "promise", "pull",
    "push", "put", "queen", "reach", "read", "ready", "real", "remember", "rest", "rich", "ring", "rose", "run",
    "save", "say", "see", "sell", "send", "servant", "shoot", "show", "shut", "silk", "sing", "sister", "sit",
    "sleep", "somebody", "someone", "something", "sorry", "speak", "stand", "start", "stay", "steal", "swear",
    "sweet", "sweetheart", "talk", "teach", "throw", "today", "touch", "trust", "try", "turn", "walk", "wash",
    "watch", "wear", "work", "write", "yell", "yesterday",
])
_ZH_STOP = frozenset(
    "的了着过是在和与跟及也都就又还才把被给对向让叫说道问答笑看听想要会能来去回到不没这那你我他她它们个些上下中里外内"
    "前后左右大小老多少家人子儿头点吗呢吧啊呀哦哈嘛啦么一二三四五六七八九十百千万年月日时分天妃府宫氏总董姐哥妹弟叔"
    "姨伯婶公婆爸妈夫嫂少先某爷"
)
# Ordinary words that begin with a common surname and can stand alone between punctuation.
_ZH_WORDS = frozenset([
    "周末", "高兴", "黄昏", "马上", "江湖", "金钱", "白色", "林中", "陈旧", "王子",
    "张开", "李子", "杨柳", "刘海", "孙子", "胡说", "何必", "何况", "何时", "高手",
    "方便", "许多", "许久", "石头", "叶子", "田野", "常常", "于是", "毕竟", "全部",
    "连忙", "关系", "关心", "路上", "温柔", "温暖", "童年", "应该", "曾经", "任何",
    "明天", "明白", "东西", "司机", "谢谢", "宁可", "成功", "万一", "当然", "黄金",
    "白天", "安静", "安全", "文件", "华丽", "严重", "时间", "花园", "龙井", "雷声",
    "钟声", "江南", "沈默", "孔雀", "齐心", "向来",
])
_SENTENCE_START = re.compile(r"(?:^|[.!?…:;]\s*)[\"'“‘(\s]*$")
_NAME_USE = re.compile(r"(?:['’]s\b|\s*[,!?])")
_ZH_BEFORE = frozenset("叫找见问喊请对跟和给陪帮让等替")
_ZH_OPENING = re.compile(r"(?:^|[。！？!?…\n])[\s“「\"']*$")
_ZH_VOCATIVE = re.compile(r"^[，,！!？?]\s*(?:你|您)")
_ZH_AFTER_TITLES = ("姐", "哥", "先生", "小姐", "同学", "医生", "老师")


def names_of(character: Character) -> list[str]:
    """Return a character's canon name followed by its aliases."""
    return [character.name, *character.aliases]


def _canon_words(canon: Canon) -> set[str]:
    names = [n for c in canon.characters for n in names_of(c)]
    names += [n for loc in canon.locations for n in (loc.name, *loc.aliases)]
    names += [n for p in canon.props for n in (p.name, *p.aliases)] + [canon.title]
    return {w.casefold() for n in names for w, _ in latin_words(n)}


def similar_en_names(text: str, canon: Canon, lowercase_words: set[str]) -> list[tuple[str, str]]:
    """Return (word, canon name) pairs for capitalised words that look like misspelt canon names."""
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
        # A sentence opener is capitalised anyway; only trust it as a name when used as one (vocative, possessive).
        if _SENTENCE_START.search(text[:at]) and not _NAME_USE.match(text[at + len(word) :]):
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
            if odd in _ZH_STOP or odd == name[0] or cand in _ZH_WORDS or cand[:2] in _ZH_WORDS:
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
        return free_after and (not before or not is_cjk_char(before[-1]) or before[-1] in _ZH_BEFORE)
    if before and before[-1] in _ZH_BEFORE and free_after:
        return True
    return _ZH_OPENING.search(before) is not None and _ZH_VOCATIVE.match(after) is not None


def _all_canon_names(canon: Canon) -> list[str]:
    names = [n for c in canon.characters for n in names_of(c)]
    return names + [n for loc in canon.locations for n in (loc.name, *loc.aliases)] + [
        n for p in canon.props for n in (p.name, *p.aliases)]


# ------------------------------------------------------------------ appearance

_CHANGE = re.compile(r"\b(changes|changed|change into|changing into|puts on|put on|dons|slips into|dresses in|"
                     r"now wears|now wearing)\b|换上|换了|换好|穿上|更衣|换装", re.IGNORECASE)
_HAIR = {"black": ("black", "raven", "黑", "乌"), "blonde": ("blonde", "blond", "golden", "金", "黄"),
         "red": ("red", "auburn", "ginger", "红"), "brown": ("brown", "chestnut", "棕", "褐", "栗"),
         "grey": ("grey", "gray", "灰"), "white": ("white", "白"), "silver": ("silver", "银")}
_EYES = {"blue": ("blue", "蓝"), "green": ("green", "绿"), "brown": ("brown", "棕", "褐"), "black": ("black", "黑"),
         "grey": ("grey", "gray", "灰"), "hazel": ("hazel",), "amber": ("amber", "琥珀")}
_HAIR_ADJ = (r"(?:(?:long|short|curly|straight|wavy|messy|thick|silky|cropped|braided|loose|tangled|shoulder-length)"
             r"[\s,]+){0,2}")
_CLAIMS = (
    ("hair", _HAIR, re.compile(r"\b(black|raven|blonde|blond|golden|red|auburn|ginger|brown|chestnut|grey|gray|white|"
                                r"silver)(?:[- ]haired\b|\s+" + _HAIR_ADJ + r"hair\b)", re.IGNORECASE)),
    ("hair", _HAIR, re.compile(r"([黑乌金黄红棕褐栗灰白银])色?的?(?:长|短|卷|直|秀)?头?发"
                                r"(?!生|现|出|展|动|布|明|呆|火|誓|抖)")),
    ("eyes", _EYES, re.compile(r"\b(blue|green|brown|black|grey|gray|hazel|amber)(?:[- ]eyed\b|\s+eyes\b)",
                                re.IGNORECASE)),
    ("eyes", _EYES, re.compile(r"([黑蓝绿棕褐灰]|琥珀)色?的?(?:眼睛|眼眸|眸子|瞳孔|双眸)")),
)
_DYE = re.compile(r"\b(dye|dyes|dyed|wig|bleached)\b|染|假发", re.IGNORECASE)
_SENTENCE_END = re.compile(r"[.!?。！？\n]")


@dataclass(frozen=True)
class AppearanceClaim:
    """A hair or eye colour the text gives a character that canon contradicts."""

    name: str
    feature: str
    quote: str
    canon_text: str
    replacement: str


def _colour_keys(text: str, lexicon: Mapping[str, tuple[str, ...]]) -> list[str]:
    folded = fold(text)
    return [key for key, words in lexicon.items() if find_terms(folded, words)]


def appearance_claims(text: str, canon: Canon) -> list[AppearanceClaim]:
    """Return hair and eye colour claims in a text that contradict the named character's canon look."""
    if _DYE.search(text):
        return []
    named = [(h.start, h.end, c) for c in canon.characters for h in find_terms(fold(text), names_of(c))]
    out: list[AppearanceClaim] = []
    for feature, lexicon, pattern in _CLAIMS:
        for m in pattern.finditer(text):
            owner = _owner(text, m.start(), named)
            if owner is None:
                continue
            canon_text = owner.appearance.hair if feature == "hair" else owner.appearance.eyes
            allowed = _colour_keys(canon_text, lexicon)
            said = next((k for k, words in lexicon.items() if m.group(1).casefold() in words), None)
            if not allowed or said is None or said in allowed:
                continue
            words = lexicon[allowed[0]]
            new_word = next((w for w in words if has_cjk(w)), words[0]) if has_cjk(m.group(1)) else words[0]
            quote = m.group()
            out.append(AppearanceClaim(owner.name, feature, quote, canon_text,
                                       quote.replace(m.group(1), new_word, 1)))
    return out


def _owner(text: str, at: int, named: list[tuple[int, int, Character]]) -> Character | None:
    # The nearest name before the colour in the same sentence owns it; else a sole named character does.
    before = [(end, c) for start, end, c in named if end <= at and not _SENTENCE_END.search(text[end:at])]
    if before:
        return max(before, key=lambda x: x[0])[1]
    distinct = {c.id: c for _, _, c in named}
    return next(iter(distinct.values())) if len(distinct) == 1 else None


def change_marked(line: Line, character_id: str, canon: Canon, scene: Scene) -> bool:
    """Return True when an action line shows this character changing clothes."""
    if line.kind != "action" or not _CHANGE.search(line.text):
        return False
    folded = fold(line.text)
    named = [c.id for c in canon.characters if find_terms(folded, names_of(c))]
    # "She changes into..." names nobody; credit it to anyone present.
    return character_id in named or (not named and character_id in scene.character_ids)


# ------------------------------------------------------------------ era terms

_PRE_INDUSTRIAL = {
    "phone": "letter", "smartphone": "letter", "cellphone": "letter", "mobile phone": "letter",
    "telephone": "messenger", "car": "carriage", "taxi": "sedan chair", "bus": "cart", "truck": "cart",
    "motorcycle": "horse", "bicycle": "horse", "gun": "sword", "pistol": "dagger", "rifle": "bow",
    "computer": "abacus", "laptop": "ledger", "internet": "town gossip", "email": "letter", "e-mail": "letter",
    "text message": "note", "electricity": "candlelight", "light bulb": "lantern", "television": "theatre",
    "tv": "theatre", "camera": "portrait painter", "photo": "portrait", "photograph": "portrait",
    "plane": "carriage", "airplane": "carriage", "helicopter": "carriage", "airport": "post station",
    "radio": "herald", "video": "painting", "selfie": "portrait", "elevator": "stairs", "wechat": "letter",
    "手机": "书信", "电话": "书信", "汽车": "马车", "出租车": "轿子", "公交车": "牛车", "摩托车": "快马",
    "自行车": "毛驴",
    "手枪": "匕首", "开枪": "拔剑", "枪声": "弓弦声", "步枪": "弓箭", "猎枪": "弓箭", "枪口": "刀锋", "电脑": "算盘",
    "网络": "坊间", "上网": "打听", "网上": "坊间", "邮件": "书信", "短信": "字条", "微信": "书信", "电视": "戏台",
    "相机": "画师", "照片": "画像", "拍照": "作画", "飞机": "马车", "机场": "驿站", "火车": "马车", "电灯": "烛火",
    "灯泡": "灯笼", "视频": "画卷", "电梯": "楼梯", "收音机": "说书人",
}
_DIGITAL = ("smartphone", "cellphone", "mobile phone", "computer", "laptop", "internet", "email", "e-mail",
            "text message", "selfie", "wechat", "手机", "电脑", "网络", "上网", "微信", "短信", "视频")
# "train" is also a verb; only the noun after a determiner is a railway.
_TRAIN = re.compile(r"(?<![a-z])(?:the|a|by|on|next|last|this|that|night|steam)\s+(trains?)(?![a-z])")


def modern_terms(text: str, world: WorldRules) -> list[tuple[str, str]]:
    """Return (verbatim term, era substitute) pairs for terms the world's era rules out."""
    folded = fold(text)
    terms: dict[str, str] = {t: "" for t in world.forbidden_terms if t.strip()}
    if world.technology == "pre_industrial":
        terms |= _PRE_INDUSTRIAL
    elif world.technology == "industrial":
        terms |= {t: "" for t in _DIGITAL}
    spans = [(h.start, h.end, h.quote, terms[h.term] or _PRE_INDUSTRIAL.get(h.term, "")) for h in
             find_terms(folded, terms)]
    if world.technology == "pre_industrial":
        spans += [(m.start(1), m.end(1), folded.quote(m.start(1), m.end(1)), "carriage")
                  for m in _TRAIN.finditer(folded.text)]
    # A hit inside a longer hit ("枪" in "手枪") is the same anachronism.
    kept = [s for s in spans if not any(o[0] <= s[0] and s[1] <= o[1] and o[:2] != s[:2] for o in spans)]
    return list(dict.fromkeys((q, sub) for _, _, q, sub in sorted(kept)))
