"""The application's error types: each carries a Chinese message that is safe to show a user."""
from __future__ import annotations


class DomainError(Exception):
    """A refusal the user should read: the message is Chinese and complete."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field

    def __str__(self) -> str:  # pragma: no cover - trivial
        return self.message


class ValidationError(DomainError):
    """Bad input; `field` is the Chinese label of the offending field."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}：{message}", field=field)
        self.reason = message


class FormErrors(ValidationError):
    """Several fields of one form are wrong: every message at once, so one submit shows them all."""

    def __init__(self, errors: list[ValidationError]) -> None:
        DomainError.__init__(self, f"有{len(errors)}项需要修改：" + "；".join(e.message for e in errors),
                             field=errors[0].field)
        self.reason = errors[0].reason
        self.errors = errors


class PermissionDenied(DomainError):
    """The actor may not do this (wrong role, not the owner)."""


class NotFound(DomainError):
    """The thing asked for does not exist."""


class TransitionRefused(DomainError):
    """The life cycle does not allow this action now."""


class AuthError(DomainError):
    """Login refused (wrong password, locked, disabled)."""


class ConflictError(DomainError):
    """The database refused the change: it would break a rule another request has just used up
    (a second pending withdrawal, a second evaluation or settlement)."""


STALE_MESSAGE = "记录已被他人修改，请刷新后重试"


class StaleRecord(ConflictError):
    """The form was filled from a version of the record that someone has changed since."""

    def __init__(self, message: str = STALE_MESSAGE) -> None:
        super().__init__(message)
