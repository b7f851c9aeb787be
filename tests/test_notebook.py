"""notebooks/explore.ipynb runs top to bottom, headless, against a freshly built sample warehouse,
and its answers are the warehouse's numbers."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import duckdb
import nbformat
import pytest
from nbclient import NotebookClient

from conftest import REPO

NOTEBOOK = REPO / "notebooks" / "explore.ipynb"
CELL_TIMEOUT = 120


def outputs_text(cell: Any) -> str:
    parts = []
    for output in cell.get("outputs", []):
        if output.output_type == "stream":
            parts.append(output.text)
        elif "data" in output:
            parts.append(output.data.get("text/plain", ""))
    return "\n".join(parts)


@pytest.fixture(scope="module")
def executed(bundled_warehouse: Path) -> dict[str, str]:
    """Run the notebook once; the text output of each tagged answer cell, by tag."""
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    env = {"NEWSMILL_DATA": str(bundled_warehouse),
           # The kernel imports `warehouse` whether or not the project is pip-installed.
           "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO),
                                                       os.environ.get("PYTHONPATH")]))}
    saved = {name: os.environ.get(name) for name in env}
    os.environ.update(env)
    try:
        client = NotebookClient(notebook, kernel_name="python3", timeout=CELL_TIMEOUT,
                                resources={"metadata": {"path": str(NOTEBOOK.parent)}})
        client.execute()  # raises CellExecutionError on the first failing cell
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
    answers = {}
    for cell in notebook.cells:
        for tag in cell.get("metadata", {}).get("tags", []):
            answers[tag] = outputs_text(cell)
    return answers


def query(data: Path, sql: str, params: list[Any] | None = None) -> list[tuple[Any, ...]]:
    with duckdb.connect(str(data / "newsmill.duckdb"), read_only=True) as con:
        return con.execute(sql, params).fetchall()


def test_notebook_is_committed_without_outputs() -> None:
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    nbformat.validate(notebook)
    code = [c for c in notebook.cells if c.cell_type == "code"]
    assert code and all(c.outputs == [] and c.execution_count is None for c in code)


def test_frequency_answer(executed: dict[str, str], bundled_warehouse: Path) -> None:
    code, name, mentions, articles, share = query(
        bundled_warehouse, "select country_code, country, mentions, articles, share "
        "from mentions_by_country order by articles desc, mentions desc, country_code")[0]
    total = query(bundled_warehouse, "select count(*) from article")[0][0]
    countries = query(bundled_warehouse, "select count(*) from mentions_by_country")[0][0]
    text = executed["answer-frequency"]
    assert f"{total} articles name {countries} countries." in text
    assert (f"Most named: {name} ({code}): {articles} articles, {mentions} mentions, "
            f"{share:.0%} of all articles.") in text


def test_trend_and_spike_answers(executed: dict[str, str], bundled_warehouse: Path) -> None:
    code = query(bundled_warehouse, "select country_code from mentions_by_country "
                 "order by articles desc, mentions desc, country_code limit 1")[0][0]
    days = query(bundled_warehouse, "select day, articles, mentions, share "
                 "from mentions_by_country_day where country_code = ? "
                 "order by articles desc, day", [code])
    articles = sum(d[1] for d in days)
    mentions = sum(d[2] for d in days)
    assert (f"{code}: named on {len(days)} days, in {articles} articles "
            f"({mentions} mentions).") in executed["answer-trend"]
    day, day_articles, _, share = days[0]
    assert (f"Spike: {code} on {day:%Y-%m-%d}, {day_articles} articles "
            f"({share:.0%} of that day's articles).") in executed["answer-spike"]
    surfaces = query(bundled_warehouse, """
        select m.surface from mention as m join article as a using (article_id)
        where m.country_code = ?
          and coalesce(a.published_date, cast(a.first_seen_at as date)) = ?""", [code, day])
    sentences = executed["answer-sentences"]
    assert sentences.count("[[") == len(surfaces) > 0
    for (surface,) in surfaces:
        assert f"[[{surface}]]" in sentences


def test_co_mention_answers(executed: dict[str, str], bundled_warehouse: Path) -> None:
    _, a, code_b, b, articles = query(
        bundled_warehouse, "select country_code_a, country_a, country_code_b, country_b, "
        "articles from country_pairs order by articles desc, country_code_a, country_code_b")[0]
    assert "Named together most often: " in executed["answer-pairs"]
    assert f"and {b} ({code_b}), in {articles} articles." in executed["answer-pairs"]
    assert "appears most often with: " in executed["answer-partners"]


def test_direct_parquet_answer(executed: dict[str, str], bundled_warehouse: Path) -> None:
    mentions = query(bundled_warehouse, "select count(*) from mention")[0][0]
    assert f"{mentions} mentions via pandas, {mentions} via polars" in executed["answer-parquet"]
