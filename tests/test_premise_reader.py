"""The premise reader and the coverage check: varied English and Chinese premises, inflection, bad input."""

from __future__ import annotations

import time

import pytest

from agents.premise_coverage import premise_coverage, stem
from agents.premise_reader import language_mismatch, premise_language, read_premise
from memory.premise import PremiseFacts

LIGHTHOUSE = "A lighthouse keeper named Elias Crane hears his drowned brother's voice on the radio every night at 3:07"


def _person(facts: PremiseFacts, needle: str) -> object:
    found = next((p for p in facts.people if needle in (p.name, p.relation, p.role)), None)
    assert found is not None, [p.label for p in facts.people]
    return found


def test_english_premise_keeps_name_job_relation_place_object_device_time() -> None:
    facts = read_premise(LIGHTHOUSE, "en")
    elias = facts.people[0]
    assert (elias.name, elias.role, elias.gender, elias.dead) == ("Elias Crane", "lighthouse keeper", "male", False)
    brother = facts.people[1]
    assert brother.relation == "brother" and brother.dead and brother.related_to == elias.id and not brother.name
    assert [p.label for p in facts.places] == ["the lighthouse"]
    assert [o.label for o in facts.objects] == ["the radio"]
    assert facts.device is not None and "radio" in facts.device.terms and facts.device.need == 2
    assert [t.terms for t in facts.time_frames] == [["3:07"]]
    line = facts.summary_line()
    assert line.startswith("kept from the premise: Elias Crane (lighthouse keeper)")
    assert "the radio" in line and "3:07" in line


def test_english_premise_with_several_people_relations_and_a_named_place() -> None:
    facts = read_premise(
        "Nora Vance, a disgraced pastry chef, has thirty days to win back her family bakery in Harbour Street "
        "from her stepmother Delia, who forged her father's will.",
        "en",
    )
    nora = facts.people[0]
    assert nora.name == "Nora Vance" and nora.role == "pastry chef" and nora.gender == "female"
    delia = next(p for p in facts.people if p.name == "Delia")
    assert delia.relation == "stepmother" and delia.related_to == nora.id and delia.antagonist
    father = next(p for p in facts.people if p.relation == "father")
    assert father.related_to == nora.id  # "her father" is the lead's, not the stepmother's
    assert {p.label for p in facts.places} == {"Harbour Street", "the bakery"}
    assert [o.label for o in facts.objects] == ["the will"]
    assert any("30 days" in t.terms for t in facts.time_frames)


def test_chinese_premise_keeps_the_job_not_a_fragment() -> None:
    facts = read_premise("苏绣传人沈若兰重生回到非遗大赛前一个月，这一次她要揭穿偷走她绣稿的师姐周婉。", "zh")
    lead = facts.people[0]
    assert (lead.name, lead.role, lead.gender) == ("沈若兰", "苏绣传人", "female")
    zhou = next(p for p in facts.people if p.name == "周婉")
    assert zhou.relation == "师姐" and zhou.gender == "female"
    assert [o.label for o in facts.objects] == ["绣稿"]
    assert facts.device is not None and "重生" in facts.device.terms
    assert any("一个月" in t.terms for t in facts.time_frames)
    assert facts.summary_line().startswith("保留前提要素：沈若兰（苏绣传人）")


def test_a_chinese_nickname_jieba_tags_is_a_person_even_after_a_plain_noun() -> None:
    premise = "渔村姑娘阿蛮在台风夜救起失忆的富家少爷陆沉，三个月后陆家找上门来，指认她偷了陆家的传家玉镯。"
    facts = read_premise(premise, "zh")
    assert [(p.name, p.gender) for p in facts.people] == [("阿蛮", "female"), ("陆沉", "male")]


def test_chinese_premise_with_places_objects_and_an_unnamed_relative() -> None:
    facts = read_premise(
        "为了救病重的奶奶，小镇护士陈念答应假扮总裁陆沉的未婚妻三个月，在上海的陆家老宅里，她发现了一枚刻着她母亲名字的玉佩。",
        "zh",
    )
    names = [p.name for p in facts.named_people()]
    assert names == ["陈念", "陆沉"]
    assert facts.people[0].role == "护士" and facts.people[0].gender == "female"
    grandmother = next(p for p in facts.people if p.relation == "奶奶")
    assert grandmother.label == "病重的奶奶" and grandmother.related_to == facts.people[0].id
    assert {"上海", "陆家老宅"} <= {p.label for p in facts.places}
    assert [o.label for o in facts.objects] == ["玉佩"]
    # "假扮…的未婚妻" is the role the lead plays, not a fiancée of her own.
    assert not any(p.relation == "未婚妻" for p in facts.people)
    assert facts.device is not None and "假扮" in facts.device.terms
    assert [t.label for t in facts.time_frames] == ["三个月"]


@pytest.mark.parametrize(
    ("premise", "language", "needle"),
    [
        (
            "When a widowed florist finds a love letter hidden in a second-hand piano, she sets out across Lisbon.",
            "en",
            "florist",
        ),
        ("一个普通的快递员每晚凌晨三点都会收到一个没有寄件人的包裹。", "zh", "快递员"),
    ],
)
def test_a_premise_without_names_still_gives_facts_and_says_the_cast_is_invented(
    premise: str, language: str, needle: str
) -> None:
    facts = read_premise(premise, language)  # type: ignore[arg-type]
    assert not facts.named_people() and facts.people[0].role == needle
    assert facts.device is not None and facts.objects
    assert any("no named people" in n for n in facts.notes)
    line = facts.summary_line()
    assert ("names are invented" in line) if language == "en" else ("没有具名人物" in line)


def test_a_5000_character_premise_is_read_whole_in_bounded_time() -> None:
    opening = "Detective Mara Quinn, a night-shift cop in Glasgow, finds her missing sister's diary in a pawnshop. "
    filler = "The rain does not stop and the city keeps its secrets while the river rises. "
    premise = opening + filler * ((5000 - len(opening)) // len(filler) + 1)
    assert len(premise) >= 5000
    started = time.perf_counter()
    facts = read_premise(premise, "en")
    assert time.perf_counter() - started < 10
    assert facts.people[0].name == "Mara Quinn" and facts.people[0].role == "detective"
    assert {"the diary"} <= {o.label for o in facts.objects} and "Glasgow" in {p.label for p in facts.places}
    assert not any("only the first" in n for n in facts.notes)


def test_a_premise_in_the_other_language_gets_one_clear_line() -> None:
    zh = "外卖员林晚其实是顾氏集团失散多年的千金。"
    assert premise_language(zh) == "zh" and premise_language(LIGHTHOUSE) == "en"
    line = language_mismatch(zh, "en")
    assert "written in Chinese" in line and "--language zh" in line
    assert "written in English" in language_mismatch(LIGHTHOUSE, "zh")
    assert language_mismatch(LIGHTHOUSE, "en") == ""
    # The facts are still read in the language the text is written in.
    facts = read_premise(zh, "en")
    assert facts.language == "zh" and facts.people[0].name == "林晚"
    assert any("--language zh" in n for n in facts.notes)


def test_coverage_folds_inflection_and_name_forms() -> None:
    facts = read_premise(LIGHTHOUSE, "en")
    assert stem("radios") == stem("radio") and stem("drowned") == stem("drowning") == stem("drown")
    text = "Elias tunes both radios. Lighthouses guard the drowning coast; his brothers' voices at 3:07."
    coverage = premise_coverage(facts, [text])
    assert coverage.missing == [] and coverage.ratio == 1.0
    partial = premise_coverage(facts, ["Crane waits by the lighthouse."])
    assert "elias_crane" in partial.covered and "place_lighthouse" in partial.covered
    assert {"object_radio", "device", "time_1"} <= set(partial.missing)
    assert "the radio" in partial.missing_labels and 0 < partial.ratio < 1


def test_chinese_coverage_matches_as_written() -> None:
    facts = read_premise("苏绣传人沈若兰重生回到非遗大赛前一个月，这一次她要揭穿偷走她绣稿的师姐周婉。", "zh")
    kept = premise_coverage(facts, ["若兰把绣稿藏好。重生之后，大赛只剩一个月。周婉来了。"])
    assert kept.ratio == 1.0
    lost = premise_coverage(facts, ["林晚在面馆里。"])
    assert lost.covered == [] and lost.ratio == 0.0


def test_a_title_does_not_end_the_first_sentence() -> None:
    facts = read_premise("Dr. Helen Cho, a surgeon, operates on the man who killed her husband.", "en")
    assert facts.people[0].name == "Helen Cho" and facts.people[0].role == "surgeon"
    husband = next(p for p in facts.people if p.relation == "husband")
    assert husband.dead and husband.related_to == facts.people[0].id
    assert facts.device is not None and facts.device.label == "operates on the man who killed her husband"


def test_a_5000_character_chinese_premise_is_read_in_bounded_time() -> None:
    read_premise("测试。", "zh")  # jieba's dictionary loads once per process; time the reading itself
    sentence = "为了救病重的奶奶，小镇护士陈念答应假扮总裁陆沉的未婚妻三个月，在上海的陆家老宅里，她发现了一枚玉佩。"
    premise = sentence * 100
    assert len(premise) >= 5000
    started = time.perf_counter()
    facts = read_premise(premise, "zh")
    assert time.perf_counter() - started < 5
    assert facts.people[0].name == "陈念" and [o.label for o in facts.objects] == ["玉佩"]
