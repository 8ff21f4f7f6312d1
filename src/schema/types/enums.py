"""The lifecycle enums, exposed with the same values as the core."""

import strawberry

from autofactura.core.events.models import EventType
from autofactura.core.tasks.status import FailureCode, InterventionReason, TaskStatus

TaskStatusEnum = strawberry.enum(TaskStatus, name="TaskStatus")
FailureCodeEnum = strawberry.enum(FailureCode, name="FailureCode")
InterventionReasonEnum = strawberry.enum(InterventionReason, name="InterventionReason")
TaskEventTypeEnum = strawberry.enum(EventType, name="TaskEventType")
