"""Reading published rows: columns, sorts, keyset pages, versions, ETags."""

from __future__ import annotations

import json

import pytest

from tests.pipeline_fixtures import write

CSV = "id,carrier,delay\n" + "".join(
    f"{i},{['AA', 'UA', ''][i % 3]},{'' if i % 5 == 0 else (i * 7) % 11}\n" for i in range(1, 31)
)


@pytest.fixture
def synced(kit, sync_settings, files):
    write(files / "rows.csv", CSV)
    k = kit()
    k.source(name="r", kind="file", config={"path": "rows.csv"})
    k.column("id", "integer")
    k.column("carrier", "text")
    k.column("delay", "integer")
    assert k.sync().success
    return k


def _get(k, **params):
    return k.client.get(f"{k.url}/rows", params=params, headers=k.tenant.viewer)


def test_rows_come_in_publish_order_with_columns_and_version(synced) -> None:
    body = _get(synced, limit=5).json()
    assert body["version"] == 1 and body["total"] == 30
    assert [c["key"] for c in body["columns"]] == ["id", "carrier", "delay"]
    assert [r["id"] for r in body["data"]] == [1, 2, 3, 4, 5]
    assert body["data"][1] == {"id": 2, "carrier": None, "delay": 3}
    assert body["next_cursor"]


def test_column_subset_and_unknown_columns(synced) -> None:
    body = _get(synced, columns="delay,id", limit=2).json()
    assert body["data"] == [{"delay": 7, "id": 1}, {"delay": 3, "id": 2}]
    bad = _get(synced, columns="id,nope")
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["field"] == "query.columns.1"
    injected = _get(synced, sort='delay"; DROP TABLE panels; --')
    assert injected.status_code == 422
    assert "no column" in injected.json()["detail"]


def _all_pages(k, **params):
    rows, cursor, pages = [], None, 0
    while True:
        body = _get(k, **params, **({"cursor": cursor} if cursor else {})).json()
        rows += body["data"]
        pages += 1
        cursor = body["next_cursor"]
        if not cursor:
            return rows, pages


@pytest.mark.parametrize("sort", ["delay", "-delay", "carrier,-delay", "-carrier,id"])
def test_keyset_pages_cover_every_row_once_in_order(synced, sort) -> None:
    rows, pages = _all_pages(synced, sort=sort, limit=4)
    assert pages == 8
    assert sorted(r["id"] for r in rows) == list(range(1, 31))
    everything = _get(synced, sort=sort, limit=100).json()["data"]
    assert [r["id"] for r in rows] == [r["id"] for r in everything]
    by_offset = _get(synced, sort=sort, limit=7, offset=11).json()["data"]
    assert [r["id"] for r in by_offset] == [r["id"] for r in everything[11:18]]
    exported = synced.client.get(
        f"{synced.url}/rows/export",
        params={"sort": sort, "format": "ndjson"},
        headers=synced.tenant.viewer,
    ).text.splitlines()
    assert [json.loads(line)["id"] for line in exported] == [r["id"] for r in everything]
    key, descending = sort.split(",")[0].lstrip("-"), sort.startswith("-")
    values = [r[key] for r in everything]
    present = [v for v in values if v is not None]
    assert present == sorted(present, reverse=descending)
    assert values[len(present) :] == [None] * (len(values) - len(present)), "blanks come last"


def test_sorting_on_a_column_not_shown_pages_through_every_row(synced) -> None:
    """A view may hide the column it sorts on: pages still come in order with a cursor."""
    rows, pages = _all_pages(synced, columns="id", sort="-delay", limit=7)
    assert pages == 5 and all(r.keys() == {"id"} for r in rows)
    everything = _get(synced, sort="-delay", limit=100).json()["data"]
    assert [r["id"] for r in rows] == [r["id"] for r in everything]
    grouped = _get(synced, columns="id", group_by="carrier", limit=5).json()
    assert grouped["groups"][0]["group"] == {"carrier": "AA"}
    assert all(r.keys() == {"id"} for r in grouped["data"])


def test_a_cursor_keeps_reading_its_version_after_a_new_publish(
    synced, sync_settings, files
) -> None:
    first = _get(synced, limit=10).json()
    write(files / "rows.csv", "id,carrier,delay\n100,ZZ,1\n")
    assert synced.sync().success
    assert _get(synced).json()["version"] == 2
    second = _get(synced, limit=10, cursor=first["next_cursor"]).json()
    assert second["version"] == 1
    assert [r["id"] for r in second["data"]] == list(range(11, 21))


def test_time_travel_and_versions_list(synced, sync_settings, files) -> None:
    write(files / "rows.csv", "id,carrier,delay\n100,ZZ,1\n")
    result = synced.sync()
    assert _get(synced).json()["data"] == [{"id": 100, "carrier": "ZZ", "delay": 1}]
    assert _get(synced, version=1).json()["total"] == 30
    assert _get(synced, version=9).status_code == 404
    versions = synced.client.get(f"{synced.url}/versions", headers=synced.tenant.viewer).json()[
        "data"
    ]
    assert [(v["number"], v["status"], v["current"], v["row_count"]) for v in versions] == [
        (2, "published", True, 1),
        (1, "superseded", False, 30),
    ]
    assert versions[0]["dagster_run_id"] == result.run_id


def test_etag_answers_304_until_the_panel_changes(synced, sync_settings) -> None:
    first = _get(synced, sort="delay", limit=3)
    tag = first.headers["etag"]
    again = synced.client.get(
        f"{synced.url}/rows",
        params={"sort": "delay", "limit": 3},
        headers={**synced.tenant.viewer, "If-None-Match": tag},
    )
    assert again.status_code == 304
    other_query = _get(synced, sort="-delay", limit=3)
    assert other_query.headers["etag"] != tag
    assert synced.sync().success
    after = synced.client.get(
        f"{synced.url}/rows",
        params={"sort": "delay", "limit": 3},
        headers={**synced.tenant.viewer, "If-None-Match": tag},
    )
    assert after.status_code == 200


def test_a_saved_view_chooses_columns_and_sorts(synced) -> None:
    columns = synced.client.get(f"{synced.url}/columns", headers=synced.tenant.viewer).json()[
        "data"
    ]
    by_key = {c["key"]: c["id"] for c in columns}
    view = synced.client.post(
        f"{synced.url}/views",
        headers=synced.tenant.editor,
        json={
            "name": "by delay",
            "sorts": [{"column": "delay", "direction": "desc"}],
            "columns": [
                {"column_id": by_key["delay"]},
                {"column_id": by_key["id"]},
                {"column_id": by_key["carrier"], "visible": False},
            ],
        },
    ).json()
    body = _get(synced, view=view["id"], limit=3).json()
    assert [c["key"] for c in body["columns"]] == ["delay", "id"]
    assert [r["delay"] for r in body["data"]] == [10, 10, 9]


def test_a_panel_never_synced_has_no_rows(kit) -> None:
    k = kit()
    body = _get(k).json()
    assert body == {
        "data": [],
        "columns": [],
        "version": None,
        "total": 0,
        "next_cursor": None,
        "groups": None,
    }


def test_bad_cursor_is_a_422(synced) -> None:
    response = _get(synced, cursor="not-a-cursor")
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "query.cursor"


@pytest.mark.parametrize("fmt", ["csv", "ndjson", "parquet"])
def test_exports_parse_back_to_the_same_rows(synced, fmt) -> None:
    import io
    import json

    import polars as pl

    params = {"sort": "-delay", "filter": json.dumps({"column": "id", "op": "lte", "value": 20})}
    response = synced.client.get(
        f"{synced.url}/rows/export", params={**params, "format": fmt}, headers=synced.tenant.viewer
    )
    assert response.status_code == 200, response.text
    assert response.headers["x-panel-version"] == "1"
    assert f'-v1.{fmt}"' in response.headers["content-disposition"]
    expected = synced.client.get(
        f"{synced.url}/rows", params={**params, "limit": 100}, headers=synced.tenant.viewer
    ).json()["data"]
    if fmt == "csv":
        frame = pl.read_csv(io.BytesIO(response.content), schema_overrides={"carrier": pl.String})
    elif fmt == "ndjson":
        frame = pl.read_ndjson(io.BytesIO(response.content))
    else:
        frame = pl.read_parquet(io.BytesIO(response.content))
    assert frame.to_dicts() == expected
    assert len(expected) == 20


def test_export_of_another_tenants_panel_is_404(synced, other_tenant) -> None:
    response = synced.client.get(f"{synced.url}/rows/export", headers=other_tenant.viewer)
    assert response.status_code == 404


def test_aggregates_per_group_and_footer(synced) -> None:
    params = {
        "group_by": "carrier",
        "aggregates": "count,count_empty:delay,sum:delay,avg:delay,min:delay,max:delay,"
        "median:delay,count_distinct:delay",
    }
    body = synced.client.get(
        f"{synced.url}/aggregates", params=params, headers=synced.tenant.viewer
    ).json()
    import polars as pl

    frame = pl.read_csv(CSV.encode(), schema_overrides={"carrier": pl.String})
    by = {g["group"]["carrier"]: g["values"] for g in body["groups"]}
    assert list(by) == ["AA", "UA", None]  # blanks last
    for carrier, values in by.items():
        part = frame.filter(
            pl.col("carrier").is_null() if carrier is None else pl.col("carrier") == carrier
        )
        delay = part.get_column("delay")
        assert values["count"] == part.height
        assert values["count_empty:delay"] == delay.null_count()
        assert values["sum:delay"] == delay.sum()
        assert values["avg:delay"] == pytest.approx(delay.mean())
        assert (values["min:delay"], values["max:delay"]) == (delay.min(), delay.max())
        assert values["median:delay"] == pytest.approx(delay.median())
        assert values["count_distinct:delay"] == delay.drop_nulls().n_unique()
    assert body["footer"]["count"] == 30
    assert body["footer"]["sum:delay"] == frame.get_column("delay").sum()
    assert body["truncated"] is False


def test_aggregates_follow_filters_and_refuse_bad_requests(synced) -> None:
    import json

    body = synced.client.get(
        f"{synced.url}/aggregates",
        headers=synced.tenant.viewer,
        params={"filter": json.dumps({"column": "carrier", "op": "is", "value": "AA"})},
    ).json()
    assert body["footer"] == {"count": 10}
    bad = synced.client.get(
        f"{synced.url}/aggregates",
        params={"aggregates": "sum:carrier"},
        headers=synced.tenant.viewer,
    )
    assert bad.status_code == 422
    assert "sum needs a number column" in bad.json()["errors"][0]["message"]
    unknown = synced.client.get(
        f"{synced.url}/aggregates", params={"group_by": "nope"}, headers=synced.tenant.viewer
    )
    assert unknown.json()["errors"][0]["field"] == "query.group_by.0"


def test_group_by_orders_rows_by_group_and_counts_each_group(synced) -> None:
    body = _get(synced, group_by="carrier", sort="-delay", limit=12).json()
    carriers = [r["carrier"] for r in body["data"]]
    assert carriers == ["AA"] * 10 + ["UA"] * 2, "groups lead the ordering, blanks last"
    aa = [r["delay"] for r in body["data"][:10]]
    present = [d for d in aa if d is not None]
    assert present == sorted(present, reverse=True), "the sort applies within a group"
    assert body["groups"] == [
        {"group": {"carrier": "AA"}, "count": 10, "start": 0},
        {"group": {"carrier": "UA"}, "count": 10, "start": 10},
    ]
    pages, cursor = [], body["next_cursor"]
    while cursor:
        pages.append(_get(synced, cursor=cursor, limit=12).json())
        cursor = pages[-1]["next_cursor"]
    assert [r["carrier"] for p in pages for r in p["data"]] == ["UA"] * 8 + [None] * 10
    assert [p["groups"] for p in pages] == [
        [
            {"group": {"carrier": "UA"}, "count": 10, "start": 0},
            {"group": {"carrier": None}, "count": 10, "start": 8},
        ],
        [{"group": {"carrier": None}, "count": 10, "start": 0}],
    ], "a cursor page keeps the grouping it started with"


def test_group_by_follows_filters_direction_and_views(synced) -> None:
    filtered = _get(
        synced,
        group_by="carrier",
        sort="-carrier",
        filter='{"column": "delay", "op": "gt", "value": 5}',
        limit=100,
    ).json()
    assert [g["group"]["carrier"] for g in filtered["groups"]] == ["UA", "AA", None]
    assert sum(g["count"] for g in filtered["groups"]) == filtered["total"] == len(filtered["data"])
    assert all(r["delay"] > 5 for r in filtered["data"])
    bad = _get(synced, group_by="carrier,nope")
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["field"] == "query.group_by.1"
    view = synced.client.post(
        f"{synced.url}/views",
        headers=synced.tenant.editor,
        json={"name": "grouped", "group_by": ["carrier"], "aggregates": []},
    ).json()
    by_view = _get(synced, view=view["id"], limit=3).json()
    assert by_view["groups"] == [{"group": {"carrier": "AA"}, "count": 10, "start": 0}]
    assert _get(synced, view=view["id"], group_by="", limit=3).json()["groups"] is None


def test_read_cache_serves_from_redis_and_a_publish_invalidates_it(
    synced,
    settings,
    redis_url,
    sync_settings,
    files,
) -> None:
    import redis
    from fastapi.testclient import TestClient

    from serving.api.app import create_app

    store = redis.Redis.from_url(redis_url)
    pattern = f"panels:read:{synced.tenant.id}:*"
    cached = settings.model_copy(update={"redis_url": redis_url})
    try:
        with TestClient(create_app(cached)) as client:
            url, headers = f"{synced.url}/rows", synced.tenant.viewer
            first = client.get(url, params={"sort": "delay", "limit": 3}, headers=headers)
            keys = store.keys(pattern)
            assert len(keys) == 1
            # The next identical read is answered from Redis: prove it by what Redis holds.
            store.set(keys[0], first.content.replace(b'"total":30', b'"total":31'))
            again = client.get(url, params={"sort": "delay", "limit": 3}, headers=headers)
            assert again.json()["total"] == 31
            assert again.headers["etag"] == first.headers["etag"]
            aggregates = client.get(f"{synced.url}/aggregates", headers=headers)
            assert aggregates.json()["footer"] == {"count": 30}
            assert len(store.keys(pattern)) == 2
            write(files / "rows.csv", "id,carrier,delay\n7,ZZ,1\n")
            assert synced.sync().success
            fresh = client.get(url, params={"sort": "delay", "limit": 3}, headers=headers).json()
            assert (fresh["version"], fresh["total"]) == (2, 1), "a new version is a new key"
    finally:
        for key in store.scan_iter(pattern):
            store.delete(key)


def test_reads_go_on_when_the_cache_is_down(synced, settings) -> None:
    from fastapi.testclient import TestClient

    from serving.api.app import create_app

    away = settings.model_copy(update={"redis_url": "redis://127.0.0.1:9/0"})
    with TestClient(create_app(away)) as client:
        for _ in range(2):
            body = client.get(f"{synced.url}/rows", headers=synced.tenant.viewer).json()
            assert body["total"] == 30
