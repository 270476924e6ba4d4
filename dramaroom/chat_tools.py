"""The showrunner's tools, bound to one workspace: canon questions, canon and plan changes, production.

Each tool opens what it needs, takes the workspace lock only while it writes,
and answers with a `ToolResult`. Failures a user can fix come back as
`ok: false` with the one-line reason, so the conversation carries on.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from langchain_core.tools import BaseTool, StructuredTool
from pydantic import BaseModel, Field

from agents import canon_queries
from agents.canon_edits import Assessment, EditError, assess
from agents.canon_fixes import renamed
from agents.canon_queries import QueryError
from agents.messages import say
from agents.plan_edits import PlanEditError
from agents.room import RoomEvent
from agents.showrunner_chat import APPLY_CANON_CHANGE, TOOL_SPECS, ChangeCanon, Confirmation, RevisePlan, ToolResult
from dramaroom import reports, rereview
from dramaroom.canon_changes import CanonChangeEntry, apply_change, load_log, prompt_updates, standing, waiting_scripts
from dramaroom.errors import UserError
from dramaroom.production import RunResult, run_season
from dramaroom.rendering import render_with_progress
from dramaroom.season_edits import change_plan, extend_season
from dramaroom.settings import Settings
from dramaroom.trace_history import cost_label, open_traces, summarize
from dramaroom.workspace import Workspace, write_atomic
from graphs.state import Decision
from memory.bible import StoryBible
from memory.schema import Canon, Language, SeasonPlan

Say = Callable[[str], None]
Handler = Callable[..., Awaitable[ToolResult]]


class ShowrunnerTools:
    """Tool implementations over one workspace."""

    def __init__(self, ws: Workspace, settings: Settings, say: Say) -> None:
        self.ws = ws
        self.settings = settings
        self.say = say

    @property
    def lang(self) -> Language:
        """The series' language: every report the tools write is in it."""
        return self.ws.config.series.language

    # ------------------------------------------------------------------ plumbing

    @contextmanager
    def bible(self) -> Iterator[StoryBible]:
        """Open the series' story bible for one tool call."""
        bible = StoryBible(self.ws.bible_dir, self.ws.config.embeddings)
        try:
            if not bible.has_series():
                raise UserError(say(self.lang, "chat.no_plan", root=self.ws.root))
            yield bible
        finally:
            bible.close()

    def tools(self) -> list[BaseTool]:
        """Return every tool, the model-visible ones plus the confirmation-only apply tool."""
        handlers: dict[str, Handler] = {
            "ask_canon": self.ask_canon,
            "character_knowledge": self.character_knowledge,
            "character_status": self.character_status,
            "prop_holder": self.prop_holder,
            "scenes_at": self.scenes_at,
            "describe": self.describe,
            "change_canon": self.change_canon,
            "revise_plan": self.revise_plan,
            "extend_season": self.extend_season,
            "produce": self.produce,
            "decide_episode": self.decide_episode,
            "review_episode": self.review_episode,
            "render_episode": self.render_episode,
            "status": self.status,
            "cost": self.cost,
        }
        tools = [_tool(spec.name, spec.description, spec.args, handlers[spec.name]) for spec in TOOL_SPECS]
        tools.append(_tool(APPLY_CANON_CHANGE, "Apply a confirmed canon change.", _Proposal, self.apply_canon_change))
        return tools

    # ------------------------------------------------------------------ canon questions

    async def ask_canon(self, question: str) -> ToolResult:
        with self.bible() as bible:
            return _found(canon_queries.ask(bible, question))

    async def character_knowledge(self, character: str, episode: int | None = None) -> ToolResult:
        with self.bible() as bible:
            return _found(canon_queries.character_knowledge(bible, character, episode))

    async def character_status(self, character: str, episode: int | None = None, asked: str = "alive") -> ToolResult:
        retcons = [
            canon_queries.Retcon(c.number, c.at.strftime("%Y-%m-%d") if c.at else "", c.target, c.changes["status"])
            for c in standing(load_log(self.ws))
            if c.target and "status" in c.changes
        ]
        with self.bible() as bible:
            return _found(canon_queries.character_status(bible, character, episode, asked, retcons))

    async def prop_holder(self, prop: str, episode: int | None = None) -> ToolResult:
        with self.bible() as bible:
            return _found(canon_queries.prop_holder(bible, prop, episode))

    async def scenes_at(self, location: str) -> ToolResult:
        with self.bible() as bible:
            return _found(canon_queries.scenes_at(bible, location))

    async def describe(self, entity: str) -> ToolResult:
        with self.bible() as bible:
            return _found(canon_queries.describe(bible, entity))

    # ------------------------------------------------------------------ canon changes

    def _proposals(self) -> Path:
        folder = self.ws.state_dir / "proposals"
        folder.mkdir(parents=True, exist_ok=True)
        return folder

    async def change_canon(self, **args: Any) -> ToolResult:
        edit = ChangeCanon.model_validate(args)
        with self.bible() as bible:
            episodes = bible.committed_episodes()
            bible_canon = bible.base_canon()
            found = assess(bible, edit, waiting_scripts(self.ws))
            fixable = bool(renamed(bible_canon, found.canon))
            affected = [a.episode for a in found.affected if a.episode in episodes]
            prompts = prompt_updates(self.ws, bible, bible_canon, found.canon, affected if fixable else ())
            if not found.affected and not prompts:
                with self.ws.writing():
                    self._apply(bible, found)
                waiting = reports.awaiting_approval(self.ws)
                checked = (
                    say(self.lang, "chat.checked_episodes", ranges=_ranges(sorted({*episodes, *waiting})))
                    if episodes or waiting
                    else say(self.lang, "chat.checked_nothing")
                )
                return ToolResult(
                    summary=say(self.lang, "chat.canon_changed", description=found.description, checked=checked),
                    sources=[say(self.lang, "query.base")],
                )
        digest = hashlib.sha256(edit.model_dump_json().encode()).hexdigest()[:12]
        write_atomic(self._proposals() / f"{digest}.json", edit.model_dump_json())
        lines = [say(self.lang, "chat.proposed", description=found.description)]
        numbers = [a.episode for a in found.affected]
        if numbers:
            lines.append(say(self.lang, "chat.contradicts", count=len(numbers)))
        for item in found.affected:
            for finding in item.findings:  # every contradiction, not a sample
                lines.append(
                    say(
                        self.lang,
                        "chat.contradiction",
                        episode=item.episode,
                        location=finding.location,
                        message=finding.message,
                    )
                )
        if affected:
            lines.append(say(self.lang, "canon.fix_offer" if fixable else "canon.no_fix", episodes=_ranges(affected)))
        if prompts:
            shots = sum(u.changed for u in prompts)
            lines.append(
                say(self.lang, "canon.prompt_offer", episodes=_ranges([u.episode for u in prompts]), shots=shots)
            )
        which = "chat.confirm_one" if len(numbers) == 1 else "chat.confirm_many"
        if not numbers:
            which, numbers = "chat.confirm_prompts", [u.episode for u in prompts]
        question = say(self.lang, which, episodes=_ranges(numbers))
        return ToolResult(
            summary="\n".join(lines),
            sources=[f"ep{n:03d}" for n in numbers],
            confirm=Confirmation(question=question, tool=APPLY_CANON_CHANGE, args={"proposal": digest}),
        )

    async def apply_canon_change(self, proposal: str) -> ToolResult:
        path = self._proposals() / f"{proposal}.json"
        if not re.fullmatch(r"[0-9a-f]{12}", proposal) or not path.exists():
            return ToolResult(ok=False, summary=say(self.lang, "chat.no_proposal", proposal=proposal))
        edit = ChangeCanon.model_validate_json(path.read_text(encoding="utf-8"))
        with self.bible() as bible, self.ws.writing():
            found = assess(bible, edit, waiting_scripts(self.ws))  # again: canon may have moved since it was proposed
            entry = self._apply(bible, found)
        path.unlink(missing_ok=True)
        sep = say(self.lang, "sep.list")
        # Still contradicting: the committed episodes left stale, and any at the gate (decided there).
        still = sorted({*entry.marked_stale, *(c.episode for c in entry.contradicted if not c.committed)})
        numbers = sep.join(map(str, still)) or say(self.lang, "chat.none")
        lines = [say(self.lang, "chat.canon_applied", description=found.description, numbers=numbers)]
        if entry.fixed_episodes:
            episodes = sep.join(map(str, entry.fixed_episodes))
            lines.append(say(self.lang, "canon.fixed", episodes=episodes, lines=entry.fixed_lines))
        if entry.reprompted_episodes:
            episodes = sep.join(map(str, entry.reprompted_episodes))
            lines.append(say(self.lang, "canon.reprompted", episodes=episodes, shots=entry.reprompted_shots))
        return ToolResult(summary="\n".join(lines), sources=[say(self.lang, "query.base")])

    def _apply(self, bible: StoryBible, found: Assessment) -> CanonChangeEntry:
        return apply_change(self.ws, bible, found, "chat")

    # ------------------------------------------------------------------ plan

    async def revise_plan(self, **args: Any) -> ToolResult:
        edit = RevisePlan.model_validate(args)
        with self.bible() as bible, self.ws.writing():
            change = change_plan(self.ws, bible, edit, "chat")
        lines = [say(self.lang, "chat.plan_revised"), *(say(self.lang, "chat.bullet", text=c) for c in change.changes)]
        return ToolResult(summary="\n".join(lines))

    async def extend_season(self, add: int) -> ToolResult:
        with self.ws.writing():
            done = await extend_season(self.ws, self.settings, self.ws.config.series.episodes + add)
        lines = [
            say(self.lang, "extend.done", old=done.old, new=done.new),
            *(say(self.lang, "extend.brief", n=b.number, title=b.title, hook=b.opening_hook) for b in done.briefs),
        ]
        return ToolResult(summary="\n".join(lines), sources=[f"ep{b.number:03d} brief" for b in done.briefs])

    # ------------------------------------------------------------------ production

    def _event(self, event: RoomEvent) -> None:
        self.say(event.line(self.lang))

    async def _season(self, **kwargs: Any) -> RunResult:
        with self.ws.writing():
            return await run_season(self.ws, self.settings, on_event=self._event, **kwargs)

    async def produce(self, approval: str = "manual") -> ToolResult:
        mode = "auto" if approval == "auto" else "manual"
        result = await self._season(approval=mode, command=f"produce --approve {mode} (from chat)")
        return _run_summary(result, self.lang)

    async def decide_episode(self, episode: int, approve: bool, note: str = "") -> ToolResult:
        if not approve and not note.strip():
            return ToolResult(ok=False, summary=say(self.lang, "chat.reject_needs_note"))
        rereview.refuse_edits_at_the_gate(self.ws, episode)
        decision = Decision(approved=approve, note=note.strip(), by="human")
        verb = "approve" if approve else "reject"
        result = await self._season(
            approval="manual",
            command=f"approve --episode {episode} ({verb}, from chat)",
            decision=decision,
            expect_episode=episode,
        )
        head = (
            say(self.lang, "chat.approved", episode=episode)
            if approve
            else say(self.lang, "chat.sent_back", episode=episode, note=note.strip())
        )
        summary = _run_summary(result, self.lang)
        return summary.model_copy(update={"summary": f"{head} {summary.summary}"})

    async def review_episode(self, episode: int) -> ToolResult:
        with self.ws.writing():
            result = await rereview.rereview(self.ws, self.settings, episode)
        ok = result.continuity.verdict == "approve" and result.ethics.verdict == "approve"
        lines = [
            say(self.lang, "chat.rereviewed", episode=episode, models=result.models),
            *rereview.review_lines(result),
        ]
        return ToolResult(ok=ok, summary="\n".join(lines), sources=[f"ep{episode:03d}/review.json"])

    async def render_episode(self, episode: int) -> ToolResult:
        with self.ws.writing():
            rendered = render_with_progress(self.ws, [episode])
        lines = [
            say(
                self.lang,
                "chat.rendered",
                episode=r.episode,
                video=r.result.video,
                seconds=f"{r.result.runtime_s:.1f}",
                shots=len(r.result.timeline),
            )
            for r in rendered
        ]
        return ToolResult(summary="\n".join(lines) or say(self.lang, "chat.nothing_rendered"))

    async def status(self) -> ToolResult:
        return ToolResult(summary="\n".join(reports.season_lines(self.ws)))

    async def cost(self) -> ToolResult:
        traces = open_traces(self.ws, self.settings)
        try:
            prices = self.ws.config.prices
            summaries = [summarize(run, traces.events(run.run_id), prices) for run in traces.runs()]
        finally:
            traces.close()
        calls = sum(s.calls for s in summaries)
        tokens_in = sum(s.tokens_in for s in summaries)
        tokens_out = sum(s.tokens_out for s in summaries)
        money = sum(s.cost_usd for s in summaries)
        models = sorted({m for s in summaries for m in s.call_models})
        return ToolResult(
            summary=say(
                self.lang,
                "chat.cost",
                runs=len(summaries),
                calls=calls,
                tokens_in=f"{tokens_in:,}",
                tokens_out=f"{tokens_out:,}",
                cost=cost_label(models, money, prices),
            ),
            sources=["traces.sqlite"],
        )

    # ------------------------------------------------------------------ the series, for the prompt

    def snapshot(self) -> dict[str, object]:
        """Describe the series for the showrunner's prompt: canon names, plan, what is produced and pending."""
        cfg = self.ws.config.series
        view: dict[str, object] = {"language": cfg.language, "episodes": cfg.episodes, "premise": cfg.premise}
        bible = StoryBible(self.ws.bible_dir, self.ws.config.embeddings)
        try:
            if not bible.has_series():
                view["planned"] = False
                return view
            canon: Canon = bible.base_canon()
            plan: SeasonPlan = bible.plan()
            view |= {
                "planned": True,
                "title": plan.title,
                "logline": plan.logline,
                "paywall_episode": plan.paywall_episode,
                "produced": bible.committed_episodes(),
                "characters": [
                    {"id": c.id, "name": c.name, "aliases": c.aliases, "role": c.role} for c in canon.characters
                ],
                "locations": [{"id": loc.id, "name": loc.name} for loc in canon.locations],
                "props": [{"id": p.id, "name": p.name} for p in canon.props],
            }
        finally:
            bible.close()
        view["waiting_for_approval"] = reports.awaiting_approval(self.ws)
        return view


class _Proposal(BaseModel):
    proposal: str = Field(description="Id of the proposed change.")


def _tool(name: str, description: str, schema: type[BaseModel], handler: Handler) -> BaseTool:
    async def run(**kwargs: Any) -> str:
        try:
            result = await handler(**kwargs)
        except (UserError, QueryError, EditError, PlanEditError) as exc:
            result = ToolResult(ok=False, summary=str(exc))
        return result.as_text()

    return StructuredTool.from_function(coroutine=run, name=name, description=description, args_schema=schema)


def _found(found: canon_queries.Found) -> ToolResult:
    return ToolResult(summary=found.text, sources=found.sources)


def _run_summary(result: RunResult, lang: Language) -> ToolResult:
    committed = sorted({o.episode for o in result.outcomes if o.status == "committed"})
    done = (
        say(lang, "chat.committed_so_far", ranges=_ranges(committed)) if committed else say(lang, "chat.none_committed")
    )
    if result.status == "paused" and result.pending:
        n = result.pending.episode
        open_items = result.pending.open_findings
        text = say(lang, "chat.waiting", done=done, n=n, title=result.pending.title)
        text += (
            say(lang, "chat.waiting_findings", items=say(lang, "sep.clause").join(open_items[:3]))
            if open_items
            else say(lang, "chat.waiting_clean")
        )
        text += say(lang, "chat.waiting_hint", n=n)
        return ToolResult(summary=text, sources=[f"ep{n:03d}/review.json"])
    if result.status == "blocked":
        return ToolResult(ok=False, summary=say(lang, "chat.stopped", done=done, reason=result.reason))
    return ToolResult(summary=say(lang, "chat.season_done", done=done))


def _ranges(numbers: list[int]) -> str:
    """Write 1, 2, 3, 5 as 1-3, 5."""
    spans: list[list[int]] = []
    for n in numbers:
        if spans and n == spans[-1][1] + 1:
            spans[-1][1] = n
        else:
            spans.append([n, n])
    return ", ".join(str(a) if a == b else f"{a}-{b}" for a, b in spans)
