"""The `newsmill` command: a thin layer over the flow and the warehouse."""

from __future__ import annotations

import argparse
import csv
import importlib.util
import json
import os
import re
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NoReturn

from flows.config import (
    Settings,
    SettingsError,
    dask_address,
    load_settings,
    local_folder,
    parse_captured_at,
    positive_int,
)
from warehouse.api import json_value

EPILOG_RUN = """Example:
  newsmill run --raw raw --data data
  newsmill run --data s3://bucket/newsmill          # work in a local copy, publish to the URL
  newsmill run --captured-at 2025-07-19T09:00:00Z   # resolve "3 hours ago" against this time
"""
EPILOG_QUERY = """Example:
  newsmill query "select country_code, articles from mentions_by_country limit 5"
  newsmill query "select * from country_pairs" --format csv > pairs.csv
  newsmill query "select count(*) from article" --data s3://bucket/newsmill
  newsmill query "select * from read_csv('mine.csv')" --allow-external-files

Only one SELECT runs; statements that write, attach, load or change settings are refused, and
files outside the warehouse are unreadable unless --allow-external-files.
"""
EPILOG_VIEWS = """Example:
  newsmill views                   # the views newsmill defines
  newsmill views --data data       # the views published in that warehouse
"""
EPILOG_SERVE = """Example:
  prefect server start --host 127.0.0.1 --port 4200        # in another terminal
  export PREFECT_API_URL=http://127.0.0.1:4200/api
  newsmill serve --cron "0 * * * *" --raw raw --data data  # every hour, until Ctrl-C
"""
EPILOG_REPORT = """Example:
  newsmill report                                 # writes report.html from data/
  newsmill report --data data --out /tmp/news.html
"""
DATA_HELP = ("warehouse folder, or an fsspec URL such as s3://bucket/prefix "
             "(default data/, or NEWSMILL_DATA)")
# Shown escaped in table output: C0 and C1 controls, DEL, line/paragraph separators and the bidi
# overrides, which would move the cursor, ring the bell or reorder what the terminal shows.
_UNPRINTABLE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
# Escaped in JSON output too: json.dumps leaves DEL, C1 and U+2028/2029 raw.
_JSON_RAW = re.compile("[\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


class UsageError(Exception):
    """A user mistake found before any work starts: one line on stderr, exit status 2."""


class _Parser(argparse.ArgumentParser):
    """argparse, but a mistake is one line (usage stays in --help), exit status 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: {message} (see {self.prog} --help)\n")


def _positive(value: str) -> int:
    try:
        return positive_int(value, "--workers")
    except SettingsError as err:
        raise argparse.ArgumentTypeError(str(err)) from None


def _settings(args: argparse.Namespace) -> Settings:
    settings = load_settings().with_data(getattr(args, "data", None))
    captured = getattr(args, "captured_at", None)
    return settings.with_overrides(
        raw_dir=local_folder(getattr(args, "raw", None)),
        captured_at=parse_captured_at(captured) if captured else None,
        workers=getattr(args, "workers", None),
        dask_address=dask_address(getattr(args, "dask", None)),
        wait_for_lock=True if getattr(args, "wait", False) else None,
        show_progress=True if args.command == "run" and sys.stderr.isatty() else None,
    )


def check_raw_folder(raw: Path) -> None:
    """UsageError unless `raw` is a folder."""
    if not raw.exists():
        raise UsageError(f"raw folder {raw} does not exist")
    if not raw.is_dir():
        raise UsageError(f"raw folder {raw} is a file, not a folder")


def check_writable_data_folder(data: Path) -> None:
    """UsageError unless `data` is a folder this process can write in, or one it could create:
    found before a run starts instead of as a traceback halfway through it. Creates nothing."""
    if data.exists() and not data.is_dir():
        raise UsageError(f"data folder {data} is a file, not a folder")
    existing = data
    while not existing.exists():
        existing = existing.parent
    if not existing.is_dir():
        raise UsageError(f"data folder {data} cannot be made: {existing} is a file")
    if existing != data:
        if not os.access(existing, os.W_OK | os.X_OK):
            raise UsageError(f"data folder {data} cannot be made: {existing} is not writable")
        return
    try:
        with tempfile.TemporaryFile(dir=data, prefix=".newsmill-probe-"):
            pass
    except OSError as err:
        raise UsageError(f"data folder {data} is not writable ({err.strerror or err})") from None


def cmd_run(args: argparse.Namespace) -> int:
    """Run the pipeline once and print its summary."""
    settings = _settings(args)
    check_raw_folder(settings.raw_dir)
    if settings.dask_address and importlib.util.find_spec("prefect_dask") is None:
        print("newsmill: --dask needs the dask extra: pip install -e '.[dask]' in the newsmill "
              "checkout (prefect-dask and distributed)", file=sys.stderr)
        return 2
    check_writable_data_folder(settings.data_dir)
    from flows.pipeline import ChecksFailed, DiskFull, run_pipeline
    from warehouse.remote import RemoteConflict, RemoteUnavailable
    from warehouse.store import DamagedWarehouse, WarehouseBusy

    try:
        summary = run_pipeline(settings)
    except (WarehouseBusy, RemoteConflict) as err:
        print(f"newsmill: {err}", file=sys.stderr)
        return 3
    except (RemoteUnavailable, DamagedWarehouse, DiskFull) as err:
        print(f"newsmill: {err}", file=sys.stderr)
        return 2
    except ChecksFailed as err:
        print(f"newsmill: {err}", file=sys.stderr)
        return 4
    print(format_summary(summary))
    return 0


def format_summary(summary: Any) -> str:
    """The human summary of one run."""
    counts = summary.counts
    state = f"published {summary.generation}" if summary.published else (
        f"nothing new; {summary.generation or 'empty warehouse'} unchanged")
    lines = [
        f"newsmill run {summary.run_id} -> {summary.data_dir} ({state})",
        f"  dumps:    {summary.dumps_seen} seen: {summary.dumps_new} new, "
        f"{summary.dumps_changed} changed, {summary.dumps_unchanged} unchanged, "
        f"{summary.dumps_rejected} refused",
        f"  articles: {summary.articles_parsed} parsed: {counts.new} new, "
        f"{counts.updated} updated with fuller text, {counts.duplicate} duplicate",
        f"  mentions: {counts.mentions} new    topics: {counts.topics} new    "
        f"entities: {counts.entities} new",
    ]
    if summary.rejects:
        reasons = ", ".join(f"{r} {n}" for r, n in sorted(summary.reject_reasons.items(),
                                                          key=lambda kv: (-kv[1], kv[0])))
        lines.append(f"  refused:  {summary.rejects} ({reasons}); "
                     "see `newsmill query \"select * from reject\"`")
    if summary.skipped_by_reason:
        skips = ", ".join(f"{r} {n}" for r, n in sorted(summary.skipped_by_reason.items()))
        lines.append(f"  skipped records: {skips}")
    lines.append(f"  time:     {summary.seconds:.1f} s")
    if summary.top_countries:
        lines.append("  top countries (articles, mentions):")
        for code, name, articles, mentions in summary.top_countries:
            lines.append(f"    {code}  {name:<28} {articles:>7} {mentions:>8}")
    return "\n".join(lines)


def cmd_query(args: argparse.Namespace) -> int:
    """Run one read-only SELECT against the views (the views file, or views over a data URL)."""
    import duckdb

    from warehouse.api import NoWarehouse, QueryRefused, open_warehouse, read_rows
    from warehouse.remote import RemoteUnavailable

    settings = _settings(args)
    try:
        connection = open_warehouse(settings.data_location,
                                    allow_external_files=args.allow_external_files)
    except NoWarehouse as err:
        raise UsageError(str(err)) from None
    except RemoteUnavailable as err:
        print(f"newsmill: {err}", file=sys.stderr)
        return 2
    with connection as con:
        try:
            columns, rows = read_rows(con, args.sql)
        except QueryRefused as err:
            raise UsageError(f"query refused: {err}") from None
        except duckdb.Error as err:
            # DuckDB quotes values in its messages (a failed cast shows the text): keep its line
            # breaks (the caret under a syntax error) but escape everything else.
            lines = str(err).splitlines() or [type(err).__name__]
            print("newsmill: " + "\n".join(printable(line) for line in lines), file=sys.stderr)
            return 2
    write_rows(columns, rows, args.format, sys.stdout)
    return 0


def write_rows(columns: list[str], rows: list[tuple[Any, ...]], fmt: str, out: Any) -> None:
    """Print rows as an aligned table, CSV or JSON (one array of objects)."""
    if fmt == "csv":
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(columns)
        writer.writerows([[json_value(v) for v in row] for row in rows])
    elif fmt == "json":
        text = json.dumps([{c: json_value(v) for c, v in zip(columns, row, strict=True)}
                           for row in rows], ensure_ascii=False, indent=1)
        # These characters only occur inside JSON strings, where a \uXXXX escape means the same.
        out.write(_JSON_RAW.sub(lambda m: f"\\u{ord(m.group()):04x}", text) + "\n")
    else:
        text = [[printable("" if v is None else str(json_value(v))) for v in row] for row in rows]
        columns = [printable(c) for c in columns]
        widths = [min(60, max([len(c)] + [len(r[i]) for r in text])) for i, c in
                  enumerate(columns)]
        out.write("  ".join(c.ljust(w) for c, w in zip(columns, widths, strict=True)).rstrip()
                  + "\n")
        out.write("  ".join("-" * w for w in widths) + "\n")
        for row in text:
            out.write("  ".join(v[:w].ljust(w) for v, w in zip(row, widths, strict=True)).rstrip()
                      + "\n")
        out.write(f"({len(rows)} row{'s' if len(rows) != 1 else ''})\n")


def printable(text: str) -> str:
    """A cell as one terminal line: newlines and tabs as spaces, other controls escaped (an ESC
    in a title prints as the four characters \\x1b instead of reaching the terminal)."""
    return _UNPRINTABLE.sub(_escape, text)


def _escape(match: re.Match[str]) -> str:
    char = match.group()
    if char in "\n\t\r":
        return " "
    return f"\\x{ord(char):02x}" if ord(char) < 0x100 else f"\\u{ord(char):04x}"


def cmd_views(args: argparse.Namespace) -> int:
    """List every view with its one-line description (with --data: the views published there)."""
    from warehouse.views import load_views

    listing = [(view.name, view.description) for view in load_views()]
    if args.data:
        from warehouse.api import NoWarehouse, open_warehouse
        from warehouse.remote import RemoteUnavailable
        from warehouse.store import DamagedWarehouse

        settings = _settings(args)
        try:
            connection = open_warehouse(settings.data_location)
        except (NoWarehouse, RemoteUnavailable, DamagedWarehouse) as err:
            raise UsageError(str(err)) from None
        with connection as con:
            published = dict(con.execute("select view_name, comment from duckdb_views() "
                                         "where not internal and not temporary").fetchall())
        known = {name for name, _ in listing}
        listing = [(name, published[name] or text) for name, text in listing
                   if name in published]
        listing += [(name, comment or "") for name, comment in sorted(published.items())
                    if name not in known]
    for name, description in listing:
        print(printable(f"{name:<26} {description}"))
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    """Run the pipeline on a cron schedule through a Prefect server (concurrency limit 1)."""
    settings = _settings(args).with_overrides(cron=args.cron)
    check_cron(settings.cron, "--cron" if args.cron else "NEWSMILL_CRON")
    check_raw_folder(settings.raw_dir)
    check_writable_data_folder(settings.data_dir)
    from flows.serve import ServerUnavailable, serve

    try:
        serve(settings)
    except ServerUnavailable as err:
        print(f"newsmill: {err}", file=sys.stderr)
        return 2
    return 0


def check_cron(expression: str, name: str) -> None:
    """UsageError unless Prefect's own cron schedule accepts `expression` (checked before the
    server is contacted, instead of a page of validation errors from inside serve)."""
    from flows.config import quiet_prefect

    quiet_prefect(log_level="INFO")  # serve's level (the first call sets it): run logs show
    from prefect.client.schemas.schedules import CronSchedule
    from pydantic import ValidationError

    try:
        CronSchedule(cron=expression)
    except ValidationError:
        raise UsageError(f"{name} {expression!r} is not a cron schedule such as '0 * * * *' "
                         "(minute hour day-of-month month day-of-week)") from None


def cmd_report(args: argparse.Namespace) -> int:
    """Write one self-contained HTML report of the views, with charts; it opens offline."""
    from warehouse.api import NoWarehouse
    from warehouse.remote import RemoteUnavailable
    from warehouse.report import write_report
    from warehouse.store import DamagedWarehouse

    settings = _settings(args)
    out = Path(args.out)
    if out.is_dir():
        raise UsageError(f"--out {out} is a folder; give a file name such as {out / 'report.html'}")
    try:
        written = write_report(settings.data_location, out)
    except NoWarehouse as err:
        raise UsageError(str(err)) from None
    except (RemoteUnavailable, DamagedWarehouse) as err:
        print(f"newsmill: {err}", file=sys.stderr)
        return 2
    except OSError as err:
        raise UsageError(f"cannot write {out}: {err.strerror or err}") from None
    source = written.generation or "an empty warehouse (run `newsmill run` first)"
    print(f"newsmill: wrote {written.path} ({written.charts} charts from {source})")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="newsmill",
        description="Raw news dumps -> article/mention/topic Parquet -> DuckDB views.",
    )
    sub = parser.add_subparsers(dest="command", required=True)

    run = sub.add_parser("run", help="one incremental pipeline run as a Prefect flow",
                         description=cmd_run.__doc__, epilog=EPILOG_RUN,
                         formatter_class=argparse.RawDescriptionHelpFormatter)
    run.add_argument("--raw", help="folder of raw dumps (default raw/, or NEWSMILL_RAW)")
    run.add_argument("--data", help=DATA_HELP)
    run.add_argument("--captured-at", help="capture time for relative dates such as "
                     "'3 hours ago' (ISO 8601; default: each file's modification time)")
    run.add_argument("--workers", type=_positive, help="parser processes (default: all cores)")
    run.add_argument("--dask", help="run parse tasks on a Dask cluster: 'local' or tcp://host:port")
    run.add_argument("--wait", action="store_true", help="when another run holds the data "
                     "folder, wait for it to finish instead of exiting with status 3")
    run.set_defaults(func=cmd_run)

    query = sub.add_parser("query", help="read-only SQL against the warehouse views",
                           description=cmd_query.__doc__, epilog=EPILOG_QUERY,
                           formatter_class=argparse.RawDescriptionHelpFormatter)
    query.add_argument("sql", help="one SELECT statement (views: see `newsmill views`)")
    query.add_argument("--data", help=DATA_HELP)
    query.add_argument("--format", choices=["table", "csv", "json"], default="table",
                       help="table (control characters shown escaped), csv (values verbatim, "
                       "for files and spreadsheets) or json")
    query.add_argument("--allow-external-files", action="store_true",
                       help="let the query read files outside the warehouse (read_csv of your "
                       "own CSV); writing stays refused")
    query.set_defaults(func=cmd_query)

    views = sub.add_parser("views", help="list every view with its description",
                           description=cmd_views.__doc__, epilog=EPILOG_VIEWS,
                           formatter_class=argparse.RawDescriptionHelpFormatter)
    views.add_argument("--data", help=DATA_HELP)
    views.set_defaults(func=cmd_views)

    serve = sub.add_parser("serve", help="run the pipeline on a schedule via a Prefect server",
                           description=cmd_serve.__doc__, epilog=EPILOG_SERVE,
                           formatter_class=argparse.RawDescriptionHelpFormatter)
    serve.add_argument("--cron", help="cron schedule, e.g. '*/15 * * * *' "
                       "(default '0 * * * *', or NEWSMILL_CRON)")
    serve.add_argument("--raw", help="folder of raw dumps (default raw/, or NEWSMILL_RAW)")
    serve.add_argument("--data", help=DATA_HELP)
    serve.set_defaults(func=cmd_serve)

    report = sub.add_parser("report", help="one offline HTML report of the views, with charts",
                            description=cmd_report.__doc__, epilog=EPILOG_REPORT,
                            formatter_class=argparse.RawDescriptionHelpFormatter)
    report.add_argument("--data", help=DATA_HELP)
    report.add_argument("--out", default="report.html", help="HTML file to write "
                        "(default report.html)")
    report.set_defaults(func=cmd_report)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args))
    except (UsageError, SettingsError) as err:
        print(f"newsmill: {printable(str(err))}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
