"""The one kind of error a user sees: a message, maybe a hint, never a traceback."""

from __future__ import annotations


class UserError(Exception):
    """A problem the user can fix (bad input, bad arguments, a refused target). Exit code 2."""

    exit_code = 2

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint
