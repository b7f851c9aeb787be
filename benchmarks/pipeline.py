"""End-to-end scale benchmark: build N articles of dumps, run the pipeline, time runs and queries.

    python -m benchmarks.pipeline --n 50000 200000 [--source ../shared/corpora/bbc/bbc]
                                  [--workdir /tmp/newsmill-bench] [--workers 2] [--dask local]
                                  [--mixed]

For each N it builds (or reuses) a corpus of exactly N article records as Daily8 page dumps and
JSONL exports (benchmarks/corpus.py) in the work folder, never in the repo. Then it runs, each in
a fresh process, exactly what `newsmill run` runs (flows.pipeline.run_pipeline, then the same
summary), so Prefect's start-up is paid as a user pays it:

1. a run over an empty raw folder: Prefect's fixed start-up and teardown;
2. the run over the corpus, with the peak memory of the whole process tree (flow process, parse
   workers, Prefect's temporary server), sampled every 0.1 s;
3. the same run again, which has nothing to do (the no-op rerun);
4. the three answer queries on the resulting views file, best of 3.

Throughput is N / flow time, where flow time is what the flow body took (RunSummary.seconds):
the start-up of the interpreter, Prefect and its temporary server is shown apart. It prints a
table, then one `BENCH n=... key=value ...` line per N for scripts.

`--mixed` builds the corpus with a third of its stories in eight other languages (see
benchmarks/corpus.py), so every stage pays for non-English text the way a multilingual crawl
makes it, and also times the `articles_by_language` view and prints its rows.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from benchmarks.corpus import (
    CAPTURED_AT,
    CORPUS_VERSION,
    DEFAULT_SOURCE,
    CorpusStats,
    build_corpus,
    generated_texts,
    load_source_texts,
)

REPO = Path(__file__).resolve().parent.parent
QUERIES = ("mentions_by_country", "mentions_by_country_day", "country_pairs")
RESULT_MARK = "BENCH-RUN "
MiB = 1024 * 1024


@dataclass(slots=True)
class RunMeasure:
    """One `newsmill run` in its own process."""

    wall_s: float
    flow_s: float
    stage_s: dict[str, float]
    articles_parsed: int
    articles_new: int
    articles_updated: int
    articles_duplicate: int
    mentions: int
    topics: int
    rejects: int
    published: bool
    peak_rss_mb: float = 0.0  # sum of RSS over the process tree at its highest
    peak_pss_mb: float = 0.0  # same with shared pages split between processes (Linux)
    peak_process_rss_mb: float = 0.0  # the largest single process
    peak_processes: int = 0
    cpu_s: float = 0.0  # user+system CPU of the whole tree, as last sampled per process

    @property
    def startup_s(self) -> float:
        return self.wall_s - self.flow_s


@dataclass(slots=True)
class BenchResult:
    n: int
    corpus: CorpusStats
    corpus_build_s: float
    empty: RunMeasure
    full: RunMeasure
    noop: RunMeasure
    query_ms: dict[str, float] = field(default_factory=dict)
    query_rows: dict[str, int] = field(default_factory=dict)
    warehouse_mb: float = 0.0

    @property
    def articles_per_s(self) -> float:
        return self.n / self.full.flow_s

    @property
    def mb_per_s(self) -> float:
        return self.corpus.bytes / MiB / self.full.flow_s

    def bench_line(self) -> str:
        stages = self.full.stage_s
        values: dict[str, Any] = {
            "n": self.n,
            "mixed": int(self.corpus.mixed),
            "articles_per_s": round(self.articles_per_s),
            "mb_per_s": round(self.mb_per_s, 2),
            "flow_s": round(self.full.flow_s, 2),
            "wall_s": round(self.full.wall_s, 2),
            "startup_s": round(self.empty.wall_s, 2),
            "run_startup_s": round(self.full.startup_s, 2),
            "peak_rss_mb": round(self.full.peak_rss_mb),
            "peak_pss_mb": round(self.full.peak_pss_mb),
            "peak_process_rss_mb": round(self.full.peak_process_rss_mb),
            "cpu_s": round(self.full.cpu_s, 1),
            "startup_cpu_s": round(self.empty.cpu_s, 1),
            "articles_per_cpu_s": round(self.n / max(self.full.cpu_s - self.empty.cpu_s, 1e-9)),
            "noop_s": round(self.noop.flow_s, 2),
            "noop_wall_s": round(self.noop.wall_s, 2),
            "corpus_mb": round(self.corpus.bytes / MiB, 1),
            "files": self.corpus.files,
            "articles_new": self.full.articles_new,
            "duplicates": self.full.articles_duplicate + self.full.articles_updated,
            "mentions": self.full.mentions,
            "topics": self.full.topics,
            "warehouse_mb": round(self.warehouse_mb, 1),
        }
        for name, seconds in stages.items():
            values[f"stage_{_key(name)}_s"] = round(seconds, 2)
        for name, ms in self.query_ms.items():
            values[f"q_{name}_ms"] = round(ms, 1)
        return "BENCH " + " ".join(f"{k}={v}" for k, v in values.items())


def _key(name: str) -> str:
    return "".join(c if c.isalnum() else "_" for c in name).strip("_")


# --- the measured process -----------------------------------------------------------------------


def child_run(raw: str, data: str, workers: int | None, dask: str | None) -> int:
    """What `newsmill run` does, plus one machine-readable line with the stage times."""
    from flows.cli import format_summary
    from flows.config import load_settings
    from flows.pipeline import run_pipeline

    settings = load_settings().with_overrides(raw_dir=Path(raw), data_dir=Path(data),
                                              workers=workers, dask_address=dask)
    summary = run_pipeline(settings)
    print(format_summary(summary))
    counts = summary.counts
    print(RESULT_MARK + json.dumps({
        "flow_s": summary.seconds, "stage_s": summary.stage_seconds,
        "articles_parsed": summary.articles_parsed, "articles_new": counts.new,
        "articles_updated": counts.updated, "articles_duplicate": counts.duplicate,
        "mentions": counts.mentions, "topics": counts.topics, "rejects": summary.rejects,
        "published": summary.published,
    }), flush=True)
    return 0


class TreeMemory:
    """Samples the memory of a process and all its descendants in a background thread."""

    def __init__(self, pid: int, interval: float = 0.1) -> None:
        import psutil

        self.root = psutil.Process(pid)
        self.interval = interval
        self.peak_rss = self.peak_pss = self.peak_process = 0
        self.peak_processes = 0
        self.cpu_by_pid: dict[int, float] = {}
        self.timeline: list[tuple[float, int, int]] = []  # (seconds, root RSS, tree RSS)
        self.started = time.perf_counter()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> TreeMemory:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        import psutil

        while not self._stop.is_set():
            try:
                procs = [self.root, *self.root.children(recursive=True)]
            except psutil.Error:
                return
            rss = pss = root_rss = 0
            for proc in procs:
                try:
                    info = proc.memory_full_info()
                except psutil.Error:
                    continue
                rss += info.rss
                if proc.pid == self.root.pid:
                    root_rss = info.rss
                try:
                    times = proc.cpu_times()
                    self.cpu_by_pid[proc.pid] = times.user + times.system
                except psutil.Error:
                    pass
                pss += getattr(info, "pss", info.rss)
                self.peak_process = max(self.peak_process, info.rss)
            self.peak_rss = max(self.peak_rss, rss)
            self.timeline.append((round(time.perf_counter() - self.started, 2),
                                  root_rss >> 20, rss >> 20))
            self.peak_pss = max(self.peak_pss, pss)
            self.peak_processes = max(self.peak_processes, len(procs))
            self._stop.wait(self.interval)


def measure_run(raw: Path, data: Path, *, workers: int | None, dask: str | None,
                log: Path) -> RunMeasure:
    """Run the pipeline in a fresh process and measure it from outside."""
    command = [sys.executable, "-m", "benchmarks.pipeline", "--child-run", str(raw), str(data)]
    if workers:
        command += ["--workers", str(workers)]
    if dask:
        command += ["--dask", dask]
    env = {**os.environ, "PYTHONPATH": str(REPO),
           "NEWSMILL_CAPTURED_AT": CAPTURED_AT.isoformat()}
    started = time.perf_counter()
    with open(log, "w") as out:
        process = subprocess.Popen(command, cwd=REPO, env=env, stdout=subprocess.PIPE,
                                   stderr=out, text=True)
        with TreeMemory(process.pid) as memory:
            stdout, _ = process.communicate()
    wall = time.perf_counter() - started
    cpu = sum(memory.cpu_by_pid.values())
    with open(log, "a") as out:
        out.write(stdout)
    log.with_suffix(".memory.json").write_text(json.dumps(memory.timeline))
    if process.returncode != 0:
        raise RuntimeError(f"the run failed (exit {process.returncode}); see {log}")
    line = next(li for li in stdout.splitlines() if li.startswith(RESULT_MARK))
    result = json.loads(line[len(RESULT_MARK):])
    return RunMeasure(
        wall_s=wall, flow_s=result["flow_s"], stage_s=result["stage_s"],
        articles_parsed=result["articles_parsed"], articles_new=result["articles_new"],
        articles_updated=result["articles_updated"],
        articles_duplicate=result["articles_duplicate"], mentions=result["mentions"],
        topics=result["topics"], rejects=result["rejects"], published=result["published"],
        peak_rss_mb=memory.peak_rss / MiB, peak_pss_mb=memory.peak_pss / MiB,
        peak_process_rss_mb=memory.peak_process / MiB, peak_processes=memory.peak_processes,
        cpu_s=cpu)


def time_queries(views_file: Path, repeats: int = 3, queries: tuple[str, ...] = QUERIES,
                 ) -> tuple[dict[str, float], dict[str, int]]:
    """Best-of-`repeats` wall time of each answer view, fetched whole, in milliseconds."""
    import duckdb

    times, rows = {}, {}
    with duckdb.connect(str(views_file), read_only=True) as con:
        for name in queries:
            best = float("inf")
            for _ in range(repeats):
                started = time.perf_counter()
                result = con.execute(f"select * from {name}").fetchall()
                best = min(best, time.perf_counter() - started)
            times[name], rows[name] = best * 1000, len(result)
    return times, rows


def print_languages(views_file: Path) -> None:
    """The run's articles per language and the share of each with a rank-1 topic that is no
    fallback, so a mixed run shows that the other languages got real topics."""
    import duckdb

    with duckdb.connect(str(views_file), read_only=True) as con:
        rows = con.execute("""
            select a.language, count(*) as articles,
                   avg(case when t.method = 'fallback' then 0 else 1 end) as with_topic,
                   avg(case when a.source_country is null then 0 else 1 end) as with_country
            from article a left join topic t on t.article_id = a.article_id and t.rank = 1
            group by a.language order by articles desc""").fetchall()
    print("language  articles  topic (no fallback)  source_country known")
    for language, articles, with_topic, with_country in rows:
        print(f"{language or '?':<9} {articles:>8,}  {with_topic:>19.1%}  {with_country:>20.1%}")


# --- orchestration ------------------------------------------------------------------------------


def ensure_corpus(workdir: Path, n: int, source: Path | None, seed: int,
                  mixed: bool = False) -> tuple[CorpusStats, Path, float]:
    """The corpus for N in the work folder, rebuilt only when its recipe changed."""
    name = f"corpus-{n}-mixed" if mixed else f"corpus-{n}"
    raw = workdir / name
    recipe_file = workdir / f"{name}.json"
    if source is not None and source.is_dir():
        kind, label = "folder", str(source.resolve())
    else:
        kind, label = "generated", "generated text (no source folder)"
    if raw.is_dir() and recipe_file.exists():
        stats = json.loads(recipe_file.read_text())
        if (stats.get("version"), stats.get("source"), stats.get("seed"),
                stats.get("articles"), stats.get("mixed", False)) == (
                CORPUS_VERSION, label, seed, n, mixed):
            return CorpusStats(**stats), raw, 0.0
    started = time.perf_counter()
    texts = load_source_texts(source) if kind == "folder" and source else generated_texts()
    stats = build_corpus(raw, n, texts, seed=seed, source=label, source_kind=kind, mixed=mixed)
    return stats, raw, time.perf_counter() - started


def folder_mb(path: Path) -> float:
    """Size of the published tables (symlinked generation) plus the views file."""
    total = 0
    for child in path.rglob("*"):
        if child.is_file() and not child.is_symlink():
            total += child.stat().st_size
    return total / MiB


def bench_one(n: int, args: argparse.Namespace) -> BenchResult:
    workdir: Path = args.workdir
    print(f"== N = {n:,}{' (mixed languages)' if args.mixed else ''}", flush=True)
    stats, raw, build_s = ensure_corpus(workdir, n, args.source, args.seed, mixed=args.mixed)
    built = f"built in {build_s:.1f} s" if build_s else "reused"
    print(f"corpus: {stats.articles:,} articles in {stats.files:,} files, "
          f"{stats.bytes / MiB:.1f} MiB ({stats.source_kind}: {stats.source}; {built})",
          flush=True)
    empty_raw, empty_data = workdir / "empty-raw", workdir / "empty-data"
    data = workdir / (f"data-{n}-mixed" if args.mixed else f"data-{n}")
    for folder in (empty_data, data):
        shutil.rmtree(folder, ignore_errors=True)
    empty_raw.mkdir(parents=True, exist_ok=True)
    common = {"workers": args.workers, "dask": args.dask}
    empty = measure_run(empty_raw, empty_data, log=workdir / "run-empty.log", **common)
    print(f"start-up (empty raw folder): {empty.wall_s:.1f} s", flush=True)
    tag = f"{n}-mixed" if args.mixed else f"{n}"
    full = measure_run(raw, data, log=workdir / f"run-{tag}.log", **common)
    if full.articles_parsed != n:
        print(f"warning: the run parsed {full.articles_parsed} articles, the corpus holds {n}",
              file=sys.stderr)
    print(f"run: {full.flow_s:.1f} s in the flow, {full.wall_s:.1f} s wall", flush=True)
    noop = measure_run(raw, data, log=workdir / f"run-{tag}-noop.log", **common)
    print(f"no-op rerun: {noop.flow_s:.2f} s in the flow, {noop.wall_s:.1f} s wall", flush=True)
    queries = (*QUERIES, "articles_by_language") if args.mixed else QUERIES
    query_ms, query_rows = time_queries(data / "newsmill.duckdb", queries=queries)
    if args.mixed:
        print_languages(data / "newsmill.duckdb")
    result = BenchResult(n, stats, build_s, empty, full, noop, query_ms, query_rows,
                         folder_mb(data))
    (workdir / f"result-{tag}.json").write_text(json.dumps(
        {"n": n, "corpus": asdict(stats), "empty": asdict(empty), "full": asdict(full),
         "noop": asdict(noop), "query_ms": query_ms, "query_rows": query_rows,
         "bench": result.bench_line()}, indent=1))
    return result


def machine() -> str:
    """nproc, CPU model and RAM of this machine."""
    model = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    ram = ""
    try:
        import psutil

        ram = f", {psutil.virtual_memory().total / 1024**3:.1f} GiB RAM"
    except ImportError:
        pass
    load = ", load avg {:.2f} {:.2f} {:.2f}".format(*os.getloadavg())
    return f"{os.cpu_count()} CPUs ({model}){ram}{load}"


def report(results: list[BenchResult]) -> str:
    """A side-by-side table of the results."""
    header = ["", *[f"N = {r.n:,}" for r in results]]
    rows: list[list[str]] = []

    def row(label: str, values: list[str]) -> None:
        rows.append([label, *values])

    if any(r.corpus.mixed for r in results):
        row("corpus", ["mixed languages" if r.corpus.mixed else "English" for r in results])
    row("corpus (files, MiB)", [f"{r.corpus.files:,}, {r.corpus.bytes / MiB:.0f}" for r in results])
    row("articles/s (flow)", [f"{r.articles_per_s:,.0f}" for r in results])
    row("MB/s (flow)", [f"{r.mb_per_s:.1f}" for r in results])
    row("flow time s", [f"{r.full.flow_s:.1f}" for r in results])
    row("start-up s (empty run)", [f"{r.empty.wall_s:.1f}" for r in results])
    row("start-up s (this run)", [f"{r.full.startup_s:.1f}" for r in results])
    stages = list(dict.fromkeys(s for r in results for s in r.full.stage_s))
    for stage in stages:
        row(f"  stage {stage} s", [f"{r.full.stage_s.get(stage, 0.0):.1f}" for r in results])
    row("CPU s, whole tree (empty run)", [f"{r.full.cpu_s:.1f} ({r.empty.cpu_s:.1f})"
                                          for r in results])
    row("articles per CPU s", [f"{r.n / max(r.full.cpu_s - r.empty.cpu_s, 1e-9):,.0f}"
                               for r in results])
    row("peak RSS MiB (tree sum)", [f"{r.full.peak_rss_mb:,.0f}" for r in results])
    row("peak PSS MiB (tree sum)", [f"{r.full.peak_pss_mb:,.0f}" for r in results])
    row("peak RSS MiB (1 process)", [f"{r.full.peak_process_rss_mb:,.0f}" for r in results])
    row("no-op rerun s (flow)", [f"{r.noop.flow_s:.2f}" for r in results])
    row("no-op rerun s (wall)", [f"{r.noop.wall_s:.1f}" for r in results])
    row("articles new / dup", [f"{r.full.articles_new:,} / "
                               f"{r.full.articles_duplicate + r.full.articles_updated:,}"
                               for r in results])
    row("mentions, topics", [f"{r.full.mentions:,}, {r.full.topics:,}" for r in results])
    row("warehouse MiB", [f"{r.warehouse_mb:.0f}" for r in results])
    for name in dict.fromkeys(q for r in results for q in r.query_ms):
        row(f"query {name} ms", [f"{r.query_ms.get(name, 0.0):.1f}" for r in results])
    widths = [max(len(line[i]) for line in [header, *rows]) for i in range(len(header))]
    lines = ["  ".join(cell.ljust(w) if i == 0 else cell.rjust(w)
                       for i, (cell, w) in enumerate(zip(line, widths, strict=True)))
             for line in [header, *rows]]
    return "\n".join(lines)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.pipeline",
                                     description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, nargs="+", default=[50_000],
                        help="corpus sizes in articles (default 50000)")
    parser.add_argument("--source", type=Path, default=DEFAULT_SOURCE,
                        help="folder of article texts, first line = title")
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/newsmill-bench"),
                        help="where corpora and warehouses go (never the repo)")
    parser.add_argument("--workers", type=int, help="parse processes (default: all cores)")
    parser.add_argument("--dask", help="'local' or a scheduler address: parse on Dask")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--mixed", action="store_true",
                        help="a third of the stories in eight other languages")
    parser.add_argument("--child-run", nargs=2, metavar=("RAW", "DATA"),
                        help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.child_run:
        raw, data = args.child_run
        return child_run(raw, data, args.workers, args.dask)
    if not args.source.is_dir():
        print(f"source folder {args.source} not found: the corpus is built from generated "
              "text instead, so its figures are not comparable with real articles",
              file=sys.stderr)
    workdir = args.workdir.resolve()
    if workdir == REPO or REPO in workdir.parents:
        print("the work folder must be outside the repository", file=sys.stderr)
        return 2
    workdir.mkdir(parents=True, exist_ok=True)
    args.workdir = workdir
    results = [bench_one(n, args) for n in args.n]
    runner = f"Dask {args.dask}" if args.dask else "local process pool"
    print(f"\nmachine: {machine()}")
    print(f"runner: {runner}, workers: {args.workers or os.cpu_count()}\n")
    print(report(results))
    print()
    for result in results:
        print(result.bench_line())
    return 0


if __name__ == "__main__":
    sys.exit(main())
