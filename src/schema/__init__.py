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
from autofactura.resolvers import apikeys as apikey_r
from autofactura.resolvers import auth as auth_r
from autofactura.resolvers import invoices as invoice_r
from autofactura.resolvers import nodes as node_r
from autofactura.resolvers import playbooks as playbook_r
from autofactura.resolvers import profiles as profile_r
from autofactura.resolvers import tasks as task_r
from autofactura.resolvers import webhooks as webhook_r
from autofactura.schema import subscriptions
from autofactura.schema.execution import PerEventCachesContext
from autofactura.schema.limits import limits_rule
from autofactura.schema.permissions import CanRead, CanWrite, IsAuthenticated, PersonOnly
from autofactura.schema.types.apikey import ApiKey
from autofactura.schema.types.auth import User
from autofactura.schema.types.catalogs import FiscalCatalogs, fiscal_catalogs
from autofactura.schema.types.connection import TaskConnection
from autofactura.schema.types.invoice import Invoice
from autofactura.schema.types.playbook import Playbook
from autofactura.schema.types.profile import FiscalProfile
from autofactura.schema.types.task import Task
from autofactura.schema.types.webhook import Webhook

log = logging.getLogger("autofactura.graphql")
authenticated: list[type[BasePermission]] = [IsAuthenticated]
# Every root field but register and login takes one of these: an API key is limited to
# its scopes (tests/apikeys/test_scopes.py checks no field is left out).
readers: list[type[BasePermission]] = [IsAuthenticated, CanRead]
writers: list[type[BasePermission]] = [IsAuthenticated, CanWrite]
people: list[type[BasePermission]] = [IsAuthenticated, PersonOnly]


@strawberry.type
class Query:
    node: relay.Node | None = strawberry.field(resolver=node_r.node, permission_classes=readers)
    me: User = strawberry.field(resolver=auth_r.me, permission_classes=readers)
    fiscal_profiles: list[FiscalProfile] = strawberry.field(
        resolver=profile_r.fiscal_profiles, permission_classes=readers
    )
    tasks: TaskConnection = strawberry.field(resolver=task_r.tasks, permission_classes=readers)
    task: Task | None = strawberry.field(resolver=task_r.task, permission_classes=readers)
    playbooks: list[Playbook] = strawberry.field(
        resolver=playbook_r.playbooks, permission_classes=readers
    )
    fiscal_catalogs: FiscalCatalogs = strawberry.field(
        resolver=fiscal_catalogs, permission_classes=readers
    )
    unmatched_invoices: list[Invoice] = strawberry.field(
        resolver=invoice_r.unmatched_invoices,
        permission_classes=readers,
        description="Invoices that reached your inbox for none of your tasks, newest first.",
    )
    webhooks: list[Webhook] = strawberry.field(
        resolver=webhook_r.webhooks,
        permission_classes=readers,
        description="Your webhook endpoints (not the deleted ones), oldest first.",
    )
    api_keys: list[ApiKey] = strawberry.field(
        resolver=apikey_r.api_keys,
        permission_classes=people,
        description="Your API keys, newest first, revoked ones too (signed in, not by key).",
    )


@strawberry.type
class Mutation:
    register = strawberry.mutation(resolver=auth_r.register)
    login = strawberry.mutation(resolver=auth_r.login)
    create_fiscal_profile = strawberry.mutation(
        resolver=profile_r.create_fiscal_profile, permission_classes=writers
    )
    update_fiscal_profile = strawberry.mutation(
        resolver=profile_r.update_fiscal_profile, permission_classes=writers
    )
    delete_fiscal_profile = strawberry.mutation(
        resolver=profile_r.delete_fiscal_profile, permission_classes=writers
    )
    create_task = strawberry.mutation(resolver=task_r.create_task, permission_classes=writers)
    create_tasks = strawberry.mutation(resolver=task_r.create_tasks, permission_classes=writers)
    pause_task = strawberry.mutation(resolver=task_r.pause_task, permission_classes=writers)
    resume_task = strawberry.mutation(resolver=task_r.resume_task, permission_classes=writers)
    cancel_task = strawberry.mutation(resolver=task_r.cancel_task, permission_classes=writers)
    retry_task = strawberry.mutation(resolver=task_r.retry_task, permission_classes=writers)
    delete_playbook = strawberry.mutation(
        resolver=playbook_r.delete_playbook, permission_classes=writers
    )
    upload_invoice = strawberry.mutation(
        resolver=invoice_r.upload_invoice,
        permission_classes=writers,
        description="Attach a CFDI XML by hand: to `taskId` if it is that task's invoice, "
        "else to the waiting task it matches, else kept with your unmatched invoices.",
    )
    create_webhook = strawberry.mutation(
        resolver=webhook_r.create_webhook, permission_classes=writers
    )
    delete_webhook = strawberry.mutation(
        resolver=webhook_r.delete_webhook, permission_classes=writers
    )
    replay_webhook_delivery = strawberry.mutation(
        resolver=webhook_r.replay_webhook_delivery, permission_classes=writers
    )
    create_api_key = strawberry.mutation(
        resolver=apikey_r.create_api_key,
        permission_classes=people,
        description="A key for servers, used as `Authorization: Bearer <key>`; the key is "
        "in this answer only. Needs a person's session, not an API key.",
    )
    revoke_api_key = strawberry.mutation(
        resolver=apikey_r.revoke_api_key,
        permission_classes=people,
        description="Refuse the key from its next request or connection on.",
    )


@strawberry.type
class Subscription:
    task_events = strawberry.subscription(
        resolver=subscriptions.task_events, permission_classes=readers
    )
    task_updates = strawberry.subscription(
        resolver=subscriptions.task_updates, permission_classes=readers
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
