"""The report in a real browser: headless Chromium renders every chart, logs no errors, asks the
network for nothing, and its charts hold the numbers the views give.

Chromium is Debian's `chromium` package (.ci/run installs it); the test talks to it over the
DevTools protocol with a small websocket client, and skips only when chromium is not installed.
"""

from __future__ import annotations

import base64
import contextlib
import itertools
import json
import shutil
import subprocess
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import pytest

from warehouse.report import write_report

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update",
                  "--disable-sync", "--disable-dev-shm-usage", "--hide-scrollbars",
                  "--window-size=1280,900", "--remote-debugging-port=0"]
START_TIMEOUT = 60.0
PAGE_TIMEOUT = 60.0

pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed "
                                "(apt-get install chromium)")

# Every chart's traces, decoded by plotly.js itself (typed arrays become plain lists).
CHART_DATA_JS = """JSON.stringify(Array.from(document.querySelectorAll('.js-plotly-plot')).map(
  gd => ({id: gd.id, traces: gd.data.map(t => ({
    name: t.name === undefined ? null : t.name, type: t.type,
    x: t.x ? Array.from(t.x) : null, y: t.y ? Array.from(t.y) : null,
    z: t.z ? Array.from(t.z, row => Array.from(row)) : null}))})))"""


class DevTools:
    """Just enough of the Chrome DevTools protocol: commands, and the events seen so far."""

    def __init__(self, ws_url: str) -> None:
        from websockets.sync.client import connect

        self.socket = connect(ws_url, max_size=None, open_timeout=START_TIMEOUT)
        self.ids = itertools.count(1)
        self.events: list[dict[str, Any]] = []

    def send(self, method: str, timeout: float = PAGE_TIMEOUT, **params: Any) -> dict[str, Any]:
        number = next(self.ids)
        self.socket.send(json.dumps({"id": number, "method": method, "params": params}))
        deadline = time.monotonic() + timeout
        while True:
            message = json.loads(self.socket.recv(timeout=max(0.1, deadline - time.monotonic())))
            if message.get("id") == number:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                return dict(message.get("result", {}))
            if "method" in message:
                self.events.append(message)

    def wait_for_event(self, method: str, timeout: float = PAGE_TIMEOUT) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while not any(e["method"] == method for e in self.events):
            message = json.loads(self.socket.recv(timeout=max(0.1, deadline - time.monotonic())))
            if "method" in message:
                self.events.append(message)
        return next(e for e in self.events if e["method"] == method)

    def evaluate(self, expression: str) -> Any:
        result = self.send("Runtime.evaluate", expression=expression, returnByValue=True,
                           awaitPromise=True)
        if "exceptionDetails" in result:
            raise RuntimeError(f"page script failed: {result['exceptionDetails']}")
        return result["result"].get("value")

    def close(self) -> None:
        self.socket.close()


@contextlib.contextmanager
def chromium_page() -> Iterator[DevTools]:
    """A fresh headless Chromium (own temporary profile) and a DevTools session on its page."""
    assert CHROMIUM is not None
    profile = Path(tempfile.mkdtemp(prefix="newsmill-chromium-"))
    process = subprocess.Popen([CHROMIUM, *CHROMIUM_FLAGS, f"--user-data-dir={profile}",
                                "about:blank"], stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        port = _devtools_port(profile, process)
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=10) as answer:
            targets = json.load(answer)
        page = next(t for t in targets if t["type"] == "page")
        tools = DevTools(page["webSocketDebuggerUrl"])
        try:
            yield tools
        finally:
            tools.close()
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        shutil.rmtree(profile, ignore_errors=True)


def _devtools_port(profile: Path, process: subprocess.Popen[bytes]) -> int:
    """Chromium writes the port it picked to DevToolsActivePort in its profile."""
    marker = profile / "DevToolsActivePort"
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"chromium exited with {process.returncode} before DevTools opened")
        if marker.exists() and marker.read_text().strip():
            return int(marker.read_text().split()[0])
        time.sleep(0.1)
    raise TimeoutError("chromium did not open DevTools in time")


DRAWN_JS = ("Array.from(document.querySelectorAll('.plotly-graph-div'))"
            ".filter(d => d.querySelector('.main-svg')).length")


@contextlib.contextmanager
def open_report(report: Path, screenshot: Path) -> Iterator[DevTools]:
    """Open the report, wait until every chart is drawn, save a full-page screenshot."""
    with chromium_page() as tools:
        for domain in ("Page", "Runtime", "Log", "Network"):
            tools.send(f"{domain}.enable")
        tools.send("Page.navigate", url=report.resolve().as_uri())
        tools.wait_for_event("Page.loadEventFired")
        expected = tools.evaluate("document.querySelectorAll('.plotly-graph-div').length")
        deadline = time.monotonic() + PAGE_TIMEOUT
        while tools.evaluate(DRAWN_JS) != expected:
            assert time.monotonic() < deadline, "charts were not drawn in time"
            time.sleep(0.2)
        height = int(tools.evaluate("document.documentElement.scrollHeight"))
        tools.send("Emulation.setDeviceMetricsOverride", width=1280, height=min(height, 16000),
                   deviceScaleFactor=1, mobile=False)
        time.sleep(0.5)  # let responsive charts settle at the new size
        shot = tools.send("Page.captureScreenshot", format="png", captureBeyondViewport=True)
        screenshot.write_bytes(base64.b64decode(shot["data"]))
        yield tools


def page_errors(tools: DevTools) -> list[str]:
    """Console errors, uncaught exceptions and browser log errors seen while the page loaded."""
    errors = []
    for event in tools.events:
        method, params = event["method"], event.get("params", {})
        if method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "assert"):
            errors.append("console: " + " ".join(str(a.get("value", a.get("description")))
                                                 for a in params.get("args", [])))
        elif method == "Runtime.exceptionThrown":
            errors.append(f"exception: {params['exceptionDetails']}")
        elif method == "Log.entryAdded" and params["entry"]["level"] == "error":
            errors.append(f"log: {params['entry'].get('text')} {params['entry'].get('url', '')}")
    return errors


def requested_urls(tools: DevTools) -> list[str]:
    return [e["params"]["request"]["url"] for e in tools.events
            if e["method"] == "Network.requestWillBeSent"]


@dataclass
class Rendered:
    """What one headless Chromium saw when it opened the report."""

    charts_expected: int
    errors: list[str]
    urls: list[str]
    charts: dict[str, list[dict[str, Any]]]
    svgs: int
    bars: int
    table_rows: int
    screenshot: Path


@pytest.fixture(scope="module")
def rendered(bundled_warehouse: Path, tmp_path_factory: pytest.TempPathFactory) -> Rendered:
    """The bundled sample's report, opened once in Chromium; the screenshot stays in tmp."""
    folder = tmp_path_factory.mktemp("browser")
    report = write_report(bundled_warehouse, folder / "report.html")
    screenshot = folder / "report.png"
    with open_report(report.path, screenshot) as tools:
        charts = json.loads(tools.evaluate(CHART_DATA_JS))
        seen = Rendered(
            charts_expected=report.charts,
            errors=page_errors(tools),
            urls=requested_urls(tools),
            charts={c["id"]: c["traces"] for c in charts},
            svgs=tools.evaluate("document.querySelectorAll('.js-plotly-plot .main-svg').length"),
            bars=tools.evaluate("document.querySelectorAll('.js-plotly-plot g.point').length"),
            table_rows=tools.evaluate("document.querySelectorAll('table tbody tr').length"),
            screenshot=screenshot,
        )
    print(f"report screenshot: {screenshot}")
    return seen


def test_report_renders_offline_without_errors(rendered: Rendered) -> None:
    assert rendered.errors == []
    assert [u for u in rendered.urls if not u.startswith(("file:", "data:"))] == []
    assert len(rendered.charts) == rendered.charts_expected == 8
    assert rendered.svgs >= 8 and rendered.bars > 0 and rendered.table_rows > 0
    assert rendered.screenshot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert rendered.screenshot.stat().st_size > 50_000


def test_charts_in_the_browser_show_the_views_numbers(rendered: Rendered,
                                                      bundled_warehouse: Path) -> None:
    charts = rendered.charts
    with duckdb.connect(str(bundled_warehouse / "newsmill.duckdb"), read_only=True) as con:
        top = con.execute("select country || ' (' || country_code || ')', articles, mentions, "
                          "stories "
                          "from mentions_by_country order by articles desc, mentions desc, "
                          "country_code limit 15").fetchall()
        sources = dict(con.execute("select source, articles from articles_by_source").fetchall())
        reasons = dict(con.execute("select reason, rejects from rejects_by_reason").fetchall())
        days = {(str(d), c): (n, share) for d, c, n, share in con.execute(
            "select day, country_code, articles, share from mentions_by_country_day").fetchall()}
        topics = {(c, t): n for c, t, n in con.execute(
            "select country_code, topic, articles from topics_by_country").fetchall()}
        pairs = {frozenset((a, b)): n for a, b, n in con.execute(
            "select country_code_a, country_code_b, articles from country_pairs").fetchall()}
    articles, stories, mentions = charts["chart-top_countries"]
    assert list(zip(articles["y"], articles["x"], mentions["x"], stories["x"],
                    strict=True)) == top[::-1]
    bar = charts["chart-sources"][0]
    assert dict(zip(bar["y"], bar["x"], strict=True)) == {s: sources[s] for s in bar["y"]}
    bar = charts["chart-reject_reasons"][0]
    assert dict(zip(bar["y"], bar["x"], strict=True)) == reasons
    for counts, shares in zip(charts["chart-days_count"], charts["chart-days_share"],
                              strict=True):
        code = counts["name"][-3:-1]
        for day, count, share in zip(counts["x"], counts["y"], shares["y"], strict=True):
            expected_count, expected_share = days.get((day, code), (0, 0.0))
            assert (count, share) == (expected_count, pytest.approx(expected_share)), (day, code)
    heat = charts["chart-topics"][0]
    codes = [label[-3:-1] for label in heat["y"]]
    for i, code in enumerate(codes):
        for j, topic in enumerate(heat["x"]):
            assert heat["z"][i][j] == topics.get((code, topic)), (code, topic)
    heat = charts["chart-pairs"][0]
    codes = [label[-3:-1] for label in heat["x"]]
    for i, a in enumerate(codes):
        for j, b in enumerate(codes):
            expected = None if a == b else pairs.get(frozenset((a, b)))
            assert heat["z"][i][j] == expected, (a, b)
