"""The offline showrunner in conversation: clear requests become tool calls, tool results become replies.

It understands a fixed set of plain requests in English and Chinese (the same
actions as the tools) and says so honestly when it does not understand one;
it never invents an answer. With an endpoint configured a real model does
this job through the same graph and tools.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, ToolMessage

from agents.messages import say
from agents.showrunner_chat import read_result, summarise_results

Args = dict[str, object]
Intent = tuple[str, Args]


@dataclass(frozen=True)
class Reply:
    """A text answer instead of a tool call: a message key, rendered in the series' language."""

    key: str
    fields: Mapping[str, object]


@dataclass(frozen=True)
class Rule:
    """One request shape: a pattern and how its match becomes a tool call (or a text reply)."""

    pattern: re.Pattern[str]
    build: Callable[[re.Match[str]], Intent | Reply]


def _rx(text: str) -> re.Pattern[str]:
    return re.compile(text, re.IGNORECASE)


_EP = r"(?:episode\s*|ep\.?\s*|#)?(\d{1,4})"
_END = r"\s*[?.!。？！]*\s*$"


def _clean(text: str) -> str:
    return re.sub(r"^(?:the|a|an)\s+", "", text.strip(" \t\"'“”‘’.,:;?!。？！，：；"), flags=re.IGNORECASE).strip()


def _note(text: str | None) -> str:
    return (text or "").strip(" \t:,-–—\"'“”")


def _wardrobe(episode: str, who: str, costume: str) -> tuple[str, dict[str, object]]:
    """A lasting costume change from an episode on: a plan edit for the episodes not produced yet."""
    args = {"action": "change_wardrobe", "episode": int(episode), "character": _clean(who), "text": _clean(costume)}
    return "revise_plan", args


def _decide(approve: bool) -> Callable[[re.Match[str]], Intent | Reply]:
    def build(m: re.Match[str]) -> Intent | Reply:
        note = _note(m.group(2))
        if not approve and not note:
            return Reply("chat.reject_example", {"n": m.group(1)})
        return "decide_episode", {"episode": int(m.group(1)), "approve": approve, "note": note}

    return build


def _new_character(m: re.Match[str]) -> Intent:
    name, rest = _clean(m.group(1)), (m.group(2) or "")
    changes: dict[str, str] = {"name": name}
    age = re.search(r"(\d{1,3})[- ]year[- ]old|(\d{1,3})\s*岁", rest)
    if age:
        changes["age"] = age.group(1) or age.group(2)
    if re.search(r"\b(female|woman|girl|she)\b|女", rest, re.IGNORECASE):
        changes["gender"] = "female"
    elif re.search(r"\b(male|man|boy|he)\b|男", rest, re.IGNORECASE):
        changes["gender"] = "male"
    job = re.sub(
        r"\b(?:an?|\d{1,3}[- ]year[- ]old|female|male|woman|man|girl|boy|who is|is)\b", " ", rest, flags=re.IGNORECASE
    )
    job = re.sub(r"\d{1,3}\s*岁|[男女]性?|的", " ", job)
    if job.strip(" ,，"):
        changes["occupation"] = " ".join(job.split()).strip(" ,，")
    return "change_canon", {"action": "add_character", "changes": changes, "reason": "added in chat"}


def _new_place(kind: str) -> Callable[[re.Match[str]], Intent]:
    def build(m: re.Match[str]) -> Intent:
        changes = {"name": _clean(m.group(1))}
        if m.group(2) and m.group(2).strip():
            changes["description"] = m.group(2).strip()
        return "change_canon", {"action": f"add_{kind}", "changes": changes, "reason": "added in chat"}

    return build


def _status_retcon(m: re.Match[str]) -> Intent:
    word = m.group(2).lower()
    status = "dead" if word in ("dead", "死了", "去世了", "过世了") else word
    return "change_canon", {
        "action": "revise_character",
        "target": _clean(m.group(1)),
        "changes": {"status": status},
        "reason": "retcon in chat",
    }


def _look(m: re.Match[str]) -> Intent:
    field = {"eye": "eyes", "眼睛": "eyes", "头发": "hair"}.get(m.group(2).lower(), m.group(2).lower())
    value = re.sub(r"\s*(?:eyes?|hair)$|色的$|色$", "", _clean(m.group(3)))
    return "change_canon", {
        "action": "revise_character",
        "target": _clean(m.group(1)),
        "changes": {field: value},
        "reason": "retcon in chat",
    }


def _rename(m: re.Match[str]) -> Intent:
    return "change_canon", {
        "action": "revise_character",
        "target": _clean(m.group(1)),
        "changes": {"name": _clean(m.group(2))},
        "reason": "renamed in chat",
    }


_COUNTS = {"a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6}
_COUNTS |= {"一": 1, "两": 2, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6}


def _count(word: str) -> int:
    return int(word) if word.isdigit() else _COUNTS[word.lower()]


def _episode_or_none(text: str | None) -> int | None:
    return int(text) if text else None


RULES: tuple[Rule, ...] = (
    # production
    Rule(
        _rx(rf"^(?:please\s+)?approve\s+{_EP}\b\s*(?:[:,;-]|with\s+(?:the\s+)?note|note|saying|because)?\s*(.*)$"),
        _decide(True),
    ),
    Rule(
        _rx(
            rf"^(?:please\s+)?(?:reject|send\s+back)\s+{_EP}\b\s*(?:[:,;-]|with\s+(?:the\s+)?note|note|saying|because)?\s*(.*)$"
        ),
        _decide(False),
    ),
    Rule(_rx(r"(?:批准|通过)第?(\d+)集[，,：:。\s]*(.*)$"), _decide(True)),
    Rule(_rx(r"(?:驳回|退回|打回)第?(\d+)集[，,：:。\s]*(.*)$"), _decide(False)),
    Rule(
        _rx(rf"\b(?:re-?review|review|re-?check)\s+{_EP}\b"), lambda m: ("review_episode", {"episode": int(m.group(1))})
    ),
    Rule(_rx(r"(?:重新)?审(?:核|查|阅)第?(\d+)集"), lambda m: ("review_episode", {"episode": int(m.group(1))})),
    Rule(_rx(rf"\brender\s+{_EP}\b"), lambda m: ("render_episode", {"episode": int(m.group(1))})),
    Rule(_rx(r"渲染第?(\d+)集"), lambda m: ("render_episode", {"episode": int(m.group(1))})),
    Rule(
        _rx(
            r"^\s*is\s+(.+?)\s+(?:still\s+)?(alive|dead|absent|missing)(?:\s+(?:by|in|after)\s+(?:the\s+end\s+of\s+)?episode\s+(\d+))?\s*\??\s*$"
        ),
        lambda m: (
            "character_status",
            {
                "character": _clean(m.group(1)),
                "asked": "absent" if m.group(2) == "missing" else m.group(2).lower(),
                "episode": int(m.group(3)) if m.group(3) else None,
            },
        ),
    ),
    Rule(
        _rx(r"^\s*(.+?)(?:还|仍然)?(活着|死了|失踪了)(?:吗|么)[？?]?\s*$"),
        lambda m: (
            "character_status",
            {
                "character": _clean(m.group(1)),
                "asked": {"活着": "alive", "死了": "dead", "失踪了": "absent"}[m.group(2)],
            },
        ),
    ),
    # plan
    Rule(
        _rx(rf"\b(?:move|put|set|shift)\s+(?:the\s+)?paywall\s+(?:to|at|on)\s+{_EP}\b"),
        lambda m: ("revise_plan", {"action": "move_paywall", "episode": int(m.group(1))}),
    ),
    Rule(
        _rx(r"付费(?:点|集|墙)?(?:移|挪|改|放|设)(?:到|在|为)第?(\d+)集"),
        lambda m: ("revise_plan", {"action": "move_paywall", "episode": int(m.group(1))}),
    ),
    Rule(
        _rx(
            r"\b(?:add|extend\s+(?:the\s+)?season\s+by)\s+(\d+|an?|one|two|three|four|five|six)\s+(?:more\s+)?(?:new\s+)?episodes?\b"
        ),
        lambda m: ("extend_season", {"add": _count(m.group(1))}),
    ),
    Rule(
        _rx(r"(?:再|多)?(?:加|增加|添加|扩展)\s*(\d+|一|两|二|三|四|五|六)\s*集"),
        lambda m: ("extend_season", {"add": _count(m.group(1))}),
    ),
    Rule(
        _rx(
            rf"\badd\s+(?:a\s+)?(?:plot\s+)?twist\s+(?:at|in|to|for)\s+{_EP}\b"
            r"\s*[:,;-]?\s*(?:where|in which|:)?\s*(.*)$"
        ),
        lambda m: ("revise_plan", {"action": "add_twist", "episode": int(m.group(1)), "text": _note(m.group(2))}),
    ),
    Rule(
        _rx(r"在第?(\d+)集(?:加|增加|添加)(?:一个)?(?:反转|转折)[：:，,]?\s*(.*)$"),
        lambda m: ("revise_plan", {"action": "add_twist", "episode": int(m.group(1)), "text": _note(m.group(2))}),
    ),
    Rule(
        _rx(
            r"\bmake\s+(.+?)\s+(?:more\s+|a\s+bit\s+more\s+)?(sympathetic|likeable|likable|menacing|ruthless|vulnerable|tragic)\b"
        ),
        lambda m: (
            "revise_plan",
            {"action": "recharacterise", "character": _clean(m.group(1)), "text": m.group(2).lower()},
        ),
    ),
    Rule(
        _rx(r"让(.+?)(?:更|变得|更加)?(值得同情|可怜|讨喜|有人情味)"),
        lambda m: ("revise_plan", {"action": "recharacterise", "character": _clean(m.group(1)), "text": "sympathetic"}),
    ),
    Rule(
        _rx(
            rf"\bfrom\s+{_EP}\s*(?:on(?:wards?)?)?\s*,?\s+(.+?)\s+"
            r"(?:wears|will\s+wear|is\s+wearing|dresses\s+in|changes\s+into|is\s+in)\s+(.+?)" + _END
        ),
        lambda m: _wardrobe(m.group(1), m.group(2), m.group(3)),
    ),
    Rule(
        _rx(r"从第?(\d+)集(?:起|开始)?[，,]?\s*(.+?)(?:改穿|换上|穿上|穿)(.+?)" + _END),
        lambda m: _wardrobe(m.group(1), m.group(2), m.group(3)),
    ),
    # canon changes
    Rule(
        _rx(r"\badd\s+(?:a\s+)?(?:new\s+)?character\s*(?:named|called|:)?\s*([^,]+?)\s*(?:,\s*(.*))?$"), _new_character
    ),
    Rule(_rx(r"(?:添加|加|新增)(?:一个)?(?:新)?角色[：:，,\s]*([^，,]+)(?:[，,](.*))?$"), _new_character),
    Rule(
        _rx(r"\badd\s+(?:a\s+)?(?:new\s+)?(?:location|place|set)\s*(?:named|called|:)?\s*([^,]+?)\s*(?:,\s*(.*))?$"),
        _new_place("location"),
    ),
    Rule(_rx(r"(?:添加|加|新增)(?:一个)?(?:新)?地点[：:，,\s]*([^，,]+)(?:[，,](.*))?$"), _new_place("location")),
    Rule(
        _rx(r"\badd\s+(?:a\s+)?(?:new\s+)?prop\s*(?:named|called|:)?\s*([^,]+?)\s*(?:,\s*(.*))?$"), _new_place("prop")
    ),
    Rule(
        _rx(r"\badd\s+(?:a\s+)?(?:new\s+)?(?:world\s+)?rule\s*[:,-]?\s*(.+)$"),
        lambda m: ("change_canon", {"action": "add_rule", "rule": m.group(1).strip(), "reason": "added in chat"}),
    ),
    Rule(
        _rx(r"(?:添加|加|新增)(?:一条)?(?:世界)?规则[：:，,\s]*(.+)$"),
        lambda m: ("change_canon", {"action": "add_rule", "rule": m.group(1).strip(), "reason": "added in chat"}),
    ),
    Rule(_rx(r"\brename\s+(.+?)\s+(?:to|as)\s+(.+?)" + _END), _rename),
    Rule(_rx(r"把(.+?)改名(?:为|叫|成)(.+?)" + _END), _rename),
    Rule(
        _rx(r"(?:change|make|set)\s+(.+?)['’]s\s+(eyes|eye|hair|build|features)\s+(?:to\s+|be\s+)?(.+?)" + _END), _look
    ),
    Rule(
        _rx(
            r"(?:retcon\s*[:,-]?\s*)?(.+?)['’]s\s+(eyes|hair)\s+(?:are|is|were|was)\s+(?:actually\s+|really\s+|always\s+)?(.+?)"
            + _END
        ),
        _look,
    ),
    Rule(_rx(r"(.+?)的(眼睛|头发)(?:其实|一直)?是(.+?)" + _END), _look),
    Rule(
        _rx(
            r"^(?:retcon\s*[:,-]?\s*)?(.+?)\s+(?:was|is|has been|had been|has always been|was always)\s+"
            r"(?:already\s+|actually\s+)?(dead|alive|absent)\b"
        ),
        _status_retcon,
    ),
    Rule(
        _rx(r"^(?:追溯|改设定|设定)?[：:\s]*(.+?)(?:其实|早就|一开始就|从一开始就)(?:已经)?(死了|去世了|过世了)"),
        _status_retcon,
    ),
    # questions
    Rule(
        _rx(rf"\bwhat\s+does\s+(.+?)\s+know\b(?:.*?{_EP})?"),
        lambda m: ("character_knowledge", {"character": _clean(m.group(1)), "episode": _episode_or_none(m.group(2))}),
    ),
    Rule(
        _rx(r"(.+?)(?:在|到)第(\d+)集(?:结束时|末|为止)?知道(?:些)?什么"),
        lambda m: ("character_knowledge", {"character": _clean(m.group(1)), "episode": int(m.group(2))}),
    ),
    Rule(
        _rx(r"(.+?)(?:现在)?知道(?:些)?什么"),
        lambda m: ("character_knowledge", {"character": _clean(m.group(1)), "episode": None}),
    ),
    Rule(
        _rx(
            rf"\bwho\s+(?:has|holds|is\s+holding|owns|has\s+got)\s+(.+?)(?:\s+(?:now|currently|by|at|after|in)\b(?:.*?{_EP})?)?"
            + _END
        ),
        lambda m: ("prop_holder", {"prop": _clean(m.group(1)), "episode": _episode_or_none(m.group(2))}),
    ),
    Rule(
        _rx(r"\bwhere\s+is\s+(.+?)(?:\s+now)?" + _END),
        lambda m: ("prop_holder", {"prop": _clean(m.group(1)), "episode": None}),
    ),
    Rule(
        _rx(r"谁(?:拿着|持有|有|手里有)(.+?)" + _END),
        lambda m: ("prop_holder", {"prop": _clean(m.group(1)), "episode": None}),
    ),
    Rule(
        _rx(r"(.+?)(?:现在)?在谁(?:手里|手上|那里|那儿)"),
        lambda m: ("prop_holder", {"prop": _clean(m.group(1)), "episode": None}),
    ),
    Rule(
        _rx(
            r"\b(?:every|all|list|show)\s+(?:the\s+)?(?:produced\s+)?scenes?\s+(?:at|in|set\s+(?:at|in))\s+(.+?)" + _END
        ),
        lambda m: ("scenes_at", {"location": _clean(m.group(1))}),
    ),
    Rule(
        _rx(r"(?:所有)?(?:在)?(.+?)的(?:所有)?(?:场景|场戏|戏)"),
        lambda m: ("scenes_at", {"location": _clean(m.group(1))}),
    ),
    Rule(
        _rx(r"^(?:tell\s+me\s+about|who\s+is|who's|describe)\s+(.+?)" + _END),
        lambda m: ("describe", {"entity": _clean(m.group(1))}),
    ),
    Rule(_rx(r"^(?:介绍一下|说说|讲讲)(.+?)" + _END), lambda m: ("describe", {"entity": _clean(m.group(1))})),
    Rule(_rx(r"^(.+?)是谁" + _END), lambda m: ("describe", {"entity": _clean(m.group(1))})),
    # production, loosely worded: after the specific shapes so "write" in a question never starts a run
    Rule(
        _rx(r"\b(?:status|where\s+are\s+we|how\s+far|progress|what(?:'s|\s+is)\s+(?:pending|waiting))\b"),
        lambda m: ("status", {}),
    ),
    Rule(_rx(r"(?:状态|进度|进展)"), lambda m: ("status", {})),
    Rule(_rx(r"\b(?:cost|spent|spend|how\s+much|tokens?|price)\b"), lambda m: ("cost", {})),
    Rule(_rx(r"(?:花费|成本|费用|多少钱)"), lambda m: ("cost", {})),
    Rule(
        _rx(
            r"\b(produce|start\s+production|keep\s+going|carry\s+on|continue|write\s+(?:the\s+)?(?:next|remaining|rest))\b"
        ),
        lambda m: ("produce", {"approval": "auto" if re.search(r"\bauto", m.string, re.IGNORECASE) else "manual"}),
    ),
    Rule(_rx(r"(?:开始制作|继续制作|继续写|写下一集|开工)"), lambda m: ("produce", {"approval": "manual"})),
)

_QUESTION = _rx(r"[?？]\s*$|^(?:who|what|where|when|why|how|which|does|did|is|are|was)\b|(?:吗|什么|谁|哪|怎么)")


def understand(text: str, language: str = "en") -> Intent | str:
    """Return the tool call a plain request asks for, or the text to answer with.

    Answers are in the series' language; a request written in Chinese is answered in Chinese too.
    """
    request = " ".join(text.split())
    lang = "zh" if re.search(r"[\u4e00-\u9fff]", request) else language
    for rule in RULES:
        match = rule.pattern.search(request)
        if match:
            built = rule.build(match)
            return say(lang, built.key, **built.fields) if isinstance(built, Reply) else built
    if _QUESTION.search(request):
        return "ask_canon", {"question": request}
    return say(lang, "chat.cannot", text=request[:120])


def reply(messages: Sequence[BaseMessage], payload: Mapping[str, object]) -> AIMessage:
    """Answer the conversation: a tool call for a new request, a summary once the tools have run."""
    language = str(payload.get("language", "en"))
    last = messages[-1] if messages else None
    if isinstance(last, ToolMessage):
        start = max((i for i, m in enumerate(messages) if isinstance(m, HumanMessage)), default=0)
        results = [read_result(m.text) for m in messages[start:] if isinstance(m, ToolMessage)]
        return AIMessage(content=summarise_results(results, language))
    text = last.text if isinstance(last, HumanMessage) else ""
    intent = understand(text, language)
    if isinstance(intent, str):
        return AIMessage(content=intent)
    name, args = intent
    history = "\n".join(m.text for m in messages)
    call_id = "offline-chat-" + hashlib.sha256(f"{len(messages)}:{history}".encode()).hexdigest()[:16]
    return AIMessage(content="", tool_calls=[{"name": name, "args": args, "id": call_id, "type": "tool_call"}])
