"""The showrunner chat graph on the offline stack: canon questions, retcons, plan edits, approvals."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage, ToolMessage
from langchain_core.outputs import ChatGeneration, ChatResult

from agents.llm import RoleModel
from agents.offline.chat import understand
from agents.showrunner_chat import TOOL_NAMES, parse_slash, read_result
from dramaroom.workspace import Workspace
from memory.bible import StoryBible
from memory.schema import Canon, SeasonPlan
from tests.fixtures_chat import ChatHarness, copy_series, paused_series, reply_text
from tests.test_cli import assert_one_line_error, cli


@pytest.fixture(scope="module")
def prepared(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return paused_series(tmp_path_factory.mktemp("chat") / "series")


@pytest.fixture
def ws(prepared: Path, tmp_path: Path) -> Workspace:
    return copy_series(prepared, tmp_path / "series")


@pytest.fixture
def room(ws: Workspace) -> ChatHarness:
    return ChatHarness(ws)


def _bible(ws: Workspace) -> Iterator[StoryBible]:
    bible = StoryBible(ws.bible_dir)
    try:
        yield bible
    finally:
        bible.close()


def _tool_results(messages: list[BaseMessage]) -> list[tuple[str, Any]]:
    return [(m.name or "", read_result(m.text)) for m in messages if isinstance(m, ToolMessage)]


# ------------------------------------------------------------------ understanding requests


@pytest.mark.parametrize(
    ("text", "tool", "args"),
    [
        ("what does Lin know by episode 12?", "character_knowledge", {"character": "Lin", "episode": 12}),
        ("Who holds the jade pendant now?", "prop_holder", {"prop": "jade pendant"}),
        ("every scene at the hospital", "scenes_at", {"location": "hospital"}),
        ("retcon: Uncle Zhou was dead from the start", "change_canon", {"target": "Uncle Zhou"}),
        ("change Maya's eyes to grey", "change_canon", {"changes": {"eyes": "grey"}}),
        ("rename Maya Chen to Maya Lin", "change_canon", {"changes": {"name": "Maya Lin"}}),
        ("add a character named Ada Stone, a 30-year-old female nurse", "change_canon", {"action": "add_character"}),
        ("add a rule: nobody lies on the pier", "change_canon", {"rule": "nobody lies on the pier"}),
        ("move the paywall to episode 10", "revise_plan", {"action": "move_paywall", "episode": 10}),
        ("add a twist at episode 20: the will is forged", "revise_plan", {"text": "the will is forged"}),
        ("make the antagonist sympathetic", "revise_plan", {"character": "antagonist", "text": "sympathetic"}),
        ("approve episode 3", "decide_episode", {"episode": 3, "approve": True}),
        ("reject episode 3: cut the speech", "decide_episode", {"approve": False, "note": "cut the speech"}),
        ("render episode 2", "render_episode", {"episode": 2}),
        ("how much have we spent?", "cost", {}),
        ("林晚在第12集知道什么？", "character_knowledge", {"character": "林晚", "episode": 12}),
        ("谁拿着玉佩？", "prop_holder", {"prop": "玉佩"}),
        ("医院走廊的所有场景", "scenes_at", {"location": "医院走廊"}),
        ("把付费点移到第10集", "revise_plan", {"action": "move_paywall", "episode": 10}),
        ("add two episodes", "extend_season", {"add": 2}),
        (
            "from episode 3 on, Ada Stone wears a red winter coat.",
            "revise_plan",
            {"action": "change_wardrobe", "episode": 3, "character": "Ada Stone", "text": "red winter coat"},
        ),
        (
            "从第3集起林晚换上红色大衣",
            "revise_plan",
            {"action": "change_wardrobe", "episode": 3, "character": "林晚", "text": "红色大衣"},
        ),
        ("is Maya Chen still alive?", "character_status", {"character": "Maya Chen", "asked": "alive"}),
        ("is Maya dead by episode 3?", "character_status", {"character": "Maya", "asked": "dead", "episode": 3}),
        ("林婉还活着吗？", "character_status", {"character": "林婉", "asked": "alive"}),
        ("extend the season by 3 episodes", "extend_season", {"add": 3}),
        ("再加两集", "extend_season", {"add": 2}),
        ("批准第3集", "decide_episode", {"episode": 3, "approve": True}),
        ("驳回第3集：删掉独白", "decide_episode", {"approve": False, "note": "删掉独白"}),
        ("周叔其实早就死了", "change_canon", {"changes": {"status": "dead"}}),
    ],
)
def test_offline_showrunner_turns_plain_requests_into_tool_calls(text: str, tool: str, args: dict[str, object]) -> None:
    intent = understand(text)
    assert not isinstance(intent, str), intent
    name, got = intent
    assert name == tool and name in TOOL_NAMES
    for key, value in args.items():
        if isinstance(value, dict):
            assert isinstance(got[key], dict) and value.items() <= got[key].items()  # type: ignore[union-attr]
        else:
            assert got[key] == value, (key, got)


def test_offline_showrunner_says_when_it_does_not_understand() -> None:
    answer = understand("sing me a song about boats")
    assert isinstance(answer, str)
    assert "did not understand" in answer and "OPENAI_BASE_URL" in answer
    assert isinstance(understand("唱首歌吧"), str)
    reject = understand("reject episode 3")
    assert isinstance(reject, str) and "note" in reject, "a rejection without a note is not sent"


def test_slash_commands() -> None:
    assert parse_slash("/approve 3 looks good").args == {"episode": 3, "approve": True, "note": "looks good"}
    assert parse_slash("/status").tool == "status"
    assert parse_slash("/produce auto").args == {"approval": "auto"}
    assert "needs a note" in parse_slash("/reject 3").text
    assert "needs an episode number" in parse_slash("/approve x").text
    assert "unknown command" in parse_slash("/dance").text
    assert "/approve N" in parse_slash("/help").text


# ------------------------------------------------------------------ canon questions


def test_canon_questions_are_answered_from_the_bible_with_sources(ws: Workspace, room: ChatHarness) -> None:
    for bible in _bible(ws):
        canon = bible.canon_at(2)
        script = bible.script(1)
    assert script is not None
    prop = canon.props[0]
    holder = canon.character(prop.holder_id or "")
    answer = reply_text(room.say(f"who holds the {prop.name}?"))
    assert (holder.name if holder else "nobody") in answer and prop.name in answer
    assert "[base canon]" in answer or "[ep001" in answer

    lead = canon.characters[0]
    known = [s for s in canon.secrets if lead.id in s.known_by]
    answer = reply_text(room.say(f"what does {lead.name.split()[0]} know by episode 1?"))
    for secret in known:
        assert secret.description in answer
    assert f"{len(known)} secret" in answer or "none of the season's secrets" in answer

    place = canon.location(script.scenes[0].location_id)
    assert place is not None
    answer = reply_text(room.say(f"every scene at the {place.name}"))
    assert "[ep001/s01]" in answer


def test_unknown_names_get_a_helpful_answer_not_an_invention(room: ChatHarness) -> None:
    messages = room.say("who holds the golden teapot?")
    ((name, result),) = _tool_results(messages)
    assert name == "prop_holder" and not result.ok
    assert "no prop called 'golden teapot'" in result.summary and "it has:" in result.summary


# ------------------------------------------------------------------ changing canon


def _canon_file(ws: Workspace) -> Canon:
    return ws.canon()


def test_a_retcon_that_contradicts_a_produced_episode_waits_for_confirmation(ws: Workspace, room: ChatHarness) -> None:
    lead = _canon_file(ws).characters[0]
    before = (ws.root / "canon.json").read_bytes()
    messages = room.say(f"retcon: {lead.name} was dead from the start")
    question = room.pending()
    assert question is not None and "Episodes 1-2 stay as written" in question
    ((_, proposal),) = _tool_results(messages)
    # Episode 1 is committed; episode 2 waits at the gate: both are checked.
    assert "contradicts 2 produced episode" in proposal.summary and "is dead in canon" in proposal.summary
    assert (ws.root / "canon.json").read_bytes() == before, "nothing changes before the user confirms"

    declined = reply_text(room.answer("no"))
    assert "Declined: nothing was changed." in declined and "The user" not in declined and room.pending() is None
    assert (ws.root / "canon.json").read_bytes() == before
    for bible in _bible(ws):
        assert bible.base_canon().characters[0].status.value == "alive"

    room.say(f"retcon: {lead.name} was dead from the start")
    applied = reply_text(room.answer("yes"))
    assert (
        "The user" not in applied
        and applied.count("Confirmed.") == 1
        and "Episodes that now contradict it: 1, 2" in applied
    )
    assert _canon_file(ws).characters[0].status.value == "dead"
    for bible in _bible(ws):
        assert bible.base_canon().characters[0].status.value == "dead"
        # Only the committed episode is marked stale; the one at the gate is not canon yet.
        stale = bible.stale_episodes()
        assert list(stale) == [1] and "contradiction(s), e.g." in stale[1] and "is dead in canon" in stale[1]
    log = json.loads((ws.root / "canon_changes.json").read_text())
    assert log["changes"][-1]["affected_episodes"] == [1, 2]


def test_a_change_that_contradicts_nothing_is_applied_at_once(ws: Workspace, room: ChatHarness) -> None:
    answer = reply_text(room.say("add a rule: nobody lies on the pier"))
    assert room.pending() is None and "nothing produced contradicts it" in answer
    assert "nobody lies on the pier" in _canon_file(ws).world.rules
    answer = reply_text(room.say("add a character named Ada Stone, a 30-year-old female nurse"))
    ada = next(c for c in _canon_file(ws).characters if c.name == "Ada Stone")
    assert (ada.age, ada.gender, ada.occupation) == (30, "female", "nurse")
    assert "added the character Ada Stone" in answer
    assert "Ada Stone" in reply_text(room.say("tell me about Ada"))


# ------------------------------------------------------------------ the plan


def test_plan_revisions_change_unproduced_episodes_and_say_what_changed(ws: Workspace, room: ChatHarness) -> None:
    answer = reply_text(room.say("move the paywall to episode 3"))
    plan = ws.load_artifact(ws.root / "season_plan.json", SeasonPlan)
    assert plan.paywall_episode == 3 and [b.number for b in plan.episodes if b.is_paywall] == [3]
    assert "to episode 3" in answer
    answer = reply_text(room.say("add a twist at episode 3: the will is forged"))
    for bible in _bible(ws):
        assert bible.plan().episodes[2].key_beats[2] == "Twist: the will is forged"
    assert "Twist: the will is forged" in answer
    messages = room.say("add a twist at episode 1: it was all a dream")
    ((_, refused),) = _tool_results(messages)
    assert not refused.ok and "already produced" in refused.summary
    answer = reply_text(room.say("make the antagonist sympathetic"))
    assert "sympathetic" in answer and "trait" in answer
    lead = next(iter(_canon_file(ws).characters))
    answer = reply_text(room.say(f"from episode 3 on, {lead.name} wears a yellow raincoat"))
    assert f"from episode 3 {lead.name} wears 'yellow_raincoat' (yellow raincoat)" in answer
    for bible in _bible(ws):
        planned = bible.plan().episodes[2].planned_changes
        assert [(c.entity_id, c.value) for c in planned if c.field == "wardrobe"] == [(lead.id, "yellow_raincoat")]
        person = bible.base_canon().character(lead.id)
        assert person is not None and person.wardrobe[-1].description == "yellow raincoat"


def test_add_two_episodes_extends_the_season_with_briefs_from_canon(ws: Workspace, room: ChatHarness) -> None:
    old = ws.config.series.episodes
    answer = reply_text(room.say("add two episodes"))
    plan = ws.load_artifact(ws.root / "season_plan.json", SeasonPlan)
    assert [b.number for b in plan.episodes] == list(range(1, old + 3))
    assert Workspace.open(ws.root).config.series.episodes == old + 2
    assert f"from {old} to {old + 2} episodes" in answer and plan.episodes[-1].title in answer
    ids = {c.id for c in ws.canon().characters}
    assert all(set(b.character_ids) <= ids for b in plan.episodes)


# ------------------------------------------------------------------ production


def test_approving_the_pending_episode_resumes_the_season(ws: Workspace, room: ChatHarness) -> None:
    answer = reply_text(room.say("/approve 2 tight and clean"))
    assert "Episode 2 approved" in answer and "Episode 3" in answer and "waiting for your approval" in answer
    for bible in _bible(ws):
        assert bible.committed_episodes() == [1, 2]
    status = reply_text(room.say("/status"))
    assert "committed: 2" in status and "awaiting approval: 1 (episodes 3)" in status


def test_rejecting_with_a_note_sends_the_episode_back(ws: Workspace, room: ChatHarness) -> None:
    answer = reply_text(room.say("reject episode 2: open on the argument, not the hallway"))
    assert "sent back" in answer
    review = json.loads((ws.episode_dir(2) / "review.json").read_text())
    assert review["decisions"][-1] == {
        "approved": False,
        "note": "open on the argument, not the hallway",
        "by": "human",
    }
    wrong = reply_text(room.say("approve episode 3"))
    assert "not waiting for approval" in wrong


def test_the_offline_showrunner_is_honest_about_what_it_cannot_do(room: ChatHarness) -> None:
    messages = room.say("please write me a sonnet")
    assert not _tool_results(messages)
    assert "did not understand" in reply_text(messages)


# ------------------------------------------------------------------ bounds


class _Looping(BaseChatModel):
    """A model that never stops calling tools, with one malformed call first."""

    calls: int = 0

    @property
    def _llm_type(self) -> str:
        return "looping"

    def bind_tools(self, tools: Any, **kwargs: Any) -> Any:
        return self

    def _generate(
        self, messages: list[BaseMessage], stop: Any = None, run_manager: Any = None, **kw: Any
    ) -> ChatResult:
        self.calls += 1
        args: dict[str, object] = {"episode": "soon"} if self.calls == 1 else {}
        name = "render_episode" if self.calls == 1 else "status"
        call = {"name": name, "args": args, "id": f"c{self.calls}", "type": "tool_call"}
        return ChatResult(generations=[ChatGeneration(message=AIMessage(content="", tool_calls=[call]))])


def test_tool_rounds_are_bounded_and_bad_arguments_are_reported(ws: Workspace) -> None:
    model = _Looping()
    room = ChatHarness(ws, RoleModel(model, label="looping", offline=True, method="function_calling"), max_steps=3)
    messages = room.say("what is going on?")
    results = _tool_results(messages)
    assert len(results) == 3 and model.calls == 3
    assert not results[0][1].ok and "argument `episode`" in results[0][1].summary
    assert "stopped after 3 rounds" in reply_text(messages)


# ------------------------------------------------------------------ the command


def test_chat_command_keeps_one_thread_and_new_starts_another(
    ws: Workspace, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    for flag, expected in (
        ([], "new conversation chat-1"),
        ([], "continuing the conversation chat-1"),
        (["--new"], "new conversation chat-2"),
    ):
        monkeypatch.setattr("sys.stdin", io.StringIO("/status\n/quit\n"))
        code, out, _ = cli(["chat", str(ws.root), *flag], capsys)
        assert code == 0 and expected in out and "awaiting approval: 1 (episodes 2)" in out


def test_chat_on_a_missing_series_is_one_clear_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = cli(["chat", str(tmp_path / "nope")], capsys)
    assert_one_line_error(code, err, "does not exist")


def test_re_review_and_render_from_the_chat(ws: Workspace, room: ChatHarness) -> None:
    review = reply_text(room.say("/review 1"))
    assert "Re-reviewed episode 1" in review and "continuity: approve" in review and "ethics: approve" in review
    rendered = reply_text(room.say("render episode 1"))
    video = ws.episode_dir(1) / "episode.mp4"
    assert f"Rendered episode 1: {video}" in rendered and video.stat().st_size > 100_000


def test_questions_past_what_is_produced_say_so(ws: Workspace, room: ChatHarness) -> None:
    lead = ws.canon().characters[0]
    answer = reply_text(room.say(f"what does {lead.name} know by episode 3?"))
    assert "only produced up to episode 1" in answer
