"""Errors a user can act on: each carries one line saying what, why and what to do."""

from __future__ import annotations


class UserError(Exception):
    """A failure the user caused or can fix; printed as one line, exit status `code`."""

    def __init__(self, message: str, code: int = 2) -> None:
        super().__init__(message)
        self.code = code
