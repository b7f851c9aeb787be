"""The newsmill Prefect flow: scan raw/, parse in parallel, merge, check, publish, build views.

Each task wraps one warehouse call. Only the parse task touches the outside world (raw files that
may be mid-copy), so only it retries.
"""

from __future__ import annotations

import contextlib
import errno
import logging
import multiprocessing
import sys
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import CancelledError, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from flows.config import Settings, quiet_prefect

quiet_prefect()

from prefect import flow, get_run_logger, task  # noqa: E402
from prefect.cache_policies import NO_CACHE  # noqa: E402
from prefect.task_runners import TaskRunner, ThreadPoolTaskRunner  # noqa: E402
from prefect.utilities.annotations import quote  # noqa: E402

from transforms.formats.detect import Limits  # noqa: E402
from warehouse import ledger, rawfiles, views  # noqa: E402
from warehouse.ingest import (  # noqa: E402
    BatchResult,
    DumpOutcome,
    concat_results,
    ingest_batch,
    quarantined,
)
from warehouse.memory import use_system_allocator  # noqa: E402
from warehouse.merge import MergeCounts, Merger  # noqa: E402
from warehouse.remote import (  # noqa: E402
    Mirror,
    RemoteConflict,
    RemoteUnavailable,
    RemoteWarehouse,
)
from warehouse.store import (  # noqa: E402
    DamagedWarehouse,
    Generation,
    Warehouse,
    WarehouseBusy,
)

TASK_OPTIONS: dict[str, Any] = {"cache_policy": NO_CACHE, "persist_result": False}
# Show at most this many offending rows per failed data check.
CHECK_SAMPLE_ROWS = 3


class ChecksFailed(RuntimeError):
    """A data check found rows that break a rule; nothing was published."""


class DiskFull(RuntimeError):
    """The disk holding the data folder filled up during a run; nothing new was published."""


# Refusals a run reports as one line (the CLI prints it, a served run logs it). Prefect's run
# loggers would print each again with a traceback, once per task and once for the flow.
REFUSALS = (WarehouseBusy, RemoteConflict, RemoteUnavailable, ChecksFailed, DamagedWarehouse,
            DiskFull)


def is_disk_full(err: BaseException) -> bool:
    """ENOSPC or EDQUOT, raised by Python (OSError) or by DuckDB (whose IOException says so)."""
    if isinstance(err, OSError):
        return err.errno in (errno.ENOSPC, errno.EDQUOT)
    import duckdb

    return isinstance(err, duckdb.IOException) and (
        "No space left" in str(err) or "Disk quota" in str(err))


class _NoRefusalTracebacks(logging.Filter):
    """Drops the records Prefect logs for a refusal: the traceback ones, and a failed task's
    "Finished in state Failed(...exception <Refusal>: ...)" line, which only has the state text."""

    _STATE_MARKERS = tuple(f"exception {cls.__name__}: " for cls in REFUSALS) + (
        "[Errno 28]", "[Errno 122]", "No space left on device")

    def filter(self, record: logging.LogRecord) -> bool:
        exc = record.exc_info[1] if record.exc_info else None
        if exc is not None:
            return not (isinstance(exc, REFUSALS) or is_disk_full(exc))
        if isinstance(record.msg, str) and record.msg.startswith("Finished in state Failed"):
            return not any(marker in record.msg for marker in self._STATE_MARKERS)
        return True


for _name in ("prefect.flow_runs", "prefect.task_runs"):
    logging.getLogger(_name).addFilter(_NoRefusalTracebacks())


@dataclass(slots=True)
class RunSummary:
    """What one run did; printed by `newsmill run`."""

    run_id: str
    data_dir: str
    published: bool = False
    generation: str | None = None
    dumps_seen: int = 0
    dumps_new: int = 0
    dumps_changed: int = 0
    dumps_unchanged: int = 0
    dumps_rejected: int = 0
    articles_parsed: int = 0
    counts: MergeCounts = field(default_factory=MergeCounts)
    rejects: int = 0
    reject_reasons: dict[str, int] = field(default_factory=dict)
    skipped_by_reason: dict[str, int] = field(default_factory=dict)
    top_countries: list[tuple[str, str, int, int]] = field(default_factory=list)
    stage_seconds: dict[str, float] = field(default_factory=dict)
    seconds: float = 0.0


@task(**TASK_OPTIONS)
def scan_raw(raw_dir: Path) -> list[rawfiles.RawFile]:
    """List the dumps in raw/."""
    return rawfiles.scan_raw(raw_dir)


@task(**TASK_OPTIONS)
def plan_run(files: list[rawfiles.RawFile], current: Generation | None) -> ledger.Plan:
    """Decide which dumps are new or changed."""
    return ledger.plan_dumps(files, ledger.load_manifest(current))


class DumpBatch:
    """The dumps of one parse task: (raw file, sha256 the manifest records) pairs.

    A plain object rather than a list, so Prefect does not walk each of its thousands of items
    looking for futures, twice per task (that cost the flow process about as much CPU as the
    merge); `quote()` would do the same locally but is not unwrapped on Dask workers.
    """

    __slots__ = ("files",)

    def __init__(self, files: list[tuple[rawfiles.RawFile, str | None]]) -> None:
        self.files = files


@task(**TASK_OPTIONS, retries=2, retry_delay_seconds=1)
def parse_batch(batch: DumpBatch, captured_at: datetime | None,
                limits: Limits, pool: WorkerPool | None = None) -> BatchResult:
    """Read, parse and extract one batch of dumps: in the local process pool, or right here
    when the task itself runs on a Dask worker.

    A batch whose worker dies (a parser that segfaults or exits: BrokenProcessPool) or that
    fails outside the per-file guard is read again file by file in a fresh process, so one bad
    file costs itself only; the Prefect retries are left for what is transient (the pool).
    """
    files = batch.files
    if pool is None:
        return ingest_batch(files, captured_at=captured_at, limits=limits)
    try:
        return pool.run(ingest_batch, files, captured_at=captured_at, limits=limits)
    except CancelledError:
        raise  # the run is stopping: nothing to retry
    except BrokenProcessPool:
        if pool.closed:
            raise
        get_run_logger().warning("a parse worker died; reading its %d dumps one by one",
                                 len(files))
    except Exception:
        if pool.closed:
            raise
        get_run_logger().exception("a parse batch failed; reading its %d dumps one by one",
                                   len(files))
    return parse_one_by_one(files, captured_at, limits, pool.fresh)


def parse_one_by_one(files: list[tuple[rawfiles.RawFile, str | None]],
                     captured_at: datetime | None, limits: Limits,
                     fresh_pool: Callable[[], ProcessPoolExecutor]) -> BatchResult:
    """Each dump alone, in a pool of its own that no other batch shares, so the dump that kills a
    worker is known for sure. That dump is quarantined: a `worker_crash` (or `worker_error`)
    reject, with its sha256 in the manifest so later runs skip it until its bytes change."""
    results: list[BatchResult] = []
    pool = fresh_pool()
    try:
        for raw, previous_sha in files:
            try:
                results.append(pool.submit(ingest_batch, [(raw, previous_sha)],
                                           captured_at=captured_at, limits=limits).result())
                continue
            except BrokenProcessPool:
                reason = "worker_crash"
                pool.shutdown(wait=False, cancel_futures=True)
                pool = fresh_pool()
            except Exception:
                reason = "worker_error"
            results.append(ingest_batch([(quarantined(raw, reason), previous_sha)],
                                        captured_at=captured_at, limits=limits))
    finally:
        pool.shutdown(wait=False, cancel_futures=True)
    return concat_results(results)


def local_pool(workers: int) -> ProcessPoolExecutor:
    """Parse processes forked from a server that has already loaded the gazetteer and lexicons.

    forkserver, not fork: the flow process runs Prefect's threads, and forking it could copy a
    held lock into a child.
    """
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["warehouse.parse_worker"])
    return ProcessPoolExecutor(max_workers=workers, mp_context=context)


class WorkerPool:
    """The local process pool, replaced by a new one when a worker dies.

    A dead worker breaks a ProcessPoolExecutor for good: every batch in flight fails with
    BrokenProcessPool and so would every batch submitted later. The parse tasks share this
    holder; the first to see the breakage swaps in a fresh pool, so only the batches in flight
    fall back to reading file by file.
    """

    def __init__(self, workers: int) -> None:
        self.workers = workers
        self.closed = False  # shut down: a failure now is the run stopping, not a bad file
        self._lock = threading.Lock()
        self._pool = local_pool(workers)

    def run(self, fn: Callable[..., BatchResult], *args: Any, **kwargs: Any) -> BatchResult:
        pool = self._pool
        try:
            return pool.submit(fn, *args, **kwargs).result()
        except BrokenProcessPool:
            with self._lock:
                if self._pool is pool:
                    self._pool = local_pool(self.workers)
            pool.shutdown(wait=False, cancel_futures=True)
            raise

    @staticmethod
    def fresh() -> ProcessPoolExecutor:
        return local_pool(1)

    def shutdown(self, cancel_futures: bool = True) -> None:
        self.closed = True
        self._pool.shutdown(cancel_futures=cancel_futures)


@task(**TASK_OPTIONS)
def open_published(store: Warehouse) -> str | None:
    """Before anything else: make CURRENT trustworthy (re-pointing a damaged one at the newest
    intact generation), clear what a killed run left, and repair the table links and the views
    file (a run killed or out of disk after its commit left them behind). Returns the note of a
    recovery, if there was one."""
    note = store.recover()
    store.clean_orphans()
    _repair_published_state(store, store.current())
    return note


@task(**TASK_OPTIONS)
def begin_generation(store: Warehouse) -> Generation:
    """Start the next generation (what a killed run left was cleared by open_published)."""
    return store.begin()


@task(**TASK_OPTIONS)
def check_generation(generation: Generation) -> list[views.CheckFailure]:
    """Run the SQL data checks; any failure stops the run before anything is published."""
    return views.run_checks(generation)


def checks_failed(failures: list[views.CheckFailure]) -> ChecksFailed:
    """Which checks failed, how many rows each, and a sample of the offending rows."""
    lines = ["data checks failed, nothing published:"]
    for failure in failures:
        lines.append(f"  {failure.check}: {failure.rows} rows ({failure.description}), e.g.:")
        lines += [f"    {row}" for row in failure.sample[:CHECK_SAMPLE_ROWS]]
    return ChecksFailed("\n".join(lines))


@task(**TASK_OPTIONS)
def publish_generation(store: Warehouse, generation: Generation,
                       pause_at: str | None = None) -> None:
    """Build the views file over the generation, make the generation current, then swap the
    views file in. Building it (the step that needs disk space) before the commit means a full
    disk leaves the previous generation published with its own views file."""
    staged = views.stage_views_file(store.views_path, generation)
    try:
        store.publish(generation)
        pause_point(pause_at, "views")
        staged.swap()
    finally:
        staged.discard()


@task(**TASK_OPTIONS)
def pull_remote(store: Warehouse, data_url: str | None) -> Mirror | None:
    """For a data URL: bring the local working copy to the generation published there.

    No Prefect retries: the filesystem client already retries transient errors (s3fs and
    botocore do), and a conflict with another writer is not fixed by retrying."""
    if data_url is None:
        return None
    mirror = Mirror(RemoteWarehouse(data_url), store)
    pulled = mirror.pull()
    if pulled:
        get_run_logger().info("pulled %s from %s", pulled, data_url)
    return mirror


@task(**TASK_OPTIONS)
def push_remote(mirror: Mirror, pause_at: str | None = None) -> str | None:
    """Upload the local published generation to the data URL, committing with CURRENT last.
    Returns the URL's published generation (None while it has none)."""
    staged = mirror.stage()
    if staged is None:
        return mirror.remote.current_name()
    pause_point(pause_at, "push")
    name = mirror.commit(staged)
    get_run_logger().info("pushed %s to %s", name, mirror.remote.url)
    return name


def pause_point(pause_at: str | None, point: str) -> None:
    """Test hook (NEWSMILL_TEST_PAUSE_AT): announce `point` on stderr and wait to be killed."""
    if pause_at == point:
        print(f"newsmill: test pause at {point}", file=sys.stderr, flush=True)
        time.sleep(3600)


def batches(plan: ledger.Plan, batch_bytes: int, workers: int = 1,
            max_files: int = 2000) -> Iterator[list[tuple[rawfiles.RawFile, str | None]]]:
    """Group dumps into parse tasks of about `batch_bytes` of raw input, smaller when the run is
    small, so that every worker gets several tasks."""
    total = sum(raw.size_bytes for raw, _ in plan.to_read)
    batch_bytes = max(1, min(batch_bytes, total // (4 * workers)))
    batch: list[tuple[rawfiles.RawFile, str | None]] = []
    size = 0
    for item in plan.to_read:
        batch.append(item)
        size += item[0].size_bytes
        if size >= batch_bytes or len(batch) >= max_files:
            yield batch
            batch, size = [], 0
    if batch:
        yield batch


def make_task_runner(settings: Settings) -> TaskRunner[Any]:
    """Threads that hand batches to the local process pool, or a Dask cluster via prefect-dask."""
    if settings.dask_address:
        from prefect_dask import DaskTaskRunner

        if settings.dask_address == "local":
            return DaskTaskRunner(cluster_kwargs={"n_workers": settings.workers,
                                                  "threads_per_worker": 1,
                                                  "processes": True})
        return DaskTaskRunner(address=settings.dask_address)
    return ThreadPoolTaskRunner(max_workers=2 * settings.workers)


def run_pipeline(settings: Settings) -> RunSummary:
    """One incremental run as a Prefect flow, with the task runner the settings ask for."""
    use_system_allocator()  # the merge frees large tables all run long: keep the footprint flat
    configured = newsmill_flow.with_options(task_runner=make_task_runner(settings))
    return configured(settings)


@flow(name="newsmill", log_prints=False, validate_parameters=False)
def newsmill_flow(settings: Settings) -> RunSummary:
    """Ingest new and changed dumps from raw/ into the warehouse, atomically."""
    logger = get_run_logger()
    started = time.perf_counter()
    started_at = datetime.now(UTC)
    store = Warehouse(settings.data_dir)
    summary = RunSummary(run_id=f"{started_at:%Y%m%dT%H%M%SZ}-{uuid.uuid4().hex[:8]}",
                         data_dir=settings.data_url or str(store.data_dir))
    stage = _Stopwatch(summary.stage_seconds)
    with store.lock(wait=settings.wait_for_lock), _disk_full_refused(store):
        recovered = open_published(store)
        if recovered:
            logger.warning("newsmill: warning: %s", recovered)
        mirror = pull_remote(store, settings.data_url)
        current = store.current()
        files = scan_raw(settings.raw_dir)
        plan = plan_run(quote(files), current)
        summary.dumps_seen, summary.dumps_new = len(files), plan.new
        summary.dumps_changed, summary.dumps_unchanged = plan.changed, len(plan.unchanged)
        stage.lap("scan")
        if not plan.to_read:
            logger.info("nothing new in %s (%d dumps unchanged)", settings.raw_dir, len(files))
        else:
            generation = begin_generation(store)
            merger = Merger(generation)
            stage.lap("index")
            parsed = parse_and_merge(plan, settings, merger, summary)
            stage.lap("parse+merge")
            summary.counts = write_parts(merger)
            stage.lap("write")
            summary.stage_seconds["story join (CPU)"] = merger.story_seconds
            _log_dumps(logger, parsed.outcomes)
            pause_point(settings.pause_at, "write")
            record_run(generation, quote(plan.manifest), quote(parsed),
                       _run_row(summary, started_at, datetime.now(UTC)))
            failures = check_generation(generation)
            if failures:
                raise checks_failed(failures)
            stage.lap("checks")
            pause_point(settings.pause_at, "publish")
            publish_generation(store, generation, settings.pause_at)
            stage.lap("publish+views")
            store.clean_orphans()
            summary.published = True
            logger.info("published %s: %d new articles, %d refused inputs", generation.name,
                        summary.counts.new, summary.rejects)
        if mirror is not None:
            summary.generation = push_remote(mirror, settings.pause_at)
            stage.lap("push")
        published = store.current()
        summary.generation = summary.generation or (published.name if published else None)
        summary.top_countries = top_countries(store)
    summary.seconds = time.perf_counter() - started
    return summary


@dataclass(slots=True)
class Parsed:
    """What the parse tasks reported, besides the rows the merger took."""

    outcomes: list[DumpOutcome] = field(default_factory=list)
    rejects: list[Any] = field(default_factory=list)  # Arrow tables of refusals
    new_per_dump: dict[str, int] = field(default_factory=dict)


def parse_and_merge(plan: ledger.Plan, settings: Settings, merger: Merger,
                    summary: RunSummary) -> Parsed:
    """Submit one parse task per batch and merge the results in submission order.

    At most two batches per worker are in flight, so memory stays bounded whatever the backlog.
    """
    logger = get_run_logger()
    limits = Limits(settings.max_file_bytes, settings.max_decompressed_bytes)
    parsed = Parsed()
    total, done = len(plan.to_read), 0
    pending: deque[Any] = deque()
    pool = None if settings.dask_address else WorkerPool(settings.workers)
    try:
        for batch in batches(plan, settings.batch_bytes, settings.workers):
            pending.append(parse_batch.submit(DumpBatch(batch), settings.captured_at, limits, pool))
            if len(pending) >= 2 * settings.workers:
                done += _merge_one(pending.popleft().result(), merger, parsed, summary)
                _progress(logger, settings, done, total)
        pause_point(settings.pause_at, "parse")
        while pending:
            done += _merge_one(pending.popleft().result(), merger, parsed, summary)
            _progress(logger, settings, done, total)
    finally:
        if pool is not None:  # free the workers' memory before the parts are written
            pool.shutdown(cancel_futures=True)
    return parsed


@task(**TASK_OPTIONS)
def write_parts(merger: Merger) -> MergeCounts:
    """Flush the merged rows and apply drops and re-keys to earlier parts."""
    return merger.finish()


@task(**TASK_OPTIONS)
def record_run(generation: Generation, manifest: dict[str, dict[str, Any]], parsed: Parsed,
               run_row: dict[str, Any]) -> None:
    """Write the dump manifest, the refusals and this run's row into the new generation."""
    ledger.write_ledgers(generation, manifest, parsed.outcomes, parsed.rejects,
                         parsed.new_per_dump, run_row)


def _progress(logger: Any, settings: Settings, done: int, total: int) -> None:
    """Dumps done so far: in the run's log, and on a terminal running `newsmill run`."""
    logger.info("dumps done: %d / %d", done, total)
    if settings.show_progress:
        print(f"newsmill: dumps done {done} / {total}", file=sys.stderr, flush=True)


def _log_dumps(logger: Any, outcomes: list[Any]) -> None:
    """One line per dump read: what it was and what became of it."""
    for outcome in outcomes:
        logger.info("dump %s: %s %s, %d articles, %d refused", outcome.raw.path, outcome.format,
                    "unchanged" if outcome.unchanged else ledger.dump_status(outcome),
                    outcome.articles, outcome.rejects)


def _merge_one(result: BatchResult, merger: Merger, parsed: Parsed,
               summary: RunSummary) -> int:
    started = time.perf_counter()
    for dump_id, count in merger.add_batch(result).items():
        parsed.new_per_dump[dump_id] = parsed.new_per_dump.get(dump_id, 0) + count
    # Worker steps are summed over workers (CPU-like seconds); "merge" is main-process time
    # inside the parse+merge lap.
    stages = summary.stage_seconds
    stages["merge"] = stages.get("merge", 0.0) + time.perf_counter() - started
    for step, seconds in result.seconds.items():
        stages[f"worker {step}"] = stages.get(f"worker {step}", 0.0) + seconds
    parsed.outcomes.extend(result.dumps)
    parsed.rejects.append(result.rejects)
    for reason in result.rejects.column("reason").to_pylist():
        summary.reject_reasons[reason] = summary.reject_reasons.get(reason, 0) + 1
    summary.rejects += result.rejects.num_rows
    for outcome in result.dumps:
        summary.articles_parsed += outcome.articles
        # as the manifest will say; a file whose mtime alone moved keeps its earlier row
        if not outcome.unchanged and ledger.dump_status(outcome) == "rejected":
            summary.dumps_rejected += 1
        for reason, count in outcome.skipped_by_reason.items():
            summary.skipped_by_reason[reason] = summary.skipped_by_reason.get(reason, 0) + count
    return len(result.dumps)


def _run_row(summary: RunSummary, started_at: datetime, finished_at: datetime) -> dict[str, Any]:
    return {
        "run_id": summary.run_id, "started_at": started_at, "finished_at": finished_at,
        "dumps_seen": summary.dumps_seen, "dumps_new": summary.dumps_new,
        "dumps_changed": summary.dumps_changed, "dumps_unchanged": summary.dumps_unchanged,
        "dumps_rejected": summary.dumps_rejected, "articles_parsed": summary.articles_parsed,
        "articles_new": summary.counts.new, "articles_updated": summary.counts.updated,
        "articles_duplicate": summary.counts.duplicate, "mentions_new": summary.counts.mentions,
        "topics_new": summary.counts.topics, "entities_new": summary.counts.entities,
        "rejects_new": summary.rejects,
    }


@contextlib.contextmanager
def _disk_full_refused(store: Warehouse) -> Iterator[None]:
    """Turn a full disk into DiskFull, after deleting the unpublished generation and temp files
    the run wrote (they would keep the disk full)."""
    try:
        yield
    except Exception as err:
        if not is_disk_full(err):
            raise
        with contextlib.suppress(OSError):
            store.clean_orphans()
        published = store.pointer().name
        shown = views.views_generation(store.views_path)
        state = f"the published generation is {published or 'none yet'}"
        if shown != published:
            state += f" (the views file still shows {shown or 'none'}; the next run rebuilds it)"
        reason = getattr(err, "strerror", None) or str(err).splitlines()[0]
        raise DiskFull(f"the disk holding {store.data_dir} is full ({reason}); {state}, and "
                       "this run's unpublished files were removed. Free some space and run "
                       "again") from err


def _repair_published_state(store: Warehouse, current: Generation | None) -> None:
    """After a kill (or a full disk) between commit and views, re-point the symlinks and rebuild
    the views."""
    if current is None:
        return
    store.link_tables(current)
    if views.views_generation(store.views_path) != current.name:
        views.write_views_file(store.views_path, current)


def top_countries(store: Warehouse, limit: int = 10) -> list[tuple[str, str, int, int]]:
    """The most-mentioned countries in the published warehouse."""
    if not store.views_path.exists():
        return []
    import duckdb

    with duckdb.connect(str(store.views_path), read_only=True) as con:
        rows = con.execute(
            "select country_code, country, articles, mentions from mentions_by_country "
            "order by articles desc, mentions desc, country_code limit ?", [limit]).fetchall()
    return [(str(a), str(b), int(c), int(d)) for a, b, c, d in rows]


class _Stopwatch:
    def __init__(self, laps: dict[str, float]) -> None:
        self.laps = laps
        self.last = time.perf_counter()

    def lap(self, name: str) -> None:
        now = time.perf_counter()
        self.laps[name] = self.laps.get(name, 0.0) + now - self.last
        self.last = now


logging.getLogger("newsmill").setLevel(logging.INFO)
