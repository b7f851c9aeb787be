"""The `newsmill` command: a thin layer over the flow and the warehouse."""

from __future__ import annotations

import argparse
import csv
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from flows.config import Settings, load_settings, local_folder, parse_captured_at
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
"""
EPILOG_VIEWS = """Example:
  newsmill views
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
READ_STATEMENTS = {"SELECT", "EXPLAIN", "PRAGMA", "RELATION"}


def _settings(args: argparse.Namespace) -> Settings:
    settings = load_settings().with_data(getattr(args, "data", None))
    captured = getattr(args, "captured_at", None)
    return settings.with_overrides(
        raw_dir=local_folder(getattr(args, "raw", None)),
        captured_at=parse_captured_at(captured) if captured else None,
        workers=getattr(args, "workers", None),
        dask_address=getattr(args, "dask", None),
        wait_for_lock=True if getattr(args, "wait", False) else None,
        show_progress=True if args.command == "run" and sys.stderr.isatty() else None,
    )


def cmd_run(args: argparse.Namespace) -> int:
    """Run the pipeline once and print its summary."""
    settings = _settings(args)
    if not settings.raw_dir.is_dir():
        print(f"newsmill: raw folder {settings.raw_dir} does not exist", file=sys.stderr)
        return 2
    from flows.pipeline import ChecksFailed, run_pipeline
    from warehouse.remote import RemoteConflict, RemoteUnavailable
    from warehouse.store import WarehouseBusy

    try:
        summary = run_pipeline(settings)
    except (WarehouseBusy, RemoteConflict) as err:
        print(f"newsmill: {err}", file=sys.stderr)
        return 3
    except RemoteUnavailable as err:
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
    """Run read-only SQL against the views (the views file, or views over a data URL)."""
    import duckdb

    from warehouse.api import NoWarehouse, open_warehouse
    from warehouse.remote import RemoteUnavailable

    settings = _settings(args)
    try:
        connection = open_warehouse(settings.data_location)
    except NoWarehouse:
        print(f"newsmill: no warehouse at {settings.data_location}; run `newsmill run` first",
              file=sys.stderr)
        return 2
    except RemoteUnavailable as err:
        print(f"newsmill: {err}", file=sys.stderr)
        return 2
    with connection as con:
        try:
            statements = con.extract_statements(args.sql)
            for statement in statements:
                if statement.type.name not in READ_STATEMENTS:
                    print(f"newsmill: query is read-only; {statement.type.name} is not allowed",
                          file=sys.stderr)
                    return 2
            if not statements:
                print("newsmill: empty query", file=sys.stderr)
                return 2
            for statement in statements[:-1]:
                con.execute(statement)
            cursor = con.execute(statements[-1])
            columns = [d[0] for d in cursor.description or []]
            rows = cursor.fetchall()
        except duckdb.Error as err:
            print(f"newsmill: {err}", file=sys.stderr)
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
        json.dump([{c: json_value(v) for c, v in zip(columns, row, strict=True)} for row in rows],
                  out, ensure_ascii=False, indent=1)
        out.write("\n")
    else:
        text = [[("" if v is None else str(json_value(v))).replace("\n", " ") for v in row]
                for row in rows]
        widths = [min(60, max([len(c)] + [len(r[i]) for r in text])) for i, c in
                  enumerate(columns)]
        out.write("  ".join(c.ljust(w) for c, w in zip(columns, widths, strict=True)).rstrip()
                  + "\n")
        out.write("  ".join("-" * w for w in widths) + "\n")
        for row in text:
            out.write("  ".join(v[:w].ljust(w) for v, w in zip(row, widths, strict=True)).rstrip()
                      + "\n")
        out.write(f"({len(rows)} row{'s' if len(rows) != 1 else ''})\n")


def cmd_views(args: argparse.Namespace) -> int:
    """List every view with its one-line description."""
    from warehouse.views import load_views

    for view in load_views():
        print(f"{view.name:<26} {view.description}")
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    """Run the pipeline on a cron schedule through a Prefect server (concurrency limit 1)."""
    settings = _settings(args).with_overrides(cron=args.cron)
    if not settings.raw_dir.is_dir():
        print(f"newsmill: raw folder {settings.raw_dir} does not exist", file=sys.stderr)
        return 2
    from flows.serve import ServerUnavailable, serve

    try:
        serve(settings)
    except ServerUnavailable as err:
        print(f"newsmill: {err}", file=sys.stderr)
        return 2
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    """Write one self-contained HTML report of the views, with charts; it opens offline."""
    from warehouse.remote import RemoteUnavailable
    from warehouse.report import write_report

    settings = _settings(args)
    try:
        written = write_report(settings.data_location, Path(args.out))
    except RemoteUnavailable as err:
        print(f"newsmill: {err}", file=sys.stderr)
        return 2
    source = written.generation or "an empty warehouse (run `newsmill run` first)"
    print(f"newsmill: wrote {written.path} ({written.charts} charts from {source})")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
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
    run.add_argument("--workers", type=int, help="parser processes (default: all cores)")
    run.add_argument("--dask", help="run parse tasks on a Dask cluster: 'local' or tcp://host:port")
    run.add_argument("--wait", action="store_true", help="when another run holds the data "
                     "folder, wait for it to finish instead of exiting with status 3")
    run.set_defaults(func=cmd_run)

    query = sub.add_parser("query", help="read-only SQL against the warehouse views",
                           description=cmd_query.__doc__, epilog=EPILOG_QUERY,
                           formatter_class=argparse.RawDescriptionHelpFormatter)
    query.add_argument("sql", help="one SELECT statement (views: see `newsmill views`)")
    query.add_argument("--data", help=DATA_HELP)
    query.add_argument("--format", choices=["table", "csv", "json"], default="table")
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
    return int(args.func(args))


if __name__ == "__main__":
    sys.exit(main())
