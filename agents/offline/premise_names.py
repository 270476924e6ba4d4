"""Find the protagonist's name when a premise gives one, so the offline cast keeps it.

"A delivery rider named Maya Chen …", "Lin Wan, a courier, …", "外卖员林晚其实是…",
"名叫林晚的外卖员…". Ids stay ASCII: a known surname gives its pinyin, the given
name its code points.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from agents.textmatch import term_table

# Common single-character surnames (百家姓 head) with pinyin for ASCII ids.
_ZH_SURNAMES = term_table(
    "王=wang, 李=li, 张=zhang, 刘=liu, 陈=chen, 杨=yang, 黄=huang, 赵=zhao, 吴=wu, 周=zhou, 徐=xu, 孙=sun, 马=ma, "
    "朱=zhu, 胡=hu, 郭=guo, 何=he, 高=gao, 林=lin, 罗=luo, 郑=zheng, 梁=liang, 谢=xie, 宋=song, 唐=tang, 许=xu, "
    "韩=han, 冯=feng, 邓=deng, 曹=cao, 彭=peng, 曾=zeng, 肖=xiao, 田=tian, 董=dong, 袁=yuan, 潘=pan, 于=yu, "
    "蒋=jiang, 蔡=cai, 余=yu, 杜=du, 叶=ye, 程=cheng, 苏=su, 魏=wei, 吕=lv, 丁=ding, 任=ren, 沈=shen, 姚=yao, "
    "卢=lu, 姜=jiang, 崔=cui, 钟=zhong, 谭=tan, 陆=lu, 汪=wang, 范=fan, 金=jin, 石=shi, 廖=liao, 贾=jia, 夏=xia, "
    "韦=wei, 付=fu, 方=fang, 白=bai, 邹=zou, 孟=meng, 熊=xiong, 秦=qin, 邱=qiu, 江=jiang, 尹=yin, 薛=xue, "
    "闫=yan, 段=duan, 雷=lei, 侯=hou, 龙=long, 史=shi, 陶=tao, 黎=li, 贺=he, 顾=gu, 毛=mao, 郝=hao, 龚=gong, "
    "邵=shao, 万=wan, 钱=qian, 严=yan, 覃=qin, 武=wu, 戴=dai, 莫=mo, 孔=kong, 向=xiang, 汤=tang, 温=wen, 沐=mu, "
    "楚=chu, 慕=mu, 萧=xiao, 柳=liu, 纪=ji, 季=ji, 乔=qiao, 傅=fu, 安=an"
)
_ZH_AFTER_NAME = "其实|是|发现|在|要|被|的|，|,|决定|竟|原来|偷偷|一直|为了|和|与|带着|重生|穿越|醒来|回到"
_ZH_AFTER_JOB = re.compile(rf"^([\u4e00-\u9fff]{{2,3}}?)(?={_ZH_AFTER_NAME})")
_ZH_NAMED = re.compile(r"(?:名叫|叫做|名为)([\u4e00-\u9fff]{2,3}?)(?=的|，|,|是|其实|$)")
_EN_NAMED = re.compile(r"\b(?:named|called)\s+([A-Z][a-z]+(?:\s+[A-Z][a-z]+)?)\b")
_EN_LEADING = re.compile(r"^\s*([A-Z][a-z]+(?:\s+[A-Z][a-z]+)?),\s+(?:a|an|the)\s")


@dataclass(frozen=True)
class HeroName:
    """The protagonist's name as the premise gives it, split for the cast builder."""

    name: str
    given: str
    surname: str
    id: str


def _ascii_id(text: str) -> str:
    return "_".join(re.findall(r"[a-z0-9]+", text.lower()))


def hero_name(premise: str, language: str, job_end: int = 0) -> HeroName | None:
    """Return the protagonist's name from a premise, or None when it names nobody clearly."""
    text = premise.strip()
    if language == "zh":
        found = _ZH_NAMED.search(text)
        if found is None and job_end:
            found = _ZH_AFTER_JOB.match(text[job_end:])
        if not found:
            return None
        name = found.group(1)
        surname = name[0]
        if surname not in _ZH_SURNAMES:
            return None
        given = name[1:]
        given_id = "".join(f"{ord(ch):x}" for ch in given)
        return HeroName(name=name, given=given, surname=surname, id=f"{_ZH_SURNAMES[surname]}_{given_id}")
    found = _EN_NAMED.search(text) or _EN_LEADING.match(text)
    if not found:
        return None
    parts = found.group(1).split()
    surname = parts[1] if len(parts) > 1 else ""
    return HeroName(name=found.group(1), given=parts[0], surname=surname, id=_ascii_id(found.group(1)))


def surname_id(hero: HeroName) -> str:
    """Return an ASCII id for the hero's surname."""
    return _ZH_SURNAMES.get(hero.surname) or _ascii_id(hero.surname)


def zh_person_id(name: str, surname: str) -> str:
    """Return an ASCII id for a Chinese name: the surname's pinyin (or code points) and the given name's code points."""
    given = name[len(surname) :]
    head = _ZH_SURNAMES.get(surname) or "".join(f"{ord(ch):x}" for ch in surname)
    return f"{head}_{''.join(f'{ord(ch):x}' for ch in given)}" if given else head
