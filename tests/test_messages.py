"""The message catalogue: every key in both languages, and room events in the series' language."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from agents.messages import catalogue, fields_of, joined, say, term, translate
from agents.room import RoomEvent

CJK = re.compile(r"[\u4e00-\u9fff]")


def test_every_key_exists_in_both_languages_with_the_same_fields() -> None:
    en, zh = catalogue("en"), catalogue("zh")
    assert set(en) == set(zh), f"only in en: {set(en) - set(zh)}; only in zh: {set(zh) - set(en)}"
    mismatched = {k for k in en if fields_of(en[k]) != fields_of(zh[k])}
    assert mismatched == set()
    assert len(en) > 150


def test_chinese_messages_have_no_english_left_and_english_ones_no_chinese() -> None:
    # Identifiers a user types or reads as code stay Latin in every language.
    allowed = {"token", "OPENAI_BASE_URL", "help", "review", "HH", "MM", "AI", "in", "the", "style", "of", "ep", "auto"}
    leftovers = {}
    for key, value in catalogue("zh").items():
        # Placeholders, `code`, /commands, dramaroom command lines and the MP4 format are not prose.
        prose = re.sub(r"\{[^}]*\}|`[^`]*`|/\w+|\bMP4\b|\bdramaroom\b[^\u4e00-\u9fff，。；]*", "", value)
        words = set(re.findall(r"[A-Za-z_]{2,}", prose)) - allowed
        if words:
            leftovers[key] = words
    assert leftovers == {}
    assert not [k for k, v in catalogue("en").items() if CJK.search(v)]


def test_say_fills_fields_and_fails_loudly_on_an_unknown_key() -> None:
    assert say("en", "status.next_produce", n=4) == "next: produce episode 4"
    assert say("zh", "status.next_produce", n=4) == "下一步：制作第4集"
    assert say("fr", "status.next_produce", n=4) == "next: produce episode 4"  # unknown language: English
    with pytest.raises(KeyError, match="no message"):
        say("zh", "status.no_such_key")


def test_terms_and_lists_follow_the_language() -> None:
    assert term("zh", "verdict", "revise") == "需修改"
    assert term("en", "verdict", "revise") == "revise"
    assert term("zh", "verdict", "unheard-of") == "unheard-of"
    assert joined("zh", [1, 2, 3]) == "1、2、3"
    assert joined("en", ["a", "b"]) == "a, b"


@pytest.mark.parametrize(
    ("event", "english", "chinese"),
    [
        (RoomEvent("node", "script drafted", 3, "draft"), "ep003 draft: script drafted", "第3集 起草：剧本初稿完成"),
        (
            RoomEvent("revision", "script revised (r2, 3 notes from human)", 12, "draft"),
            "ep012 draft: script revised (r2, 3 notes from human)",
            "第12集 起草：剧本已修订（第2轮，制片人提出3条意见）",
        ),
        (
            RoomEvent("verdict", "ethics: block (minor_content)", 1, "ethics"),
            "ep001 ethics: ethics: block (minor_content)",
            "第1集 伦理：伦理审核：叫停（minor_content）",
        ),
        (
            RoomEvent("commit", "committed to the bible (2 open findings)", 5),
            "ep005 commit: committed to the bible (2 open findings)",
            "第5集 定稿：已写入故事圣经（2条未决问题）",
        ),
        (
            RoomEvent("plan", 'season planned: "Glass Harbour", paywall at ep 2'),
            'plan: season planned: "Glass Harbour", paywall at ep 2',
            "策划：本季策划完成：《Glass Harbour》，第2集起付费",
        ),
        (
            RoomEvent("node", "14 shots, 91 s", 2, "director"),
            "ep002 director: 14 shots, 91 s",
            "第2集 导演：14个镜头，91秒",
        ),
    ],
)
def test_room_events_render_in_the_series_language(event: RoomEvent, english: str, chinese: str) -> None:
    assert str(event) == english
    assert event.line("en") == english
    assert event.line("zh") == chinese


@pytest.mark.parametrize(
    ("english", "chinese"),
    [
        (
            "script revised (r1): 2 of 3 requests verified; still unmet: [cut_character] Tomas must not appear; "
            "1 note passed to the model as free text",
            "剧本已修订（第1轮）：3条请求中2条已核实；仍未满足：[cut_character] Tomas must not appear；"
            "1条意见作为自由文本交给了模型",
        ),
        (
            "14 shots, 88 s; shots revised (r2): 1 of 1 request applied and verified",
            "14个镜头，88秒；镜头已修订（第2轮）：1条请求中1条已执行并核实",
        ),
        ("note read: 2 requests (cut_character, set_tone)", "意见已读：2条请求（cut_character, set_tone）"),
        ("the note could not be read (empty); reporting it as is", "意见无法读取（empty）；按原文转达"),
        ("script revised (r3): redrafted unchanged", "剧本已修订（第3轮）：重写后没有变化"),
    ],
)
def test_progress_lines_made_of_clauses_are_translated_clause_by_clause(english: str, chinese: str) -> None:
    assert translate("zh", english, "event.") == chinese
    assert translate("en", english, "event.") == english


def test_unknown_event_text_passes_through_untranslated() -> None:
    # A phrase the catalogue does not know (or a finding's own words) is shown as it is, never mangled.
    event = RoomEvent("node", "3 requests applied, 1 unmet: cut Tomas", 4, "draft")
    assert event.line("zh") == "第4集 起草：3 requests applied, 1 unmet: cut Tomas"
    assert translate("zh", "林晚：快走！", "event.") == "林晚：快走！"
    # A verdict-shaped line whose values are not verdicts is not taken for one.
    assert translate("zh", "note: hello", "event.") == "note: hello"


@pytest.mark.parametrize("language", ["en", "zh"])
def test_the_end_of_a_run_is_reported_in_the_series_language(
    language: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from dramaroom import run_cli
    from dramaroom.config import SeriesConfig, SeriesSection
    from dramaroom.errors import UserError
    from dramaroom.production import RunResult
    from dramaroom.workspace import Workspace
    from graphs.state import EpisodeOutcome, GatePayload

    section = SeriesSection(premise="林婉查账。" if language == "zh" else "Lin audits the books.", language=language)  # type: ignore[arg-type]
    ws = Workspace.create(tmp_path / "series", SeriesConfig(series=section))
    pending = GatePayload(episode=2, title="账册", open_findings=["name_drift@s01-l02: [x]"])
    run_cli._report(ws, RunResult(status="paused", pending=pending), 0.0)
    done = RunResult(status="done", outcomes=[EpisodeOutcome(episode=1, status="committed")])
    run_cli._report(ws, done, 0.0)
    printed = capsys.readouterr().out
    if language == "zh":
        assert "第2集《账册》正在等待审批" in printed and "未决：name_drift@s01-l02: [x]" in printed
        assert "驳回：dramaroom approve" in printed and '--note "要改什么"' in printed
        assert "完成：本次写了1集" in printed and "waiting" not in printed
    else:
        assert 'episode 2 "账册" is waiting for approval' in printed and "open: name_drift@s01-l02: [x]" in printed
        assert "reject:  dramaroom approve" in printed and "done: 1 episode(s) written this run" in printed
    with pytest.raises(UserError, match="已停止：" if language == "zh" else "stopped: "):
        run_cli._report(ws, RunResult(status="blocked", reason="the premise or plan was blocked."), 0.0)


@pytest.mark.parametrize(
    ("english", "chinese"),
    [
        (
            "note read: 1 request (cut_character); Tomas is not in s02; nothing to cut there",
            "意见已读：1条请求（cut_character）；Tomas不在s02场中；那里没有可删的",
        ),
        (
            "note read: 1 request (add_character); Elias is dead in canon at this episode",
            "意见已读：1条请求（add_character）；按本集的正典，Elias已死亡",
        ),
        (
            "note read: 0 requests; cutting the whole line s01-l04 is not an edit the room makes; rewrite it",
            "意见已读：0条请求；整句删掉s01-l04不是编剧室会做的修改；请改写这句",
        ),
    ],
)
def test_what_the_note_reader_could_not_do_is_said_in_chinese(english: str, chinese: str) -> None:
    assert translate("zh", english, "event.") == chinese
