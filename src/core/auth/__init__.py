"""Authentication: password hashing, local and Supabase tokens, Supabase accounts."""

from .errors import (
    AuthError,
    AuthProviderError,
    EmailTaken,
    ExpiredToken,
    InvalidCredentials,
    InvalidToken,
)
from .local_tokens import LocalTokens, load_or_create_secret
from .passwords import PasswordHasher
from .principal import Principal
from .supabase_accounts import AuthResult, SupabaseAccounts
from .supabase_tokens import SupabaseTokens

__all__ = [
    "AuthError",
    "AuthProviderError",
    "AuthResult",
    "EmailTaken",
    "ExpiredToken",
    "InvalidCredentials",
    "InvalidToken",
    "LocalTokens",
    "PasswordHasher",
    "Principal",
    "SupabaseAccounts",
    "SupabaseTokens",
    "load_or_create_secret",
]
