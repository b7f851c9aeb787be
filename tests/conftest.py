"""Shared test fixtures: a private Prefect home, a real Prefect server, and small dump writers.

Prefect: every test process gets its own PREFECT_HOME (set here, before anything imports
prefect), so tests never touch ~/.prefect. Tests that start `newsmill run` / `newsmill serve`
subprocesses ask for the `prefect_api` fixture: one real `prefect server start` on a free loopback
port for the whole session (about 15 s, once). Each subprocess then talks to it instead of booting
its own ephemeral server, which would cost 15-30 s per run. In-process flow tests may use it too.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parent.parent
SERVER_START_TIMEOUT = 120.0
RUN_TIMEOUT = 240.0

_PREFECT_HOME = tempfile.mkdtemp(prefix="newsmill-test-prefect-")
os.environ["PREFECT_HOME"] = _PREFECT_HOME
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("DO_NOT_TRACK", "1")


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    shutil.rmtree(_PREFECT_HOME, ignore_errors=True)


def free_port() -> int:
    """A loopback TCP port nobody listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for_health(api_url: str, timeout: float, process: subprocess.Popen[Any]) -> None:
    """Poll {api_url}/health until it answers 200; fail early if the server process died."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"prefect server exited with {process.returncode}")
        try:
            with urllib.request.urlopen(f"{api_url}/health", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.5)
    raise TimeoutError(f"prefect server at {api_url} not healthy after {timeout:.0f} s")


def stop_group(process: subprocess.Popen[Any], grace: float = 10.0) -> None:
    """SIGTERM a process group started with start_new_session=True, then SIGKILL it."""
    if process.poll() is None:
        try:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=grace)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            pass
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait()


@pytest.fixture(scope="session")
def prefect_api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """PREFECT_API_URL of a real Prefect server (sqlite in a temp PREFECT_HOME) for the session."""
    home = tmp_path_factory.mktemp("prefect-server-home")
    port = free_port()
    api_url = f"http://127.0.0.1:{port}/api"
    env = {**os.environ, "PREFECT_HOME": str(home), "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
           "DO_NOT_TRACK": "1"}
    env.pop("PREFECT_API_URL", None)
    log = (home / "server.log").open("wb")
    server = subprocess.Popen(
        [sys.executable, "-m", "prefect", "server", "start", "--host", "127.0.0.1",
         "--port", str(port), "--no-ui"],
        env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )
    try:
        wait_for_health(api_url, SERVER_START_TIMEOUT, server)
        yield api_url
    finally:
        stop_group(server)
        log.close()


@pytest.fixture
def in_process_prefect(prefect_api: str) -> Iterator[str]:
    """Run flows inside the test process against the session server.

    Log shipping is off: the server stops before this process exits, and a pending log batch
    would otherwise retry against it for about a minute at exit.
    """
    from prefect.settings import (
        PREFECT_API_URL,
        PREFECT_LOGGING_TO_API_ENABLED,
        temporary_settings,
    )

    with temporary_settings({PREFECT_API_URL: prefect_api, PREFECT_LOGGING_TO_API_ENABLED: False}):
        yield prefect_api


def newsmill_env(api_url: str | None, **extra: str) -> dict[str, str]:
    """Environment for a `newsmill` subprocess: the repo importable, the test server, extras."""
    env = {**os.environ, "PYTHONPATH": str(REPO), "NEWSMILL_WORKERS": "1", **extra}
    # PREFECT_LOGGING_LEVEL too: importing flows.* in this process sets it, and each command
    # picks its own (run: warnings only; serve: info, for the server's run logs).
    for name in ("NEWSMILL_RAW", "NEWSMILL_DATA", "NEWSMILL_TEST_PAUSE_AT", "PREFECT_API_URL",
                 "PREFECT_LOGGING_LEVEL"):
        if name not in extra:
            env.pop(name, None)
    if api_url:
        env["PREFECT_API_URL"] = api_url
    return env


def newsmill_command(*args: str) -> list[str]:
    return [sys.executable, "-m", "flows.cli", *args]


def run_newsmill(args: Sequence[str], api_url: str | None, timeout: float = RUN_TIMEOUT,
                 **extra: str) -> subprocess.CompletedProcess[str]:
    """Run `newsmill ARGS` to completion in a subprocess and return its outcome."""
    return subprocess.run(newsmill_command(*args), cwd=REPO, env=newsmill_env(api_url, **extra),
                          capture_output=True, text=True, timeout=timeout)


def start_newsmill(args: Sequence[str], api_url: str | None, log: Path | None = None,
                   **extra: str) -> subprocess.Popen[str]:
    """Start `newsmill ARGS` in its own process group (so a test can kill it and its workers).

    Output goes to pipes, or to the file `log` for long-lived chatty processes such as `serve`
    (a full pipe nobody reads would block it).
    """
    out: Any = log.open("w") if log else subprocess.PIPE
    try:
        return subprocess.Popen(newsmill_command(*args), cwd=REPO,
                                env=newsmill_env(api_url, **extra), stdout=out,
                                stderr=subprocess.STDOUT if log else subprocess.PIPE, text=True,
                                start_new_session=True)
    finally:
        if log:
            out.close()


# Small JSON Lines dumps whose articles each name two countries, so every article has mentions.
COUNTRIES = ("Kenya", "Ghana", "Norway", "Chile", "Vietnam", "Portugal", "Canada", "Egypt",
             "Peru", "Japan", "Poland", "Morocco")


def story(number: int, batch: str = "a") -> dict[str, Any]:
    """One distinct news record, number `number` of batch `batch`."""
    first = COUNTRIES[number % len(COUNTRIES)]
    second = COUNTRIES[(number * 5 + 3) % len(COUNTRIES)]
    if second == first:
        second = COUNTRIES[(number + 1) % len(COUNTRIES)]
    return {
        "title": f"{first} and {second} sign fisheries accord number {number}{batch}",
        "body": (f"Negotiators from {first} and {second} agreed on Tuesday to share patrol data "
                 f"along their shipping lanes, the {number}{batch} accord of its kind this year. "
                 f"Officials in {first} said inspections would start next month, while "
                 f"fishing groups in {second} asked for the quotas to be published."),
        "source": "Harbour Ledger",
        "url": f"https://harbour-ledger.example/{batch}/accord-{number}",
        "published_at": f"2025-06-{1 + number % 28:02d}T08:30:00Z",
    }


def write_jsonl_dump(path: Path, records: Sequence[dict[str, Any]]) -> Path:
    """Write records as a JSON Lines dump (one object per line)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records),
                    encoding="utf-8")
    return path


def write_stories(path: Path, count: int, batch: str = "a", start: int = 0) -> Path:
    """A JSONL dump holding `count` distinct stories."""
    return write_jsonl_dump(path, [story(n, batch) for n in range(start, start + count)])


def table_rows(data_dir: Path, table: str,
               exclude: Sequence[str] = ()) -> list[tuple[Any, ...]]:
    """Every row of a published table through the plain Parquet glob, sorted, minus `exclude`."""
    import duckdb

    pattern = str(data_dir / table / "**" / "*.parquet")
    if not list((data_dir / table).glob("**/*.parquet")):
        return []  # an empty table has no part files
    with duckdb.connect() as con:
        names = [r[0] for r in con.execute(
            f"describe select * from read_parquet('{pattern}')").fetchall()]
        keep = ", ".join(f'"{n}"' for n in names if n not in exclude)
        rows = con.execute(f"select {keep} from read_parquet('{pattern}') order by all").fetchall()
    return [tuple(r) for r in rows]


def hidden_entries(data: Path) -> list[str]:
    """Dot-files anywhere under data/ (following no symlinks) other than the store's own
    two: temp files a write or a killed run left."""
    found = []
    for dirpath, dirnames, filenames in os.walk(data):
        for name in dirnames + filenames:
            rel = os.path.relpath(os.path.join(dirpath, name), data)
            if name.startswith(".") and rel not in (".gen", ".lock"):
                found.append(rel)
    return sorted(found)


def view_count(data_dir: Path, view: str) -> int:
    """Row count of a view, read through the views file (read-only)."""
    import duckdb

    with duckdb.connect(str(data_dir / "newsmill.duckdb"), read_only=True) as con:
        row = con.execute(f"select count(*) from {view}").fetchone()
    assert row is not None
    return int(row[0])


# ---------------------------------------------------------------------------------------------
# Report, notebook and browser tests (issue 8): one warehouse built from the bundled raw/ sample,
# shared by the whole session. Treat it as read-only; tests that change a warehouse build their own.
# A fixed capture time keeps relative dates ("3 hours ago") the same on every machine.
BUNDLED_CAPTURED_AT = "2025-08-27T12:00:00Z"


@pytest.fixture(scope="session")
def bundled_warehouse(prefect_api: str, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The data folder after one `newsmill run` over the repo's raw/ sample."""
    data = tmp_path_factory.mktemp("bundled") / "data"
    done = run_newsmill(["run", "--raw", str(REPO / "raw"), "--data", str(data),
                         "--captured-at", BUNDLED_CAPTURED_AT], prefect_api)
    assert done.returncode == 0, done.stderr[-3000:]
    assert (data / "newsmill.duckdb").exists()
    return data


def build_tiny_warehouse(data: Path, *, articles: bool = True,
                         second_source: str = "Harbour Ledger") -> Path:
    """A published warehouse written row by row, small enough to know every view's answer.

    Four articles: two from Harbour Ledger on 1 June (Kenya+Ghana, Kenya), one from Valley Post on
    2 June (Ghana+Norway), one undated with no source and no country (counted on its capture day,
    3 June). a2 is filed as a copy of a1's story (wire copy from AP). One refused listing page. With `articles=False`: only the refusal, no articles.
    `second_source` renames a2's source (e.g. to markup, to test escaping).
    """
    from datetime import UTC, date, datetime

    import pyarrow as pa

    from warehouse import schema
    from warehouse.store import Warehouse
    from warehouse.views import write_views_file

    seen = datetime(2025, 6, 3, 9, 0, tzinfo=UTC)
    texts = [
        ("a1", "Harbour Ledger", "Kenya and Ghana sign a fisheries accord",
         "Officials in Kenya said patrols start next month.", date(2025, 6, 1)),
        ("a2", second_source, "Port strike ends", "Dockers in Kenya went back to work.",
         date(2025, 6, 1)),
        ("a3", "Valley Post", "Ghana buys Norway's ferries", "The deal closed on Monday.",
         date(2025, 6, 2)),
        ("a4", None, "Local fair opens", "Stalls sold bread and honey.", None),
    ] if articles else []
    article = [{"article_id": i, "source": s, "title": t, "body": b, "url": None,
                "published_at": None, "published_date": d,
                "date_precision": "day" if d else "unknown", "date_text": None,
                "language": "en", "word_count": len((t + " " + b).split()), "body_chars": len(b),
                "position": "main", "title_key": t.lower(), "dump_id": "d1",
                "first_seen_at": seen, "story_id": "a1" if i == "a2" else i,
                "wire_service": "AP" if i == "a2" else None} for i, s, t, b, d in texts]
    places = [("a1", "KE", "Kenya", "title"), ("a1", "GH", "Ghana", "title"),
              ("a1", "KE", "Kenya", "body"), ("a2", "KE", "Kenya", "body"),
              ("a3", "GH", "Ghana", "title"), ("a3", "NO", "Norway", "title")]
    by_id = {row["article_id"]: row for row in article}
    mention = []
    for article_id, code, name, field in places if articles else []:
        text = by_id[article_id][field]
        start = text.index(name)
        mention.append({"article_id": article_id, "kind": "country", "country_code": code,
                        "name": name, "surface": name, "field": field, "start": start,
                        "end": start + len(name), "method": "gazetteer", "geonames_id": None})
    topic = [{"article_id": "a1", "topic_code": "medtop:11000000", "topic": "politics",
              "score": 0.9, "rank": 1, "method": "lexicon"},
             {"article_id": "a3", "topic_code": "medtop:04000000",
              "topic": "economy, business and finance", "score": 0.8, "rank": 1,
              "method": "lexicon"}] if articles else []
    dump = [{"dump_id": d, "path": p, "sha256": d * 8, "size_bytes": 100, "mtime_ns": 0,
             "format": f, "status": st, "articles": n, "articles_new": n, "rejects": r,
             "rejects_by_reason": '{"listing_page": 1}' if r else "{}", "skipped": 0, "skipped_by_reason": "{}", "captured_at": seen, "run_id": "r1",
             "processed_at": seen}
            for d, p, f, st, n, r in [("d1", "feed.jsonl", "json", "ingested", len(texts), 0),
                                      ("d2", "tags.txt", "daily8", "rejected", 0, 1)]]
    reject = [{"dump_id": "d2", "path": "tags.txt", "sha256": "d2" * 8, "reason": "listing_page",
               "detail": "a hashtag listing page", "location": None, "run_id": "r1"}]
    run = [{"run_id": "r1", "started_at": seen, "finished_at": seen, "dumps_seen": 2,
            "dumps_new": 2, "dumps_changed": 0, "dumps_unchanged": 0, "dumps_rejected": 1,
            "articles_parsed": len(texts), "articles_new": len(texts), "articles_updated": 0,
            "articles_duplicate": 0, "mentions_new": len(mention), "topics_new": len(topic),
            "entities_new": 0, "rejects_new": 1}]
    store = Warehouse(data)
    with store.lock():
        generation = store.begin()
        for table, rows in [("article", article), ("mention", mention), ("topic", topic)]:
            generation.write_part(table, "part-0000",
                                  pa.Table.from_pylist(rows, schema=schema.TABLES[table]))
        for table, rows in [("dump", dump), ("reject", reject), ("run", run)]:
            generation.write_ledger(table, pa.Table.from_pylist(rows, schema=schema.TABLES[table]))
        store.publish(generation)
        write_views_file(store.views_path, generation)
    return data


@pytest.fixture(scope="session")
def tiny_warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """build_tiny_warehouse, once per session; read-only."""
    return build_tiny_warehouse(tmp_path_factory.mktemp("tiny") / "data")
