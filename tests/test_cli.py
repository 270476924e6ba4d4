"""The command line as a user meets it: bad input gets one clear line and a non-zero exit."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from dramaroom.cli import main
from dramaroom.workspace import Workspace


def cli(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    """Run the CLI in-process and return (exit code, stdout, stderr)."""
    old = sys.argv
    sys.argv = ["dramaroom", *argv]
    try:
        main()
        code = 0
    except SystemExit as exc:
        code = int(exc.code or 0)
    finally:
        sys.argv = old
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def assert_one_line_error(code: int, err: str, *needles: str) -> None:
    assert code != 0
    assert "Traceback" not in err
    lines = [line for line in err.strip().splitlines() if line.startswith("error:")]
    assert len(lines) == 1, err
    for needle in needles:
        assert needle in lines[0], lines[0]


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["--premise", ""], "no premise"),
        (["--premise", "   \n\t "], "premise is empty"),
        (["--premise", "x" * 9000], "over the 8,000 limit"),
        (["--premise", "A story\x07\x1b with junk"], "control or undecodable"),
        (["--premise", "A story", "--language", "fr"], "unknown language 'fr'"),
        (["--premise", "A story", "--episodes", "0"], "--episodes must be a whole number from 1 to 200; got '0'"),
        (["--premise", "A story", "--episodes", "-3"], "--episodes must be a whole number from 1 to 200; got '-3'"),
        (["--premise", "A story", "--target-seconds", "5"], "--target-seconds must be a whole number from 20 to 300"),
    ],
)
def test_new_rejects_bad_input(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str], needle: str
) -> None:
    target = tmp_path / "series"
    code, _, err = cli(["new", str(target), *args], capsys)
    assert_one_line_error(code, err, needle)
    assert not target.exists(), "nothing is created for bad input"


def test_premise_files_that_are_huge_or_binary_are_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    huge = tmp_path / "huge.txt"
    huge.write_text("a" * 1_048_576)
    code, _, err = cli(["new", str(tmp_path / "a"), "--premise-file", str(huge)], capsys)
    assert_one_line_error(code, err, "1,048,576 bytes")
    junk = tmp_path / "junk.bin"
    junk.write_bytes(bytes(range(256)) * 4)
    code, _, err = cli(["new", str(tmp_path / "b"), "--premise-file", str(junk)], capsys)
    assert_one_line_error(code, err, "NUL bytes")
    latin = tmp_path / "latin1.txt"
    latin.write_bytes("Une héroïne".encode("latin-1"))
    code, _, err = cli(["new", str(tmp_path / "c"), "--premise-file", str(latin)], capsys)
    assert_one_line_error(code, err, "not UTF-8")


def test_new_refuses_an_existing_workspace_and_keeps_it(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "series"
    code, out, _ = cli(["new", str(target), "--premise", "A baker named Elon opens a night bakery."], capsys)
    assert code == 0 and "created" in out
    before = (target / "dramaroom.toml").read_text()
    code, _, err = cli(["new", str(target), "--premise", "Something else entirely."], capsys)
    assert_one_line_error(code, err, "already exists")
    assert (target / "dramaroom.toml").read_text() == before


def test_commands_on_a_missing_workspace_say_so(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    for command in (["produce"], ["status"], ["approve", "--episode", "1"], ["review", "--episode", "1"]):
        code, _, err = cli([command[0], str(tmp_path / "nope"), *command[1:]], capsys)
        assert_one_line_error(code, err, "does not exist")


def test_corrupt_config_is_reported_and_left_alone(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "series"
    cli(["new", str(target), "--premise", "A courier finds a letter."], capsys)
    config = target / "dramaroom.toml"
    config.write_text('[series]\npremise = "unterminated\n')
    code, _, err = cli(["produce", str(target)], capsys)
    assert_one_line_error(code, err, "not valid TOML")
    assert config.read_text() == '[series]\npremise = "unterminated\n'
    config.write_text('[series]\npremise = "ok"\nepisodes = -2\n')
    code, _, err = cli(["status", str(target)], capsys)
    assert_one_line_error(code, err, "series.episodes")


def test_a_held_lock_is_reported_clearly(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "series"
    cli(["new", str(target), "--premise", "A courier finds a letter."], capsys)
    ws = Workspace.open(target)
    with ws.writing():
        code, _, err = cli(["produce", str(target)], capsys)
    assert code == 3
    assert_one_line_error(code, err, "is being written by", "wait for it")


def test_reject_needs_a_note(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "series"
    cli(["new", str(target), "--premise", "A courier finds a letter."], capsys)
    code, _, err = cli(["approve", str(target), "--episode", "1", "--reject"], capsys)
    assert_one_line_error(code, err, "needs a note")
