"""Terms a story world's era rules out, with period substitutes for a pre-industrial world."""

from __future__ import annotations

import re

from agents.textmatch import find_terms, fold, term_list, term_table
from memory.schema import WorldRules

_PRE_INDUSTRIAL = term_table(
    "phone=letter, smartphone=letter, cellphone=letter, mobile phone=letter, telephone=messenger, car=carriage, "
    "taxi=sedan chair, bus=cart, truck=cart, motorcycle=horse, bicycle=horse, gun=sword, pistol=dagger, rifle=bow, "
    "computer=abacus, laptop=ledger, internet=town gossip, email=letter, e-mail=letter, text message=note, "
    "electricity=candlelight, light bulb=lantern, television=theatre, tv=theatre, camera=portrait painter, "
    "photo=portrait, photograph=portrait, plane=carriage, airplane=carriage, helicopter=carriage, "
    "airport=post station, radio=herald, video=painting, selfie=portrait, elevator=stairs, wechat=letter, "
    "手机=书信, 电话=书信, 汽车=马车, 出租车=轿子, 公交车=牛车, 摩托车=快马, 自行车=毛驴, 手枪=匕首, 开枪=拔剑, "
    "枪声=弓弦声, 步枪=弓箭, 猎枪=弓箭, 枪口=刀锋, 电脑=算盘, 网络=坊间, 上网=打听, 网上=坊间, 邮件=书信, 短信=字条, "
    "微信=书信, 电视=戏台, 相机=画师, 照片=画像, 拍照=作画, 飞机=马车, 机场=驿站, 火车=马车, 电灯=烛火, 灯泡=灯笼, "
    "视频=画卷, 电梯=楼梯, 收音机=说书人"
)
_DIGITAL = term_list(
    "smartphone, cellphone, mobile phone, computer, laptop, internet, email, e-mail, text message, selfie, wechat, "
    "手机, 电脑, 网络, 上网, 微信, 短信, 视频"
)
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
    spans = [
        (h.start, h.end, h.quote, terms[h.term] or _PRE_INDUSTRIAL.get(h.term, "")) for h in find_terms(folded, terms)
    ]
    if world.technology == "pre_industrial":
        spans += [
            (m.start(1), m.end(1), folded.quote(m.start(1), m.end(1)), "carriage") for m in _TRAIN.finditer(folded.text)
        ]
    # A hit inside a longer hit ("枪" in "手枪") is the same anachronism.
    kept = [s for s in spans if not any(o[0] <= s[0] and s[1] <= o[1] and o[:2] != s[:2] for o in spans)]
    return list(dict.fromkeys((q, sub) for _, _, q, sub in sorted(kept)))
