"""The visual report: DuckDB views in, one self-contained HTML page out.

Every chart and table comes from one query over the views, and the page shows that query, so a
reader can check any number with `newsmill query "<sql>"`. The same rows are embedded as JSON
(`<script id="newsmill-data">`) for machines. plotly.js is inlined: the page needs no network.

`collect_report(con)` runs the queries, `render_report(data)` turns the rows into HTML, and
`write_report(data_dir, out)` is the edge that opens the warehouse and writes the file.
"""

from __future__ import annotations

import html
import json
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from warehouse.api import json_value

if TYPE_CHECKING:
    import duckdb
    import plotly.graph_objects as go

TOP_COUNTRIES = 15  # bars in the top-countries chart
SERIES_COUNTRIES = 5  # lines in the daily time series
MATRIX_COUNTRIES = 12  # rows and columns of the co-mention matrix
TOPIC_COUNTRIES = 10  # rows of the topics-by-country matrix
TOP_SOURCES = 20
TOP_ENTITIES = 15  # bars in the top people and top organizations charts
PEOPLE_COUNTRIES = 5  # top countries whose most co-mentioned people are listed
PEOPLE_PER_COUNTRY = 5
TABLE_ROWS = 100  # HTML tables beyond this say how many rows they left out

_TOP = ("select country_code from mentions_by_country "
        "order by articles desc, mentions desc, country_code limit {n}")


@dataclass(frozen=True, slots=True)
class Query:
    """One question the report asks of the views."""

    key: str
    views: tuple[str, ...]
    title: str
    sql: str


QUERIES = [
    Query("totals", ("articles_by_source", "mention", "topic", "dump", "reject", "stories"),
          "In numbers",
          "select\n"
          "    (select coalesce(sum(articles), 0) from articles_by_source) as articles,\n"
          "    (select min(first_day) from articles_by_source) as first_day,\n"
          "    (select max(last_day) from articles_by_source) as last_day,\n"
          "    (select count(*) from articles_by_source) as sources,\n"
          "    (select count(*) from mention) as mentions,\n"
          "    (select count(distinct country_code) from mention) as countries,\n"
          "    (select count(*) from topic) as topics,\n"
          "    (select count(*) from dump) as dumps,\n"
          "    (select count(*) from dump where status = 'rejected') as dumps_refused,\n"
          "    (select count(*) from reject) as rejects,\n"
          "    (select count(*) from stories) as stories"),
    Query("top_countries", ("mentions_by_country",), "Countries in the news",
          "select country_code, country, articles, mentions, share, stories\n"
          "from mentions_by_country\n"
          f"order by articles desc, mentions desc, country_code\nlimit {TOP_COUNTRIES}"),
    Query("country_days", ("mentions_by_country_day",), "Day by day",
          "select day, country_code, articles, mentions, share, country\n"
          "from mentions_by_country_day\n"
          f"where country_code in ({_TOP.format(n=SERIES_COUNTRIES)})\n"
          "order by day, articles desc, country_code"),
    Query("days", ("mentions_by_country_day",), "Days with mentions",
          "select distinct day from mentions_by_country_day order by day"),
    Query("pairs", ("country_pairs",), "Countries named together",
          "select country_a, country_b, articles, country_code_a, country_code_b\n"
          "from country_pairs\n"
          f"where country_code_a in ({_TOP.format(n=MATRIX_COUNTRIES)})\n"
          f"  and country_code_b in ({_TOP.format(n=MATRIX_COUNTRIES)})\n"
          "order by articles desc, country_code_a, country_code_b"),
    Query("topics", ("topics_by_country",), "What the coverage is about",
          "select country_code, topic, articles, share, country, topic_code\n"
          "from topics_by_country\n"
          f"where country_code in ({_TOP.format(n=TOPIC_COUNTRIES)})\n"
          "order by country_code, articles desc, topic_code"),
    Query("top_people", ("people",), "Who is in the news",
          "select name, articles, mentions, first_day, last_day\n"
          "from people\n"
          f"order by articles desc, mentions desc, name\nlimit {TOP_ENTITIES}"),
    Query("top_organizations", ("organizations",), "Organizations in the news",
          "select name, articles, mentions, first_day, last_day\n"
          "from organizations\n"
          f"order by articles desc, mentions desc, name\nlimit {TOP_ENTITIES}"),
    Query("people_countries", ("people_by_country", "mentions_by_country"),
          "People named with the top countries",
          "select country, name, articles, country_code\n"
          "from (\n"
          "    select *, row_number() over (\n"
          "        partition by country_code order by articles desc, name) as place\n"
          "    from people_by_country\n"
          f"    where country_code in ({_TOP.format(n=PEOPLE_COUNTRIES)})\n"
          ")\n"
          f"where place <= {PEOPLE_PER_COUNTRY}\n"
          "order by country_code, articles desc, name"),
    Query("sources", ("articles_by_source",), "Sources by volume",
          "select source, articles, share, first_day, last_day, first_share\n"
          "from articles_by_source\n"
          f"order by articles desc, source\nlimit {TOP_SOURCES}"),
    Query("date_precision", ("article",), "How well articles are dated",
          "select date_precision, count(*) as articles\n"
          "from article\n"
          "group by date_precision\n"
          "order by articles desc, date_precision"),
    Query("runs", ("run",), "Runs",
          "select run_id, started_at, finished_at, dumps_seen, dumps_new, dumps_changed,\n"
          "    dumps_rejected, articles_new, articles_updated, articles_duplicate,\n"
          "    mentions_new, entities_new, rejects_new\n"
          "from run\n"
          "order by started_at desc\nlimit 50"),
    Query("reject_reasons", ("rejects_by_reason",), "Why input was refused",
          "select reason, rejects, dumps, example_detail\n"
          "from rejects_by_reason\n"
          "order by rejects desc, reason"),
    Query("dump_status", ("dump",), "Dumps by format and status",
          "select format, status, count(*) as dumps, sum(articles) as articles,\n"
          "    sum(rejects) as rejects\n"
          "from dump\n"
          "group by format, status\n"
          "order by dumps desc, format, status"),
    Query("refused_dumps", ("dump", "reject"), "Dumps refused in whole or in part",
          "select dump.path, dump.format, dump.status, dump.articles, dump.rejects,\n"
          "    string_agg(distinct reject.reason, ', ' order by reject.reason) as reasons\n"
          "from dump\n"
          "left join reject using (dump_id)\n"
          "where dump.status <> 'ingested'\n"
          "group by all\n"
          "order by dump.status desc, dump.path\nlimit 200"),
]


@dataclass(frozen=True, slots=True)
class Rows:
    """The answer to one `Query`."""

    query: Query
    columns: list[str]
    rows: list[tuple[Any, ...]]

    def records(self) -> list[dict[str, Any]]:
        return [dict(zip(self.columns, row, strict=True)) for row in self.rows]


@dataclass(frozen=True, slots=True)
class ReportData:
    """Everything the page shows, fetched before any HTML is written."""

    data_dir: str
    generation: str | None
    generated_at: datetime
    results: dict[str, Rows]
    descriptions: dict[str, str] = field(default_factory=dict)  # view -> its header comment


@dataclass(frozen=True, slots=True)
class WrittenReport:
    path: Path
    charts: int
    generation: str | None


def collect_report(con: duckdb.DuckDBPyConnection, *, data_dir: str = "",
                   generated_at: datetime | None = None) -> ReportData:
    """Run every report query against a connection that has the views."""
    from warehouse.views import load_views

    results = {}
    for query in QUERIES:
        cursor = con.execute(query.sql)
        columns = [d[0] for d in cursor.description or []]
        results[query.key] = Rows(query, columns, [tuple(r) for r in cursor.fetchall()])
    try:
        rows = con.execute("select generation from newsmill_meta").fetchall()
        row = rows[0] if rows else None
        generation = str(row[0]) if row and row[0] else None
    except Exception:  # views built by hand, without the meta table
        generation = None
    return ReportData(data_dir, generation, generated_at or datetime.now(UTC), results,
                      {v.name: v.description for v in load_views()})


def write_report(data_dir: Path | str, out: Path) -> WrittenReport:
    """Build the report for a data folder or data URL and write it atomically to `out`."""
    with _connect(data_dir) as con:
        data = collect_report(con, data_dir=str(data_dir))
    page, charts = render_report(data)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.tmp-{os.getpid()}")
    tmp.write_text(page, encoding="utf-8")
    os.replace(tmp, out)
    return WrittenReport(out, charts, data.generation)


def _connect(data_dir: Path | str) -> duckdb.DuckDBPyConnection:
    """The warehouse opened read-only (warehouse.api.open_warehouse); a data folder or URL with
    nothing published yet gives empty views. A folder that does not exist is NoWarehouse."""
    from warehouse.api import open_warehouse

    return open_warehouse(data_dir, allow_empty=True)


# ---------------------------------------------------------------- rendering

def render_report(data: ReportData) -> tuple[str, int]:
    """The whole page as one HTML string, and how many charts it holds."""
    from plotly.offline import get_plotlyjs

    sections = [
        _section_countries(data),
        _section_days(data),
        _section_pairs(data),
        _section_topics(data),
        _section_who(data),
        _section_sources(data),
        _section_health(data),
    ]
    body = "\n".join(html_text for html_text, _ in sections)
    charts = sum(n for _, n in sections)
    page = _PAGE.format(
        title="newsmill report",
        style=_STYLE,
        plotlyjs=get_plotlyjs(),
        header=_header(data),
        nav=_nav(),
        body=body,
        data_json=_data_json(data),
    )
    return page, charts


def _section_countries(data: ReportData) -> tuple[str, int]:
    rows = data.results["top_countries"]
    records = rows.records()
    figure = None
    if records:
        import plotly.graph_objects as go

        names = [f"{r['country']} ({r['country_code']})" for r in records][::-1]
        figure = _figure(height=max(320, 26 * len(records) + 140), legend=True)
        figure.add_trace(go.Bar(name="articles naming it", orientation="h", y=names,
                                x=[r["articles"] for r in records][::-1]))
        figure.add_trace(go.Bar(name="stories naming it (copies counted once)",
                                orientation="h", y=names,
                                x=[r["stories"] for r in records][::-1]))
        figure.add_trace(go.Bar(name="mentions", orientation="h", y=names,
                                x=[r["mentions"] for r in records][::-1]))
        figure.update_layout(barmode="group", xaxis_title="count")
        _count_axis(figure, "x", max(r["mentions"] for r in records))
    text = (f"The {TOP_COUNTRIES} countries named in the most articles; "
            "share is of all articles. Stories count syndicated copies, edited copies and "
            "teasers of one piece once: independent coverage, beside coverage volume.")
    return _section("countries", rows, text, [("top_countries", figure)], data), int(bool(figure))


def _section_days(data: ReportData) -> tuple[str, int]:
    rows = data.results["country_days"]
    days = [json_value(r[0]) for r in data.results["days"].rows]
    charts: list[tuple[str, go.Figure | None]] = []
    if rows.rows:
        import plotly.graph_objects as go

        countries: dict[str, str] = {}
        counts: dict[tuple[str, str], int] = {}
        shares: dict[tuple[str, str], float] = {}
        for r in rows.records():
            countries.setdefault(r["country_code"], r["country"])
            counts[(json_value(r["day"]), r["country_code"])] = r["articles"]
            shares[(json_value(r["day"]), r["country_code"])] = float(r["share"])
        count_fig, share_fig = _figure(height=380, legend=True), _figure(height=380, legend=True)
        for code, name in _order_by_total(countries, counts):
            label = f"{name} ({code})"
            # A day without a row in the view is a day no article named the country: zero.
            count_fig.add_trace(go.Scatter(name=label, mode="lines+markers", x=days,
                                           y=[counts.get((d, code), 0) for d in days]))
            share_fig.add_trace(go.Scatter(name=label, mode="lines+markers", x=days,
                                           y=[shares.get((d, code), 0.0) for d in days]))
        count_fig.update_layout(yaxis_title="articles naming the country")
        _count_axis(count_fig, "y", max(counts.values()))
        share_fig.update_layout(yaxis_title="share of that day's articles",
                                yaxis_tickformat=".0%")
        for figure in (count_fig, share_fig):
            # News days are sparse (dumps come in bursts): one even step per day with data.
            figure.update_xaxes(type="category", tickangle=-45)
        charts = [("days_count", count_fig), ("days_share", share_fig)]
    text = (f"Articles per day naming each of the top {SERIES_COUNTRIES} countries, as counts and "
            "as a share of that day's articles. The day is the publication date, or the capture "
            "day when the page gave none; a day with no row counts as 0.")
    return _section("days", rows, text, charts or [("days_count", None)], data), len(charts)


def _order_by_total(countries: dict[str, str],
                    counts: dict[tuple[str, str], int]) -> list[tuple[str, str]]:
    totals = {code: 0 for code in countries}
    for (_, code), n in counts.items():
        totals[code] += n
    return sorted(countries.items(), key=lambda kv: (-totals[kv[0]], kv[0]))


def _section_pairs(data: ReportData) -> tuple[str, int]:
    rows = data.results["pairs"]
    figure = None
    if rows.rows:
        import plotly.graph_objects as go

        names: dict[str, str] = {}
        for r in rows.records():
            names[r["country_code_a"]] = r["country_a"]
            names[r["country_code_b"]] = r["country_b"]
        codes = sorted(names)
        index = {code: i for i, code in enumerate(codes)}
        # Empty cells: no article names both (and a country with itself is not a pair).
        matrix: list[list[int | None]] = [[None] * len(codes) for _ in codes]
        for r in rows.records():
            a, b = index[r["country_code_a"]], index[r["country_code_b"]]
            matrix[a][b] = matrix[b][a] = r["articles"]
        labels = [f"{names[c]} ({c})" for c in codes]
        figure = _figure(height=max(380, 34 * len(codes) + 160))
        figure.add_trace(go.Heatmap(z=matrix, x=labels, y=labels, colorscale="Blues",
                                    texttemplate="%{z}", hoverongaps=False,
                                    colorbar={"title": {"text": "articles"}},
                                    hovertemplate="%{y} + %{x}: %{z} articles<extra></extra>"))
        figure.update_yaxes(autorange="reversed")
    text = (f"How many articles name both countries, among the top {MATRIX_COUNTRIES} countries "
            "(empty cells: no article names both).")
    return _section("pairs", rows, text, [("pairs", figure)], data), int(bool(figure))


def _section_topics(data: ReportData) -> tuple[str, int]:
    rows = data.results["topics"]
    figure = None
    if rows.rows:
        import plotly.graph_objects as go

        records = rows.records()
        top = [r[0] for r in data.results["top_countries"].rows][:TOPIC_COUNTRIES]
        countries = {r["country_code"]: r["country"] for r in records}
        order = [c for c in top if c in countries] + sorted(set(countries) - set(top))
        topic_totals: dict[str, int] = {}
        for r in records:
            topic_totals[r["topic"]] = topic_totals.get(r["topic"], 0) + r["articles"]
        topics = sorted(topic_totals, key=lambda t: (-topic_totals[t], t))
        cells = {(r["country_code"], r["topic"]): r for r in records}
        z = [[cells[(c, t)]["articles"] if (c, t) in cells else None for t in topics]
             for c in order]
        share = [[float(cells[(c, t)]["share"]) if (c, t) in cells else None for t in topics]
                 for c in order]
        figure = _figure(height=max(360, 34 * len(order) + 220))
        figure.add_trace(go.Heatmap(z=z, x=topics, y=[f"{countries[c]} ({c})" for c in order],
                                    customdata=share, colorscale="Greens", texttemplate="%{z}",
                                    hoverongaps=False, colorbar={"title": {"text": "articles"}},
                                    hovertemplate="%{y}, %{x}: %{z} articles "
                                    "(%{customdata:.0%} of its articles)<extra></extra>"))
        figure.update_yaxes(autorange="reversed")
        figure.update_xaxes(tickangle=-35)
    text = (f"Articles naming each of the top {TOPIC_COUNTRIES} countries, per IPTC media topic; "
            "share is of that country's articles.")
    return _section("topics", rows, text, [("topics", figure)], data), int(bool(figure))


def _section_who(data: ReportData) -> tuple[str, int]:
    """Top people and organizations, and the people most often named with the top countries."""
    people, orgs = data.results["top_people"], data.results["top_organizations"]
    by_country = data.results["people_countries"]
    people_fig = _bar_chart(people, "name", "articles", "articles naming them", "#8e6cbf",
                            min_height=300, row_height=24) if people.rows else None
    org_fig = _bar_chart(orgs, "name", "articles", "articles naming it", "#5a9e8f",
                         min_height=300, row_height=24) if orgs.rows else None
    blocks = [
        _block(people, f"The {TOP_ENTITIES} people named in the most articles, by canonical name "
               "(no titles; a short form counts for the full name its article writes).",
               [("top_people", people_fig)], data, heading=False),
        _block(orgs, f"The {TOP_ENTITIES} organizations named in the most articles.",
               [("top_organizations", org_fig)], data),
        _block(by_country, f"For each of the top {PEOPLE_COUNTRIES} countries, the "
               f"{PEOPLE_PER_COUNTRY} people most often named in the same article.", [], data),
    ]
    charts = int(bool(people_fig)) + int(bool(org_fig))
    return (f'<section id="who"><h2>{html.escape(people.query.title)}</h2>'
            f'{"".join(blocks)}</section>', charts)


def _bar_chart(rows: Rows, label: str, value: str, title: str, color: str, *,
               min_height: int, row_height: int) -> go.Figure:
    """One horizontal bar per row, the first row on top."""
    import plotly.graph_objects as go

    records = rows.records()[::-1]
    figure = _figure(height=max(min_height, row_height * len(records) + 110))
    figure.add_trace(go.Bar(orientation="h", y=[r[label] for r in records],
                            x=[r[value] for r in records], name=title, marker_color=color))
    figure.update_layout(xaxis_title=title)
    _count_axis(figure, "x", max(r[value] for r in records))
    return figure


def _section_sources(data: ReportData) -> tuple[str, int]:
    rows = data.results["sources"]
    figure = _bar_chart(rows, "source", "articles", "unique articles", "#6c8ebf",
                        min_height=300, row_height=24) if rows.rows else None
    text = (f"The {TOP_SOURCES} sources with the most unique articles, and the days they cover; "
            "first_share is the share of a source's articles that were the first copy of their "
            "story (low for outlets that republish wire copy).")
    return _section("sources", rows, text, [("sources", figure)], data), int(bool(figure))


def _section_health(data: ReportData) -> tuple[str, int]:
    reasons = data.results["reject_reasons"]
    figure = _bar_chart(reasons, "reason", "rejects", "refusals", "#d9822b",
                        min_height=200, row_height=30) if reasons.rows else None
    parts = [
        _block(reasons, "Each refused file, line or record has one reason.",
               [("reject_reasons", figure)], data),
        _block(data.results["refused_dumps"], "Raw files not ingested cleanly: 'rejected' "
               "files gave no articles, 'partial' files lost some records.", [], data),
        _block(data.results["dump_status"], "Every raw file seen, by detected format and "
               "outcome.", [], data),
        _block(data.results["date_precision"], "'exact' and 'day' come from the page; "
               "'relative' was resolved against the capture time; 'unknown' articles are counted "
               "on the day they were captured.", [], data),
        _block(data.results["runs"], "Runs that changed the warehouse, newest first.", [], data),
    ]
    return (f'<section id="health"><h2>Data health</h2>{"".join(parts)}</section>',
            int(bool(figure)))


# ---------------------------------------------------------------- HTML pieces

def _figure(height: int, *, legend: bool = False) -> go.Figure:
    import plotly.graph_objects as go

    figure = go.Figure()
    figure.update_layout(template="plotly_white", height=height,
                         # Room above the plot for the legend, clear of plotly's toolbar.
                         margin={"l": 10, "r": 10, "t": 64 if legend else 32, "b": 10},
                         showlegend=legend,
                         legend={"orientation": "h", "yanchor": "bottom", "y": 1.02,
                                 "xanchor": "left", "x": 0},
                         font={"family": "system-ui, -apple-system, Segoe UI, sans-serif",
                               "size": 12})
    figure.update_yaxes(automargin=True)
    figure.update_xaxes(automargin=True)
    return figure


def _count_axis(figure: go.Figure, axis: str, largest: int) -> None:
    """Counts are whole numbers: no 0.2-steps on small axes."""
    if largest <= 10:
        figure.update_layout({f"{axis}axis": {"dtick": 1, "tick0": 0, "rangemode": "tozero"}})


def _chart_html(key: str, figure: go.Figure) -> str:
    return str(figure.to_html(full_html=False, include_plotlyjs=False, div_id=f"chart-{key}",
                              config={"displaylogo": False, "responsive": True}))


def _section(anchor: str, rows: Rows, text: str, charts: Sequence[tuple[str, go.Figure | None]],
             data: ReportData) -> str:
    return (f'<section id="{anchor}"><h2>{html.escape(rows.query.title)}</h2>'
            f"{_block(rows, text, charts, data, heading=False)}</section>")


def _block(rows: Rows, text: str, charts: Sequence[tuple[str, go.Figure | None]],
           data: ReportData, *, heading: bool = True) -> str:
    """One query's caption, charts, table of numbers and SQL."""
    query = rows.query
    title = f"<h3>{html.escape(query.title)}</h3>" if heading else ""
    views = ", ".join(f"<code>{html.escape(v)}</code>" for v in query.views)
    described = " ".join(html.escape(data.descriptions.get(v, "")) for v in query.views[:1])
    caption = (f'<p class="source">From view{"s" if len(query.views) > 1 else ""} {views}'
               f'{": " + described if described else ""}</p>')
    if not rows.rows:
        empty = (f'<p class="empty">No rows yet: the view{"s" if len(query.views) > 1 else ""} '
                 f'{views} {"have" if len(query.views) > 1 else "has"} nothing to show.</p>')
        return (f'<div class="block" id="block-{query.key}">{title}'
                f"{caption}{empty}{_sql(query)}</div>")
    drawn = [_chart_html(key, fig) for key, fig in charts if fig is not None]
    chart_html = "".join(f'<figure class="chart">{c}</figure>' for c in drawn)
    layout = "with-chart" if drawn else "table-only"
    return (f'<div class="block" id="block-{query.key}">{title}'
            f'{caption}<p class="note">{html.escape(text)}</p>'
            f'<div class="{layout}"><div class="charts">{chart_html}</div>'
            f"{_table(rows)}</div>{_sql(query)}</div>")


def _sql(query: Query) -> str:
    command = "newsmill query " + _shell_quote(" ".join(query.sql.split()))
    return (f"<details><summary>SQL behind this block</summary><pre>{html.escape(query.sql)}"
            f"</pre><p>Check it: <code>{html.escape(command)}</code></p></details>")


def _shell_quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("$", "\\$") + '"'


def _table(rows: Rows) -> str:
    shown = rows.rows[:TABLE_ROWS]
    head = "".join(f"<th>{html.escape(c)}</th>" for c in rows.columns)
    body = "".join(
        "<tr>" + "".join(f'<td class="{_kind(v)}">{html.escape(format_cell(v))}</td>'
                         for v in row) + "</tr>"
        for row in shown)
    more = (f'<p class="note">Showing {len(shown)} of {len(rows.rows)} rows.</p>'
            if len(rows.rows) > len(shown) else "")
    return (f'<div class="numbers"><table data-query="{rows.query.key}"><thead><tr>{head}</tr>'
            f"</thead><tbody>{body}</tbody></table>{more}</div>")


def _kind(value: Any) -> str:
    return "num" if isinstance(value, int | float | Decimal) and not isinstance(value, bool) \
        else "text"


def format_cell(value: Any) -> str:
    """How a value appears in the report's tables (shares keep 4 decimals)."""
    if value is None:
        return ""
    if isinstance(value, float | Decimal):
        return f"{float(value):.4f}"
    if isinstance(value, datetime):
        return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC") if value.tzinfo \
            else value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def _header(data: ReportData) -> str:
    totals = data.results["totals"].records()[0]
    query = data.results["totals"].query
    views = ", ".join(f"<code>{html.escape(v)}</code>" for v in query.views)
    if data.generation is None:
        banner = (f'<p class="empty banner">No published run in '
                  f"<code>{html.escape(data.data_dir)}</code> yet: run <code>newsmill run</code> "
                  "first. Every view below is empty.</p>")
    elif not totals["articles"]:
        banner = '<p class="empty banner">The warehouse has no articles yet.</p>'
    else:
        banner = ""
    first, last = totals["first_day"], totals["last_day"]
    span = f"{format_cell(first)} to {format_cell(last)}" if first else "no dates yet"
    tiles = [
        ("articles", totals["articles"]), ("stories", totals["stories"]),
        ("mentions", totals["mentions"]),
        ("countries", totals["countries"]), ("sources", totals["sources"]),
        ("topic labels", totals["topics"]), ("raw files", totals["dumps"]),
        ("files refused", totals["dumps_refused"]), ("refusals", totals["rejects"]),
    ]
    tile_html = "".join(f'<div class="tile" data-fact="{html.escape(label)}"><b>{value}</b>'
                        f"<span>{html.escape(label)}</span></div>" for label, value in tiles)
    generation = html.escape(data.generation or "none")
    return (f"<header><h1>newsmill report</h1>"
            f'<p class="meta">Warehouse <code>{html.escape(data.data_dir or "?")}</code>, '
            f"generation <code>{generation}</code>; articles dated <b>{html.escape(span)}</b>; "
            f"built {data.generated_at.astimezone(UTC):%Y-%m-%d %H:%M UTC}.</p>"
            '<p class="meta">Each chart names the view it reads; the table beside it holds the '
            "same numbers, and the SQL under it reproduces them with "
            "<code>newsmill query</code>.</p>"
            f"{banner}"
            f'<div class="tiles" id="totals">{tile_html}</div>'
            f'<p class="source">From views {views}</p>'
            f"{_sql(query)}</header>")


def _nav() -> str:
    links = [("countries", "Countries"), ("days", "Day by day"), ("pairs", "Co-mentions"),
             ("topics", "Topics"), ("who", "People"), ("sources", "Sources"),
             ("health", "Data health")]
    return "<nav>" + "".join(f'<a href="#{a}">{t}</a>' for a, t in links) + "</nav>"


def _data_json(data: ReportData) -> str:
    payload = {
        "generation": data.generation,
        "generated_at": data.generated_at.isoformat(),
        "queries": {
            key: {"views": list(rows.query.views), "sql": rows.query.sql,
                  "columns": rows.columns, "rows": [[json_value(v) for v in r] for r in rows.rows]}
            for key, rows in data.results.items()
        },
    }
    return embeddable_json(payload)


# Inside <script>, "</script" ends the element and "<!--" followed by "<script" switches the HTML
# parser into a state where the real "</script>" no longer ends it, so no "<" may appear raw; ">"
# and "&" are escaped too, so the block reads the same to any parser. U+2028/2029 end a line in
# older JavaScript. Each becomes a \uXXXX escape, which JSON decodes to the same character.
_SCRIPT_UNSAFE = str.maketrans({c: f"\\u{ord(c):04x}" for c in "<>&\u2028\u2029"})


def embeddable_json(value: Any) -> str:
    """`value` as JSON that can sit inside <script type="application/json"> unchanged."""
    return json.dumps(value, ensure_ascii=False).translate(_SCRIPT_UNSAFE)


_STYLE = """
:root { --ink: #1f2933; --muted: #616e7c; --line: #e4e7eb; --bg: #f7f8fa; --accent: #2f6fad; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.5 system-ui, -apple-system, "Segoe UI", sans-serif;
       color: var(--ink); background: var(--bg); }
header, section { max-width: 1280px; margin: 0 auto; padding: 16px 24px; }
h1 { margin: 8px 0 4px; font-size: 26px; }
h2 { margin: 8px 0; font-size: 20px; border-bottom: 2px solid var(--line); padding-bottom: 4px; }
h3 { margin: 4px 0; font-size: 15px; }
nav { position: sticky; top: 0; z-index: 10; background: #fff; border-bottom: 1px solid var(--line);
      padding: 8px 24px; display: flex; gap: 18px; flex-wrap: wrap; }
nav a { color: var(--accent); text-decoration: none; font-weight: 600; }
code { background: #eef1f4; padding: 0 4px; border-radius: 3px; font-size: 12px; }
.meta, .note, .source { color: var(--muted); margin: 2px 0; }
.source code { color: var(--ink); }
.tiles { display: grid; grid-template-columns: repeat(auto-fit, minmax(130px, 1fr)); gap: 10px;
         margin: 12px 0; }
.tile { background: #fff; border: 1px solid var(--line); border-radius: 6px; padding: 10px; }
.tile b { display: block; font-size: 22px; }
.tile span { color: var(--muted); }
.block { background: #fff; border: 1px solid var(--line); border-radius: 6px; padding: 12px 14px;
         margin: 12px 0; }
.with-chart { display: grid; grid-template-columns: minmax(0, 3fr) minmax(0, 2fr); gap: 14px;
              align-items: start; }
@media (max-width: 900px) { .with-chart { grid-template-columns: 1fr; } }
.chart { margin: 0 0 8px; min-height: 260px; }
.numbers { max-height: 520px; overflow: auto; border: 1px solid var(--line); border-radius: 4px; }
table { border-collapse: collapse; width: 100%; font-size: 12px; }
th { position: sticky; top: 0; background: #f0f3f6; text-align: left; }
th, td { padding: 3px 8px; border-bottom: 1px solid var(--line); white-space: nowrap; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
td.text { max-width: 360px; overflow: hidden; text-overflow: ellipsis; }
.empty { background: #fff8e6; border: 1px solid #f0d48a; border-radius: 4px; padding: 8px 10px; }
.banner { font-size: 15px; }
details { margin-top: 6px; color: var(--muted); }
pre { background: #f4f6f8; padding: 8px; border-radius: 4px; overflow-x: auto; font-size: 12px; }
"""

_PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<style>{style}</style>
<script>window.PlotlyConfig = {{MathJaxConfig: "local"}};</script>
<script>{plotlyjs}</script>
</head>
<body>
{header}
{nav}
{body}
<script type="application/json" id="newsmill-data">{data_json}</script>
</body>
</html>
"""
