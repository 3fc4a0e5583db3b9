"""``schema_drift: "add"`` types the columns it adds from the values, ISO dates included."""

from __future__ import annotations

from datetime import UTC, date, datetime

from tests.pipeline_fixtures import table_metadata, write

HEADER = "id,time_hour,day,local_time,half,note,score\n"


def test_added_columns_read_iso_dates_and_datetimes(kit, sync_settings, files) -> None:
    path = write(files / "flights.csv", "id\n1\n")
    k = kit()
    k.source(name="f", kind="file", config={"path": "flights.csv", "schema_drift": "add"})
    k.column("id", "integer")
    assert k.sync().success
    write(
        path,
        HEADER
        + "1,2013-01-01T10:00:00Z,2013-01-01,2013-01-01 10:00,2013-01-01,hello,1.5\n"
        + "2,2013-01-01T05:30:00-05:00,2013-01-02,2013-01-01 11:00,soon,world,2\n"
        + "3,,,,,,\n",
    )
    result = k.sync()
    assert table_metadata(result)["added_columns"] == [
        "time_hour",
        "day",
        "local_time",
        "half",
        "note",
        "score",
    ]
    columns = k.client.get(f"{k.url}/columns", headers=k.tenant.viewer).json()["data"]
    assert {c["key"]: c["type"] for c in columns} == {
        "id": "integer",
        "time_hour": "datetime",  # an offset or Z: an instant
        "day": "date",
        "local_time": "text",  # no offset: which zone is unknown, so it stays as written
        "half": "text",  # not every value is a date
        "note": "text",
        "score": "number",
    }
    rows = {r["id"]: r for r in k.rows()}
    assert rows[1]["time_hour"] == datetime(2013, 1, 1, 10, tzinfo=UTC)
    assert rows[2]["time_hour"] == datetime(2013, 1, 1, 10, 30, tzinfo=UTC)
    assert [rows[i]["day"] for i in (1, 2, 3)] == [date(2013, 1, 1), date(2013, 1, 2), None]
    assert rows[1]["local_time"] == "2013-01-01 10:00"
    assert k.rejects() == []
