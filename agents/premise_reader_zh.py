"""Read a Chinese premise into premise facts: jieba segmentation with POS tags, a lexicon (premise_lexicon_zh.json).

jieba marks person names (nr) and place names (ns); the lexicon's jobs, relations,
places and objects are added to a private tokenizer as words of their own, so
"苏绣传人沈若兰" splits into the job and the name. jieba is initialised on first
use only, and quietly.
"""

from __future__ import annotations

import bisect
import json
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any

from agents.premise_people import Naming, premise_people
from memory.premise import PremiseFacts, PremiseThing

_NAME_FLAGS = frozenset({"nr", "nrfg", "nrt"})
_CN_NUM = "一二三四五六七八九十两百千半几"
_TIME = re.compile(
    rf"(?:(?:每|整整|短短|仅仅|只有|不到)?[{_CN_NUM}\d]+(?:个)?(?:天|日|夜|晚|周|星期|个月|月|年|小时|时辰|分钟)"
    r"(?:之内|之后|以后|以前|之前|以来|后|前|内)?)"
    rf"|(?:每(?:天|晚|夜|日))?(?:夜里|晚上|凌晨|深夜|午夜|半夜|傍晚|清晨)?[{_CN_NUM}\d]+点(?:[零{_CN_NUM}\d]+分)?"
    r"|每(?:晚|夜|天|日|年|月|周|逢[^，。]{1,4})|(?:凌晨|午夜|子时|深夜)|\d{4}年|前夕|[^，。、；\s]{2,6}前一(?:个月|周|天|年)"
    r"|新婚之夜|洞房花烛夜|大婚之日|婚礼当天|除夕夜?|中秋节?|元宵节?|生日当天|当晚|那一夜|那一晚|入职第一天|第一天"
)
_CLAUSE_END = re.compile(r"[，。；！？,.;!?]")
_TIMELIKE = re.compile(rf"^[{_CN_NUM}\d]+$")


@dataclass
class _Lexicon:
    jobs: list[str]
    relations: dict[str, str]
    places: dict[str, bool]
    objects: list[str]
    surnames: str
    compound_surnames: list[str]
    device_cues: list[str]
    dead_cues: list[str]
    missing_cues: list[str]
    antagonist_cues: list[str]
    not_names: frozenset[str]
    titles: frozenset[str]


@cache
def _lexicon() -> _Lexicon:
    raw: dict[str, Any] = json.loads(resources.files("agents").joinpath("premise_lexicon_zh.json").read_text("utf-8"))
    return _Lexicon(
        jobs=list(raw["jobs"]),
        relations=dict(raw["relations"]),
        places=dict(raw["places"]),
        objects=list(raw["objects"]),
        surnames=str(raw["surnames"]),
        compound_surnames=list(raw["compound_surnames"]),
        device_cues=sorted(raw["device_cues"], key=len, reverse=True),
        dead_cues=list(raw["dead_cues"]),
        missing_cues=list(raw["missing_cues"]),
        antagonist_cues=sorted(raw["antagonist_cues"], key=len, reverse=True),
        not_names=frozenset(raw["not_names"]),
        titles=frozenset(raw.get("titles", [])),
    )


@cache
def _tokenizer() -> Any:
    """Return a private jieba POS tokenizer that knows the lexicon's words; built once, on first use."""
    import jieba
    import jieba.posseg

    jieba.setLogLevel(logging.WARNING)  # jieba logs its dictionary loading to stderr otherwise
    base = jieba.Tokenizer()
    base.initialize()
    lex = _lexicon()
    for tag, words in (("job", lex.jobs), ("rel", lex.relations), ("plc", lex.places), ("obj", lex.objects)):
        for word in words:
            base.add_word(word, freq=20000, tag=tag)
    return jieba.posseg.POSTokenizer(base)


@dataclass
class _Token:
    word: str
    flag: str
    start: int

    @property
    def end(self) -> int:
        return self.start + len(self.word)


@dataclass
class _Person:
    name: str = ""
    starts: list[int] = field(default_factory=list)
    role: str = ""
    relation: str = ""
    related_to: int | None = None
    gender: str = ""
    label: str = ""
    dead: bool = False
    missing: bool = False
    antagonist: bool = False


def _tokens(text: str) -> list[_Token]:
    out: list[_Token] = []
    position = 0
    for pair in _tokenizer().cut(text):
        word, flag = pair.word, pair.flag
        out.append(_Token(word, flag, position))
        position += len(word)
    return out


class _Reader:
    def __init__(self, premise: str) -> None:
        self.text = re.sub(r"\s+", "", premise)
        self.lex = _lexicon()
        self.tokens = _tokens(self.text)
        self.ends = [t.end for t in self.tokens]
        self.people: list[_Person] = []

    def _surname_ok(self, name: str) -> bool:
        if any(name.startswith(c) for c in self.lex.compound_surnames):
            return 3 <= len(name) <= 4
        return name[:1] in self.lex.surnames and 2 <= len(name) <= 3

    @staticmethod
    def _nickname(name: str) -> bool:
        """阿 + one character is a name with no surname ("宫女阿蛮", "渔村姑娘阿蛮")."""
        return len(name) == 2 and name[0] == "阿"

    def _lexical(self, word: str) -> bool:
        lex = self.lex
        return (
            word in lex.not_names
            or word in lex.relations
            or word in lex.places
            or word in lex.jobs
            or (word in lex.objects)
        )

    def _names(self) -> list[tuple[int, str]]:
        found: list[tuple[int, str]] = []
        tokens = self.tokens
        index = 0
        while index < len(tokens):
            token = tokens[index]
            word = token.word
            nxt = tokens[index + 1] if index + 1 < len(tokens) else None
            # jieba often splits "王秀英" into "王" + "秀英": a lone surname takes the next short token.
            if (
                len(word) == 1
                and word in self.lex.surnames
                and nxt is not None
                and 1 <= len(nxt.word) <= 2
                and (nxt.flag in _NAME_FLAGS or token.flag in _NAME_FLAGS)
                and re.fullmatch(r"[\u4e00-\u9fff]+", nxt.word)
                and not self._lexical(nxt.word)
            ):
                found.append((token.start, word + nxt.word))
                index += 2
                continue
            named = token.flag in _NAME_FLAGS and (self._surname_ok(word) or self._nickname(word))
            named = named and not self._lexical(word)
            if named and not word.endswith(("氏", "家")):
                found.append((token.start, word))
            index += 1
        found += [f for f in self._names_by_context() if not any(f[0] == s for s, _ in found)]
        for pattern in (r"(?:名叫|叫做|名为|叫)([\u4e00-\u9fff]{2,3}?)(?=的|，|,|是|其实|在|$|。)",):
            for m in re.finditer(pattern, self.text):
                if self._surname_ok(m.group(1)) and not any(s == m.start(1) for s, _ in found):
                    found.append((m.start(1), m.group(1)))
        return sorted(found)

    def _names_by_context(self) -> list[tuple[int, str]]:
        """Find names jieba did not tag: a surname and a given name right after a job or a relation word
        ("咖啡师夏知意", "邻居程野", "女儿沈青衣"), ending where a token ends."""
        bounds = {t.end for t in self.tokens}
        out: list[tuple[int, str]] = []
        for token in self.tokens:
            if token.flag not in ("job", "rel") and token.word not in ("和", "与", "跟"):
                continue
            start = token.end
            for size in (3, 2):
                name = self.text[start : start + size]
                if len(name) < size or start + size not in bounds or not re.fullmatch(r"[\u4e00-\u9fff]+", name):
                    continue
                given = name[1:]
                if (
                    not (self._surname_ok(name) or self._nickname(name))
                    or given in self.lex.titles
                    or name in self.lex.not_names
                ):
                    continue
                if name in self.lex.relations or name in self.lex.places or name in self.lex.objects:
                    continue
                if given[:1] in "的是在和与被把要说" or given[-1:] in "的是在和与被把要说了着过":
                    continue
                out.append((start, name))
                break
        return out

    def _add_person(self, start: int, name: str) -> _Person:
        for person in self.people:
            if person.name == name or (len(name) == 2 and person.name.endswith(name)):
                person.starts.append(start)
                return person
        person = _Person(name=name, starts=[start])
        self.people.append(person)
        return person

    def _token_before(self, start: int) -> _Token | None:
        # Token ends ascend, so a bisection keeps a 5,000-character premise fast.
        index = bisect.bisect_right(self.ends, start) - 1
        return self.tokens[index] if index >= 0 else None

    def _people(self) -> None:
        for start, name in self._names():
            person = self._add_person(start, name)
            before = self._token_before(start)
            if before is None:
                continue
            if before.flag == "job" or before.word in self.lex.jobs:
                person.role = person.role or before.word
                prev = self._token_before(before.start)
                if prev is not None and prev.flag == "rel":
                    person.relation = person.relation or prev.word
            elif (before.flag == "rel" or before.word in self.lex.relations) and not self._pretend(before.start):
                person.relation = person.relation or before.word
            after = self.text[start + len(name) : start + len(name) + 14]
            verb = re.match(r"^(?:如今|现在|已经|早已|其实)?(?:是|成了|成为|当上了?|做了?|，|的)(?:一[名个位])?", after)
            if verb and not person.role:
                rest = after[verb.end() : verb.end() + 8]
                person.role = next((j for j in self.lex.jobs if j in rest), "")
        # "a nurse who…" with no name: the lead is described only by the job at the start.
        first_job = next((t for t in self.tokens if t.flag == "job"), None)
        unnamed = first_job is not None and not any(first_job.word == p.role for p in self.people)
        if first_job is not None and unnamed and (not self.people or first_job.start < self.people[0].starts[0]):
            anon = _Person(role=first_job.word, starts=[first_job.start], label=first_job.word)
            self.people.insert(0, anon)

    def _pretend(self, start: int) -> bool:
        """True when a relation word names a role the lead plays ("假扮…的未婚妻"), not a person."""
        return bool(
            re.search(r"(?:假扮|冒充|扮演|成为|当|做|嫁给|替嫁)[^，。]{0,8}$", self.text[max(0, start - 10) : start])
        )

    def _relations(self) -> None:
        for token in self.tokens:
            if token.flag != "rel":
                continue
            after = self.text[token.end : token.end + 4]
            if any(p.starts and any(s == token.end for s in p.starts) for p in self.people):
                continue  # "师姐周婉": the relation belongs to the name after it
            if any(p.relation == token.word and not p.name for p in self.people) or self._pretend(token.start):
                continue
            if re.match(r"^[\u4e00-\u9fff]{0,1}[是]", after) and token.start == 0:
                continue
            head = self.text[max(0, token.start - 6) : token.start]
            owner_name = re.search(r"([\u4e00-\u9fff]{2,3})的$", head)
            owner = 0 if self.people else None
            if owner_name:
                owner = next((i for i, p in enumerate(self.people) if p.name and p.name in owner_name.group(1)), owner)
            de = self._token_before(token.start)
            modifier = self._token_before(de.start) if de is not None and de.word == "的" else None
            adjective = modifier is not None and modifier.flag[:1] in ("a", "n", "v") and modifier.flag != "nr"
            label = (modifier.word + "的" if modifier is not None and adjective else "") + token.word
            anon = _Person(relation=token.word, related_to=owner, gender=self.lex.relations[token.word], label=label)
            anon.starts.append(token.start)
            self.people.append(anon)

    def _traits(self) -> None:
        for index, person in enumerate(self.people):
            start = person.starts[0]
            span = len(person.name or person.label or person.role)
            before = self.text[max(0, start - 6) : start]
            after = self.text[start + span : start + span + 10]
            if not person.gender:
                person.gender = self.lex.relations.get(person.relation, "") or self._job_gender(person.role)
            if not person.gender and index == 0:
                # Premises follow their lead: the first 她/他 after the lead's name is the lead's.
                pronoun = re.search(r"[她他]", self.text[start + span :])
                if pronoun:
                    person.gender = "female" if pronoun.group(0) == "她" else "male"
            person.dead = any(
                c in before + (person.label or "") or after.startswith(c) or after[:4].find(c) == 1
                for c in self.lex.dead_cues
            )
            acts = any(after.startswith(c) or after[1:].startswith(c) for c in self.lex.antagonist_cues)
            framed = bool(re.search(r"被$", before)) and any(after.startswith(c) for c in self.lex.antagonist_cues)
            person.missing = not person.dead and any(
                c in before + (person.label or "") or after.startswith(c) or after[:4].find(c) == 1
                for c in self.lex.missing_cues
            )
            # "抄袭她作品的师姐林若雪": the wrong is told in a clause that ends in 的 right before the person.
            clause = re.split(r"[，。；！？,.;!?]", self.text[max(0, start - 16) : start])[-1]
            told = bool(re.search(r"的(?:[\u4e00-\u9fff]{1,3})?$", clause)) and any(
                c in clause for c in self.lex.antagonist_cues
            )
            person.antagonist = index > 0 and (acts or framed or told)

    @staticmethod
    def _job_gender(role: str) -> str:
        if role.startswith("女") or role in (
            "宫女",
            "丫鬟",
            "侍女",
            "绣娘",
            "空姐",
            "老板娘",
            "千金",
            "大小姐",
            "贵妃",
            "皇后",
            "公主",
            "郡主",
            "太后",
            "寡妇",
            "厨娘",
            "医女",
            "月嫂",
            "花旦",
            "青衣",
        ):
            return "female"
        if role.startswith("男") or role in (
            "皇帝",
            "王爷",
            "皇子",
            "太子",
            "世子",
            "少爷",
            "书生",
            "秀才",
            "赘婿",
            "上门女婿",
        ):
            return "male"
        return ""

    # ---------------------------------------------------------- places, things

    def _places(self) -> list[PremiseThing]:
        out: list[PremiseThing] = []
        for i, token in enumerate(self.tokens):
            word = token.word
            if token.flag == "plc" or (token.flag == "ns" and len(word) >= 2 and word not in self.lex.not_names):
                prev = self.tokens[i - 1] if i > 0 else None
                label = word
                if (
                    prev is not None
                    and (
                        (prev.word.endswith(("家", "氏")) and prev.word[:1] not in _CN_NUM) or prev.flag in ("ns", "nr")
                    )
                    and (
                        token.flag == "plc"
                        and len(prev.word) <= 3
                        and not any(prev.start in p.starts for p in self.people)
                    )
                ):
                    label = prev.word + word
                if any(label in p.terms or word in p.terms for p in out):
                    continue
                terms = list(dict.fromkeys([label, word]))
                interior = self.lex.places.get(word, False)
                out.append(PremiseThing(id=f"place_{len(out) + 1}", label=label, terms=terms, interior=interior))
        return out

    def _objects(self) -> list[PremiseThing]:
        out: list[PremiseThing] = []
        for token in self.tokens:
            if token.flag != "obj" or any(token.word in o.terms for o in out):
                continue
            head = self.text[max(0, token.start - 8) : token.start]
            holder = None
            owner = re.search(r"([\u4e00-\u9fff]{1,3})的(?:[\u4e00-\u9fff]{0,4})$", head)
            if owner is not None:
                key = owner.group(1)
                if key.endswith(("她", "他")):
                    holder = 0 if self.people else None
                else:
                    holder = next(
                        (i for i, p in enumerate(self.people) if (p.name and p.name in key) or p.relation == key[-2:]),
                        None,
                    )
            out.append(
                PremiseThing(
                    id=f"object_{len(out) + 1}",
                    label=token.word,
                    terms=[token.word],
                    holder_id=str(holder) if holder is not None else None,
                )
            )
        return out

    def _times(self) -> list[PremiseThing]:
        out: list[PremiseThing] = []
        for m in _TIME.finditer(self.text):
            label = m.group(0)
            if len(label) < 2 or any(label in t.label for t in out):
                continue
            core = (
                re.sub(r"^(?:每|整整|短短|仅仅|只有|不到)|(?:之内|之后|以后|以前|之前|以来|后|前|内)$", "", label)
                or label
            )
            core = re.sub(r"^.*前(?=一(?:个月|周|天|年)$)", "", core)
            label = re.sub(r"^(?:重生|回到|穿越|穿越到)+", "", label)
            terms = list(dict.fromkeys([t for t in (core, label) if len(t) >= 2]))
            out.append(PremiseThing(id=f"time_{len(out) + 1}", label=label, terms=terms))
        return out

    def _clause_score(self, clause: str) -> int:
        lex = self.lex
        cues = sum(2 for c in lex.device_cues if c in clause)
        acts = sum(1 for c in (*lex.antagonist_cues, *lex.dead_cues) if len(c) >= 2 and c in clause)
        things = any(len(w) >= 2 and w in clause for w in (*lex.objects, *lex.places))
        return cues + 2 * acts + int(things)

    def _device(self) -> PremiseThing | None:
        text = self.text
        first_sentence = re.split(r"(?<=[。！？])", text)[0] or text
        # The central situation is the first sentence's clause that carries the most: a device verb ("重生",
        # "假扮"), a wrong done, the objects and places it turns on.
        clauses = [m for m in re.finditer(r"[^，。；！？,.;!?]+", first_sentence)]
        best = max(clauses, key=lambda m: (self._clause_score(m.group(0)), -m.start()), default=None)
        found = [(best.group(0).find(c), c) for c in self.lex.device_cues if best is not None and c in best.group(0)]
        cue = min(found)[1] if found else None  # the earliest device verb opens the phrase
        if best is not None and self._clause_score(best.group(0)) > 0:
            start = best.start() + (best.group(0).find(cue) if cue else 0)
            end = best.end()
        else:
            first = self.people[0] if self.people else None
            start = first.starts[0] + len(first.name or first.role) if first is not None else 0
            end_match = _CLAUSE_END.search(text, start + 2)
            end = end_match.start() if end_match else len(text)
        phrase = text[start:end][:40]
        if len(phrase) < 3:
            return None
        names = {p.name for p in self.people if p.name}
        terms: list[str] = []
        for token in self.tokens:
            if token.start < start or token.end > start + len(phrase):
                continue
            word = token.word
            if (
                len(word) < 2
                or word in names
                or _TIMELIKE.match(word)
                or (token.flag != "plc" and token.flag.startswith(("r", "u", "p", "m", "d", "c")))
            ):
                continue
            if _TIME.fullmatch(word) or (word not in terms and word in ("一个", "这一", "这次")):
                continue
            if word not in terms:
                terms.append(word)
        preferred = [t for t in terms if self._lexical(t) or t in self.lex.device_cues]
        terms = (preferred + [t for t in terms if t not in preferred])[:5]
        if not terms:
            terms = [phrase]
        return PremiseThing(id="device", label=phrase, terms=terms, need=min(2, len(terms)), text=phrase)

    # ----------------------------------------------------------------- result

    def _naming(self, index: int, person_id: Callable[[str, str], str]) -> Naming:
        person = self.people[index]
        if not person.name:
            terms = [t for t in (person.relation, person.role) if t]
            return Naming(f"person_{index + 1}", person.label or person.role or person.relation, terms)
        compound = next((c for c in self.lex.compound_surnames if person.name.startswith(c)), "")
        surname = compound or person.name[0]
        given = person.name[len(surname) :]
        label = person.name + (f"（{person.role}）" if person.role else "")
        terms = [person.name, *([given] if len(given) >= 2 else [])]
        return Naming(person_id(person.name, surname), label, terms, given, surname)

    def read(self) -> PremiseFacts:
        from agents.offline.premise_names import zh_person_id

        self._people()
        self._relations()
        self._traits()
        # A relation the text does not tie to anyone ("他的妹妹") is a relation to the lead.
        for index, person in enumerate(self.people):
            if index > 0 and person.relation and person.related_to is None:
                person.related_to = 0
        out = premise_people(self.people, lambda index: self._naming(index, zh_person_id))
        ids = [p.id for p in out]
        objects = [
            o.model_copy(update={"holder_id": ids[int(o.holder_id)] if o.holder_id is not None else None})
            for o in self._objects()
        ]
        return PremiseFacts(
            language="zh",
            premise=self.text,
            people=out,
            places=self._places(),
            objects=objects,
            device=self._device(),
            time_frames=self._times(),
        )


def read_premise_zh(premise: str) -> PremiseFacts:
    """Return the premise facts of a Chinese premise."""
    return _Reader(premise).read()
