"""Imports every model so the metadata (and Alembic) sees all tables."""

from autofactura.core.apikeys.models import ApiKey
from autofactura.core.artifacts.models import Artifact
from autofactura.core.db.base import Base
from autofactura.core.events.models import TaskEvent
from autofactura.core.invoices.models import Invoice
from autofactura.core.mail.models import InboundMessage
from autofactura.core.playbooks.models import Playbook
from autofactura.core.profiles.models import FiscalProfile
from autofactura.core.tasks.models import IdempotencyKey, Task
from autofactura.core.users.models import User
from autofactura.core.webhooks.models import Webhook, WebhookAttempt, WebhookDelivery

__all__ = [
    "ApiKey",
    "Artifact",
    "Base",
    "FiscalProfile",
    "IdempotencyKey",
    "InboundMessage",
    "Invoice",
    "Playbook",
    "Task",
    "TaskEvent",
    "User",
    "Webhook",
    "WebhookAttempt",
    "WebhookDelivery",
]
