from __future__ import annotations

import pytest
from pydantic import ValidationError

from core.settings import Settings


def test_production_refuses_the_development_jwt_secret() -> None:
    with pytest.raises(ValidationError, match="PANELS_JWT_SECRET must be set"):
        Settings(environment="production", database_url="postgresql://x/y")


def test_production_refuses_the_development_encryption_key() -> None:
    with pytest.raises(ValidationError, match="PANELS_ENCRYPTION_KEYS must be set"):
        Settings(environment="production", jwt_secret="s" * 40)


def test_rs256_needs_a_public_key() -> None:
    with pytest.raises(ValidationError, match="PANELS_JWT_PUBLIC_KEY"):
        Settings(jwt_algorithms=["RS256"])


def test_lists_come_comma_separated_from_the_environment(monkeypatch) -> None:
    monkeypatch.setenv("PANELS_JWT_ALGORITHMS", "HS512, HS256")
    monkeypatch.setenv("PANELS_ENCRYPTION_KEYS", "a,b")
    settings = Settings()
    assert settings.jwt_algorithms == ["HS512", "HS256"]
    assert [k.get_secret_value() for k in settings.encryption_keys] == ["a", "b"]


def test_unknown_algorithm_is_refused() -> None:
    with pytest.raises(ValidationError):
        Settings(jwt_algorithms=["none"])
