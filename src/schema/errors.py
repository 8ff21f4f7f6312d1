"""Expected errors as schema types: one per failure, all implementing UserError."""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from typing import Any, ParamSpec, TypeVar

import strawberry
from graphql import GraphQLError

from autofactura.core import errors
from autofactura.core.tasks.duplicates import DuplicateTicket
from autofactura.core.tasks.lifecycle import IllegalTransition
from autofactura.core.tasks.status import TaskStatus
from autofactura.schema.ids import encode
from autofactura.schema.types import enums  # noqa: F401 — registers the GraphQL enums

P = ParamSpec("P")
R = TypeVar("R")


@strawberry.interface(description="An error the caller can act on; `message` is in Spanish.")
class UserError:
    code: str
    message: str
    field: str | None


@strawberry.type(description="One wrong input field.")
class FieldError:
    field: str
    code: str
    message: str


@strawberry.type(description="Some inputs are invalid; `problems` lists every one.")
class ValidationError(UserError):
    problems: list[FieldError]


@strawberry.type(description="It does not exist, or it is not yours.")
class NotFoundError(UserError):
    pass


@strawberry.type(description="The request clashes with the current state.")
class ConflictError(UserError):
    pass


@strawberry.type(description="E-mail and password do not match.")
class InvalidCredentialsError(UserError):
    pass


@strawberry.type(description="An account with that e-mail already exists.")
class EmailTakenError(UserError):
    pass


@strawberry.type(description="Too many attempts; try again after `retryAfterSeconds`.")
class RateLimitedError(UserError):
    retry_after_seconds: int


@strawberry.type(description="A service we depend on did not answer; try again later.")
class UnavailableError(UserError):
    pass


@strawberry.type(description="The task's current status does not allow that action.")
class InvalidTransitionError(UserError):
    current_status: TaskStatus


@strawberry.type(description="A live or completed task already has this ticket; retry that one.")
class DuplicateTicketError(UserError):
    existing_task_id: strawberry.ID


def to_user_error(exc: errors.ServiceError) -> UserError:
    common: dict[str, Any] = {"code": exc.code, "message": exc.message, "field": exc.field}
    if isinstance(exc, DuplicateTicket):
        existing = strawberry.ID(encode("Task", exc.existing_task_id))
        return DuplicateTicketError(**common, existing_task_id=existing)
    if isinstance(exc, IllegalTransition):
        return InvalidTransitionError(**common, current_status=exc.current)
    if isinstance(exc, errors.InvalidInput):
        problems = [FieldError(field=i.field, code=i.code, message=i.message) for i in exc.issues]
        return ValidationError(**common, problems=problems)
    if isinstance(exc, errors.RateLimited):
        return RateLimitedError(**common, retry_after_seconds=exc.retry_after)
    kinds: dict[type[errors.ServiceError], type[UserError]] = {
        errors.NotFound: NotFoundError,
        errors.Conflict: ConflictError,
        errors.InvalidCredentials: InvalidCredentialsError,
        errors.EmailTaken: EmailTakenError,
        errors.Unavailable: UnavailableError,
    }
    for kind, error_type in kinds.items():
        if isinstance(exc, kind):
            return error_type(**common)
    raise exc  # an unmapped ServiceError is a bug: let MaskErrors log it


def user_errors(func: Callable[P, Awaitable[R]]) -> Callable[P, Awaitable[R | UserError]]:
    """Turn the expected ServiceErrors a mutation raises into members of its result union."""

    @functools.wraps(func)
    async def wrapper(*args: P.args, **kwargs: P.kwargs) -> R | UserError:
        try:
            return await func(*args, **kwargs)
        except errors.ServiceError as exc:
            return to_user_error(exc)

    return wrapper


def bad_input(exc: errors.ServiceError) -> GraphQLError:
    """For queries, whose results are not unions: a top-level error with the same code."""
    return GraphQLError(exc.message, extensions={"code": exc.code, "field": exc.field})
