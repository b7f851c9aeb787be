"""`newsmill serve`: the pipeline as a Prefect deployment on a cron schedule, run from this process.

The deployment runs `scheduled_run`, a thin flow whose parameters are plain strings (deployment
parameters must be JSON), which calls the same `run_pipeline` as `newsmill run`. A global
concurrency limit of 1 queues a scheduled run behind one that is still going, and the data
folder's lock keeps a manual `newsmill run` from interleaving with it.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import os
import signal
import sys
import threading
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
# A stopped `serve` exits within this many seconds of SIGTERM, whatever Prefect still waits for.
STOP_SECONDS = 4.0
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
    from flows.pipeline import REFUSALS, run_pipeline
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
    except REFUSALS as err:
        # Prefect logs refusals without their traceback (flows.pipeline): say it here, once.
        logger.error("%s", err)
        raise
    logger.info("run %s: %d dumps seen, %d new articles, %d refused; %s", summary.run_id,
                summary.dumps_seen, summary.counts.new, summary.rejects,
                f"published {summary.generation}" if summary.published else "nothing new")
    return summary_record(summary)


def serve(settings: Settings) -> None:
    """Register the scheduled deployment (cron, concurrency limit 1) and serve it until stopped.

    Stopped by SIGTERM or Ctrl-C, it exits within STOP_SECONDS with one line, even when its
    Prefect server died first (Prefect's own shutdown would retry the dead server for a minute
    and end in a traceback).
    """
    import asyncio

    from prefect.types.entrypoint import EntrypointType

    api_url = check_server(configured_api_url())
    runner = _runner_class()(api_url, name=DEPLOYMENT_NAME, limit=1)
    runner.add_flow(
        scheduled_run,
        name=DEPLOYMENT_NAME,
        cron=settings.cron,
        concurrency_limit=1,
        parameters={"raw": str(settings.raw_dir.resolve()),
                    "data": settings.data_url or str(settings.data_dir.resolve())},
        description=f"newsmill: ingest {settings.raw_dir.resolve()} on '{settings.cron}'",
        tags=["newsmill"],
        # Runs import `flows.serve` by module name, so any working directory works.
        entrypoint_type=EntrypointType.MODULE_PATH,
    )
    print(f"newsmill: serving {FLOW_NAME}/{DEPLOYMENT_NAME} on '{settings.cron}' through "
          f"{api_url}; SIGTERM or Ctrl-C stops it", file=sys.stderr, flush=True)
    # Prefect's runner takes SIGTERM itself when it starts; Ctrl-C takes the same path.
    signal.signal(signal.SIGINT, runner.handle_sigterm)
    try:
        asyncio.run(runner.start())
    except (Exception, KeyboardInterrupt, SystemExit) as err:
        if not runner.stop_requested:
            raise
        if isinstance(err, SystemExit) and err.code not in (None, 0):
            raise
    _stopped(runner.stop_note)


class _NoTracebackWhenServerGoes(logging.Filter):
    """Keep the warning Prefect logs when its server connection drops, minus the traceback: a
    server that stopped is an event to note, not a bug in newsmill."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno <= logging.WARNING and record.exc_info:
            record.exc_info = None
            record.exc_text = None
        return True


logging.getLogger("prefect.FlowRunCancellingObserver").addFilter(_NoTracebackWhenServerGoes())


def _stopped(note: str) -> None:
    print(f"newsmill: serve stopped{note}", file=sys.stderr, flush=True)


def _runner_class() -> type[Any]:
    """A Prefect Runner whose SIGTERM shutdown cannot hang on a dead server."""
    from prefect.runner import Runner

    class NewsmillRunner(Runner):
        def __init__(self, api_url: str, **kwargs: Any) -> None:
            super().__init__(**kwargs)
            self.api_url = api_url
            self.stop_requested = False
            self.stop_note = ""

        def handle_sigterm(self, *args: Any, **kwargs: Any) -> None:
            if self.stop_requested:
                return
            self.stop_requested = True
            try:
                check_server(self.api_url, timeout=1.0)
            except ServerUnavailable:
                # Pausing the schedule would retry the dead server for a minute; nothing to
                # tell it, and nothing Prefect logs while its client fails is news.
                self.pause_on_shutdown = False
                self.stop_note = f" (its Prefect server at {self.api_url} no longer answers)"
                logging.getLogger("prefect").setLevel(logging.CRITICAL)
            # Whatever the shutdown still waits for, the process ends within STOP_SECONDS.
            timer = threading.Timer(STOP_SECONDS, self._stop_now)
            timer.daemon = True
            timer.start()
            super().handle_sigterm(*args, **kwargs)

        def _stop_now(self) -> None:
            _stopped(self.stop_note or " (shutdown cut short)")
            os._exit(0)

    return NewsmillRunner
