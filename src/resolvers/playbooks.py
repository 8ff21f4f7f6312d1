"""playbooks and deletePlaybook: the caller's learned portal flows."""

from __future__ import annotations

import strawberry

from autofactura.core.playbooks import service
from autofactura.schema.context import Info
from autofactura.schema.errors import user_errors
from autofactura.schema.ids import require
from autofactura.schema.types.playbook import DeletedPlaybook, DeletePlaybookResult, Playbook


async def playbooks(info: Info) -> list[Playbook]:
    user_id = await info.context.user_id()
    async with info.context.db.session(user_id, readonly=True) as session:
        rows = await service.list_for_user(session, user_id)
    return [Playbook.from_model(row) for row in rows]


@user_errors
async def delete_playbook(info: Info, id: strawberry.ID) -> DeletePlaybookResult:
    """The next ticket at that portal is done by the other engines, which learn it again."""
    user_id = await info.context.user_id()
    playbook_id = require(id, "Playbook", "id", service.MISSING)
    async with info.context.db.session(user_id) as session:
        await service.delete(session, user_id, playbook_id)
    return DeletedPlaybook(id=id)
