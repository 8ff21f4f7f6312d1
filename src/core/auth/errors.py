"""Errors raised by authentication: one hierarchy so callers can catch AuthError."""

from __future__ import annotations


class AuthError(Exception):
    """Base class of every authentication failure."""


class InvalidToken(AuthError):
    """The token is malformed, badly signed, or carries the wrong claims."""


class ExpiredToken(InvalidToken):
    """The token was valid once but its exp has passed."""


class InvalidCredentials(AuthError):
    """The e-mail and password do not match an account."""


class EmailTaken(AuthError):
    """An account with this e-mail already exists."""


class AuthProviderError(AuthError):
    """Supabase Auth is unreachable or answered something unexpected."""
