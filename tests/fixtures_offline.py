"""Drive the offline writer the way the agents do: one structured call per task, and whole seasons."""

from __future__ import annotations

from collections.abc import Iterator

from langchain_core.messages import HumanMessage, SystemMessage

from agents.offline import OfflineWriter
from agents.prompting import Task, context_block
from memory.canon_fold import carryover_from, fold_changes
from memory.schema import Canon, Carryover, EpisodeBrief, Finding, Script, SeriesBible


def ask(writer: OfflineWriter, task: Task, payload: dict[str, object], schema: type) -> object:
    """Ask the writer for one task's structured answer, through a context block as the agents send it."""
    messages = [
        SystemMessage("You are part of a writers' room. Answer with the tool."),
        HumanMessage("Do the task.\n" + context_block(task, payload)),
    ]
    return writer.with_structured_output(schema, method="function_calling").invoke(messages)


def plan_season(
    premise: str, language: str = "en", episodes: int = 12, seed: int = 1, paywall: int = 4, genre: str | None = None
) -> SeriesBible:
    """Plan a season for a premise."""
    payload: dict[str, object] = {
        "premise": premise,
        "language": language,
        "episodes": episodes,
        "target_seconds": 90,
        "seed": seed,
        "paywall_episode": paywall,
        "genre": genre,
    }
    bible = ask(OfflineWriter(seed=seed), "plan_season", payload, SeriesBible)
    assert isinstance(bible, SeriesBible)
    return bible


def write_script(
    writer: OfflineWriter,
    bible: SeriesBible,
    brief: EpisodeBrief,
    canon: Canon,
    carry: Carryover,
    revision: int = 0,
    previous: Script | None = None,
    notes: list[Finding] | None = None,
    seed: int = 1,
) -> Script:
    """Write (or revise) one episode's script."""
    payload: dict[str, object] = {
        "language": canon.language,
        "seed": seed,
        "brief": brief,
        "canon": canon,
        "carryover": carry,
        "previous_summary": "",
        "recall": [],
        "target_seconds": 90,
        "revision": revision,
        "previous_draft": previous,
        "notes": notes or [],
    }
    script = ask(writer, "write_script", payload, Script)
    assert isinstance(script, Script)
    return script


def season(
    bible: SeriesBible, writer: OfflineWriter, count: int | None = None
) -> Iterator[tuple[EpisodeBrief, Canon, Carryover, Script]]:
    """Write a season episode by episode, folding each script into the canon and carryover of the next
    with the bible's own fold (memory/canon_fold.py)."""
    canon, carry = bible.canon, Carryover()
    written: list[Script] = []
    for brief in bible.plan.episodes[:count]:
        script = write_script(writer, bible, brief, canon, carry)
        yield brief, canon, carry, script
        written.append(script)
        canon, carry = fold_changes(canon, script.state_changes), carryover_from(written)
