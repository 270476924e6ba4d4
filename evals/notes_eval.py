"""Note adherence: producers' notes sent back through the real CLI, scored from review.json.

For each series of the dataset (evals/datasets/notes/) the eval produces an offline season with a manual
gate, so it stops at episode 1's gate. For each note it copies that workspace, fills the note's slots from
the episode (evals/notes_slots.py), runs `dramaroom approve --reject --note "…"` exactly as a producer
would, and reads the revision records in review.json: what each typed request became (verified or unmet)
and what was reported as not actionable. Every request reported verified is checked again on the final
script against the draft it was made on (agents.edit_verify), so "applied" can never be claimed unchecked.

    .venv/bin/python -m evals.notes_eval [--only zh-] [--json out.json] [--cli [--jobs 2]]

By default the notes go through the season graph in-process (evals/notes_room.py: the same graph, context
and limits as the CLI builds, forked at the gate per note); `--cli` runs the CLI itself for every note.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field, ValidationError

from agents.edit_verify import verify
from agents.note_parser import parse_note
from evals import notes_room
from evals.notes_room import GateRoom
from evals.notes_slots import (
    DATASET_FILE,
    Episode,
    NoteCase,
    NoteSeries,
    NotesFile,
    file_hash,
    fill,
    load,
    write_manifest,
)
from graphs.state import RevisionRecord
from memory.edits import SHOT_KINDS, RequestOutcome
from memory.schema import Canon, Script, SeasonPlan, ShotList

Status = Literal["applied", "partial", "not_actionable", "failed", "not_applicable"]


class CaseResult(BaseModel):
    """What became of one note."""

    id: str
    series: str
    language: str
    note: str = Field(description="The note as sent, slots filled.")
    expected_kinds: list[str]
    actionable: bool
    tags: list[str] = Field(default_factory=list)
    parsed_kinds: list[str] = Field(default_factory=list, description="Kinds the parser read, in-process.")
    verified_kinds: list[str] = Field(default_factory=list)
    unmet: list[str] = Field(default_factory=list, description="Requests reported unmet, with why.")
    not_actionable: list[str] = Field(default_factory=list, description="Parts reported as not actionable.")
    unchecked_claims: list[str] = Field(
        default_factory=list, description="Requests reported verified that fail the re-check on the final script."
    )
    status: Status
    detail: str = ""
    seconds: float = 0.0


def _env() -> dict[str, str]:
    # The eval measures the offline writer: an endpoint in the caller's environment must not leak in.
    return {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "DRAMAROOM_MODEL"))}


async def _cli(*args: str) -> tuple[int, str]:
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "dramaroom", *args, stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT, env=_env(),
    )  # fmt: skip
    out, _ = await process.communicate()
    return process.returncode or 0, out.decode("utf-8", "replace")


async def produce(spec: NoteSeries, root: Path) -> Path:
    """Produce a series offline up to episode 1's gate and return its workspace."""
    ws = root / spec.id
    args = ["new", str(ws), "--premise", spec.premise, "--episodes", str(spec.episodes), "--seed", str(spec.seed)]
    args += ["--language", spec.language] + (["--genre", spec.genre] if spec.genre else [])
    code, out = await _cli(*args)
    if code:
        raise RuntimeError(f"dramaroom new failed for {spec.id}: {out.strip().splitlines()[-1:]}")
    code, out = await _cli("produce", str(ws), "--approve", "manual")
    if code or not (ws / "episodes" / "ep001" / "script.json").exists():
        raise RuntimeError(f"dramaroom produce failed for {spec.id}: {out.strip().splitlines()[-1:]}")
    return ws


def _artifact(path: Path, model: type[BaseModel]) -> BaseModel:
    data = json.loads(path.read_text(encoding="utf-8"))
    data.pop("meta", None)
    return model.model_validate(data)


def episode_of(ws: Path) -> Episode:
    """Read episode 1 as it waits at the gate."""
    folder = ws / "episodes" / "ep001"
    canon = _artifact(ws / "canon.json", Canon)
    plan = _artifact(ws / "season_plan.json", SeasonPlan)
    script = _artifact(folder / "script.json", Script)
    shots = _artifact(folder / "shotlist.json", ShotList) if (folder / "shotlist.json").exists() else None
    assert isinstance(canon, Canon) and isinstance(plan, SeasonPlan) and isinstance(script, Script)
    return Episode(
        canon=canon, brief=plan.episodes[0], script=script, shots=shots if isinstance(shots, ShotList) else None
    )


def _records(ws: Path) -> list[RevisionRecord]:
    review = json.loads((ws / "episodes" / "ep001" / "review.json").read_text(encoding="utf-8"))
    return [RevisionRecord.model_validate(h) for h in review.get("history", [])]


def _drafts(ws: Path) -> dict[int, Script]:
    found: dict[int, Script] = {}
    for path in (ws / "episodes" / "ep001" / "drafts").glob("script.r*.json"):
        script = _artifact(path, Script)
        if isinstance(script, Script):
            found[int(path.stem.removeprefix("script.r"))] = script
    return found


def final_outcomes(records: list[RevisionRecord]) -> tuple[list[RequestOutcome], list[RequestOutcome], int]:
    """Return each human request's last outcome, the not-actionable parts, and the revision the note was made on."""
    first = next((i for i, r in enumerate(records) if r.reviewer == "human"), None)
    if first is None:
        return [], [], 0
    base = max((r.revision for r in records[:first] if r.artifact == "script"), default=0)
    last: dict[str, RequestOutcome] = {}
    loose: list[RequestOutcome] = []
    asked = {o.request.model_dump_json() for o in records[first].outcomes or [] if o.request is not None}
    for record in records[first:]:
        for outcome in record.outcomes or []:
            if outcome.request is None:
                if record.reviewer == "human" and outcome not in loose:
                    loose.append(outcome)
                continue
            key = outcome.request.model_dump_json()
            if key in asked or record.reviewer == "human":
                asked.add(key)
                last[key] = outcome
    return list(last.values()), loose, base


def score(
    result: CaseResult, episode: Episode, records: list[RevisionRecord], drafts: dict[int, Script], final: Script
) -> CaseResult:
    """Score a note from the revision records: verified, unmet, not actionable; re-check every verified claim."""
    outcomes, loose, base = final_outcomes(records)
    result.not_actionable = [o.note for o in loose if o.status == "not_actionable"]
    before = drafts.get(base, episode.script)
    for outcome in outcomes:
        assert outcome.request is not None
        if outcome.status != "verified":
            result.unmet.append(f"{outcome.request.kind}: {outcome.detail}")
            continue
        result.verified_kinds.append(outcome.request.kind)
        if outcome.request.kind not in SHOT_KINDS:  # shot requests are verified against the shot list
            met, why = verify(outcome.request, before, final, episode.canon, episode.brief, episode.canon.language)
            if not met:
                result.unchecked_claims.append(f"{outcome.request.kind}: {why}")
    result.status = _status(result, outcomes)
    return result


def _start(case: NoteCase, spec: NoteSeries, episode: Episode) -> tuple[CaseResult, str]:
    note, missing = fill(case.note, episode)
    result = CaseResult(id=case.id, series=case.series, language=spec.language, note=note or case.note,
                        expected_kinds=case.expected_kinds, actionable=case.actionable, tags=case.tags,
                        status="not_applicable")  # fmt: skip
    if missing:
        result.detail = f"the episode has nothing for the slot {{{missing}}}"
        return result, ""
    parsed = parse_note(note, script=episode.script, canon=episode.canon, brief=episode.brief, shots=episode.shots)
    result.parsed_kinds = [r.kind for r in parsed.requests]
    return result, note


async def run_case_cli(case: NoteCase, spec: NoteSeries, base: Path, root: Path) -> CaseResult:
    """Send one note back through the CLI on a copy of the workspace and score what review.json says."""
    started = time.perf_counter()
    episode = episode_of(base)
    result, note = _start(case, spec, episode)
    if not note:
        return result
    ws = root / "cases" / case.id
    shutil.copytree(base, ws)
    code, out = await _cli("approve", str(ws), "--episode", "1", "--reject", "--note", note)
    if code:
        result.status, result.detail = "failed", out.strip().splitlines()[-1] if out.strip() else f"exit {code}"
        return result
    final = _artifact(ws / "episodes" / "ep001" / "script.json", Script)
    assert isinstance(final, Script)
    score(result, episode, _records(ws), _drafts(ws), final)
    result.seconds = round(time.perf_counter() - started, 1)
    shutil.rmtree(ws, ignore_errors=True)
    return result


async def run_case_graph(case: NoteCase, room: GateRoom) -> CaseResult:
    """Reject at a fork of the in-process gate with the note and score the revision records."""
    started = time.perf_counter()
    episode = room.episode()
    result, note = _start(case, room.spec, episode)
    if not note:
        return result
    try:
        rejected = await notes_room.reject(room, note)
    except Exception as exc:  # a room that fails on a note is a result to report, not the end of the eval
        result.status, result.detail = "failed", f"{type(exc).__name__}: {str(exc).splitlines()[0]}"
        result.seconds = round(time.perf_counter() - started, 1)
        return result
    score(result, episode, rejected.history, rejected.drafts, rejected.script)
    result.seconds = round(time.perf_counter() - started, 1)
    return result


def _status(result: CaseResult, outcomes: list[RequestOutcome]) -> Status:
    if not result.actionable:
        return "not_actionable" if not outcomes and result.not_actionable else "failed"
    wanted = set(result.expected_kinds)
    if outcomes and not result.unmet and wanted <= set(result.verified_kinds) and not result.unchecked_claims:
        return "applied"
    claimed = {c.split(":")[0] for c in result.unchecked_claims + result.unmet}
    return "partial" if set(result.verified_kinds) - claimed else "failed"


# ---------------------------------------------------------------------- report


def summarise(results: Sequence[CaseResult]) -> dict[str, object]:
    """Rates per kind and overall: a kind counts as met on a note when every request of that kind was verified."""
    scored = [r for r in results if r.status != "not_applicable"]
    per_kind: dict[str, dict[str, int]] = {}
    for r in scored:
        for kind in dict.fromkeys(r.expected_kinds):
            row = per_kind.setdefault(kind, {"notes": 0, "verified": 0})
            row["notes"] += 1
            unmet = any(u.startswith(f"{kind}:") for u in r.unmet + r.unchecked_claims)
            row["verified"] += int(kind in r.verified_kinds and not unmet)
    actionable = [r for r in scored if r.actionable]
    labelled = [r for r in scored if not r.actionable]
    return {
        "notes": len(results),
        "scored": len(scored),
        "not_applicable": [r.id for r in results if r.status == "not_applicable"],
        "applied_and_verified": sum(r.status == "applied" for r in actionable),
        "actionable": len(actionable),
        "rate": round(sum(r.status == "applied" for r in actionable) / max(1, len(actionable)), 3),
        "parse_matches": sum(sorted(set(r.parsed_kinds)) == sorted(set(r.expected_kinds)) for r in scored),
        "per_kind": dict(sorted(per_kind.items())),
        "not_actionable_reported": sum(r.status == "not_actionable" for r in labelled),
        "not_actionable_labelled": len(labelled),
        "reported_applied_not_verified": sum(len(r.unchecked_claims) for r in scored),
    }


def render(summary: dict[str, object], results: Sequence[CaseResult], version: str, digest: str) -> str:
    """Render the summary and the notes that were not applied as plain text."""
    lines = [f"producer notes v{version} (sha256 {digest[:12]}): {summary['notes']} notes, {summary['scored']} scored"]
    lines.append(
        f"applied and verified: {summary['applied_and_verified']}/{summary['actionable']} actionable notes "
        f"({float(str(summary['rate'])):.0%}); parser read the expected kinds on {summary['parse_matches']}"
    )
    lines.append(
        f"not actionable on purpose: {summary['not_actionable_reported']}/{summary['not_actionable_labelled']} "
        f"reported as not actionable; reported applied but not verified: {summary['reported_applied_not_verified']}"
    )
    lines.append(f"{'kind':<20} {'verified':>8} {'notes':>6} {'rate':>6}")
    per_kind = summary["per_kind"]
    assert isinstance(per_kind, dict)
    for kind, row in per_kind.items():
        lines.append(f"{kind:<20} {row['verified']:>8} {row['notes']:>6} {row['verified'] / row['notes']:>6.0%}")
    for r in results:
        if r.status in ("partial", "failed"):
            why = "; ".join(r.unmet + r.unchecked_claims) or r.detail or f"parsed {r.parsed_kinds}"
            lines.append(f"  {r.status}: {r.id} — {r.note!r}: {why}")
        elif r.status == "not_actionable":
            lines.append(f"  not actionable (as labelled): {r.id} — {r.note!r}")
        elif r.status == "not_applicable":
            lines.append(f"  not applicable: {r.id} — {r.detail}")
    return "\n".join(lines)


async def evaluate(
    data: NotesFile, root: Path, *, cli: bool = False, jobs: int = 2, only: str = "", progress: bool = True
) -> list[CaseResult]:
    """Produce each series once to episode 1's gate, then send every note back (CLI: `jobs` processes at a time)."""
    cases = [c for c in data.cases if c.id.startswith(only) or c.series.startswith(only)] if only else data.cases
    wanted = {c.series for c in cases}
    specs = {s.id: s for s in data.series if s.id in wanted}
    results: list[CaseResult] = []

    def say(case: NoteCase, result: CaseResult) -> None:
        results.append(result)
        if progress:
            print(f"[{len(results)}/{len(cases)}] {case.id}: {result.status} ({result.seconds:.1f}s)", flush=True)

    gate = asyncio.Semaphore(max(1, jobs))
    for spec in specs.values():
        if progress:
            print(f"producing {spec.id} ({spec.language}, seed {spec.seed}) to episode 1's gate", flush=True)
        mine = [c for c in cases if c.series == spec.id]
        if cli:
            base = await produce(spec, root)

            async def one(case: NoteCase, base: Path = base, spec: NoteSeries = spec) -> None:
                async with gate:
                    say(case, await run_case_cli(case, spec, base, root))

            await asyncio.gather(*(one(c) for c in mine))
            continue
        room = await notes_room.produce(spec, root)
        try:
            for case in mine:
                say(case, await run_case_graph(case, room))
        finally:
            room.close()
    order = {c.id: i for i, c in enumerate(cases)}
    return sorted(results, key=lambda r: order[r.id])


def main(argv: Sequence[str] | None = None) -> int:
    """Run the notes eval and print the report; exit 1 when the dataset is missing or broken."""
    parser = argparse.ArgumentParser(prog="python -m evals.notes_eval", description=__doc__.splitlines()[0])
    parser.add_argument("--dataset", type=Path, default=DATASET_FILE, help="notes dataset file")
    parser.add_argument("--cli", action="store_true", help="run `dramaroom approve --reject` per note (slower)")
    parser.add_argument("--jobs", type=int, default=2, help="with --cli: notes run at once (default 2)")
    parser.add_argument("--only", default="", help="only cases whose id or series starts with this")
    parser.add_argument("--json", type=Path, default=None, help="also write the results as JSON here")
    parser.add_argument("--keep", type=Path, default=None, help="work in this folder and keep it")
    parser.add_argument("--write-manifest", action="store_true", help="refresh manifest.json after editing notes")
    args = parser.parse_args(argv)
    try:
        data = load(args.dataset)
    except (OSError, ValidationError, ValueError) as exc:
        print(f"error: cannot read the notes dataset {args.dataset}: {str(exc).splitlines()[0]}", file=sys.stderr)
        return 1
    if args.write_manifest:
        print(f"wrote {write_manifest(args.dataset)}")
        return 0
    root = args.keep or Path(tempfile.mkdtemp(prefix="dramaroom-notes-eval-"))
    root.mkdir(parents=True, exist_ok=True)
    try:
        results = asyncio.run(evaluate(data, root, cli=args.cli, jobs=args.jobs, only=args.only))
    except RuntimeError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    finally:
        if args.keep is None:
            shutil.rmtree(root, ignore_errors=True)
    summary = summarise(results)
    print(render(summary, results, data.version, file_hash(args.dataset)))
    if args.json:
        body = {"summary": summary, "results": [r.model_dump() for r in results]}
        args.json.write_text(json.dumps(body, ensure_ascii=False, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
