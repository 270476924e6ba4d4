"""A produced series for chat tests: episode 1 approved, episode 2 waiting at the approval gate."""

from __future__ import annotations

import asyncio
import shutil
from pathlib import Path

from langchain_core.messages import AIMessage, BaseMessage, HumanMessage
from langchain_core.runnables import RunnableConfig
from langgraph.checkpoint.memory import InMemorySaver
from langgraph.types import Command

from agents.llm import RoleModel
from dramaroom.chat_tools import ShowrunnerTools
from dramaroom.config import SeriesConfig, SeriesSection
from dramaroom.production import build_models, pending_question, run_season
from dramaroom.settings import Settings
from dramaroom.workspace import Workspace
from graphs.chat import ChatContext, build_chat_graph
from graphs.state import Decision

PREMISE = "A delivery rider named Maya Chen is secretly the heir to the logistics empire that fired her father."
PREMISE_ZH = "外卖员林晚其实是物流集团的真正继承人，她要查清父亲被开除的真相。"


def offline_settings() -> Settings:
    """Settings with no endpoint, whatever the environment says."""
    return Settings(OPENAI_BASE_URL=None, OPENAI_API_KEY=None, DRAMAROOM_MODEL=None)


def paused_series(root: Path, *, language: str = "en", episodes: int = 3) -> Path:
    """Create a series, produce with manual approval, approve episode 1; episode 2 then waits."""
    premise = PREMISE_ZH if language == "zh" else PREMISE
    section = SeriesSection(premise=premise, episodes=episodes, language=language, seed=7)  # type: ignore[arg-type]
    ws = Workspace.create(root, SeriesConfig(series=section))
    settings = offline_settings()

    async def produce() -> None:
        first = await run_season(ws, settings, approval="manual", command="produce --approve manual")
        assert first.status == "paused" and first.pending and first.pending.episode == 1
        decision = Decision(approved=True, by="human")
        second = await run_season(ws, settings, approval="manual", command="approve", decision=decision)
        assert second.status == "paused" and second.pending and second.pending.episode == 2

    with ws.writing():
        asyncio.run(produce())
    return root


def copy_series(source: Path, target: Path) -> Workspace:
    """Copy a prepared series so each test can change it freely."""
    shutil.copytree(source, target)
    (target / "state" / "lock").unlink(missing_ok=True)
    return Workspace.open(target)


class ChatHarness:
    """The chat graph over a workspace, compiled with an in-memory checkpointer, driven turn by turn."""

    def __init__(
        self, ws: Workspace, model: RoleModel | None = None, *, max_steps: int = 6, native_tools: bool = True
    ) -> None:
        settings = offline_settings()
        self.tools = ShowrunnerTools(ws, settings, say=lambda text: None)
        self.ctx = ChatContext(
            model=model or build_models(settings, ws)["showrunner"],
            tools=self.tools.tools(),
            snapshot=self.tools.snapshot,
            max_steps=max_steps,
            language=ws.config.series.language,
            native_tools=native_tools,
        )
        self.graph = build_chat_graph().compile(checkpointer=InMemorySaver())
        self.config = RunnableConfig(configurable={"thread_id": "t"})
        # One loop for the whole conversation, as in `dramaroom chat`: HTTP clients bind to the loop they start on.
        self.loop = asyncio.new_event_loop()

    async def _run(self, value: object) -> list[BaseMessage]:
        before = await self.graph.aget_state(self.config)
        count = len(before.values.get("messages", [])) if before.values else 0
        await self.graph.ainvoke(value, self.config, context=self.ctx)
        after = await self.graph.aget_state(self.config)
        return list(after.values["messages"][count:])

    def say(self, text: str) -> list[BaseMessage]:
        """Send one user message; return the messages the turn added."""
        return self.loop.run_until_complete(self._run({"messages": [HumanMessage(content=text)]}))

    def answer(self, value: str) -> list[BaseMessage]:
        """Answer the confirmation the turn is waiting on."""
        return self.loop.run_until_complete(self._run(Command(resume=value)))

    def pending(self) -> str | None:
        """Return the confirmation question the graph waits on, if any."""
        pending = self.loop.run_until_complete(pending_question(self.graph, self.config))
        return None if pending is None else pending.question


def reply_text(messages: list[BaseMessage]) -> str:
    """Return the last AI reply of a turn."""
    replies = [m for m in messages if isinstance(m, AIMessage) and m.text]
    return replies[-1].text if replies else ""
