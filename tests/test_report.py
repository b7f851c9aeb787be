"""`newsmill report`: one offline HTML page whose every number is a view's number."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import duckdb
import pytest

from conftest import build_tiny_warehouse
from flows.cli import main
from warehouse.api import NoWarehouse
from warehouse.report import QUERIES, embeddable_json, format_cell, write_report


class ReportPage(HTMLParser):
    """The parts of the page a test checks: tables by query, the JSON block, tags with URLs."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.tables: dict[str, list[list[str]]] = {}
        self.headers: dict[str, list[str]] = {}
        self.data_json = ""
        self.remote: list[str] = []
        self.chart_ids: list[str] = []
        self._table: str | None = None
        self._cell: list[str] | None = None
        self._in_head = False
        self._in_data = False
        self.text = text
        self.feed(text)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attr = dict(attrs)
        for name in ("src", "href"):
            value = attr.get(name) or ""
            if re.match(r"(https?:)?//", value):
                self.remote.append(f"<{tag} {name}={value}>")
        if tag == "table" and attr.get("data-query"):
            self._table = attr["data-query"]
            self.tables[self._table], self.headers[self._table] = [], []
        elif tag == "thead":
            self._in_head = True
        elif tag == "tbody":
            self._in_head = False
        elif tag == "tr" and self._table and not self._in_head:
            self.tables[self._table].append([])
        elif tag in ("td", "th") and self._table:
            self._cell = []
        elif tag == "script" and attr.get("id") == "newsmill-data":
            self._in_data = True
        elif tag == "div" and "plotly-graph-div" in (attr.get("class") or ""):
            self.chart_ids.append(attr.get("id") or "")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self._table and self._cell is not None:
            text = "".join(self._cell)
            if tag == "th":
                self.headers[self._table].append(text)
            else:
                self.tables[self._table][-1].append(text)
            self._cell = None
        elif tag == "table":
            self._table = None
        elif tag == "script":
            self._in_data = False

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)
        if self._in_data:
            self.data_json += data


def read_page(path: Path) -> ReportPage:
    return ReportPage(path.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def tiny_report(tiny_warehouse: Path, tmp_path_factory: pytest.TempPathFactory) -> ReportPage:
    written = write_report(tiny_warehouse, tmp_path_factory.mktemp("report") / "report.html")
    assert written.charts == 7
    return read_page(written.path)


def test_top_countries_table_is_the_view(tiny_report: ReportPage) -> None:
    assert tiny_report.headers["top_countries"] == ["country_code", "country", "articles",
                                                    "mentions", "share", "stories"]
    # a2 is a copy of a1: Kenya is named in two articles but one story
    assert tiny_report.tables["top_countries"] == [
        ["KE", "Kenya", "2", "3", "0.5000", "1"],
        ["GH", "Ghana", "2", "2", "0.5000", "2"],
        ["NO", "Norway", "1", "1", "0.2500", "1"],
    ]


def test_daily_pairs_topics_sources_and_health_tables(tiny_report: ReportPage) -> None:
    tables = tiny_report.tables
    assert tables["country_days"] == [
        ["2025-06-01", "KE", "2", "3", "1.0000", "Kenya"],
        ["2025-06-01", "GH", "1", "1", "0.5000", "Ghana"],
        ["2025-06-02", "GH", "1", "1", "1.0000", "Ghana"],
        ["2025-06-02", "NO", "1", "1", "1.0000", "Norway"],
    ]
    assert tables["pairs"] == [["Ghana", "Kenya", "1", "GH", "KE"],
                               ["Ghana", "Norway", "1", "GH", "NO"]]
    assert [row[:4] for row in tables["topics"]] == [
        ["GH", "economy, business and finance", "1", "0.5000"],
        ["GH", "politics", "1", "0.5000"],
        ["KE", "politics", "1", "0.5000"],
        ["NO", "economy, business and finance", "1", "1.0000"],
    ]
    assert tables["sources"] == [
        ["Harbour Ledger", "2", "0.5000", "2025-06-01", "2025-06-01", "0.5000"],
        ["(unknown)", "1", "0.2500", "2025-06-03", "2025-06-03", "1.0000"],
        ["Valley Post", "1", "0.2500", "2025-06-02", "2025-06-02", "1.0000"],
    ]
    assert tables["reject_reasons"] == [["listing_page", "1", "1", "a hashtag listing page"]]
    assert tables["refused_dumps"] == [["tags.txt", "daily8", "rejected", "0", "1",
                                        "listing_page"]]
    assert tables["date_precision"] == [["day", "3"], ["unknown", "1"]]
    assert [row[0] for row in tables["runs"]] == ["r1"]


def test_totals_and_date_range_in_the_header(tiny_report: ReportPage) -> None:
    totals = json.loads(tiny_report.data_json)["queries"]["totals"]
    assert dict(zip(totals["columns"], totals["rows"][0], strict=True)) == {
        "articles": 4, "first_day": "2025-06-01", "last_day": "2025-06-03", "sources": 3,
        "mentions": 6, "countries": 3, "topics": 2, "dumps": 2, "dumps_refused": 1,
        "rejects": 1, "stories": 3}
    assert "articles dated <b>2025-06-01 to 2025-06-03</b>" in tiny_report.text
    assert '<div class="tile" data-fact="mentions"><b>6</b>' in tiny_report.text
    assert '<div class="tile" data-fact="stories"><b>3</b>' in tiny_report.text


def test_every_chart_names_its_view_and_every_query_shows_its_sql(tiny_warehouse: Path,
                                                                  tmp_path: Path) -> None:
    text = write_report(tiny_warehouse, tmp_path / "r.html").path.read_text()
    for query in QUERIES:
        for view in query.views:
            assert f"<code>{view}</code>" in text, view
    # Every query but "days" (the daily charts' x axis) has its own block with its SQL.
    assert text.count("SQL behind this block") == len(QUERIES) - 1
    charts = read_page(tmp_path / "r.html").chart_ids
    assert sorted(charts) == sorted(f"chart-{k}" for k in (
        "top_countries", "days_count", "days_share", "pairs", "topics", "sources",
        "reject_reasons"))


def test_json_block_holds_each_query_answer(tiny_report: ReportPage,
                                            tiny_warehouse: Path) -> None:
    data = json.loads(tiny_report.data_json)
    assert data["generation"] == "g000001"
    with duckdb.connect(str(tiny_warehouse / "newsmill.duckdb"), read_only=True) as con:
        for query in QUERIES:
            block = data["queries"][query.key]
            rows = con.execute(query.sql).fetchall()
            assert block["rows"] == json.loads(json.dumps(
                [[_jsonable(v) for v in row] for row in rows])), query.key


def test_page_works_offline(tiny_report: ReportPage, tiny_warehouse: Path,
                            tmp_path: Path) -> None:
    assert tiny_report.remote == []
    text = write_report(tiny_warehouse, tmp_path / "r.html").path.read_text()
    assert "Plotly.newPlot" in text
    assert re.search(r"<script[^>]*\ssrc=", text) is None  # plotly.js is inline, not fetched
    assert "cdn.plot.ly/plotly" not in text.split("<body>")[1]


def test_empty_folder_gives_a_report_that_says_so(tmp_path: Path) -> None:
    (tmp_path / "nothing-here").mkdir()
    written = write_report(tmp_path / "nothing-here", tmp_path / "empty.html")
    page = read_page(written.path)
    text = written.path.read_text()
    assert written.charts == 0 and written.generation is None
    assert "No published run in" in text and "newsmill run" in text
    assert page.chart_ids == [] and page.tables == {}
    data = json.loads(page.data_json)
    assert data["queries"]["totals"]["rows"] == [[0, None, None, 0, 0, 0, 0, 0, 0, 0, 0]]
    assert all(not q["rows"] for k, q in data["queries"].items() if k != "totals")
    assert text.count("No rows yet") == len(QUERIES) - 2  # all blocks but the totals
    assert list((tmp_path / "nothing-here").iterdir()) == []  # reading never creates a warehouse


@pytest.mark.parametrize("where", ["missing", "a-file"])
def test_a_data_folder_that_is_missing_or_a_file_is_refused_and_writes_no_report(
        tmp_path: Path, where: str, capsys: pytest.CaptureFixture[str]) -> None:
    data = tmp_path / where
    if where == "a-file":
        data.write_text("not a warehouse")
    with pytest.raises(NoWarehouse, match="does not exist" if where == "missing" else "a file"):
        write_report(data, tmp_path / "r.html")
    assert main(["report", "--data", str(data), "--out", str(tmp_path / "r.html")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("newsmill: data folder ")
    assert not (tmp_path / "r.html").exists() and not (tmp_path / "missing").exists()


def test_warehouse_without_articles_still_reports_its_refusals(tmp_path: Path) -> None:
    data = build_tiny_warehouse(tmp_path / "data", articles=False)
    written = write_report(data, tmp_path / "r.html")
    page = read_page(written.path)
    assert written.charts == 1  # the refusals; every article view is empty
    assert "The warehouse has no articles yet." in written.path.read_text()
    assert page.tables["reject_reasons"] == [["listing_page", "1", "1",
                                              "a hashtag listing page"]]
    assert "top_countries" not in page.tables


def test_text_from_dumps_cannot_inject_markup(tmp_path: Path) -> None:
    hostile = '</script><script>alert("x")</script><b>Ledger</b> & Co'
    data = build_tiny_warehouse(tmp_path / "data", second_source=hostile)
    written = write_report(data, tmp_path / "r.html")
    text = written.path.read_text()
    assert '<script>alert("x")' not in text and "<b>Ledger</b>" not in text
    page = read_page(written.path)
    assert [hostile, "1"] in [row[:2] for row in page.tables["sources"]]
    assert hostile in [row[0] for row in json.loads(page.data_json)["queries"]["sources"]["rows"]]


# Each of these, raw inside the JSON <script> block, changes how an HTML5 parser reads the page:
# "</script" ends the block, and "<!--" then "<script" makes the real "</script>" not end it.
HOSTILE_TEXT = ['</script><script>alert(1)</script>', '<!--<script>', '<!--<script></script>',
                "x <!-- y", "<script>", "&amp; &lt; > \u2028\u2029 <\\/", "]]> <![CDATA[",
                "--> </SCRIPT >"]


def html5_script_blocks(text: str) -> dict[str, str]:
    """The text of every <script id=...> as a browser's HTML5 parser (html5lib) reads it."""
    html5lib = pytest.importorskip("html5lib")
    tree = html5lib.parse(text, namespaceHTMLElements=False)
    return {e.get("id"): e.text or "" for e in tree.iter("script") if e.get("id")}


@pytest.mark.parametrize("hostile", HOSTILE_TEXT)
def test_hostile_text_leaves_the_json_block_intact_for_an_html5_parser(hostile: str) -> None:
    payload = {"source": hostile, "rows": [[hostile, 1], ["<!--", "<script>"]],
               hostile: "key"}
    page = (f'<!DOCTYPE html><html><body><script type="application/json" id="data">'
            f'{embeddable_json(payload)}</script><p id="after">after</p>'
            f'<script id="last">1</script></body></html>')
    blocks = html5_script_blocks(page)
    assert json.loads(blocks["data"]) == payload
    assert blocks["last"] == "1"  # the parser left the data block where it ends


def test_report_with_hostile_sources_keeps_its_json_block_and_every_table(
        tmp_path: Path) -> None:
    hostile = '<!--<script>x</script> & "Ledger" \u2028'
    data = build_tiny_warehouse(tmp_path / "data", second_source=hostile)
    written = write_report(data, tmp_path / "r.html")
    text = written.path.read_text(encoding="utf-8")
    embedded = json.loads(html5_script_blocks(text)["newsmill-data"])
    assert hostile in [row[0] for row in embedded["queries"]["sources"]["rows"]]
    with duckdb.connect(str(data / "newsmill.duckdb"), read_only=True) as con:
        for query in QUERIES:
            rows = con.execute(query.sql).fetchall()
            assert embedded["queries"][query.key]["rows"] == json.loads(json.dumps(
                [[_jsonable(v) for v in row] for row in rows])), query.key
    block = text.split('id="newsmill-data">', 1)[1].split("</script>", 1)[0]
    assert "<" not in block and ">" not in block and "&" not in block
    assert [hostile, "1"] in [row[:2] for row in read_page(written.path).tables["sources"]]


def test_cli_writes_the_report(tiny_warehouse: Path, tmp_path: Path,
                               capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "sub" / "news.html"
    assert main(["report", "--data", str(tiny_warehouse), "--out", str(out)]) == 0
    assert f"wrote {out} (7 charts from g000001)" in capsys.readouterr().out
    assert out.read_text().startswith("<!DOCTYPE html>")
    assert [p.name for p in out.parent.iterdir()] == ["news.html"]  # no temp file left


def test_bundled_sample_report_matches_newsmill_query(bundled_warehouse: Path, tmp_path: Path,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    """Acceptance: every table in the report is what `newsmill query` prints for its SQL."""
    out = tmp_path / "report.html"
    assert main(["report", "--data", str(bundled_warehouse), "--out", str(out)]) == 0
    capsys.readouterr()
    page = read_page(out)
    assert page.tables["top_countries"], "the sample names countries"
    assert page.tables["top_organizations"], "the sample names organizations"
    assert "top_people" not in page.tables, "the bundled samples name no one"
    assert len(page.chart_ids) == 8  # 7, plus top organizations
    for query in QUERIES:
        assert main(["query", query.sql, "--data", str(bundled_warehouse),
                     "--format", "json"]) == 0
        answer = json.loads(capsys.readouterr().out)
        shown = [[format_cell(_parse(v)) for v in row.values()] for row in answer]
        if query.key in page.tables:
            assert page.tables[query.key] == shown[:100], query.key
        data = json.loads(page.data_json)["queries"][query.key]
        assert len(data["rows"]) == len(answer), query.key


def _jsonable(value: Any) -> Any:
    from datetime import date, datetime
    from decimal import Decimal

    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    return value


def _parse(value: Any) -> Any:
    """`newsmill query --format json` gives dates as ISO text; the report shows them as dates."""
    from datetime import date, datetime

    if isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        return date.fromisoformat(value)
    if isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}[T ][\d:.]+([+-]\d{2}:\d{2})?",
                                               value):
        return datetime.fromisoformat(value)
    return value
