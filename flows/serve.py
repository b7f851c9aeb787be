"""`newsmill serve`: the pipeline as a Prefect deployment on a cron schedule, run from this process.

The deployment runs `scheduled_run`, a thin flow whose parameters are plain strings (deployment
parameters must be JSON), which calls the same `run_pipeline` as `newsmill run`. A global
concurrency limit of 1 queues a scheduled run behind one that is still going, and the data
folder's lock keeps a manual `newsmill run` from interleaving with it.
"""

from __future__ import annotations

import dataclasses
import json
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

from flows.config import Settings, load_settings, quiet_prefect

# Served runs log to the Prefect server (per-dump lines, progress), so keep INFO here.
quiet_prefect(log_level="INFO")

from prefect import flow, get_run_logger  # noqa: E402

DEPLOYMENT_NAME = "newsmill-scheduled"
FLOW_NAME = "newsmill-scheduled"
HEALTH_TIMEOUT_SECONDS = 5.0
HOW_TO_START = """Start a Prefect server and point newsmill at it, e.g. in another terminal:
  prefect server start --host 127.0.0.1 --port 4200
  export PREFECT_API_URL=http://127.0.0.1:4200/api
then run `newsmill serve` again (deploy/README.md shows how to keep both running with systemd)."""


class ServerUnavailable(RuntimeError):
    """No Prefect server is configured, or the configured one does not answer."""


def configured_api_url() -> str | None:
    """PREFECT_API_URL as Prefect resolves it (environment, then the active profile)."""
    from prefect.settings import PREFECT_API_URL

    value = PREFECT_API_URL.value()
    return str(value) if value else None


def check_server(api_url: str | None, timeout: float = HEALTH_TIMEOUT_SECONDS) -> str:
    """Return `api_url` when its /health endpoint answers; raise ServerUnavailable otherwise."""
    if not api_url:
        raise ServerUnavailable(f"no Prefect server configured (PREFECT_API_URL is not set).\n"
                                f"{HOW_TO_START}")
    health = api_url.rstrip("/") + "/health"
    try:
        with urllib.request.urlopen(health, timeout=timeout) as response:  # noqa: S310
            if response.status != 200:
                raise ServerUnavailable(f"Prefect server at {api_url} answered HTTP "
                                        f"{response.status} on /health.\n{HOW_TO_START}")
    except (urllib.error.URLError, OSError, ValueError) as err:
        reason = getattr(err, "reason", err)
        raise ServerUnavailable(f"no Prefect server answers at {api_url} ({reason}).\n"
                                f"{HOW_TO_START}") from err
    return api_url


def summary_record(summary: Any) -> dict[str, Any]:
    """A run summary as plain JSON-able data (the flow run's result)."""
    record: dict[str, Any] = json.loads(json.dumps(dataclasses.asdict(summary), default=str))
    return record


@flow(name=FLOW_NAME, log_prints=False)
def scheduled_run(raw: str, data: str) -> dict[str, Any]:
    """One incremental run of the newsmill pipeline over `raw` into `data` (for deployments)."""
    from flows.pipeline import run_pipeline
    from warehouse.remote import RemoteConflict
    from warehouse.store import WarehouseBusy

    logger = get_run_logger()
    settings = load_settings().with_overrides(raw_dir=Path(raw)).with_data(data)
    if not settings.raw_dir.is_dir():
        raise FileNotFoundError(f"raw folder {settings.raw_dir} does not exist")
    try:
        summary = run_pipeline(settings)
    except (WarehouseBusy, RemoteConflict) as err:
        # A manual `newsmill run` holds the folder; the next tick picks up what it leaves.
        logger.warning("skipped: %s", err)
        return {"published": False, "skipped": str(err)}
    logger.info("run %s: %d dumps seen, %d new articles, %d refused; %s", summary.run_id,
                summary.dumps_seen, summary.counts.new, summary.rejects,
                f"published {summary.generation}" if summary.published else "nothing new")
    return summary_record(summary)


def serve(settings: Settings) -> None:
    """Register the scheduled deployment (cron, concurrency limit 1) and serve it until stopped."""
    from prefect.types.entrypoint import EntrypointType

    check_server(configured_api_url())
    scheduled_run.serve(
        name=DEPLOYMENT_NAME,
        cron=settings.cron,
        global_limit=1,
        limit=1,
        parameters={"raw": str(settings.raw_dir.resolve()),
                    "data": settings.data_url or str(settings.data_dir.resolve())},
        description=f"newsmill: ingest {settings.raw_dir.resolve()} on '{settings.cron}'",
        tags=["newsmill"],
        # Runs import `flows.serve` by module name, so any working directory works.
        entrypoint_type=EntrypointType.MODULE_PATH,
    )
