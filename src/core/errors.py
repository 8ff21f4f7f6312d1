"""The expected failures a caller can act on; each carries a Spanish message for the buyer.

The GraphQL layer maps every class here to one error type of its result unions; anything
else is unexpected and gets masked and logged.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class FieldIssue:
    field: str
    code: str
    message: str


class ServiceError(Exception):
    """An expected failure with a stable code and a message a person can read."""

    code = "ERROR"

    def __init__(self, message: str, *, field: str | None = None, code: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field
        if code:
            self.code = code


class NotFound(ServiceError):
    """The thing does not exist, or belongs to someone else (we never say which)."""

    code = "NOT_FOUND"


class InvalidInput(ServiceError):
    """One or more fields are wrong; `issues` lists every one of them."""

    code = "INVALID_INPUT"

    def __init__(self, issues: list[FieldIssue]) -> None:
        first = issues[0]
        super().__init__(first.message, field=first.field, code=first.code)
        self.issues = issues


class Conflict(ServiceError):
    """The request clashes with the current state (e.g. a profile still in use)."""

    code = "CONFLICT"


class InvalidCredentials(ServiceError):
    """E-mail and password do not match an account."""

    code = "INVALID_CREDENTIALS"


class EmailTaken(ServiceError):
    """An account with that e-mail already exists."""

    code = "EMAIL_TAKEN"


class RateLimited(ServiceError):
    """Too many attempts in a short time."""

    code = "RATE_LIMITED"

    def __init__(self, retry_after: int) -> None:
        super().__init__(
            f"Demasiados intentos. Espera {retry_after} segundos e inténtalo de nuevo."
        )
        self.retry_after = retry_after


class Unavailable(ServiceError):
    """A service we depend on (Supabase Auth, the database) did not answer."""

    code = "UNAVAILABLE"


def invalid(field: str, code: str, message: str) -> InvalidInput:
    return InvalidInput([FieldIssue(field, code, message)])
