"""Credentials: JWTs (pyjwt), password hashes (pwdlib/argon2) and API tokens.

The accepted JWT algorithms come from settings only; the token header never chooses one.
API tokens look like ``pnl_<token uuid hex>_<secret>``: the id finds the row, only the
SHA-256 of the high-entropy secret is stored (a slow hash adds nothing for 256 random bits).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt
from pwdlib import PasswordHash

from core.enums import Role
from core.settings import Settings

TOKEN_PREFIX = "pnl_"  # noqa: S105 - a prefix, not a secret
REQUIRED_CLAIMS = ["exp", "iat", "aud", "iss", "sub", "tenant", "role"]

_password_hash = PasswordHash.recommended()


def hash_password(password: str) -> str:
    return _password_hash.hash(password)


def verify_password(password: str, hashed: str) -> bool:
    return _password_hash.verify(password, hashed)


# Verifying against a dummy hash when the user does not exist keeps login timing uniform.
_DUMMY_HASH = hash_password(secrets.token_urlsafe(16))


def verify_password_or_dummy(password: str, hashed: str | None) -> bool:
    if hashed is None:
        _password_hash.verify(password, _DUMMY_HASH)
        return False
    return verify_password(password, hashed)


@dataclass(frozen=True)
class Claims:
    subject: uuid.UUID
    tenant_id: uuid.UUID
    role: Role


class InvalidToken(Exception):
    """A bearer credential that is malformed, expired, revoked or signed wrongly."""


def _signing_key(settings: Settings) -> tuple[str, Any]:
    algorithm = settings.jwt_algorithms[0]
    if algorithm.startswith("HS"):
        return algorithm, settings.jwt_secret.get_secret_value()
    if settings.jwt_private_key is None:
        raise RuntimeError(f"PANELS_JWT_PRIVATE_KEY is required to sign {algorithm} tokens")
    return algorithm, settings.jwt_private_key.get_secret_value()


def issue_jwt(
    settings: Settings,
    *,
    user_id: uuid.UUID,
    tenant_id: uuid.UUID,
    role: Role,
    ttl_seconds: int | None = None,
) -> tuple[str, datetime]:
    now = datetime.now(UTC)
    expires = now + timedelta(seconds=ttl_seconds or settings.jwt_ttl_seconds)
    algorithm, key = _signing_key(settings)
    payload = {
        "sub": str(user_id),
        "tenant": str(tenant_id),
        "role": role.value,
        "aud": settings.jwt_audience,
        "iss": settings.jwt_issuer,
        "iat": int(now.timestamp()),
        "exp": int(expires.timestamp()),
        "jti": uuid.uuid4().hex,
    }
    return jwt.encode(payload, key, algorithm=algorithm), expires


# Verified tokens, kept until they expire: a client sends the same JWT on every request, and
# checking its signature again costs more than the rest of authentication. Keyed by everything
# that verification depends on, so a changed secret or audience never accepts an old entry.
_verified: dict[tuple[str, ...], tuple[Claims, float]] = {}
VERIFIED_MAX = 10_000


def decode_jwt(settings: Settings, token: str) -> Claims:
    key = (
        token,
        settings.jwt_secret.get_secret_value(),
        settings.jwt_public_key or "",
        settings.jwt_audience,
        settings.jwt_issuer,
        *settings.jwt_algorithms,
    )
    hit = _verified.get(key)
    if hit is not None:
        if time.time() <= hit[1] + settings.jwt_leeway_seconds:
            return hit[0]
        del _verified[key]  # expired: verify again, which says so
    claims, expires = _verify_jwt(settings, token)
    if len(_verified) >= VERIFIED_MAX:
        del _verified[next(iter(_verified))]  # the oldest entry
    _verified[key] = (claims, expires)
    return claims


def _verify_jwt(settings: Settings, token: str) -> tuple[Claims, float]:
    # One algorithm family per key: HS* verify with the secret, RS*/ES* with the public key.
    # Passing only matching algorithms for each key blocks the HS256-with-public-key attack.
    try:
        header = jwt.get_unverified_header(token)
    except jwt.PyJWTError as exc:
        raise InvalidToken("malformed token") from exc
    algorithm = header.get("alg")
    if algorithm not in settings.jwt_algorithms:
        raise InvalidToken("token algorithm not accepted")
    key: Any = (
        settings.jwt_secret.get_secret_value()
        if str(algorithm).startswith("HS")
        else settings.jwt_public_key
    )
    try:
        payload = jwt.decode(
            token,
            key,
            algorithms=[str(algorithm)],
            audience=settings.jwt_audience,
            issuer=settings.jwt_issuer,
            leeway=settings.jwt_leeway_seconds,
            options={"require": REQUIRED_CLAIMS},
        )
        claims = Claims(
            subject=uuid.UUID(str(payload["sub"])),
            tenant_id=uuid.UUID(str(payload["tenant"])),
            role=Role(payload["role"]),
        )
        return claims, float(payload["exp"])
    except (jwt.PyJWTError, ValueError, KeyError) as exc:
        raise InvalidToken(str(exc)) from exc


def new_api_token() -> tuple[uuid.UUID, str, str]:
    """A fresh token: (id, the full bearer string shown once, the hash to store)."""
    token_id = uuid.uuid4()
    secret = secrets.token_urlsafe(32)
    return token_id, f"{TOKEN_PREFIX}{token_id.hex}_{secret}", hash_secret(secret)


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def parse_api_token(bearer: str) -> tuple[uuid.UUID, str]:
    body = bearer.removeprefix(TOKEN_PREFIX)
    token_hex, sep, secret = body.partition("_")
    if not sep or not secret:
        raise InvalidToken("malformed API token")
    try:
        return uuid.UUID(hex=token_hex), secret
    except ValueError as exc:
        raise InvalidToken("malformed API token") from exc


def secret_matches(secret: str, stored_hash: str) -> bool:
    return hmac.compare_digest(hash_secret(secret), stored_hash)
