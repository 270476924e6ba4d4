"""A real terminal session with `dramaroom chat` on the offline stack, driven through a pty."""

from __future__ import annotations

import io
import os
import sys
from pathlib import Path

import pexpect
import pytest

from tests.fixtures_chat import copy_series, paused_series

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def prepared(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return paused_series(tmp_path_factory.mktemp("chat-tty") / "series")


def _spawn(series: Path, log: io.StringIO) -> pexpect.spawn:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "DRAMAROOM_"))}
    env.update(PYTHONUNBUFFERED="1", TERM="xterm", COLUMNS="200", LINES="50")
    child = pexpect.spawn(
        sys.executable,
        ["-m", "dramaroom", "chat", str(series)],
        env=env,
        encoding="utf-8",
        timeout=180,
        dimensions=(50, 200),
    )
    child.logfile_read = log
    return child


def test_a_terminal_chat_answers_retcons_with_confirmation_and_approves(prepared: Path, tmp_path: Path) -> None:
    ws = copy_series(prepared, tmp_path / "series")
    canon = ws.canon()
    lead, prop = canon.characters[0], canon.props[0]
    log = io.StringIO()
    child = _spawn(ws.root, log)
    try:
        child.expect("offline showrunner")
        child.expect("new conversation chat-1")
        child.expect_exact("you> ")

        child.sendline(f"who holds the {prop.name}?")
        child.expect_exact("→ prop_holder(")
        child.expect_exact("you> ")
        assert child.before.count(f"holds the {prop.name}") == 1, "the answer is shown once, not twice"

        child.sendline("approve episode 2")
        child.expect_exact("→ decide_episode(")
        child.expect("ep002 commit")  # the season resumes and shows its progress
        child.expect("Episode 2 approved")
        child.expect("Episode 3 .* is waiting for your approval")
        child.expect_exact("you> ")

        child.sendline(f"retcon: {lead.name} was dead from the start")
        child.expect("contradicts 3 produced episode")  # 1-2 committed, 3 at the gate
        child.expect("is dead in canon but is present")
        child.expect_exact("apply? [y/N] ")
        child.sendline("y")
        child.expect("Confirmed.")
        child.expect_exact("you> ")
        assert "The user confirmed" not in child.before

        child.sendline(f"is {lead.name} alive?")
        child.expect_exact("→ character_status(")
        child.expect_exact("you> ")
        answer = " ".join(child.before.split())
        assert f"No — {lead.name} is dead from the start of the season (retcon #1, " in answer
        assert answer.count("No — ") == 1

        child.send("\x1b[A\r")  # arrow up: the last request again, from the line history
        child.expect_exact("→ character_status(")
        child.expect_exact("you> ")
        child.send("\x12who holds\r")  # Ctrl-R: search the history
        child.expect_exact("→ prop_holder(")
        child.expect_exact("you> ")

        child.sendline("/status")
        child.expect("committed: 2")
        child.expect_exact("you> ")
        child.sendline("/quit")
        child.expect("the conversation is kept")
        child.expect(pexpect.EOF)
    finally:
        child.close()
    assert child.exitstatus == 0, log.getvalue()[-2000:]
    assert ws.canon().characters[0].status.value == "dead"

    again = _spawn(ws.root, log)
    try:
        again.expect("continuing the conversation chat-1")
        again.expect_exact("you> ")
        again.sendline("/help")
        again.expect_exact("/approve N [note]")
        again.expect_exact("you> ")
        again.sendeof()
        again.expect(pexpect.EOF)
    finally:
        again.close()
    assert again.exitstatus == 0
    assert "Traceback" not in log.getvalue()
    assert f"who holds the {prop.name}?" in (ws.root / "state" / "chat_history").read_text(encoding="utf-8")
