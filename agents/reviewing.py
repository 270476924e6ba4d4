"""What the two reviewers share: asking a model for findings the rules cannot see."""

from __future__ import annotations

from typing import Literal

from agents.prompting import Task, context_block
from agents.room import Role, RoomContext, call_config
from memory.schema import Canon, Finding, LlmFindings, Script

Reviewer = Literal["continuity", "ethics"]


async def llm_findings(
    ctx: RoomContext,
    *,
    reviewer: Reviewer,
    task: Task,
    system: str,
    user: str,
    script: Script,
    canon: Canon,
    rule_findings: list[Finding],
    node: str,
) -> list[Finding]:
    """Ask the reviewer's model for extra findings and tag them as model judgement."""
    payload: dict[str, object] = {
        "language": ctx.language,
        "script": script,
        "canon": canon,
        "rule_findings": rule_findings,
    }
    role: Role = reviewer
    answer = await ctx.model(role).structured(
        LlmFindings,
        system=system,
        user=user.format(episode=script.episode, context=context_block(task, payload)),
        config=call_config(role, script.episode, node),
    )
    return [
        Finding(
            id=f"llm:{node}:{index}",
            reviewer=reviewer,
            check="llm_review",
            category=found.category,
            severity=found.severity,
            message=found.message,
            quote=found.quote,
            location=found.location,
            requests=found.requests,
            source="llm",
        )
        for index, found in enumerate(answer.findings, start=1)
    ]
