"""Learn, count, list and delete playbooks. A playbook belongs to one buyer and one portal
domain; learning again (after the portal changed) replaces its actions, not its history."""

from __future__ import annotations

import logging
import uuid
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession

from autofactura.core.errors import NotFound
from autofactura.core.playbooks import repository
from autofactura.core.playbooks.models import Playbook
from autofactura.core.playbooks.recorder import Recorder
from autofactura.core.playbooks.redact import profile_values
from autofactura.core.profiles import repository as profiles

log = logging.getLogger(__name__)
REPLAY_ENGINE = "playbook"
MAX_ACTIONS = 200  # a run that wandered this long is not a flow worth replaying
MISSING = "No encontramos ese playbook."


def domain_of(url: str) -> str:
    """The portal's key: its host, lowercased, without "www."."""
    host = (urlsplit(url).hostname or "").lower().rstrip(".")
    return host.removeprefix("www.")


async def for_url(session: AsyncSession, user_id: uuid.UUID, url: str) -> Playbook | None:
    return await repository.for_domain(session, user_id, domain_of(url))


async def learn(
    session: AsyncSession,
    user_id: uuid.UUID,
    domain: str,
    actions: list[dict[str, Any]],
    engine: str,
) -> Playbook:
    """Keep `actions` (already redacted) as the buyer's playbook for `domain`."""
    playbook = await repository.for_domain(session, user_id, domain)
    if playbook is None:
        playbook = Playbook(
            user_id=user_id,
            domain=domain,
            actions=actions,
            learned_by=engine,
            successes=0,
            failures=0,
        )
        return await repository.add(session, playbook)
    playbook.actions, playbook.learned_by = actions, engine
    await session.flush()
    return playbook


async def replayed(session: AsyncSession, user_id: uuid.UUID, domain: str, *, ok: bool) -> None:
    """Count a replay: it completed the task, or the page no longer matched."""
    await repository.count(session, user_id, domain, successes=int(ok), failures=int(not ok))


async def completed(
    session: AsyncSession,
    user_id: uuid.UUID,
    vendor_url: str,
    engine: str,
    recorder: Recorder,
    fiscal_profile_id: uuid.UUID | None,
    *,
    delivery_email: str | None = None,
) -> None:
    """The task just completed (same transaction): count the replay that did it, or learn
    the flow the other engines recorded. Never fails the completion: a playbook is a
    shortcut, the invoice is what matters."""
    domain = domain_of(vendor_url)
    if not domain or (engine != REPLAY_ENGINE and not _learnable(recorder)):
        return
    try:
        async with session.begin_nested():
            if engine == REPLAY_ENGINE:
                await replayed(session, user_id, domain, ok=True)
                return
            if fiscal_profile_id is None:
                return
            profile = await profiles.get(session, user_id, fiscal_profile_id)
            if profile is None:
                return  # deleted meanwhile: without its values the actions can't be checked
            recorder.hide(
                profile_values(profile.tax_id, profile.legal_name, profile.zip, profile.email)
            )
            if delivery_email:  # what portals got instead of the profile's e-mail
                recorder.hide({"email": delivery_email})
            await learn(session, user_id, domain, list(recorder.actions), engine)
    except SQLAlchemyError:
        # E.g. another task of the same buyer learned this portal a moment ago.
        log.warning("could not keep the playbook for %s", domain, exc_info=True)


def _learnable(recorder: Recorder) -> bool:
    return recorder.succeeded and len(recorder.actions) <= MAX_ACTIONS


async def list_for_user(session: AsyncSession, user_id: uuid.UUID) -> list[Playbook]:
    return await repository.list_for_user(session, user_id)


async def delete(session: AsyncSession, user_id: uuid.UUID, playbook_id: uuid.UUID) -> None:
    playbook = await repository.get(session, user_id, playbook_id)
    if playbook is None:
        raise NotFound(MISSING, field="id")
    await repository.delete(session, playbook)
