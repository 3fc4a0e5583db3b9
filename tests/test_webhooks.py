"""Webhooks over HTTP and from a real deliverer to a real receiver on loopback.

Receivers verify with the ``standardwebhooks`` library, unchanged, as a third party would.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
from standardwebhooks import Webhook as Verifier
from standardwebhooks.webhooks import WebhookVerificationError

from core.settings import Settings
from models.db import libpq_url
from serving.webhooks.deliverer import Deliverer, backoff, classify, retry_after_seconds
from tests.builders import make_panel
from tests.receiver import Reply, receiver

API = "/api/v1"


@contextlib.contextmanager
def deliverer(settings: Settings, **overrides: Any) -> Iterator[Deliverer]:
    """A deliverer leading in a thread of its own (its own event loop), stopped on exit."""
    fast = {
        "webhook_poll_seconds": 0.1,
        "webhook_retry_base_seconds": 0.2,
        "webhook_retry_max_seconds": 0.5,
        **overrides,
    }
    tuned = settings.model_copy(update=fast)
    assert tuned.database_url
    running = Deliverer(libpq_url(tuned.database_url), tuned, as_app_role=True)
    loop = asyncio.new_event_loop()
    task = loop.create_task(running.run())

    def run() -> None:
        with contextlib.suppress(asyncio.CancelledError):
            loop.run_until_complete(task)
        loop.close()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not running.leading:
        assert time.monotonic() < deadline, "the deliverer did not lead"
        time.sleep(0.02)
    try:
        yield running
    finally:
        loop.call_soon_threadsafe(task.cancel)
        thread.join(10)


def add_webhook(client, headers, url: str, **fields: Any) -> dict[str, Any]:
    body = {"url": url, "event_types": ["panel.updated"], **fields}
    response = client.post(f"{API}/webhooks", json=body, headers=headers)
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


def rename(client, headers, panel: dict[str, Any], times: int) -> None:
    for n in range(times):
        response = client.patch(
            f"{API}/panels/{panel['id']}", json={"name": f"renamed {n}"}, headers=headers
        )
        assert response.status_code == 200, response.text


def deliveries(client, headers, webhook: dict[str, Any], **query: str) -> list[dict[str, Any]]:
    response = client.get(
        f"{API}/webhooks/{webhook['id']}/deliveries", params=query, headers=headers
    )
    assert response.status_code == 200, response.text
    data: list[dict[str, Any]] = response.json()["data"]
    return data


def wait_until(check, timeout: float = 15.0) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


# --- managing endpoints -------------------------------------------------------------------


def test_an_admin_manages_endpoints_and_sees_the_secret_only_once(client, tenant) -> None:
    panel = make_panel(client, tenant.editor)
    created = add_webhook(
        client,
        tenant.admin,
        "http://127.0.0.1:9/hook",
        event_types=["panel.materialized", "sync.failed", "panel.materialized"],
        panels=[panel["slug"]],
        description="the warehouse loader",
    )
    assert created["secret"].startswith("whsec_")
    assert created["event_types"] == ["panel.materialized", "sync.failed"]
    assert created["panel_ids"] == [panel["id"]]
    assert created["enabled"] is True
    shown = client.get(f"{API}/webhooks/{created['id']}", headers=tenant.admin).json()
    assert "secret" not in shown
    assert created["secret"] not in json.dumps(shown)
    listed = client.get(f"{API}/webhooks", headers=tenant.admin).json()
    assert [w["id"] for w in listed["data"]] == [created["id"]]

    changed = client.patch(
        f"{API}/webhooks/{created['id']}",
        json={"panels": None, "enabled": False, "event_types": ["checks.failed"]},
        headers=tenant.admin,
    ).json()
    assert (changed["panel_ids"], changed["enabled"], changed["event_types"]) == (
        None,
        False,
        ["checks.failed"],
    )
    assert client.delete(f"{API}/webhooks/{created['id']}", headers=tenant.admin).status_code == 204
    assert client.get(f"{API}/webhooks/{created['id']}", headers=tenant.admin).status_code == 404
    # Audited, without the secret.
    audit = client.get(f"{API}/audit", params={"object_type": "webhook"}, headers=tenant.admin)
    assert audit.status_code == 200, audit.text
    assert created["secret"] not in audit.text


@pytest.mark.parametrize(
    ("body", "field", "says"),
    [
        (
            {"url": "http://127.0.0.1:9/", "event_types": ["panel.update"]},
            "event_types.0",
            'did you mean "panel.updated"',
        ),
        ({"url": "http://127.0.0.1:9/", "event_types": []}, "event_types", "at least 1"),
        ({"url": "ftp://example.com/", "event_types": ["sync.failed"]}, "url", "https://"),
        ({"url": "http://u:p@127.0.0.1/", "event_types": ["sync.failed"]}, "url", "credentials"),
        (
            {"url": "http://127.0.0.1:9/", "event_types": ["sync.failed"], "panels": []},
            "panels",
            "at least 1",
        ),
        (
            {"url": "http://127.0.0.1:9/", "event_types": ["sync.failed"], "secret": "x"},
            "secret",
            "not a field",
        ),
    ],
)
def test_a_bad_endpoint_is_refused_naming_the_field(client, tenant, body, field, says) -> None:
    response = client.post(f"{API}/webhooks", json=body, headers=tenant.admin)
    assert response.status_code == 422, response.text
    errors = response.json()["errors"]
    assert any(e["field"].endswith(field) and says in e["message"] for e in errors), errors


def test_an_unknown_panel_is_refused_with_the_closest_slug(client, tenant) -> None:
    make_panel(client, tenant.editor, slug="weather-daily")
    response = client.post(
        f"{API}/webhooks",
        json={
            "url": "http://127.0.0.1:9/",
            "event_types": ["sync.failed"],
            "panels": ["wether-daily"],
        },
        headers=tenant.admin,
    )
    assert response.status_code == 422, response.text
    error = response.json()["errors"][0]
    assert error["field"] == "body.panels.0"
    assert "weather-daily" in error["message"]


@pytest.mark.parametrize(
    "url",
    [
        "http://10.1.2.3/hook",  # private
        "http://169.254.169.254/latest/meta-data",  # link-local (cloud metadata)
        "http://[::1]:8000/hook",  # loopback, not in the allowlist (which names 127.0.0.1)
        "http://0.0.0.0/hook",
    ],
)
def test_a_blocked_address_is_refused_at_save(client, tenant, url) -> None:
    response = client.post(
        f"{API}/webhooks", json={"url": url, "event_types": ["sync.failed"]}, headers=tenant.admin
    )
    assert response.status_code == 422, response.text
    error = response.json()["errors"][0]
    assert error["field"] == "body.url"
    assert "PANELS_WEBHOOK_ALLOWLIST" in error["message"]


# --- delivery -----------------------------------------------------------------------------


def test_events_arrive_in_order_signed_so_standardwebhooks_verifies_them(
    client, tenant, other_tenant, settings
) -> None:
    panel = make_panel(client, tenant.editor)
    elsewhere = make_panel(client, tenant.editor)
    with receiver() as mine, receiver() as theirs:
        hook = add_webhook(client, tenant.admin, mine.url, panels=[panel["id"]])
        add_webhook(
            client, other_tenant.admin, theirs.url, event_types=["panel.updated", "panel.deleted"]
        )
        rename(client, tenant.editor, panel, 3)
        rename(client, tenant.editor, elsewhere, 2)  # not this endpoint's panel
        with deliverer(settings):
            got = mine.wait_for(3)
            time.sleep(0.5)  # anything more would have arrived by now
    assert len(mine.received) == 3
    assert theirs.received == []  # another tenant's endpoint hears nothing of this one
    bodies = []
    for request in got:
        body = Verifier(hook["secret"]).verify(request.body, request.headers)
        bodies.append(body)
        assert request.headers["webhook-id"] == str(body["id"])
        assert request.headers["content-type"] == "application/json"
        assert abs(int(request.headers["webhook-timestamp"]) - time.time()) < 60
        tampered = request.body.replace(b"panel.updated", b"panel.deleted")
        with pytest.raises(WebhookVerificationError):
            Verifier(hook["secret"]).verify(tampered, request.headers)
    assert [b["id"] for b in bodies] == sorted(b["id"] for b in bodies)
    assert {(b["type"], b["event"], b["panel_id"]) for b in bodies} == {
        ("event", "panel.updated", panel["id"])
    }
    assert set(bodies[0]) == {"type", "id", "event", "panel_id", "data", "at"}
    assert bodies[0]["data"]["object_type"] == "panel"
    log = deliveries(client, tenant.admin, hook)
    assert [d["state"] for d in log] == ["delivered"] * 3
    assert all(d["status_code"] == 200 and d["attempts"] == 1 for d in log)
    assert all(d["next_attempt_at"] is None and d["latency_ms"] >= 0 for d in log)


def test_a_failing_endpoint_is_retried_in_order_with_the_same_webhook_id(
    client, tenant, settings
) -> None:
    panel = make_panel(client, tenant.editor)

    def flaky(_request, count: int) -> Reply:
        return Reply(503, body=b"busy") if count < 2 else Reply(200)

    with receiver(flaky) as hooked:
        hook = add_webhook(client, tenant.admin, hooked.url, panels=[panel["id"]])
        rename(client, tenant.editor, panel, 3)
        with deliverer(settings):
            got = hooked.wait_for(5)
    ids = [r.id for r in got]
    assert ids[0] == ids[1] == ids[2]  # the first event, three times
    assert ids[2:] == sorted(set(ids), key=int)  # then the rest, in order, once each
    first = deliveries(client, tenant.admin, hook)[-1]
    assert (first["state"], first["attempts"], first["status_code"]) == ("delivered", 3, 200)
    detail = client.get(
        f"{API}/webhooks/{hook['id']}/deliveries/{first['id']}", headers=tenant.admin
    ).json()
    assert [(a["attempt"], a["outcome"], a["status_code"]) for a in detail["log"]] == [
        (1, "retry", 503),
        (2, "retry", 503),
        (3, "delivered", 200),
    ]
    assert detail["log"][0]["error"] == "HTTP 503: busy"
    assert detail["log"][0]["next_attempt_at"] > detail["log"][0]["at"]
    assert detail["log"][2]["next_attempt_at"] is None


def test_retry_after_is_honoured(client, tenant, settings) -> None:
    panel = make_panel(client, tenant.editor)

    def limited(_request, count: int) -> Reply:
        return Reply(429, {"Retry-After": "2"}) if count == 0 else Reply(200)

    with receiver(limited) as hooked:
        add_webhook(client, tenant.admin, hooked.url, panels=[panel["id"]])
        rename(client, tenant.editor, panel, 1)
        with deliverer(settings):  # its own backoff would retry within 0.5 s
            got = hooked.wait_for(2)
    assert got[1].at - got[0].at >= 1.9


def test_a_4xx_is_final_and_the_next_delivery_goes_on(client, tenant, settings) -> None:
    panel = make_panel(client, tenant.editor)

    def refuses_first(_request, count: int) -> Reply:
        return Reply(400, body=b"unknown event") if count == 0 else Reply(200)

    with receiver(refuses_first) as hooked:
        hook = add_webhook(client, tenant.admin, hooked.url, panels=[panel["id"]])
        rename(client, tenant.editor, panel, 2)
        with deliverer(settings):
            got = hooked.wait_for(2)
            time.sleep(0.5)
    assert len(hooked.received) == 2 and got[0].id != got[1].id
    newest, oldest = deliveries(client, tenant.admin, hook)
    assert (oldest["state"], oldest["attempts"], oldest["error"]) == (
        "failed",
        1,
        "HTTP 400: unknown event",
    )
    assert newest["state"] == "delivered"


def test_a_redirect_is_not_followed(client, tenant, settings) -> None:
    panel = make_panel(client, tenant.editor)

    def redirects(_request, _count: int) -> Reply:
        return Reply(302, {"Location": "http://169.254.169.254/latest/meta-data"})

    with receiver(redirects) as hooked:
        hook = add_webhook(client, tenant.admin, hooked.url, panels=[panel["id"]])
        rename(client, tenant.editor, panel, 1)
        with deliverer(settings):
            (only,) = wait_until(lambda: deliveries(client, tenant.admin, hook, state="failed"))
    assert len(hooked.received) == 1
    assert "redirected to http://169.254.169.254/" in only["error"]
    assert "not followed" in only["error"]


def test_a_slow_endpoint_times_out_and_is_tried_again(client, tenant, settings) -> None:
    panel = make_panel(client, tenant.editor)

    def slow_once(_request, count: int) -> Reply:
        return Reply(200, delay=3.0) if count == 0 else Reply(200)

    with receiver(slow_once) as hooked:
        hook = add_webhook(client, tenant.admin, hooked.url, panels=[panel["id"]])
        rename(client, tenant.editor, panel, 1)
        with deliverer(settings, webhook_timeout_seconds=0.5):
            hooked.wait_for(2)
            (done,) = wait_until(lambda: deliveries(client, tenant.admin, hook, state="delivered"))
    detail = client.get(
        f"{API}/webhooks/{hook['id']}/deliveries/{done['id']}", headers=tenant.admin
    ).json()
    assert detail["log"][0]["outcome"] == "retry"
    assert detail["log"][0]["error"] == "no answer within 0.5 s"
    assert detail["log"][0]["status_code"] is None


def test_only_the_start_of_an_answer_is_read(client, tenant, settings) -> None:
    """An answer that never ends: the deliverer reads the cap, and is done, within its time."""
    panel = make_panel(client, tenant.editor)

    def endless(_request, _count: int) -> Reply:
        return Reply(200, body=b"x" * (1 << 20), endless=True)

    with receiver(endless) as hooked:
        hook = add_webhook(client, tenant.admin, hooked.url, panels=[panel["id"]])
        rename(client, tenant.editor, panel, 1)
        with deliverer(settings, webhook_timeout_seconds=2.0, webhook_max_response_bytes=65536):
            (done,) = wait_until(lambda: deliveries(client, tenant.admin, hook, state="delivered"))
    assert done["attempts"] == 1 and done["latency_ms"] < 2000
    assert len(hooked.received) == 1


def test_an_endpoint_failing_for_the_window_is_disabled_then_resumes(
    client, tenant, settings
) -> None:
    panel = make_panel(client, tenant.editor)
    healthy = threading.Event()

    def down(_request, _count: int) -> Reply:
        return Reply(200) if healthy.is_set() else Reply(500, body=b"down")

    with receiver(down) as hooked:
        hook = add_webhook(client, tenant.admin, hooked.url, panels=[panel["id"]])
        rename(client, tenant.editor, panel, 2)
        url = f"{API}/webhooks/{hook['id']}"
        with deliverer(settings, webhook_disable_after_seconds=1.0):
            off = wait_until(
                lambda: (
                    (w := client.get(url, headers=tenant.admin).json())["enabled"] is False and w
                )
            )
            assert off["failing_since"] is not None
            assert "deliveries failed for 1 s" in off["disabled_reason"]
            assert "last error: HTTP 500: down" in off["disabled_reason"]
            tried = len(hooked.received)
            time.sleep(0.6)
            assert len(hooked.received) == tried  # nothing is sent to a disabled endpoint
            healthy.set()
            back = client.patch(url, json={"enabled": True}, headers=tenant.admin).json()
            assert (back["enabled"], back["disabled_reason"], back["failing_since"]) == (
                True,
                None,
                None,
            )
            wait_until(lambda: len(deliveries(client, tenant.admin, hook, state="delivered")) == 2)


def test_a_blocked_address_is_refused_at_connect(client, tenant, settings) -> None:
    panel = make_panel(client, tenant.editor)
    with receiver() as hooked:
        # Saved under an allowlist naming loopback; the deliverer's names nothing.
        hook = add_webhook(client, tenant.admin, hooked.url, panels=[panel["id"]])
        rename(client, tenant.editor, panel, 1)
        with deliverer(settings, webhook_allowlist=[]):
            (failed,) = wait_until(lambda: deliveries(client, tenant.admin, hook, state="failed"))
    assert hooked.received == []
    assert "127.0.0.1" in failed["error"] and "PANELS_WEBHOOK_ALLOWLIST" in failed["error"]


def test_a_rotated_secret_signs_beside_the_old_one_for_the_grace_period(
    client, tenant, settings
) -> None:
    panel = make_panel(client, tenant.editor)
    with receiver() as hooked:
        hook = add_webhook(client, tenant.admin, hooked.url, panels=[panel["id"]])
        url = f"{API}/webhooks/{hook['id']}/rotate-secret"
        rotated = client.post(url, json={"grace_seconds": 3600}, headers=tenant.admin)
        assert rotated.status_code == 200, rotated.text
        new = rotated.json()
        assert new["secret"].startswith("whsec_") and new["secret"] != hook["secret"]
        assert new["previous_secret_expires_at"] is not None
        rename(client, tenant.editor, panel, 1)
        with deliverer(settings):
            (during,) = hooked.wait_for(1)
            assert len(during.headers["webhook-signature"].split(" ")) == 2
            for secret in (hook["secret"], new["secret"]):
                Verifier(secret).verify(during.body, during.headers)
            latest = client.post(url, json={"grace_seconds": 0}, headers=tenant.admin).json()
            assert latest["previous_secret_expires_at"] is None
            rename(client, tenant.editor, panel, 1)
            after = hooked.wait_for(2)[1]
    Verifier(latest["secret"]).verify(after.body, after.headers)
    for stale in (hook["secret"], new["secret"]):
        with pytest.raises(WebhookVerificationError):
            Verifier(stale).verify(after.body, after.headers)
    bad = client.post(url, json={"grace_seconds": 10**9}, headers=tenant.admin)
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "body.grace_seconds"


def test_a_delivery_is_redelivered_on_request(client, tenant, other_tenant, settings) -> None:
    panel = make_panel(client, tenant.editor)
    with receiver() as hooked:
        hook = add_webhook(client, tenant.admin, hooked.url, panels=[panel["id"]])
        rename(client, tenant.editor, panel, 1)
        with deliverer(settings):
            (first,) = hooked.wait_for(1)
            (done,) = wait_until(lambda: deliveries(client, tenant.admin, hook, state="delivered"))
            url = f"{API}/webhooks/{hook['id']}/deliveries/{done['id']}/retry"
            assert client.post(url, headers=other_tenant.admin).status_code == 404
            again = client.post(url, headers=tenant.admin)
            assert again.status_code == 202, again.text
            assert again.json()["state"] == "pending"
            second = hooked.wait_for(2)[1]
    assert second.id == first.id  # the same event: a receiver de-duplicates on it
    assert second.body == first.body
    missing = f"{API}/webhooks/{hook['id']}/deliveries/999999999/retry"
    assert client.post(missing, headers=tenant.admin).status_code == 404


def test_webhook_metrics(client, tenant, settings) -> None:
    panel = make_panel(client, tenant.editor)
    with receiver() as hooked:
        add_webhook(client, tenant.admin, hooked.url, panels=[panel["id"]])
        rename(client, tenant.editor, panel, 1)
        with deliverer(settings):
            hooked.wait_for(1)
            time.sleep(0.3)
    text = client.get("/metrics").text
    assert 'webhook_deliveries_total{outcome="delivered"}' in text
    assert "webhook_delivery_duration_seconds_bucket" in text
    assert "\nwebhook_queue_depth " in text
    assert "\nwebhook_oldest_undelivered_age_seconds " in text


# --- units ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "outcome"),
    [
        (200, "delivered"),
        (204, "delivered"),
        (408, "retry"),
        (429, "retry"),
        (500, "retry"),
        (503, "retry"),
        (301, "failed"),
        (400, "failed"),
        (401, "failed"),
        (404, "failed"),
        (410, "failed"),
    ],
)
def test_which_answers_are_retried(status, outcome) -> None:
    assert classify(status).value == outcome


def test_retry_after_as_seconds_or_a_date() -> None:
    from datetime import UTC, datetime

    now = datetime(2026, 12, 5, 12, 0, 0, tzinfo=UTC)
    assert retry_after_seconds("120", now) == 120
    assert retry_after_seconds("Sat, 05 Dec 2026 12:01:00 GMT", now) == 60
    assert retry_after_seconds("soon", now) is None
    assert retry_after_seconds(None, now) is None


def test_backoff_grows_to_its_cap_with_jitter(settings) -> None:
    import random

    rng = random.Random(7)
    tuned = settings.model_copy(
        update={"webhook_retry_base_seconds": 5.0, "webhook_retry_max_seconds": 3600.0}
    )
    waits = [backoff(n, tuned, rng) for n in range(1, 16)]
    assert 2.5 <= waits[0] <= 5 and 5 <= waits[1] <= 10
    assert all(1800 <= w <= 3600 for w in waits[-5:])
    # About a day of retries before the endpoint is disabled: the attempts a day allows.
    total, attempts = 0.0, 0
    while total < 24 * 3600:
        attempts += 1
        total += backoff(attempts, settings, rng)
    assert 15 <= attempts <= 40


# --- the CLI ------------------------------------------------------------------------------


def test_panels_webhooks_cli(client, tenant, settings, tmp_path) -> None:
    from tests.test_cli_config import one_line_error, panels_here

    env = {
        "PANELS_DATABASE_URL": settings.database_url or "",
        "PANELS_WEBHOOK_ALLOWLIST": "127.0.0.1",
    }

    def panels(*args: str) -> Any:
        return panels_here(list(args), tmp_path, **env)

    panel = make_panel(client, tenant.editor)
    with receiver() as hooked:
        made = panels(
            "webhooks",
            "create",
            tenant.slug,
            "--url",
            hooked.url,
            "--event",
            "panel.updated",
            "--panel",
            panel["slug"],
        )
        assert made.returncode == 0, made.stderr
        created = json.loads(made.stdout)
        assert created["secret"].startswith("whsec_")
        assert created["panel_ids"] == [panel["id"]]
        listed = json.loads(panels("webhooks", "list", tenant.slug).stdout)
        assert [w["id"] for w in listed] == [created["id"]] and "secret" not in listed[0]
        rename(client, tenant.editor, panel, 1)
        with deliverer(settings):
            (first,) = hooked.wait_for(1)
            log = wait_until(
                lambda: json.loads(
                    panels(
                        "webhooks", "deliveries", tenant.slug, created["id"], "--state", "delivered"
                    ).stdout
                )
            )
            again = panels("webhooks", "retry", tenant.slug, created["id"], str(log[0]["id"]))
            assert again.returncode == 0, again.stderr
            assert hooked.wait_for(2)[1].id == first.id
        rotated = json.loads(
            panels("webhooks", "rotate-secret", tenant.slug, created["id"], "--grace", "0").stdout
        )
        assert rotated["secret"] != created["secret"]
        off = json.loads(
            panels("webhooks", "update", tenant.slug, created["id"], "--disable").stdout
        )
        assert off["enabled"] is False
        # Mistakes are one line naming what is wrong.
        misspelt = panels(
            "webhooks", "create", tenant.slug, "--url", hooked.url, "--panel", panel["slug"][:-1]
        )
        assert f'did you mean "{panel["slug"]}"' in one_line_error(misspelt)
        blocked = one_line_error(
            panels("webhooks", "create", tenant.slug, "--url", "http://10.0.0.1/")
        )
        assert "PANELS_WEBHOOK_ALLOWLIST" in blocked
        gone = panels("webhooks", "delete", tenant.slug, created["id"], "--yes")
        assert gone.returncode == 0, gone.stderr
        assert "does not exist" in one_line_error(
            panels("webhooks", "deliveries", tenant.slug, created["id"])
        )
