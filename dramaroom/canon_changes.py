"""Canon changes made after planning, from the chat or `dramaroom canon`: applied, logged, undone.

A change is assessed first (agents/canon_edits.assess: every committed episode and the one at the gate is
checked against the changed canon). Applying it revises base canon in the bible, marks each contradicted
committed episode stale, writes canon.json and logs the change in canon_changes.json with what it
contradicted. Before that, the files it replaces are kept under state/canon_changes/, so `undo` restores
canon.json, the bible's canon and the stale marks exactly as they were.
"""

from __future__ import annotations

import json
from collections.abc import Collection
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal

from pydantic import BaseModel, Field

from agents.canon_edits import Affected, Assessment, contradictions
from agents.canon_fixes import Renamed, rename_in_script, rename_in_shots, renamed, reprompt
from agents.canon_queries import QueryError, resolve
from dramaroom.errors import UserError
from dramaroom.reports import awaiting_approval
from dramaroom.workspace import Workspace, write_atomic_bytes
from graphs.state import EpisodeReview, RevisionRecord
from memory.bible import StoryBible
from memory.canon_fold import fold_episodes
from memory.schema import Canon, Script, ShotList

Source = Literal["chat", "cli"]


class Contradiction(BaseModel):
    """What a change contradicts in one produced episode."""

    episode: int
    findings: list[str] = Field(description="Every continuity finding the change causes there, one line each.")
    committed: bool = Field(description="False for the episode waiting at the approval gate (not canon yet).")


class CanonChangeEntry(BaseModel):
    """One applied canon change, as kept in canon_changes.json."""

    number: int = Field(default=0, description="#1, #2, … in the order the changes were made (0: an older log).")
    at: datetime | None = Field(default=None, description="When it was applied (UTC); null in older logs.")
    source: Source | None = Field(default=None, description="chat or cli; null in older logs.")
    action: str = Field(default="", description="The kind of change: revise_character, add_rule, …")
    target: str = Field(default="", description="The id of what it changed, when it revised one entity.")
    changes: dict[str, str] = Field(default_factory=dict, description="field -> new value, as asked.")
    description: str
    reason: str = ""
    affected_episodes: list[int] = Field(default_factory=list)
    contradicted: list[Contradiction] = Field(default_factory=list)
    done: str = Field(default="", description="What was done about the contradictions.")
    undone_at: datetime | None = Field(default=None, description="When `undo` reverted it; null while it stands.")
    fixed_episodes: list[int] = Field(
        default_factory=list, description="Committed episodes a mechanical fix (a rename) rewrote."
    )
    fixed_lines: int = Field(default=0, description="Script lines the mechanical fix changed.")
    reprompted_episodes: list[int] = Field(
        default_factory=list, description="Committed episodes whose shot prompts a mechanical fix rebuilt."
    )
    reprompted_shots: int = Field(default=0, description="Shots whose image prompt that fix rebuilt.")
    marked_stale: list[int] = Field(default_factory=list, description="Committed episodes the change left stale.")


class CanonChangeLog(BaseModel):
    """Every canon change made after planning, oldest first."""

    changes: list[CanonChangeEntry] = Field(default_factory=list)


class _Snapshot(BaseModel):
    """What a change replaced, for `undo`: canon.json's bytes, the stale marks, and what a fix rewrote."""

    canon_json: str
    stale_before: dict[int, str]
    files: dict[str, str | None] = Field(
        default_factory=dict, description="Files a mechanical fix rewrote, by path under the series: their text."
    )
    scripts: dict[int, str] = Field(default_factory=dict, description="Committed scripts a fix replaced (JSON).")


def load_log(ws: Workspace) -> CanonChangeLog:
    """Return the series' canon change log (empty when no change was made)."""
    path = ws.root / "canon_changes.json"
    return ws.load_artifact(path, CanonChangeLog) if path.exists() else CanonChangeLog()


def standing(log: CanonChangeLog) -> list[CanonChangeEntry]:
    """Return the changes not undone, oldest first."""
    return [c for c in log.changes if c.undone_at is None]


def waiting_scripts(ws: Workspace) -> list[Script]:
    """Return the scripts waiting at the approval gate (produced, not committed): a change checks them too."""
    return [ws.load_artifact(ws.episode_dir(n) / "script.json", Script) for n in awaiting_approval(ws)]


def _next_number(log: CanonChangeLog) -> int:
    return max((c.number for c in log.changes), default=0) + 1


def apply_change(
    ws: Workspace, bible: StoryBible, found: Assessment, source: Source, *, fix: bool = True
) -> CanonChangeEntry:
    """Apply an assessed change: bible canon, mechanical fixes, stale marks, canon.json, the log.

    With `fix`, a rename is carried into the contradicted committed episodes (cues, mentions, shot
    prompts), and a changed look or wardrobe into the image prompts of the shots that show it, each as a
    revision attributed to the change; what still contradicts afterwards is marked stale. Without it,
    an episode whose prompts the change alters is marked stale too.
    The caller holds the lock.
    """
    log = load_log(ws)
    number = _next_number(log)
    canon_path = ws.root / "canon.json"
    old_canon = bible.base_canon()
    committed = set(bible.committed_episodes())
    marked = [a.episode for a in found.affected if a.episode in committed]
    previous = bible.stale_episodes()
    snapshot = _Snapshot(
        canon_json=canon_path.read_text(encoding="utf-8") if canon_path.exists() else "", stale_before=dict(previous)
    )
    changes = renamed(old_canon, found.canon) if fix else []
    bible.revise_canon(found.canon)
    ws.save_series("canon", found.canon)  # first: the fixed scripts' Fountain files are written from it
    fixed: dict[int, int] = {}
    for n in marked if changes else []:
        if not ws.hand_edits(n):  # a writer's edit is never overwritten: that episode stays stale for `review`
            fixed[n] = _fix_episode(ws, bible, n, changes, number, snapshot)
    prompts = prompt_updates(ws, bible, old_canon, found.canon, skip=fixed)
    for update in prompts if fix else []:
        _keep(ws, update.episode, snapshot)
        ws.save_episode(update.episode, "shotlist", update.shots)
        _record_fix(ws, update.episode, "shotlist", number, "shot prompts")
    folder = ws.state_dir / "canon_changes"
    folder.mkdir(parents=True, exist_ok=True)
    write_atomic_bytes(folder / f"{number:03d}.json", snapshot.model_dump_json().encode("utf-8"), root=ws.root)
    remaining = {a.episode: a for a in _recheck(bible, old_canon, found)} if fixed else {}
    stale: list[int] = []
    for item in found.affected:
        if item.episode not in committed:
            continue
        left = remaining.get(item.episode) if item.episode in fixed else item
        if left is None:
            continue
        first = left.findings[0].message if left.findings else ""
        mark = f"canon change #{number}: {found.description}: {len(left.findings)} contradiction(s)" + (
            f", e.g. {first}" if first else ""
        )
        bible.mark_stale(item.episode, mark)
        stale.append(item.episode)
    for update in [] if fix else [u for u in prompts if u.episode not in stale]:
        mark = f"canon change #{number}: {found.description}: {update.changed} shot prompt(s) still show it as it was"
        bible.mark_stale(update.episode, mark)
        stale.append(update.episode)
    reprompted = prompts if fix else []
    done = [f"renamed in episode(s) {', '.join(map(str, fixed))} ({sum(fixed.values())} line(s))"] if fixed else []
    done += (
        [f"shot prompts rebuilt in episode(s) {', '.join(str(u.episode) for u in reprompted)}"] if reprompted else []
    )
    done += [f"marked stale: {', '.join(map(str, sorted(stale)))}"] if stale else []
    entry = CanonChangeEntry(
        number=number,
        at=datetime.now(UTC),
        source=source,
        action=found.edit.action,
        target=_target_id(old_canon, found.edit.target),
        changes=dict(found.edit.changes),
        description=found.description,
        reason=found.edit.reason,
        affected_episodes=[a.episode for a in found.affected],
        contradicted=[
            Contradiction(
                episode=a.episode,
                findings=[f"{f.location}: {f.message}" for f in a.findings],
                committed=a.episode in committed,
            )
            for a in found.affected
        ],
        done="; ".join(done) or "nothing contradicted",
        fixed_episodes=sorted(fixed),
        fixed_lines=sum(fixed.values()),
        reprompted_episodes=[u.episode for u in reprompted],
        reprompted_shots=sum(u.changed for u in reprompted),
        marked_stale=sorted(stale),
    )
    log.changes.append(entry)
    ws.save_series("canon_changes", log)
    return entry


def _target_id(canon: Canon, target: str) -> str:
    """Return the id of the entity a change names (as typed, a name or an id), or the text when none matches."""
    if not target:
        return ""
    try:
        return resolve(canon, target, ("character", "location", "prop"))[1].id
    except QueryError:
        return target


_FIXED_FILES = ("script.json", "script.fountain", "shotlist.json", "shotlist.csv", "review.json")


def _keep(ws: Workspace, episode: int, snapshot: _Snapshot) -> None:
    """Keep the files a mechanical fix may rewrite in an episode, once, so `undo` can put them back."""
    folder = ws.episode_dir(episode)
    for path in [*(folder / name for name in _FIXED_FILES), ws.written_record(episode)]:
        key = str(path.relative_to(ws.root))
        if key not in snapshot.files:
            snapshot.files[key] = path.read_text(encoding="utf-8") if path.exists() else None


def _record_fix(ws: Workspace, episode: int, artifact: Literal["script", "shotlist"], number: int, how: str) -> None:
    """Add the fix to the episode's review history as a revision attributed to the canon change."""
    path = ws.episode_dir(episode) / "review.json"
    if not path.exists():
        return
    review = ws.load_artifact(path, EpisodeReview)
    drafts = [h.revision for h in review.history if h.artifact == artifact]
    record = RevisionRecord(
        artifact=artifact,
        revision=max(drafts, default=0) + 1,
        reviewer=f"canon change #{number}",
        model=f"mechanical fix ({how})",
    )
    ws.save_episode(episode, "review", review.model_copy(update={"history": [*review.history, record]}))


def _fix_episode(
    ws: Workspace, bible: StoryBible, episode: int, changes: list[Renamed], number: int, snapshot: _Snapshot
) -> int:
    """Carry a rename into one committed episode, keeping what it replaces in the snapshot; return lines changed."""
    script = bible.script(episode)
    if script is None:
        return 0
    folder = ws.episode_dir(episode)
    _keep(ws, episode, snapshot)
    snapshot.scripts[episode] = script.model_dump_json()
    canon = bible.canon_at(episode)
    fixed, count = rename_in_script(script, changes, canon)
    ws.save_episode(episode, "script", fixed)
    if (folder / "shotlist.json").exists():
        shots = ws.load_artifact(folder / "shotlist.json", ShotList)
        ws.save_episode(episode, "shotlist", rename_in_shots(shots, changes, canon))
    _record_fix(ws, episode, "script", number, "rename")
    bible.commit_episode(fixed)
    return count


@dataclass(frozen=True)
class Reprompt:
    """A committed episode's shot list with the image prompts a change alters rebuilt, and how many."""

    episode: int
    shots: ShotList
    changed: int


def prompt_updates(
    ws: Workspace, bible: StoryBible, old: Canon, new: Canon, skip: Collection[int] = ()
) -> list[Reprompt]:
    """Return the committed shot lists whose image prompts a change of base canon (looks, wardrobe, …) alters.

    Each is compared as canon stands at its episode, under the old and the new base canon; `skip` names
    episodes a rename fix already rewrote.
    """
    scripts = [s for n in bible.committed_episodes() if (s := bible.script(n)) is not None]
    out: list[Reprompt] = []
    for script in scripts:
        path = ws.episode_dir(script.episode) / "shotlist.json"
        if script.episode in skip or not path.exists():
            continue
        earlier = [(s.episode, s.state_changes) for s in scripts if s.episode < script.episode]
        before, after = fold_episodes(old, earlier), fold_episodes(new, earlier)
        shots, changed = reprompt(ws.load_artifact(path, ShotList), before, after)
        if changed:
            out.append(Reprompt(script.episode, shots, changed))
    return out


def _recheck(bible: StoryBible, old: Canon, found: Assessment) -> list[Affected]:
    """Return what the change still contradicts in the committed scripts, once fixes are in."""
    scripts = [s for n in bible.committed_episodes() if (s := bible.script(n)) is not None]
    return contradictions(scripts, old, found.canon)


def log_plan_change(ws: Workspace, description: str, reason: str) -> None:
    """Log a canon change a plan revision made (it contradicts nothing produced: plans change only the future)."""
    log = load_log(ws)
    entry = CanonChangeEntry(
        number=_next_number(log), at=datetime.now(UTC), source="chat", description=description, reason=reason
    )
    log.changes.append(entry)
    ws.save_series("canon_changes", log)


def undo_last(ws: Workspace, bible: StoryBible) -> CanonChangeEntry:
    """Revert the latest change still standing: canon.json byte for byte, the bible's canon, the stale marks.

    Raises:
        UserError: Nothing to undo, or the change predates undo (no snapshot was kept).
    """
    log = load_log(ws)
    left = standing(log)
    if not left:
        raise UserError(f"{ws.root} has no canon change to undo: canon_changes.json lists none still standing")
    entry = left[-1]
    path = ws.state_dir / "canon_changes" / f"{entry.number:03d}.json"
    if entry.number == 0 or not path.exists():
        raise UserError(
            f"canon change '{entry.description}' was made before dramaroom kept what a change replaced, so it "
            "cannot be undone exactly: make the opposite change with `dramaroom canon`"
        )
    snapshot = _Snapshot.model_validate_json(path.read_text(encoding="utf-8"))
    canon_path = ws.root / "canon.json"
    if snapshot.canon_json:
        fields = {k: v for k, v in json.loads(snapshot.canon_json).items() if k != "meta"}  # canon.json has meta
        bible.revise_canon(Canon.model_validate(fields))
        write_atomic_bytes(canon_path, snapshot.canon_json.encode("utf-8"), root=ws.root)
    for rel, text in snapshot.files.items():  # what a mechanical fix rewrote, byte for byte
        target = ws.root / rel
        if text is None:
            target.unlink(missing_ok=True)
        else:
            write_atomic_bytes(target, text.encode("utf-8"), root=ws.root)
    for document in snapshot.scripts.values():
        bible.commit_episode(Script.model_validate_json(document))
    touched = {item.episode for item in entry.contradicted if item.committed} | set(entry.marked_stale)
    for episode in sorted(touched):
        if episode in snapshot.stale_before:
            bible.mark_stale(episode, snapshot.stale_before[episode])
        else:
            bible.clear_stale(episode)
    entry.undone_at = datetime.now(UTC)
    ws.save_series("canon_changes", log)
    path.unlink()
    return entry
