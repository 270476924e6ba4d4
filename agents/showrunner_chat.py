"""The showrunner in conversation: its prompt, the tools it may call, slash commands, tool results.

The chat graph binds these tool schemas to the showrunner's model; the front
door supplies the implementations (they touch the workspace). Every tool
answers with a `ToolResult` as JSON, so a real model reads the same facts the
offline showrunner summarises, sources included.
"""

from __future__ import annotations

import json
import re
import shlex
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel, Field, ValidationError

from agents.messages import say
from agents.prompting import context_block

SHOWRUNNER_CHAT_SYSTEM = """You are the showrunner of the vertical micro-drama series described in the context block.
You talk with the series' writer-producer: address them as "you", never as "the user". Answer from canon, never
from memory: call a tool to look facts up and cite the sources it returns (episode and scene ids, or "base
canon"); a yes/no question gets yes or no first. To change canon, the season plan or production, call the
matching tool and then say in one or two sentences what changed. A canon change that contradicts produced
episodes is checked by the continuity editor and waits for their confirmation; say so. Once they confirm, say
what was applied, once; do not repeat the preview or contradict it. If a request is unclear, ask one short
question instead of guessing. Reply in the series language.
{context}"""


# ------------------------------------------------------------------ tool arguments


class AskCanon(BaseModel):
    """Search canon and produced episodes for anything; use for open questions."""

    question: str = Field(description="The question, in the user's words.")


class CharacterKnowledge(BaseModel):
    """List the secrets a character knows by the end of an episode, with where each was learned."""

    character: str = Field(description="Character id or name.")
    episode: int | None = Field(default=None, description="Episode number; omit for 'now' (the last produced).")


class CharacterStatusQuery(BaseModel):
    """Whether a character is alive, absent or dead by an episode, since when, and the source."""

    character: str = Field(description="Character name or id.")
    episode: int | None = Field(default=None, description="By the end of this episode; default: the latest.")
    asked: Literal["alive", "absent", "dead"] = Field(default="alive", description="What the question asks about.")


class PropHolder(BaseModel):
    """Say who holds a prop and in what state, by an episode, and since when."""

    prop: str = Field(description="Prop id or name.")
    episode: int | None = Field(default=None, description="Episode number; omit for 'now'.")


class ScenesAt(BaseModel):
    """List every produced scene at a location, in story order."""

    location: str = Field(description="Location id or name.")


class Describe(BaseModel):
    """Describe a character, location or prop as canon has it now, with its history."""

    entity: str = Field(description="Id or name of a character, location or prop.")


EditAction = Literal[
    "add_character", "revise_character", "add_location", "revise_location", "add_prop", "revise_prop", "add_rule"
]


class ChangeCanon(BaseModel):
    """Add or revise a character, place, prop or world rule, or retcon a fact of base canon."""

    action: EditAction = Field(description="What kind of change.")
    target: str = Field(default="", description="Id or name of the entity to revise (revise_* only).")
    changes: dict[str, str] = Field(
        default_factory=dict,
        description=(
            "Field -> new value. Characters: name, aliases (comma list), age, gender, role, occupation, status "
            "(alive/absent/dead), hair, eyes, build, features, traits (comma list), wardrobe.SET (a costume set's "
            "description, e.g. wardrobe.work). Locations: name, description, "
            "interior (true/false). Props: name, description, holder (character id/name or none), state "
            "(intact/damaged/destroyed/lost). For add_*: at least name."
        ),
    )
    rule: str = Field(default="", description="The world rule to add (add_rule only).")
    reason: str = Field(default="", description="Why, in a few words; kept in the canon change log.")


PlanAction = Literal["move_paywall", "add_twist", "revise_brief", "recharacterise", "change_wardrobe"]


class RevisePlan(BaseModel):
    """Revise the season plan for episodes not produced yet."""

    action: PlanAction = Field(description="move_paywall, add_twist, revise_brief, recharacterise or change_wardrobe.")
    episode: int | None = Field(default=None, description="The episode concerned (not for recharacterise).")
    text: str = Field(
        default="",
        description=(
            "The twist, the new value for revise_brief, the direction for recharacterise, or for change_wardrobe "
            "the costume (a wardrobe set id or a description) the character wears from that episode on."
        ),
    )
    field: str = Field(
        default="", description="revise_brief: title, opening_hook, cliffhanger, core_conflict, beat1..beat4."
    )
    character: str = Field(
        default="", description="recharacterise, change_wardrobe: character id or name, or a role (antagonist)."
    )


class ExtendSeason(BaseModel):
    """Add episodes to the end of the season; the showrunner plans their briefs against canon so far."""

    add: int = Field(ge=1, le=40, description="How many episodes to add.")


class Produce(BaseModel):
    """Write, review and shot-list the next episodes of the season."""

    approval: Literal["manual", "auto"] = Field(
        default="manual", description="manual pauses at each episode's approval gate; auto approves clean episodes."
    )


class Decide(BaseModel):
    """Approve or reject the episode waiting at the approval gate, then carry on producing."""

    episode: int = Field(description="The episode waiting for approval.")
    approve: bool = Field(description="True to approve, False to send it back.")
    note: str = Field(default="", description="What to change (required to reject) or a remark.")


class EpisodeNumber(BaseModel):
    """Name one produced episode."""

    episode: int = Field(description="Episode number.")


class NoArgs(BaseModel):
    """Take no arguments."""


@dataclass(frozen=True)
class ToolSpec:
    """One tool the showrunner may call: its name, what it does, its arguments."""

    name: str
    description: str
    args: type[BaseModel]


TOOL_SPECS: tuple[ToolSpec, ...] = (
    ToolSpec("ask_canon", "Search canon and produced episodes; cite the sources returned.", AskCanon),
    ToolSpec(
        "character_knowledge", "What a character knows by an episode, and where they learned it.", CharacterKnowledge
    ),
    ToolSpec("character_status", "Is a character alive, absent or dead, since when, and why.", CharacterStatusQuery),
    ToolSpec("prop_holder", "Who holds a prop (and its state) by an episode, and since when.", PropHolder),
    ToolSpec("scenes_at", "Every produced scene at a location.", ScenesAt),
    ToolSpec("describe", "A character, location or prop as canon has it now, with its history.", Describe),
    ToolSpec("change_canon", "Add or revise canon or retcon a fact; checked against produced episodes.", ChangeCanon),
    ToolSpec("revise_plan", "Revise the season plan for unproduced episodes.", RevisePlan),
    ToolSpec("extend_season", "Add episodes to the season and plan their briefs.", ExtendSeason),
    ToolSpec("produce", "Write the next episodes; pauses at approval gates in manual mode.", Produce),
    ToolSpec("decide_episode", "Approve or reject the episode waiting at the gate.", Decide),
    ToolSpec("review_episode", "Re-run continuity and ethics on an episode after a hand edit.", EpisodeNumber),
    ToolSpec("render_episode", "Render a produced episode to a labelled vertical MP4.", EpisodeNumber),
    ToolSpec("status", "Where the season is: produced, waiting for approval, blocked.", NoArgs),
    ToolSpec("cost", "Model calls, tokens and estimated money so far.", NoArgs),
)
TOOL_NAMES = frozenset(spec.name for spec in TOOL_SPECS)
# Applying a confirmed canon change is the graph's job, never the model's: it has no schema to call.
APPLY_CANON_CHANGE = "apply_canon_change"


def tool_spec(name: str) -> ToolSpec:
    """Return the spec of a tool by name."""
    for spec in TOOL_SPECS:
        if spec.name == name:
            return spec
    raise KeyError(name)


class Confirmation(BaseModel):
    """A question the user must answer yes to before a tool's change is applied."""

    question: str
    tool: str = Field(description="The tool the graph calls on 'yes'.")
    args: dict[str, str] = Field(default_factory=dict)


class ToolResult(BaseModel):
    """What every tool answers."""

    ok: bool = True
    summary: str = Field(description="What happened or what was found, for the user; cites sources.")
    sources: list[str] = Field(default_factory=list, description="Where each fact comes from.")
    confirm: Confirmation | None = None

    def as_text(self) -> str:
        """Serialise for a ToolMessage."""
        return self.model_dump_json(exclude_none=True)


def read_result(text: str) -> ToolResult:
    """Parse a ToolMessage's content back into a ToolResult; plain text becomes its summary."""
    try:
        return ToolResult.model_validate_json(text)
    except ValidationError:
        return ToolResult(ok=True, summary=text)


class ToolPick(BaseModel):
    """The showrunner's next step, answered as JSON when the server does not honour tools."""

    tool: str = Field(description="The name of one tool from the list, or 'reply' to answer the user now.")
    arguments: dict[str, Any] = Field(default_factory=dict, description="The tool's arguments, as its schema says.")
    reply: str = Field(default="", description="The answer to the user, when tool is 'reply'.")


TOOLS_BY_JSON = """

<tools>
The server takes no tool calls, so pick one step as JSON: `tool` is one of the names below (with `arguments`
as its schema says), or "reply" with the answer to the user in `reply`. After a tool's result arrives in the
conversation, pick again.
{tools}
</tools>"""


def pick_problem(pick: ToolPick) -> str | None:
    """Say what is wrong with a JSON tool pick (an unknown tool, arguments its schema refuses), or None."""
    if pick.tool == "reply":
        return None if pick.reply.strip() else "tool is 'reply' but `reply` is empty"
    if pick.tool not in TOOL_NAMES:
        return f"there is no tool {pick.tool!r}; use one of {', '.join(sorted(TOOL_NAMES))} or 'reply'"
    try:
        tool_spec(pick.tool).args.model_validate(pick.arguments)
    except ValidationError as exc:
        first = exc.errors(include_url=False)[0]
        return f"{pick.tool}: argument `{'.'.join(map(str, first['loc']))}` {first['msg'].lower()}"
    return None


def tools_by_json_prompt(system: str) -> str:
    """Return the chat system prompt with the tool list as a compact field guide, for servers without tools."""
    guide = "\n".join(
        f"- {spec.name}: {spec.description} Arguments: "
        + json.dumps(
            {
                k: v.get("description", v.get("type", ""))
                for k, v in spec.args.model_json_schema().get("properties", {}).items()
            },
            ensure_ascii=False,
        )
        for spec in TOOL_SPECS
    )
    return system + TOOLS_BY_JSON.format(tools=guide)


def chat_system_prompt(snapshot: dict[str, object]) -> str:
    """Return the showrunner's system prompt for the series as it stands."""
    return SHOWRUNNER_CHAT_SYSTEM.format(context=context_block("chat", snapshot))


def summarise_results(results: list[ToolResult], language: str = "en") -> str:
    """Compose a reply from tool results, in the series' language, for the offline showrunner and slash commands."""
    parts: list[str] = []
    for result in results:
        text = result.summary.strip()
        if result.sources and not any(s in text for s in result.sources):
            text += "\n" + say(language, "chat.sources", sources="; ".join(result.sources))
        parts.append(text)
    return "\n\n".join(parts) if parts else say(language, "chat.nothing")


# ------------------------------------------------------------------ slash commands


@dataclass(frozen=True)
class SlashCall:
    """A slash command turned into a tool call, or into text to show."""

    tool: str = ""
    args: dict[str, object] | None = None
    text: str = ""


_EPISODE = re.compile(r"^\d{1,4}$")


def parse_slash(line: str, language: str = "en") -> SlashCall:
    """Turn `/approve 3 looks good` into a tool call; unknown or malformed commands into an explanation.

    Explanations and the help text are in the series' language; command names stay as they are.
    """
    try:
        words = shlex.split(line.strip()[1:])
    except ValueError:
        words = line.strip()[1:].split()
    if not words:
        return SlashCall(text=say(language, "chat.help"))
    command, rest = words[0].lower(), words[1:]
    if command in ("help", "h", "?"):
        return SlashCall(text=say(language, "chat.help"))
    if command in ("status", "cost"):
        return SlashCall(tool=command, args={})
    if command == "produce":
        return SlashCall(tool="produce", args={"approval": "auto" if rest[:1] == ["auto"] else "manual"})
    if command in ("approve", "reject", "review", "render"):
        if not rest or not _EPISODE.match(rest[0]):
            return SlashCall(text=say(language, "chat.slash_needs_episode", command=command))
        episode, note = int(rest[0]), " ".join(rest[1:])
        if command == "review":
            return SlashCall(tool="review_episode", args={"episode": episode})
        if command == "render":
            return SlashCall(tool="render_episode", args={"episode": episode})
        if command == "reject" and not note:
            return SlashCall(text=say(language, "chat.slash_reject_note"))
        return SlashCall(
            tool="decide_episode", args={"episode": episode, "approve": command == "approve", "note": note}
        )
    return SlashCall(text=say(language, "chat.slash_unknown", command=command))


def result_json(summary: str, *, ok: bool = True, sources: list[str] | None = None) -> str:
    """Return a ToolResult as JSON text."""
    return ToolResult(ok=ok, summary=summary, sources=sources or []).as_text()


def dump_args(args: dict[str, object]) -> str:
    """Render tool arguments compactly for display."""
    return json.dumps(args, ensure_ascii=False, sort_keys=True)
