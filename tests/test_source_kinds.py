"""Source kinds are registries, not if chains: each kind has its connector and config shape."""

from __future__ import annotations

import uuid

import pytest

from connectors import CONNECTORS, SourceError, extract
from connectors.spec import SourceSpec
from core.enums import SourceKind
from schemas.sources import KINDS, SourceConfig, shapes_of
from tests.pipeline_fixtures import write


@pytest.mark.parametrize("kind", list(SourceKind))
def test_every_source_kind_is_registered(kind) -> None:
    assert kind in CONNECTORS, f"register the {kind} connector in connectors"
    assert kind in KINDS, f"register the {kind} config and secrets in schemas.sources.KINDS"
    config = KINDS[kind].config
    assert config.reaches is not SourceConfig.reaches, f"{config.__name__} must say what it reaches"


def test_only_source_kinds_are_registered() -> None:
    assert set(CONNECTORS) == set(KINDS) == set(SourceKind)


def test_a_kind_without_config_shapes_is_an_error_naming_the_known_kinds(monkeypatch) -> None:
    monkeypatch.delitem(KINDS, SourceKind.http)
    with pytest.raises(LookupError) as caught:
        shapes_of(SourceKind.http)
    assert str(caught.value) == "no config shape for source kind 'http' (known kinds: file, sql)"


def test_a_kind_without_a_connector_is_an_error_naming_the_known_kinds(tmp_path) -> None:
    source = SourceSpec(uuid.uuid4(), "s", "ftp", {"query": "SELECT 1"}, {}, {})  # type: ignore[arg-type]
    with pytest.raises(SourceError) as caught:
        extract(source, data_root=tmp_path, out=tmp_path / "s.parquet")
    assert str(caught.value) == (
        "source 's': no connector reads source kind 'ftp' (known kinds: file, http, sql)"
    )


def test_a_stored_source_whose_kind_lost_its_connector_fails_its_sync_saying_so(
    kit,
    sync_settings,
    monkeypatch,
    files,
) -> None:
    write(files / "k.csv", "id\n1\n")
    k = kit()
    k.source(name="k", kind="file", config={"path": "k.csv"})
    k.column("id", "integer")
    monkeypatch.delitem(CONNECTORS, SourceKind.file)
    result = k.sync(raise_on_error=False)
    assert not result.success
    error = [p for t, p in k.events() if t == "sync.failed"][-1]["error"]
    assert "no connector reads source kind 'file' (known kinds: http, sql)" in error
    assert k.current() is None
