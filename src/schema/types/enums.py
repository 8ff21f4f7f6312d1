"""The lifecycle enums, exposed with the same values as the core."""

import strawberry

from autofactura.core.events.models import EventType
from autofactura.core.tasks.status import FailureCode, InterventionReason, TaskStatus

# strawberry.enum registers the core enums in place, so types annotate with them directly.
strawberry.enum(TaskStatus, name="TaskStatus")
strawberry.enum(FailureCode, name="FailureCode")
strawberry.enum(InterventionReason, name="InterventionReason")
strawberry.enum(EventType, name="TaskEventType")

__all__ = ["EventType", "FailureCode", "InterventionReason", "TaskStatus"]
