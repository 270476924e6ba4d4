"""Usage errors read like the rest of the product's errors: the flag, what it got, what it takes, an example."""

from __future__ import annotations

import subprocess
import sys

import pytest


def dramaroom(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "dramaroom", *args], capture_output=True, text=True, timeout=60, check=False
    )


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (("new", "s", "--episodes", "abc"), "error: --episodes must be a whole number from 1 to 200; got 'abc'"),
        (("new", "s", "--episodes", "0"), "error: --episodes must be a whole number from 1 to 200; got '0'"),
        (("new", "s", "--seed", "1.5"), "error: --seed must be a whole number from 0 to 2147483647; got '1.5'"),
        (("new", "s", "--seed", str(10**28)), "error: --seed must be a whole number from 0 to 2147483647"),
        (("approve", "s", "--episode", ""), "error: --episode must be a whole number of at least 1; got ''"),
        (("render", "s", "--episode", "0"), "error: --episode must be a whole number of at least 1; got '0'"),
        (("approve", "s"), "error: dramaroom approve needs --episode: a whole number"),
        (("new",), "error: dramaroom new needs SERIES"),
        (("xyzzy",), "error: No such command 'xyzzy': see `dramaroom --help`"),
        (("reopn",), "error: No such command 'reopn'. Did you mean 'reopen'?: see `dramaroom --help`"),
        (("new", "s", "--bogus"), "error: dramaroom new has no option --bogus"),
        (("new", "s", "--episodes"), "error: --episodes needs a value after it; e.g. `--episodes 6`"),
    ],
)
def test_usage_errors_name_the_flag_and_the_fix(args: tuple[str, ...], expected: str, tmp_path: object) -> None:
    done = dramaroom(*args)
    lines = done.stderr.strip().splitlines()
    assert done.returncode == 2
    assert len(lines) == 1 and lines[0].startswith(expected), done.stderr
    assert "Error:" not in done.stderr and "Traceback" not in done.stderr
    assert "e.g. `" in lines[0] or "--help" in lines[0]


def test_no_command_shows_help_and_version_and_short_help_work() -> None:
    bare = dramaroom()
    assert bare.returncode == 0 and "Commands" in bare.stdout and not bare.stderr
    short = dramaroom("-h")
    assert short.returncode == 0 and "Usage: dramaroom" in short.stdout
    version = dramaroom("--version")
    assert version.returncode == 0 and version.stdout.startswith("dramaroom ")
