"""Launching and reading Dagster runs through the webserver's GraphQL API.

The API and the CLI start syncs this way, so a sync is an ordinary Dagster run: queued by the
instance's run coordinator, visible in the UI at once, retried and re-executable there.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar

import httpx

LOCATION = "panels"
REPOSITORY = "__repository__"
PARTITIONS = "panels"
PARTITION_TAG = "dagster/partition"

_ADD_PARTITION = """
mutation($repositorySelector: RepositorySelector!, $partitionsDefName: String!,
         $partitionKey: String!) {
  addDynamicPartition(repositorySelector: $repositorySelector,
                      partitionsDefName: $partitionsDefName, partitionKey: $partitionKey) {
    __typename
    ... on PythonError { message }
    ... on UnauthorizedError { message }
  }
}"""

_DELETE_PARTITIONS = """
mutation($repositorySelector: RepositorySelector!, $partitionsDefName: String!,
         $partitionKeys: [String!]!) {
  deleteDynamicPartitions(repositorySelector: $repositorySelector,
                          partitionsDefName: $partitionsDefName, partitionKeys: $partitionKeys) {
    __typename
    ... on PythonError { message }
    ... on UnauthorizedError { message }
  }
}"""

_LAUNCH = """
mutation($executionParams: ExecutionParams!) {
  launchRun(executionParams: $executionParams) {
    __typename
    ... on LaunchRunSuccess { run { runId status } }
    ... on PythonError { message }
    ... on RunConfigValidationInvalid { errors { message } }
    ... on PipelineNotFoundError { message }
    ... on InvalidSubsetError { message }
    ... on RunConflict { message }
    ... on UnauthorizedError { message }
  }
}"""

_RUN = """
query($runId: ID!) {
  runOrError(runId: $runId) {
    __typename
    ... on Run { runId status startTime endTime tags { key value } }
    ... on PythonError { message }
  }
}"""

STATUS = {
    "QUEUED": "queued",
    "NOT_STARTED": "queued",
    "STARTING": "queued",
    "MANAGED": "queued",
    "STARTED": "running",
    "SUCCESS": "succeeded",
    "FAILURE": "failed",
    "CANCELING": "running",
    "CANCELED": "canceled",
}


class DagsterUnavailable(Exception):
    """The webserver did not answer; the message says where it was looked for."""


class DagsterRejected(Exception):
    """The webserver answered but refused (unknown job, bad config...)."""


@dataclass(frozen=True)
class RunInfo:
    run_id: str
    dagster_status: str
    start_time: float | None
    end_time: float | None
    tags: dict[str, str] = field(default_factory=dict)

    @property
    def status(self) -> str:
        return STATUS.get(self.dagster_status, self.dagster_status.lower())

    @property
    def finished(self) -> bool:
        return self.status in ("succeeded", "failed", "canceled")


class DagsterClient:
    def __init__(self, url: str, timeout: float = 10.0) -> None:
        self.url = url.rstrip("/") + "/graphql"
        self.timeout = timeout

    def _call(self, query: str, variables: dict[str, Any]) -> dict[str, Any]:
        try:
            response = httpx.post(
                self.url, json={"query": query, "variables": variables}, timeout=self.timeout
            )
        except httpx.HTTPError as exc:
            raise DagsterUnavailable(f"the Dagster webserver at {self.url} did not answer") from exc
        if response.status_code != 200:
            raise DagsterUnavailable(f"the Dagster webserver answered HTTP {response.status_code}")
        body = response.json()
        if body.get("errors"):
            raise DagsterRejected(str(body["errors"][0].get("message", "GraphQL error")))
        data: dict[str, Any] = body["data"]
        return data

    _SELECTOR: ClassVar[dict[str, str]] = {
        "repositoryLocationName": LOCATION,
        "repositoryName": REPOSITORY,
    }

    def ensure_partition(self, key: str) -> None:
        result = self._call(
            _ADD_PARTITION,
            {
                "repositorySelector": self._SELECTOR,
                "partitionsDefName": PARTITIONS,
                "partitionKey": key,
            },
        )["addDynamicPartition"]
        if result["__typename"] not in (
            "AddDynamicPartitionSuccess",
            "DuplicateDynamicPartitionError",
        ):
            raise DagsterRejected(result.get("message", result["__typename"]))

    def delete_partition(self, key: str) -> None:
        result = self._call(
            _DELETE_PARTITIONS,
            {
                "repositorySelector": self._SELECTOR,
                "partitionsDefName": PARTITIONS,
                "partitionKeys": [key],
            },
        )["deleteDynamicPartitions"]
        if result["__typename"] != "DeleteDynamicPartitionsSuccess":
            raise DagsterRejected(result.get("message", result["__typename"]))

    def launch(
        self, job: str, *, tags: dict[str, str], run_config: dict[str, Any] | None = None
    ) -> str:
        result = self._call(
            _LAUNCH,
            {
                "executionParams": {
                    "selector": {
                        "repositoryLocationName": LOCATION,
                        "repositoryName": REPOSITORY,
                        "jobName": job,
                    },
                    "runConfigData": run_config or {},
                    "executionMetadata": {
                        "tags": [{"key": k, "value": v} for k, v in tags.items()]
                    },
                }
            },
        )["launchRun"]
        if result["__typename"] != "LaunchRunSuccess":
            errors = result.get("errors") or [
                {"message": result.get("message", result["__typename"])}
            ]
            raise DagsterRejected("; ".join(e["message"] for e in errors))
        run_id: str = result["run"]["runId"]
        return run_id

    def launch_sync(
        self, partition: str, *, formulas_only: bool = False, tags: dict[str, str] | None = None
    ) -> str:
        self.ensure_partition(partition)
        job = "panel_formulas" if formulas_only else "panel_sync"
        return self.launch(job, tags={PARTITION_TAG: partition, **(tags or {})})

    def run(self, run_id: str) -> RunInfo | None:
        result = self._call(_RUN, {"runId": run_id})["runOrError"]
        if result["__typename"] != "Run":
            return None
        return RunInfo(
            run_id=result["runId"],
            dagster_status=result["status"],
            start_time=result.get("startTime"),
            end_time=result.get("endTime"),
            tags={t["key"]: t["value"] for t in result["tags"]},
        )
