"""PasswordHasher: argon2id hashes, length limits, no exceptions on bad input to verify."""

from __future__ import annotations

import pytest

from autofactura.core.auth import PasswordHasher


@pytest.fixture
def hasher() -> PasswordHasher:
    # Tiny parameters keep the tests fast; production reads them from settings.
    return PasswordHasher(time_cost=1, memory_kib=64)


def test_hash_then_verify(hasher: PasswordHasher) -> None:
    stored = hasher.hash("correct horse battery")
    assert stored.startswith("$argon2id$")
    assert "m=64,t=1,p=1" in stored
    assert hasher.verify(stored, "correct horse battery")


def test_wrong_password_is_false(hasher: PasswordHasher) -> None:
    stored = hasher.hash("correct horse battery")
    assert not hasher.verify(stored, "correct horse battery!")
    assert not hasher.verify(stored, "Correct horse battery")


def test_same_password_hashes_differently(hasher: PasswordHasher) -> None:
    assert hasher.hash("contraseña segura") != hasher.hash("contraseña segura")


def test_unicode_password_round_trip(hasher: PasswordHasher) -> None:
    assert hasher.verify(hasher.hash("contraseña niño ñandú"), "contraseña niño ñandú")


@pytest.mark.parametrize("password", ["", "short", "7chars!", "x" * 1025])
def test_hash_refuses_out_of_range_lengths(hasher: PasswordHasher, password: str) -> None:
    with pytest.raises(ValueError, match="password must be"):
        hasher.hash(password)


@pytest.mark.parametrize("password", ["8 chars!", "y" * 1024])
def test_hash_accepts_boundary_lengths(hasher: PasswordHasher, password: str) -> None:
    assert hasher.verify(hasher.hash(password), password)


@pytest.mark.parametrize(
    "stored",
    ["", "not a hash", "$argon2id$v=19$m=64,t=1,p=1$broken", "$2b$12$abcdefghijklmnopqrstuv"],
)
def test_verify_malformed_hash_is_false(hasher: PasswordHasher, stored: str) -> None:
    assert hasher.verify(stored, "correct horse battery") is False


def test_verify_out_of_range_password_is_false(hasher: PasswordHasher) -> None:
    stored = hasher.hash("correct horse battery")
    assert hasher.verify(stored, "x" * 5000) is False
    assert hasher.verify(stored, "") is False


def test_needs_rehash_when_parameters_grow(hasher: PasswordHasher) -> None:
    stored = hasher.hash("correct horse battery")
    assert not hasher.needs_rehash(stored)
    stronger = PasswordHasher(time_cost=2, memory_kib=128)
    assert stronger.needs_rehash(stored)
    # The old hash still verifies under the new parameters, so login can upgrade it.
    assert stronger.verify(stored, "correct horse battery")


def test_needs_rehash_for_malformed_hash(hasher: PasswordHasher) -> None:
    assert hasher.needs_rehash("not a hash")
