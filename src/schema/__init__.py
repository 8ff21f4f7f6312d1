"""The GraphQL schema: Query, Mutation and the protective extensions, built once."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable

import strawberry
from graphql import GraphQLError
from graphql.validation import ASTValidationRule, NoSchemaIntrospectionCustomRule
from strawberry import relay
from strawberry.extensions import (
    AddValidationRules,
    MaskErrors,
    MaxTokensLimiter,
    ParserCache,
    SchemaExtension,
    ValidationCache,
)
from strawberry.permission import BasePermission
from strawberry.types import ExecutionContext

from autofactura.core.config import Settings
from autofactura.resolvers import auth as auth_r
from autofactura.resolvers import invoices as invoice_r
from autofactura.resolvers import nodes as node_r
from autofactura.resolvers import playbooks as playbook_r
from autofactura.resolvers import profiles as profile_r
from autofactura.resolvers import tasks as task_r
from autofactura.schema import subscriptions
from autofactura.schema.execution import PerEventCachesContext
from autofactura.schema.limits import limits_rule
from autofactura.schema.permissions import IsAuthenticated
from autofactura.schema.types.auth import User
from autofactura.schema.types.connection import TaskConnection
from autofactura.schema.types.invoice import Invoice
from autofactura.schema.types.playbook import Playbook
from autofactura.schema.types.profile import FiscalProfile
from autofactura.schema.types.task import Task

log = logging.getLogger("autofactura.graphql")
authenticated: list[type[BasePermission]] = [IsAuthenticated]


@strawberry.type
class Query:
    node: relay.Node | None = strawberry.field(
        resolver=node_r.node, permission_classes=authenticated
    )
    me: User = strawberry.field(resolver=auth_r.me, permission_classes=authenticated)
    fiscal_profiles: list[FiscalProfile] = strawberry.field(
        resolver=profile_r.fiscal_profiles, permission_classes=authenticated
    )
    tasks: TaskConnection = strawberry.field(
        resolver=task_r.tasks, permission_classes=authenticated
    )
    task: Task | None = strawberry.field(resolver=task_r.task, permission_classes=authenticated)
    playbooks: list[Playbook] = strawberry.field(
        resolver=playbook_r.playbooks, permission_classes=authenticated
    )
    unmatched_invoices: list[Invoice] = strawberry.field(
        resolver=invoice_r.unmatched_invoices,
        permission_classes=authenticated,
        description="Invoices that reached your inbox for none of your tasks, newest first.",
    )


@strawberry.type
class Mutation:
    register = strawberry.mutation(resolver=auth_r.register)
    login = strawberry.mutation(resolver=auth_r.login)
    create_fiscal_profile = strawberry.mutation(
        resolver=profile_r.create_fiscal_profile, permission_classes=authenticated
    )
    update_fiscal_profile = strawberry.mutation(
        resolver=profile_r.update_fiscal_profile, permission_classes=authenticated
    )
    delete_fiscal_profile = strawberry.mutation(
        resolver=profile_r.delete_fiscal_profile, permission_classes=authenticated
    )
    create_task = strawberry.mutation(resolver=task_r.create_task, permission_classes=authenticated)
    create_tasks = strawberry.mutation(
        resolver=task_r.create_tasks, permission_classes=authenticated
    )
    pause_task = strawberry.mutation(resolver=task_r.pause_task, permission_classes=authenticated)
    resume_task = strawberry.mutation(resolver=task_r.resume_task, permission_classes=authenticated)
    cancel_task = strawberry.mutation(resolver=task_r.cancel_task, permission_classes=authenticated)
    retry_task = strawberry.mutation(resolver=task_r.retry_task, permission_classes=authenticated)
    delete_playbook = strawberry.mutation(
        resolver=playbook_r.delete_playbook, permission_classes=authenticated
    )
    upload_invoice = strawberry.mutation(
        resolver=invoice_r.upload_invoice,
        permission_classes=authenticated,
        description="Attach a CFDI XML by hand: to `taskId` if it is that task's invoice, "
        "else to the waiting task it matches, else kept with your unmatched invoices.",
    )


@strawberry.type
class Subscription:
    task_events = strawberry.subscription(
        resolver=subscriptions.task_events, permission_classes=authenticated
    )
    task_updates = strawberry.subscription(
        resolver=subscriptions.task_updates, permission_classes=authenticated
    )


def _should_mask(error: GraphQLError) -> bool:
    """Mask only unexpected exceptions; log them with an id the caller can quote."""
    original = error.original_error
    if original is None or isinstance(original, GraphQLError):
        return False
    error_id = uuid.uuid4().hex[:12]
    log.error("unexpected error %s in %s", error_id, error.path, exc_info=original)
    error.extensions = {"code": "INTERNAL", "errorId": error_id}
    return True


class _Masking(MaskErrors):
    def _process_result(self, result: object) -> None:
        # The base class checks a runtime Protocol with isinstance on every subscription
        # event; an attribute read is a tenth of the cost.
        errors = getattr(result, "errors", None)
        if errors:
            result.errors = self._process_errors(errors)  # type: ignore[attr-defined]

    def anonymise_error(self, error: GraphQLError) -> GraphQLError:
        masked = super().anonymise_error(error)
        masked.extensions = error.extensions
        return masked


def extensions(settings: Settings) -> list[Callable[[], SchemaExtension]]:
    """Factories for per-request extensions around validation rules built once at start-up
    (a rule class made per request would make every validation a cache miss)."""
    rules: list[type[ASTValidationRule]] = [
        limits_rule(settings.max_query_depth, settings.max_query_aliases)
    ]
    if settings.production:
        rules.append(NoSchemaIntrospectionCustomRule)
    max_tokens = settings.max_query_tokens
    return [
        lambda: _Masking(should_mask_error=_should_mask, error_message="Error interno."),
        lambda: ParserCache(maxsize=512),
        lambda: MaxTokensLimiter(max_token_count=max_tokens),
        lambda: AddValidationRules(rules),
        lambda: ValidationCache(maxsize=512),
    ]


class Schema(strawberry.Schema):
    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        """Expected errors (validation, auth, limits) are the caller's business, not logs'.

        Unexpected ones were already logged with their id by the masking extension.
        """


def build_schema(settings: Settings | None = None) -> strawberry.Schema:
    return Schema(
        query=Query,
        mutation=Mutation,
        subscription=Subscription,
        execution_context_class=PerEventCachesContext,
        extensions=extensions(settings or Settings()),
    )
