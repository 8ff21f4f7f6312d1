"""Encryption at rest of the buyer's personal data (RFC, legal name, zip, e-mail)."""

from autofactura.core.privacy.keyring import Keyring, KeyringError, current_keyring, use_keyring

__all__ = ["Keyring", "KeyringError", "current_keyring", "use_keyring"]
