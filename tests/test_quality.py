"""Data-quality rules: every kind passing and failing (Great Expectations), error rules that
block a publish, warning rules that publish with their results, and the rules API."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta

import polars as pl
import pytest

from pipelines.quality import run_checks, status_of
from pipelines.spec import RuleSpec
from tests.pipeline_fixtures import write

NOW = datetime(2026, 11, 25, 12, tzinfo=UTC)
FRAME = pl.DataFrame(
    {
        "id": [1, 2, 3, 4],
        "code": ["JFK", "LGA", "EWR", "JFK"],
        "delay": [5.0, 12.5, None, 30.0],
        "day": [date(2026, 11, 20), date(2026, 11, 24), date(2026, 11, 25), date(2026, 11, 1)],
        "seen": [NOW - timedelta(hours=h) for h in (50, 30, 2, 10)],
    }
)


def rule(kind: str, column: str | None, **params) -> RuleSpec:
    return RuleSpec(uuid.uuid4(), f"{kind}-{column}", kind, column, params, "error")


CASES = [
    # (a rule that holds, a rule that fails, what the failing one reports)
    (rule("not_null", "code"), rule("not_null", "delay"), {"unexpected_count": 1}),
    (rule("unique", "id"), rule("unique", "code"), {"examples": ["JFK", "JFK"]}),
    (
        rule("between", "delay", min=0, max=30),
        rule("between", "delay", max=20),
        {"examples": [30.0]},
    ),
    (
        rule("in_set", "code", values=["JFK", "LGA", "EWR"]),
        rule("in_set", "code", values=["JFK", "LGA"]),
        {"examples": ["EWR"]},
    ),
    (
        rule("matches_regex", "code", regex="^[A-Z]{3}$"),
        rule("matches_regex", "code", regex="^J"),
        {"unexpected_count": 2},
    ),
    (
        rule("length_between", "code", min=3, max=3),
        rule("length_between", "code", max=2),
        {"unexpected_count": 4},
    ),
    (
        rule("row_count_between", None, min=1, max=10),
        rule("row_count_between", None, min=5),
        {"observed": 4},
    ),
    (
        rule("freshness", "seen", max_age_hours=3),
        rule("freshness", "seen", max_age_hours=1),
        {"observed": (NOW - timedelta(hours=2)).isoformat()},
    ),
    (rule("freshness", "day", max_age_hours=24), rule("freshness", "day", max_age_hours=6), {}),
]


@pytest.mark.parametrize(("holds", "fails", "reported"), CASES, ids=[c[0].kind for c in CASES])
def test_every_rule_kind_passes_and_fails(holds, fails, reported) -> None:
    good, bad = run_checks(FRAME, [holds, fails], now=NOW)
    assert good["success"] is True and good["name"] == holds.name
    assert bad["success"] is False and bad["rule_id"] == str(fails.id)
    for key, value in reported.items():
        assert bad[key] == value, (key, bad)
    assert status_of([good, bad]) == "failed"


def test_a_rule_on_a_missing_column_fails_with_a_reason_and_no_rules_mean_no_status() -> None:
    (result,) = run_checks(FRAME, [rule("not_null", "gone")], now=NOW)
    assert result["success"] is False and "no column 'gone'" in result["error"]
    assert run_checks(FRAME, []) == [] and status_of([]) is None


@pytest.fixture
def delays(kit, sync_settings, files):
    data = files / "delays.csv"
    write(data, "id,carrier,delay\n1,AA,5\n2,UA,10\n")
    k = kit()
    k.source(name="d", kind="file", config={"path": "delays.csv"})
    k.column("id", "integer")
    k.column("carrier", "text")
    k.column("delay", "integer")
    k.data = data
    return k


def _rule(k, **body):
    return k.client.post(f"{k.url}/quality-rules", json=body, headers=k.tenant.editor)


def test_an_error_rule_blocks_the_publish_and_the_last_good_version_stays(delays) -> None:
    k = delays
    created = _rule(k, name="delay in range", kind="between", column="delay", params={"max": 60})
    assert created.status_code == 201, created.text
    assert created.json()["column"] == "delay"
    first = k.sync()
    assert first.success
    (evaluation,) = [
        e for e in first.get_asset_check_evaluations() if e.check_name == "quality_errors"
    ]
    assert evaluation.passed
    write(k.data, "id,carrier,delay\n1,AA,5\n2,UA,999\n3,DL,75\n")
    blocked = k.sync(raise_on_error=False)
    assert not blocked.success
    failed_checks = [e for e in blocked.get_asset_check_evaluations() if not e.passed]
    assert [e.check_name for e in failed_checks] == ["quality_errors"]
    served = k.client.get(f"{k.url}/rows", headers=k.tenant.viewer).json()
    assert served["version"] == 1 and [r["delay"] for r in served["data"]] == [5, 10]
    checks = k.client.get(f"{k.url}/checks", params={"version": 2}, headers=k.tenant.viewer).json()
    assert checks["status"] == "failed"
    (result,) = checks["results"]
    assert result["success"] is False and result["unexpected_count"] == 2
    assert sorted(result["examples"]) == [75, 999]
    current = k.client.get(f"{k.url}/checks", headers=k.tenant.viewer).json()
    assert (current["version"], current["status"]) == (1, "passed")
    events = [t for t, _ in k.events()]
    assert events[-1] == "checks.failed"
    assert "sync.failed" not in events
    payload = k.events()[-1][1]
    assert payload["version"] == 2 and payload["failed"][0]["name"] == "delay in range"


def test_a_warning_rule_publishes_with_its_results_attached(delays) -> None:
    k = delays
    _rule(
        k,
        name="known carriers",
        kind="in_set",
        column="carrier",
        params={"values": ["AA"]},
        severity="warning",
    )
    assert k.sync().success
    checks = k.client.get(f"{k.url}/checks", headers=k.tenant.viewer).json()
    assert (checks["version"], checks["status"]) == (1, "warned")
    assert checks["results"][0]["examples"] == ["UA"]
    versions = k.client.get(f"{k.url}/versions", headers=k.tenant.viewer).json()["data"]
    assert versions[0]["check_status"] == "warned"
    materialized = [p for t, p in k.events() if t == "panel.materialized"][-1]
    assert materialized["check_status"] == "warned"


def test_rules_are_checked_when_saved(delays, other_tenant) -> None:
    k = delays
    cases = [
        ({"name": "a", "kind": "not_null", "column": "nope"}, "body.column"),
        ({"name": "b", "kind": "not_null"}, "body.column"),
        (
            {"name": "c", "kind": "matches_regex", "column": "carrier", "params": {"regex": "("}},
            "body.params.regex",
        ),
        (
            {"name": "d", "kind": "freshness", "column": "carrier", "params": {"max_age_hours": 1}},
            "body.column",
        ),
        ({"name": "e", "kind": "between", "column": "delay", "params": {}}, "body.params"),
        (
            {"name": "f", "kind": "between", "column": "delay", "params": {"min": "x"}},
            "body.params.min",
        ),
        (
            {"name": "g", "kind": "row_count_between", "column": "id", "params": {"min": 1}},
            "body.column",
        ),
        ({"name": "h", "kind": "nonsense", "column": "id"}, "body.kind"),
    ]
    for body, field in cases:
        response = _rule(k, **body)
        assert response.status_code == 422, (body, response.text)
        assert response.json()["errors"][0]["field"] == field, (body, response.json())
    ok = _rule(k, name="rows", kind="row_count_between", params={"min": 1}).json()
    rule_url = f"{k.url}/quality-rules/{ok['id']}"
    patched = k.client.patch(
        rule_url, json={"params": {"min": 5, "max": 1}}, headers=k.tenant.editor
    )
    assert patched.status_code == 422
    assert k.client.get(rule_url, headers=other_tenant.viewer).status_code == 404
    assert k.client.get(rule_url, headers=k.tenant.viewer).json()["params"] == {"min": 1}
    assert k.client.delete(rule_url, headers=k.tenant.viewer).status_code == 403
    assert k.client.delete(rule_url, headers=k.tenant.editor).status_code == 204
