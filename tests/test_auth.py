"""Login, JWT validation (with the usual attack set) and API tokens."""

from __future__ import annotations

import asyncio
import base64
import json
import time
import uuid

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from fastapi.security import HTTPAuthorizationCredentials
from fastapi.testclient import TestClient
from pydantic import SecretStr

from core.settings import Settings
from models.db import make_async_engine
from serving.api.app import create_app
from serving.auth import security
from serving.http.errors import Unauthorized
from serving.reads.session import open_reading
from tests.builders import make_panel


def _login(client: TestClient, **body: str):
    return client.post("/api/v1/auth/token", json=body)


def test_login_returns_a_jwt_that_works(client, tenant) -> None:
    response = _login(
        client, email=tenant.emails["editor"], password=tenant.password, tenant=tenant.slug
    )
    assert response.status_code == 200, response.text
    token = response.json()["access_token"]
    me = client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {token}"})
    assert me.status_code == 200
    assert me.json()["tenant_slug"] == tenant.slug
    assert me.json()["role"] == "editor"
    assert me.json()["via"] == "jwt"


def test_login_is_case_insensitive_on_email(client, tenant) -> None:
    response = _login(
        client, email=tenant.emails["viewer"].upper(), password=tenant.password, tenant=tenant.slug
    )
    assert response.status_code == 200


@pytest.mark.parametrize("wrong", ["password", "tenant", "email"])
def test_login_failures_all_look_the_same(client, tenant, other_tenant, wrong) -> None:
    body = {"email": tenant.emails["admin"], "password": tenant.password, "tenant": tenant.slug}
    body[wrong] = {
        "password": "not the password",
        "tenant": other_tenant.slug,
        "email": "nobody@example.com",
    }[wrong]
    response = _login(client, **body)
    assert response.status_code == 401
    assert response.json()["detail"] == "wrong e-mail, password or tenant"


def test_disabled_user_cannot_log_in_nor_use_an_old_jwt(client, tenant) -> None:
    user_id = tenant.users["viewer"]
    patched = client.patch(
        f"/api/v1/users/{user_id}", json={"is_active": False}, headers=tenant.admin
    )
    assert patched.status_code == 200
    assert (
        _login(
            client, email=tenant.emails["viewer"], password=tenant.password, tenant=tenant.slug
        ).status_code
        == 401
    )
    assert client.get("/api/v1/panels", headers=tenant.viewer).status_code == 401


def test_a_demotion_applies_before_the_jwt_expires(client, tenant) -> None:
    user_id = tenant.users["editor"]
    assert (
        client.patch(
            f"/api/v1/users/{user_id}", json={"role": "viewer"}, headers=tenant.admin
        ).status_code
        == 200
    )
    response = client.post("/api/v1/panels", json={"slug": "x", "name": "x"}, headers=tenant.editor)
    assert response.status_code == 403


def test_missing_credentials_is_401_with_the_error_shape(client) -> None:
    response = client.get("/api/v1/panels")
    assert response.status_code == 401
    body = response.json()
    assert body["type"] == "unauthorized"
    assert body["status"] == 401
    assert response.headers["www-authenticate"] == "Bearer"


# --- The JWT attack set -----------------------------------------------------------------


def _b64(data: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def _claims(settings: Settings, tenant_fx, **overrides) -> dict:
    now = int(time.time())
    claims = {
        "sub": str(tenant_fx.users["admin"]),
        "tenant": str(tenant_fx.id),
        "role": "admin",
        "aud": settings.jwt_audience,
        "iss": settings.jwt_issuer,
        "iat": now,
        "exp": now + 600,
    }
    claims.update(overrides)
    return {k: v for k, v in claims.items() if v is not None}


def _hs256(settings: Settings, claims: dict) -> str:
    return jwt.encode(claims, settings.jwt_secret.get_secret_value(), algorithm="HS256")


def _status(client: TestClient, token: str) -> int:
    return client.get("/api/v1/panels", headers={"Authorization": f"Bearer {token}"}).status_code


def test_a_well_formed_token_is_accepted(client, settings, tenant) -> None:
    # The control for the attacks below: the same construction, unmodified, works.
    assert _status(client, _hs256(settings, _claims(settings, tenant))) == 200


def test_alg_none_is_rejected(client, settings, tenant) -> None:
    token = f"{_b64({'alg': 'none', 'typ': 'JWT'})}.{_b64(_claims(settings, tenant))}."
    assert _status(client, token) == 401


def test_expired_token_is_rejected(client, settings, tenant) -> None:
    now = int(time.time())
    claims = _claims(settings, tenant, iat=now - 7200, exp=now - 3600)
    assert _status(client, _hs256(settings, claims)) == 401


@pytest.mark.parametrize(
    ("claim", "value"),
    [
        ("aud", "someone-else"),
        ("iss", "evil"),
        ("tenant", None),
        ("sub", None),
        ("exp", None),
        ("iat", None),
        ("aud", None),
        ("iss", None),
    ],
)
def test_wrong_or_missing_claims_are_rejected(client, settings, tenant, claim, value) -> None:
    claims = _claims(settings, tenant, **{claim: value})
    if value is None:
        claims.pop(claim, None)
    assert _status(client, _hs256(settings, claims)) == 401


def test_tampered_payload_is_rejected(client, settings, tenant, other_tenant) -> None:
    header, _, signature = _hs256(settings, _claims(settings, tenant)).split(".")
    forged = _b64(_claims(settings, tenant, tenant=str(other_tenant.id)))
    assert _status(client, f"{header}.{forged}.{signature}") == 401


def test_token_signed_with_another_secret_is_rejected(client, settings, tenant) -> None:
    token = jwt.encode(_claims(settings, tenant), "x" * 48, algorithm="HS256")
    assert _status(client, token) == 401


def test_a_user_of_another_tenant_in_the_claims_is_rejected(
    client, settings, tenant, other_tenant
) -> None:
    claims = _claims(settings, tenant, sub=str(other_tenant.users["admin"]))
    assert _status(client, _hs256(settings, claims)) == 401


@pytest.fixture(scope="module")
def rsa_keys() -> tuple[str, str]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    public = (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    return private, public


@pytest.mark.parametrize("algorithms", [["RS256"], ["RS256", "HS256"]])
def test_rs256_tokens_and_the_key_confusion_attack(settings, tenant, rsa_keys, algorithms) -> None:
    private, public = rsa_keys
    rs_settings = settings.model_copy(
        update={"jwt_algorithms": algorithms, "jwt_public_key": public, "jwt_private_key": None}
    )
    with TestClient(create_app(rs_settings), raise_server_exceptions=False) as rs_client:
        good = jwt.encode(_claims(settings, tenant), private, algorithm="RS256")
        assert _status(rs_client, good) == 200
        # HS256 with the public key as the HMAC secret: pyjwt refuses to sign with a PEM key,
        # so build the token by hand, as an attacker would.
        import hashlib
        import hmac

        signing_input = f"{_b64({'alg': 'HS256', 'typ': 'JWT'})}.{_b64(_claims(settings, tenant))}"
        mac = hmac.new(public.encode(), signing_input.encode(), hashlib.sha256).digest()
        forged = f"{signing_input}.{base64.urlsafe_b64encode(mac).rstrip(b'=').decode()}"
        assert _status(rs_client, forged) == 401


# --- API tokens ---------------------------------------------------------------------------


def _api_token(client, tenant, **body) -> dict:
    response = client.post("/api/v1/tokens", json={"name": "bi", **body}, headers=tenant.admin)
    assert response.status_code == 201, response.text
    return response.json()


def test_api_token_works_as_a_bearer_and_records_last_use(client, tenant) -> None:
    created = _api_token(client, tenant, scopes=["read"])
    assert created["token"].startswith("pnl_")
    headers = {"Authorization": f"Bearer {created['token']}"}
    me = client.get("/api/v1/auth/me", headers=headers)
    assert me.status_code == 200
    assert me.json()["via"] == "api_token"
    assert me.json()["role"] == "viewer"  # read scope caps an admin's token at viewer
    listed = client.get("/api/v1/tokens", headers=tenant.admin).json()["data"]
    mine = next(t for t in listed if t["id"] == created["id"])
    assert mine["last_used_at"] is not None
    assert "token" not in mine and "secret_hash" not in mine


def test_read_scoped_token_cannot_write(client, tenant) -> None:
    headers = {"Authorization": f"Bearer {_api_token(client, tenant, scopes=['read'])['token']}"}
    assert (
        client.post("/api/v1/panels", json={"slug": "a", "name": "a"}, headers=headers).status_code
        == 403
    )
    headers = {"Authorization": f"Bearer {_api_token(client, tenant, scopes=['write'])['token']}"}
    assert (
        client.post("/api/v1/panels", json={"slug": "a", "name": "a"}, headers=headers).status_code
        == 201
    )


def test_revoked_token_is_rejected(client, tenant) -> None:
    created = _api_token(client, tenant)
    headers = {"Authorization": f"Bearer {created['token']}"}
    assert client.get("/api/v1/panels", headers=headers).status_code == 200
    assert client.delete(f"/api/v1/tokens/{created['id']}", headers=tenant.admin).status_code == 204
    response = client.get("/api/v1/panels", headers=headers)
    assert response.status_code == 401
    assert "revoked" in response.json()["detail"]


def test_expired_api_token_is_rejected(client, tenant) -> None:
    created = _api_token(client, tenant, ttl_seconds=1)
    time.sleep(1.2)
    response = client.get("/api/v1/panels", headers={"Authorization": f"Bearer {created['token']}"})
    assert response.status_code == 401


@pytest.mark.parametrize("mangle", ["secret", "id", "format"])
def test_forged_api_tokens_are_rejected(client, tenant, mangle) -> None:
    token = _api_token(client, tenant)["token"]
    forged = {
        "secret": token[:-4] + "AAAA",
        "id": f"pnl_{uuid.uuid4().hex}_{token.rsplit('_', 1)[1]}",
        "format": "pnl_not-a-token",
    }[mangle]
    assert _status(client, forged) == 401


# --- Verified tokens are remembered until they expire ------------------------------------


def test_a_remembered_token_still_expires(settings, tenant) -> None:
    strict = settings.model_copy(update={"jwt_leeway_seconds": 0})
    now = int(time.time())
    token = _hs256(strict, _claims(strict, tenant, iat=now, exp=now + 1))
    assert security.decode_jwt(strict, token).tenant_id == tenant.id
    assert security.decode_jwt(strict, token).tenant_id == tenant.id  # from memory
    time.sleep(max(0.0, now + 1.2 - time.time()))
    with pytest.raises(security.InvalidToken, match="expired"):
        security.decode_jwt(strict, token)


def test_a_remembered_token_is_not_accepted_under_another_key(settings, tenant) -> None:
    token = _hs256(settings, _claims(settings, tenant))
    assert security.decode_jwt(settings, token).subject == tenant.users["admin"]
    rotated = settings.model_copy(update={"jwt_secret": SecretStr("y" * 48)})
    with pytest.raises(security.InvalidToken):
        security.decode_jwt(rotated, token)
    other_audience = settings.model_copy(update={"jwt_audience": "another-api"})
    with pytest.raises(security.InvalidToken):
        security.decode_jwt(other_audience, token)


# --- A JWT's account check rides with the first query of a read ---------------------------


def _reading_of(settings: Settings, token: str):
    """A Reading on its own async engine, as the read routes open one."""

    async def run(body):
        engine = make_async_engine(settings.require_database_url(), as_app_role=True)
        try:
            async with engine.connect() as conn:
                credentials = HTTPAuthorizationCredentials(scheme="Bearer", credentials=token)
                reading = await open_reading(conn, settings, credentials, None)
                return await body(reading)
        finally:
            await engine.dispose()

    return run


def test_the_account_check_goes_with_the_first_query_and_decides_first(
    client, settings, tenant
) -> None:
    make_panel(client, tenant.editor)  # the tenant's one panel: what its context lets it see
    token = tenant.viewer["Authorization"].removeprefix("Bearer ")
    run = _reading_of(settings, token)

    async def first_query(reading):
        with pytest.raises(RuntimeError):
            reading.principal  # noqa: B018 - not known before the check
        rows = await reading.fetch_all("SELECT count(*) AS n FROM panels", {})
        return reading.principal, rows

    principal, rows = asyncio.run(run(first_query))
    assert principal.role.value == "viewer" and principal.tenant_id == tenant.id
    assert rows == [{"n": 1}]  # the tenant context went out with the query

    user_id = tenant.users["viewer"]
    assert (
        client.patch(
            f"/api/v1/users/{user_id}", json={"is_active": False}, headers=tenant.admin
        ).status_code
        == 200
    )

    async def refused(reading):
        with pytest.raises(Unauthorized):
            await reading.fetch_all("SELECT count(*) AS n FROM panels", {})
        return True

    async def failing_query(reading):
        # A first query that fails still answers with the account's 401, not the SQL error.
        with pytest.raises(Unauthorized):
            await reading.fetch_all("SELECT * FROM no_such_table", {})
        return True

    assert asyncio.run(run(refused)) and asyncio.run(run(failing_query))
    for path in ("/api/v1/panels", f"/api/v1/panels/{uuid.uuid4()}/rows"):
        assert client.get(path, headers=tenant.viewer).status_code == 401
