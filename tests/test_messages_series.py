"""A Chinese series speaks Chinese: status, chat replies, canon answers and review findings; English stays English."""

from __future__ import annotations

import asyncio
import json
import re
from pathlib import Path

import pytest
from rich.table import Table

from dramaroom import reports, rereview
from dramaroom.workspace import Workspace
from tests.fixtures_chat import ChatHarness, copy_series, offline_settings, paused_series, reply_text

CJK = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture(scope="module")
def prepared(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return paused_series(tmp_path_factory.mktemp("zh") / "series", language="zh", episodes=2)


@pytest.fixture
def zh(prepared: Path, tmp_path: Path) -> Workspace:
    return copy_series(prepared, tmp_path / "zh")


def _as_english(ws: Workspace) -> Workspace:
    """Switch the series' language in dramaroom.toml, as a user editing the file would."""
    config = ws.root / "dramaroom.toml"
    text = config.read_text(encoding="utf-8")
    assert 'language = "zh"' in text
    config.write_text(text.replace('language = "zh"', 'language = "en"'), encoding="utf-8")
    return Workspace.open(ws.root)


def _plain(lines: list[str | Table]) -> str:
    out = []
    for line in lines:
        if isinstance(line, Table):
            out += [str(c.header) for c in line.columns] + [str(cell) for c in line.columns for cell in c._cells]
        else:
            out.append(line)
    return "\n".join(out)


def test_status_of_a_chinese_series_is_in_chinese(zh: Workspace) -> None:
    lines = reports.season_lines(zh)
    plan = json.loads((zh.root / "season_plan.json").read_text(encoding="utf-8"))
    assert lines[0] == f"《{plan['title']}》：共2集，第{plan['paywall_episode']}集起付费。"
    assert "已定稿：1集（第1集）" in lines
    assert "待审批：1集（第2集）" in lines
    assert lines[-1] == "下一步：批准或驳回第2集"
    report = _plain(reports.status_lines(zh))
    for word in ("集", "标题", "状态", "未决问题", "待审批", "已定稿", "模型调用"):
        assert word in report
    assert "awaiting approval" not in report and "episodes" not in report


def test_the_same_series_set_to_english_reports_in_english(zh: Workspace) -> None:
    ws = _as_english(zh)
    lines = reports.season_lines(ws)
    assert lines[0].startswith('"') and ": 2 episodes, paywall at episode" in lines[0]
    assert "committed: 1 (episodes 1)" in lines and "awaiting approval: 1 (episodes 2)" in lines
    assert lines[-1] == "next: approve or reject episode 2"
    report = _plain(reports.status_lines(ws))
    assert "open findings" in report and "awaiting approval" in report
    assert "待审批" not in report and "下一步" not in report


def test_the_offline_showrunner_answers_a_chinese_series_in_chinese(zh: Workspace) -> None:
    room = ChatHarness(zh)
    answer = reply_text(room.say("进度如何？"))
    assert "已定稿：1集（第1集）" in answer and "下一步：批准或驳回第2集" in answer
    # The series' language decides, not the words the request happened to be typed in.
    answer = reply_text(room.say("what's the status?"))
    assert "待审批：1集（第2集）" in answer and "awaiting" not in answer
    answer = reply_text(room.say("驳回第2集"))
    assert answer.startswith("要驳回第2集，需要一条修改意见")
    answer = reply_text(room.say("sing me a song about boats"))
    assert answer.startswith("离线制片人没听懂")


def test_the_offline_showrunner_answers_an_english_series_in_english(zh: Workspace) -> None:
    room = ChatHarness(_as_english(zh))
    answer = reply_text(room.say("what's the status?"))
    assert "awaiting approval: 1 (episodes 2)" in answer and not CJK.search(answer.replace(_titles(zh), ""))
    assert reply_text(room.say("reject episode 2")).startswith("To reject episode 2 I need a note")


def _titles(ws: Workspace) -> str:
    return str(json.loads((ws.root / "season_plan.json").read_text(encoding="utf-8"))["title"])


def _canon(ws: Workspace) -> dict[str, list[dict[str, object]]]:
    return dict(json.loads((ws.root / "canon.json").read_text(encoding="utf-8")))


def test_canon_answers_of_a_chinese_series_are_in_chinese(zh: Workspace) -> None:
    canon = _canon(zh)
    person, prop, place = canon["characters"][0], canon["props"][0], canon["locations"][0]
    room = ChatHarness(zh)
    answer = reply_text(room.say(f"{person['name']}是谁？"))
    assert answer.startswith(f"{person['name']}（{person['id']}）：{person['age']}岁，")
    assert "状态：" in answer and "服装：" in answer and "来源：初始正典" in answer
    answer = reply_text(room.say(f"谁拿着{prop['name']}？"))
    assert f"{prop['name']}在" in answer and "手里；状态：" in answer
    answer = reply_text(room.say(f"{place['name']}的所有场景"))
    assert f"{place['name']}共有" in answer or f"还没有已制作的场景发生在{place['name']}" in answer
    answer = reply_text(room.say("张无名是谁？"))
    assert "正典里没有叫「张无名」的角色" in answer and "role" not in answer


def test_plan_and_canon_changes_in_a_chinese_chat_are_reported_in_chinese(zh: Workspace) -> None:
    room = ChatHarness(zh)
    old = json.loads((zh.root / "season_plan.json").read_text(encoding="utf-8"))["paywall_episode"]
    target = 2 if old != 2 else 1
    answer = reply_text(room.say(f"把付费点移到第{target}集"))
    if target == 1:  # episode 1 is produced: the plan keeps it, and says so in Chinese
        assert "第1集已经制作" in answer
    else:
        assert answer.startswith(f"已修订季度策划：\n- 付费点从第{old}集移到第2集")
    answer = reply_text(room.say("添加地点：老渡口，江边的木码头"))
    assert answer.startswith("已修改正典：新增地点老渡口（") and "连续性编辑检查了第" in answer
    answer = reply_text(room.say("在第1集加一个反转：遗嘱是伪造的"))
    assert "第1集已经制作；其大纲保持不变" in answer


def test_slash_commands_and_confirmations_of_a_chinese_series_are_in_chinese(zh: Workspace) -> None:
    room = ChatHarness(zh)
    assert reply_text(room.say("/help")).startswith("用平常的话提问，或使用命令：")
    assert reply_text(room.say("/reject 2")).startswith("/reject 需要一条修改意见")
    assert reply_text(room.say("/dance")) == "没有 /dance 这个命令；/help 列出全部命令"
    assert "来源：traces.sqlite" in reply_text(room.say("/cost"))
    script = json.loads((zh.episode_dir(1) / "script.json").read_text(encoding="utf-8"))
    speaker = next(line["speaker_id"] for s in script["scenes"] for line in s["lines"] if line.get("speaker_id"))
    name = next(c["name"] for c in _canon(zh)["characters"] if c["id"] == speaker)
    room.say(f"追溯：{name}早就死了")
    question = room.pending()
    assert question is not None and question.startswith("仍要应用吗？第1") and "集将保持原样" in question
    declined = reply_text(room.answer("不"))
    assert "已取消：没有做任何修改。" in declined and "用户" not in declined


def test_an_episode_redrafted_after_a_rejection_is_back_at_the_gate(zh: Workspace) -> None:
    path = zh.episode_dir(2) / "review.json"
    review = json.loads(path.read_text(encoding="utf-8"))
    review["decisions"] = [{"approved": False, "note": "删掉那段独白", "by": "human"}]
    path.write_text(json.dumps(review, ensure_ascii=False), encoding="utf-8")
    assert "制作中：1集（第2集）" in reports.season_lines(zh)  # rejected, not redrafted yet
    redraft = {"artifact": "script", "revision": 1, "reviewer": "human", "model": "dramaroom-offline-writer"}
    review["history"] = [*review["history"], redraft]
    path.write_text(json.dumps(review, ensure_ascii=False), encoding="utf-8")
    assert "待审批：1集（第2集）" in reports.season_lines(zh) and reports.awaiting_approval(zh) == [2]
    review["decisions"].append({"approved": True, "note": "", "by": "human"})
    path.write_text(json.dumps(review, ensure_ascii=False), encoding="utf-8")
    assert reports.awaiting_approval(zh) == []


def _plant_unknown_location(ws: Workspace, episode: int) -> None:
    path = ws.episode_dir(episode) / "script.json"
    script = json.loads(path.read_text(encoding="utf-8"))
    script["scenes"][0]["location_id"] = "moon_base"
    path.write_text(json.dumps(script, ensure_ascii=False), encoding="utf-8")


def test_review_findings_of_a_chinese_series_are_in_chinese(zh: Workspace) -> None:
    _plant_unknown_location(zh, 1)
    with zh.writing():
        result = asyncio.run(rereview.rereview(zh, offline_settings(), 1))
    lines = rereview.review_lines(result)
    assert lines[0] == "连续性审核：需修改"
    planted = [line for line in lines if "moon_base" in line]
    assert planted and "地点「moon_base」不在正典中；请使用正典里的地点。" in planted[0]
    assert planted[0].lstrip().startswith("需修改 unknown_entity @ s01：")
    assert all(CJK.search(f.message) for f in result.continuity.findings)
    # The chat's re-review answers the same lines, under a Chinese heading.
    room = ChatHarness(zh)
    answer = reply_text(room.say("重新审核第1集"))
    assert answer.startswith("已重新审阅第1集") and "地点「moon_base」不在正典中" in answer
