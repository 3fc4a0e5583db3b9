"""Launching and reading Dagster runs through the webserver's GraphQL API.

The API and the CLI start syncs this way, so a sync is an ordinary Dagster run: queued by the
instance's run coordinator, visible in the UI at once, retried and re-executable there.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar

import httpx

from core.partitions import PARTITIONS_NAME

LOCATION = "panels"
REPOSITORY = "__repository__"
PARTITIONS = PARTITIONS_NAME
PARTITION_TAG = "dagster/partition"
BACKFILL_TAG = "dagster/backfill"
# A panel's sync: the two partitioned assets of the code location (pipelines/assets.py), and
# the jobs whose runs are syncs (__ASSET_JOB: the UI's materialisations and backfills).
SYNC_ASSETS = ("panel_extract", "panel_table")
SYNC_JOBS = ("panel_sync", "panel_formulas", "sync_panels_batch", "__ASSET_JOB")

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

_RUN_FIELDS = "runId status creationTime startTime endTime tags { key value }"

_RUN = f"""
query($runId: ID!) {{
  runOrError(runId: $runId) {{
    __typename
    ... on Run {{ {_RUN_FIELDS} }}
    ... on PythonError {{ message }}
  }}
}}"""

_LOGS = """
query($runId: ID!, $after: String) {
  logsForRun(runId: $runId, afterCursor: $after) {
    __typename
    ... on EventConnection { cursor events { __typename ... on MessageEvent { message } } }
    ... on PythonError { message }
  }
}"""

_RUNS = f"""
query($filter: RunsFilter!, $limit: Int) {{
  runsOrError(filter: $filter, limit: $limit) {{
    __typename
    ... on Runs {{ results {{ {_RUN_FIELDS} }} }}
    ... on InvalidPipelineRunsFilterError {{ message }}
    ... on PythonError {{ message }}
  }}
}}"""

_LAUNCH_BACKFILL = """
mutation($backfillParams: LaunchBackfillParams!) {
  launchPartitionBackfill(backfillParams: $backfillParams) {
    __typename
    ... on LaunchBackfillSuccess { backfillId }
    ... on Error { message }
    ... on RunConfigValidationInvalid { errors { message } }
  }
}"""

_BACKFILL = """
query($backfillId: String!) {
  partitionBackfillOrError(backfillId: $backfillId) {
    __typename
    ... on PartitionBackfill { id status partitionNames }
    ... on Error { message }
  }
}"""

# Tags Dagster writes on a failed run when run retries are enabled on its instance: whether the
# daemon will re-execute it (from the instance's run_retries settings and the run's own tags,
# e.g. dagster/retry_on_asset_or_op_failure), and the retry's run id once it launched it.
WILL_RETRY_TAG = "dagster/will_retry"
RETRY_RUN_TAG = "dagster/auto_retry_run_id"
FAILURE_REASON_TAG = "dagster/failure_reason"

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


# A backfill's statuses once Dagster has closed it (the daemon's next look after its last run).
BACKFILL_DONE = {"COMPLETED", "COMPLETED_SUCCESS", "COMPLETED_FAILED", "FAILED", "CANCELED"}


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
    creation_time: float | None = None

    @property
    def status(self) -> str:
        return STATUS.get(self.dagster_status, self.dagster_status.lower())

    @property
    def finished(self) -> bool:
        return self.status in ("succeeded", "failed", "canceled")

    @property
    def retry_run_id(self) -> str | None:
        """The run the retry daemon launched to re-execute this one."""
        return self.tags.get(RETRY_RUN_TAG)

    @property
    def retry_pending(self) -> bool:
        """Failed, and the daemon will re-execute it but has not yet."""
        return (
            self.status == "failed"
            and self.tags.get(WILL_RETRY_TAG) == "true"
            and self.retry_run_id is None
        )

    @property
    def failure_reason(self) -> str | None:
        """Dagster's class of failure: STEP_FAILURE, RUN_EXCEPTION, UNEXPECTED_TERMINATION..."""
        return self.tags.get(FAILURE_REASON_TAG)

    @classmethod
    def from_graphql(cls, result: dict[str, Any]) -> RunInfo:
        return cls(
            run_id=result["runId"],
            dagster_status=result["status"],
            start_time=result.get("startTime"),
            end_time=result.get("endTime"),
            tags={t["key"]: t["value"] for t in result["tags"]},
            creation_time=result.get("creationTime"),
        )


@dataclass(frozen=True)
class BackfillInfo:
    """A backfill of panel partitions, and the runs it launched so far."""

    backfill_id: str
    dagster_status: str
    partitions: list[str]
    runs: list[RunInfo]

    @property
    def finished(self) -> bool:
        return self.dagster_status in BACKFILL_DONE

    @property
    def succeeded(self) -> bool:
        """Dagster's verdict (COMPLETED is what older releases say of any closed backfill)."""
        return self.dagster_status == "COMPLETED_SUCCESS" or (
            self.dagster_status == "COMPLETED" and not self.failed
        )

    def latest_runs(self) -> dict[str, RunInfo]:
        """Each partition's newest run (a retried run's retry, say)."""
        latest: dict[str, RunInfo] = {}
        for run in sorted(self.runs, key=lambda r: r.creation_time or 0.0):
            partition = run.tags.get(PARTITION_TAG)
            if partition is not None:
                latest[partition] = run
        return latest

    @property
    def published(self) -> list[str]:
        return sorted(p for p, r in self.latest_runs().items() if r.status == "succeeded")

    @property
    def failed(self) -> list[str]:
        """Partitions whose newest run failed and will not be retried."""
        return sorted(
            p
            for p, r in self.latest_runs().items()
            if r.status in ("failed", "canceled") and not r.retry_pending and not r.retry_run_id
        )


class DagsterClient:
    # A launch makes the webserver start a run worker, which takes more than 10 s on a busy
    # host; a webserver that is down is refused at once (connect timeout).
    def __init__(self, url: str, timeout: float = 30.0) -> None:
        self.url = url.rstrip("/") + "/graphql"
        self.timeout = timeout

    def _call(self, query: str, variables: dict[str, Any]) -> dict[str, Any]:
        try:
            response = httpx.post(
                self.url,
                json={"query": query, "variables": variables},
                timeout=httpx.Timeout(self.timeout, connect=5.0),
            )
        except httpx.HTTPError as exc:
            raise DagsterUnavailable(
                f"the Dagster webserver at {self.url} did not answer ({exc.__class__.__name__})"
            ) from exc
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

    def launch_backfill(self, partitions: list[str], *, tags: dict[str, str], title: str) -> str:
        """A Dagster backfill of both sync assets over ``partitions`` (the UI's Backfills tab);
        the daemon launches its runs, one per panel."""
        result = self._call(
            _LAUNCH_BACKFILL,
            {
                "backfillParams": {
                    "assetSelection": [{"path": [key]} for key in SYNC_ASSETS],
                    "partitionNames": partitions,
                    "tags": [{"key": k, "value": v} for k, v in tags.items()],
                    "title": title,
                }
            },
        )["launchPartitionBackfill"]
        if result["__typename"] != "LaunchBackfillSuccess":
            errors = result.get("errors") or [
                {"message": result.get("message", result["__typename"])}
            ]
            raise DagsterRejected("; ".join(e["message"] for e in errors))
        backfill_id: str = result["backfillId"]
        return backfill_id

    def backfill(self, backfill_id: str) -> BackfillInfo | None:
        result = self._call(_BACKFILL, {"backfillId": backfill_id})["partitionBackfillOrError"]
        if result["__typename"] != "PartitionBackfill":
            return None
        runs = self._runs({"tags": [{"key": BACKFILL_TAG, "value": backfill_id}]}, None)
        return BackfillInfo(
            backfill_id=result["id"],
            dagster_status=result["status"],
            partitions=list(result["partitionNames"] or []),
            runs=runs,
        )

    def run(self, run_id: str) -> RunInfo | None:
        result = self._call(_RUN, {"runId": run_id})["runOrError"]
        if result["__typename"] != "Run":
            return None
        return RunInfo.from_graphql(result)

    def logs(self, run_id: str, cursor: str | None = None) -> tuple[list[str], str | None]:
        """The run's log messages after ``cursor``, and the cursor to ask from next time."""
        result = self._call(_LOGS, {"runId": run_id, "after": cursor})["logsForRun"]
        if result["__typename"] != "EventConnection":
            return [], cursor
        messages = [str(e["message"]) for e in result["events"] if e.get("message")]
        return messages, result.get("cursor") or cursor

    def _runs(self, run_filter: dict[str, Any], limit: int | None) -> list[RunInfo]:
        result = self._call(_RUNS, {"filter": run_filter, "limit": limit})["runsOrError"]
        if result["__typename"] != "Runs":
            raise DagsterRejected(result.get("message", result["__typename"]))
        return [RunInfo.from_graphql(r) for r in result["results"]]

    def runs(self, run_ids: list[str]) -> dict[str, RunInfo]:
        """The runs of these ids that exist, by id."""
        if not run_ids:
            return {}
        return {r.run_id: r for r in self._runs({"runIds": run_ids}, len(run_ids))}

    def partition_runs(self, partition: str, limit: int) -> list[RunInfo]:
        """The newest runs tagged with a partition (one-panel syncs), newest first."""
        return self._runs({"tags": [{"key": PARTITION_TAG, "value": partition}]}, limit)
