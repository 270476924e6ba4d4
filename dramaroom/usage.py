"""Usage errors in the product's own voice: the flag, what it got, what it accepts, an example.

Typer bundles its own copy of click (`typer._click`), so its exceptions are not `click.ClickException`s:
matching the installed click would never catch them. Everything here reads the bundled classes.
"""

from __future__ import annotations

import types
import typing
from collections.abc import Sequence
from pathlib import Path

from typer._click import exceptions as click_errors

# Examples for the flags users type most; anything else gets a shape from its type.
_EXAMPLES: dict[str, str] = {
    "--episodes": "--episodes 6",
    "--episode": "--episode 3",
    "--seed": "--seed 7",
    "--target-seconds": "--target-seconds 90",
    "--language": "--language zh",
    "--premise": '--premise "A courier is secretly the heir..."',
    "--premise-file": "--premise-file premise.txt",
    "--genre": "--genre revenge",
    "--tone": "--tone 'tense, bittersweet'",
    "--approve": "--approve manual",
    "--note": "--note 'Cut Tomas from this episode.'",
    "--line": "--line s01-l03",
    "--shot": "--shot s01-sh02",
    "--budget": "--budget 5",
    "--port": "--port 8765",
}
_KINDS: dict[type, str] = {int: "a whole number", float: "a number", Path: "a path", str: "text", bool: "on or off"}


def _bare(annotation: object) -> object:
    """Strip Optional[...] so `int | None` reads as int."""
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        return args[0] if len(args) == 1 else annotation
    return annotation


def _accepts(param: object) -> str:
    descriptor = getattr(param, "type_descriptor", None)
    annotation = _bare(getattr(descriptor, "annotation", str))
    kind = _KINDS.get(annotation, "text") if isinstance(annotation, type) else "text"
    info = getattr(descriptor, "parameter_info", None)
    low, high = getattr(info, "min", None), getattr(info, "max", None)
    if low is not None and high is not None:
        return f"{kind} from {low} to {high}"
    if low is not None:
        return f"{kind} of at least {low}"
    return kind


def _given(flag: str, argv: Sequence[str]) -> str | None:
    """Return what the user typed after a flag (`--x v` or `--x=v`), if anything."""
    for i, arg in enumerate(argv):
        if arg == flag and i + 1 < len(argv):
            return argv[i + 1]
        if arg.startswith(flag + "="):
            return arg[len(flag) + 1 :]
    return None


def _example(name: str, command: str) -> str:
    shown = _EXAMPLES.get(name, f"{name} VALUE")
    # Without the command's context (click drops it for a flag missing its value) the example is the flag alone.
    return f"{command} SERIES {shown}" if command and command != "dramaroom" else shown


def usage_line(exc: click_errors.ClickException, argv: Sequence[str]) -> str:
    """Return one line for a command-line usage error: what is wrong, what is accepted, an example."""
    ctx = getattr(exc, "ctx", None)
    command = ctx.command_path if ctx is not None else "dramaroom"
    param = getattr(exc, "param", None)
    if isinstance(exc, click_errors.MissingParameter) and param is not None:
        opts = list(getattr(param, "opts", []) or [])
        if getattr(param, "param_type_name", "") == "argument":
            name = (getattr(param, "name", "") or "argument").upper()
            return f"{command} needs {name}: {_accepts(param)}; e.g. `{command} my-series`; see `{command} --help`"
        flag = opts[0] if opts else "an option"
        return f"{command} needs {flag}: {_accepts(param)}; e.g. `{_example(flag, command)}`"
    if isinstance(exc, click_errors.BadParameter) and param is not None:
        opts = list(getattr(param, "opts", []) or [])
        flag = opts[0] if opts else (getattr(param, "name", "") or "a value").upper()
        got = _given(flag, argv)
        shown = f"; got {got!r}" if got is not None else ""
        return f"{flag} must be {_accepts(param)}{shown}; e.g. `{_example(flag, command)}`"
    if isinstance(exc, click_errors.NoSuchOption):
        name = getattr(exc, "option_name", "") or "that option"
        near = list(getattr(exc, "possibilities", None) or [])
        hint = f"did you mean {', '.join(sorted(near))}? " if near else ""
        return f"{command} has no option {name}: {hint}see `{command} --help` for the options it takes"
    if isinstance(exc, click_errors.BadOptionUsage):
        name = getattr(exc, "option_name", "") or "an option"
        return f"{name} needs a value after it; e.g. `{_example(name, command)}`"
    message = exc.format_message().rstrip(".")
    if message.startswith("No such command"):
        return f"{message}: see `dramaroom --help` for the commands"
    return f"{message}; see `{command} --help`"
