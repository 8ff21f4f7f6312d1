"""Each mutation's result union: its success type and the errors it can answer."""

from __future__ import annotations

from typing import Annotated

import strawberry

from autofactura.schema.errors import (
    ConflictError,
    DuplicateTicketError,
    EmailTakenError,
    InvalidCredentialsError,
    InvalidTransitionError,
    NotFoundError,
    RateLimitedError,
    UnavailableError,
    ValidationError,
)
from autofactura.schema.types.apikey import ApiKey, ApiKeyCreated
from autofactura.schema.types.auth import AuthPayload
from autofactura.schema.types.invoice import InvoiceUpload
from autofactura.schema.types.profile import DeletedFiscalProfile, FiscalProfile
from autofactura.schema.types.task import Task
from autofactura.schema.types.webhook import DeletedWebhook, Webhook, WebhookDelivery

RegisterResult = Annotated[
    AuthPayload | ValidationError | EmailTakenError | RateLimitedError | UnavailableError,
    strawberry.union("RegisterResult"),
]
LoginResult = Annotated[
    AuthPayload | InvalidCredentialsError | RateLimitedError | UnavailableError,
    strawberry.union("LoginResult"),
]
CreateFiscalProfileResult = Annotated[
    FiscalProfile | ValidationError | ConflictError, strawberry.union("CreateFiscalProfileResult")
]
UpdateFiscalProfileResult = Annotated[
    FiscalProfile | ValidationError | NotFoundError, strawberry.union("UpdateFiscalProfileResult")
]
DeleteFiscalProfileResult = Annotated[
    DeletedFiscalProfile | NotFoundError | ConflictError,
    strawberry.union("DeleteFiscalProfileResult"),
]
TaskControlResult = Annotated[
    Task | NotFoundError | InvalidTransitionError | ConflictError,
    strawberry.union("TaskControlResult"),
]
CreateTaskResult = Annotated[
    Task
    | ValidationError
    | NotFoundError
    | RateLimitedError
    | DuplicateTicketError
    | ConflictError,
    strawberry.union("CreateTaskResult"),
]
UploadInvoiceResult = Annotated[
    InvoiceUpload | ValidationError | NotFoundError | ConflictError,
    strawberry.union("UploadInvoiceResult"),
]
CreateApiKeyResult = Annotated[
    ApiKeyCreated | ValidationError | ConflictError, strawberry.union("CreateApiKeyResult")
]
RevokeApiKeyResult = Annotated[ApiKey | NotFoundError, strawberry.union("RevokeApiKeyResult")]
CreateWebhookResult = Annotated[
    Webhook | ValidationError | ConflictError, strawberry.union("CreateWebhookResult")
]
DeleteWebhookResult = Annotated[
    DeletedWebhook | NotFoundError, strawberry.union("DeleteWebhookResult")
]
ReplayWebhookDeliveryResult = Annotated[
    WebhookDelivery | NotFoundError | RateLimitedError,
    strawberry.union("ReplayWebhookDeliveryResult"),
]
