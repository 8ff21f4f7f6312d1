"""The signed-in user and the token a sign-in returns."""

from __future__ import annotations

import strawberry

from autofactura.core.users.service import SignedIn


@strawberry.type
class User:
    id: strawberry.ID
    email: str
    inbound_email: str | None = strawberry.field(
        default=None,
        description="Your autofactura inbox: portals that e-mail invoices send them here and "
        "we match them to your tasks. Null when the service has no inbound domain.",
    )


@strawberry.type
class AuthPayload:
    token: str | None = strawberry.field(
        description="Bearer token; null while Supabase waits for the e-mail to be confirmed."
    )
    user: User

    @classmethod
    def from_signed_in(cls, signed: SignedIn) -> AuthPayload:
        return cls(
            token=signed.token, user=User(id=strawberry.ID(str(signed.user_id)), email=signed.email)
        )
