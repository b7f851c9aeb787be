"""Entity views and the report's "who is in the news" section, over a warehouse whose entity rows
come from the extractor run on invented articles."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pytest

from transforms.entities import extract_entities
from transforms.mentions import extract_mentions
from warehouse import schema, views
from warehouse.report import write_report
from warehouse.store import Warehouse

SEEN = datetime(2025, 7, 20, 9, tzinfo=UTC)
ARTICLES = [
    ("e1", date(2025, 7, 18), "Seoul and Tokyo hold talks",
     "Foreign Minister Park Yoon-joo met Christopher Landau in Tokyo. Park said Japan and "
     "South Korea would work with the United Nations."),
    ("e2", date(2025, 7, 19), "Landau visits Seoul",
     "Christopher Landau arrived in Seoul. Landau met officials of the Bank of Korea."),
    ("e3", date(2025, 7, 19), "Kenya budget",
     "Finance Minister Adaeze Okonkwo presented the budget in Kenya with the United Nations."),
]


def article_row(article_id: str, day: date, title: str, body: str) -> dict[str, Any]:
    return {"article_id": article_id, "source": "Harbour Ledger", "title": title, "body": body,
            "url": None, "published_at": None, "published_date": day, "date_precision": "day",
            "date_text": None, "language": "en", "word_count": len(body.split()),
            "body_chars": len(body), "position": "main", "title_key": article_id,
            "dump_id": "d1", "first_seen_at": SEEN}


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    data = tmp_path_factory.mktemp("entities") / "data"
    tables: dict[str, list[dict[str, Any]]] = {"article": [], "mention": [], "entity": []}
    for article_id, day, title, body in ARTICLES:
        tables["article"].append(article_row(article_id, day, title, body))
        mentions = extract_mentions(title, body)
        tables["mention"] += [{"article_id": article_id, "kind": m.kind,
                               "country_code": m.country_code, "name": m.name,
                               "surface": m.surface, "field": m.field, "start": m.start,
                               "end": m.end, "method": m.method, "geonames_id": m.geonames_id}
                              for m in mentions]
        tables["entity"] += [{"article_id": article_id, "kind": e.kind, "name": e.name,
                              "surface": e.surface, "field": e.field, "start": e.start,
                              "end": e.end, "method": e.method}
                             for e in extract_entities(title, body, mentions)]
    store = Warehouse(data)
    with store.lock():
        generation = store.begin()
        for name, rows in tables.items():
            generation.write_part(name, "part-0000", pa.Table.from_pylist(
                rows, schema=schema.TABLES[name]))
        assert views.run_checks(generation) == []
        store.publish(generation)
        views.write_views_file(store.views_path, generation)
    return data


def query(data: Path, sql: str) -> list[tuple[Any, ...]]:
    with duckdb.connect(str(data / "newsmill.duckdb"), read_only=True) as con:
        return con.execute(sql).fetchall()


def test_people_counts_articles_mentions_and_days(warehouse: Path) -> None:
    assert query(warehouse, "select * from people") == [
        ("Christopher Landau", 2, 4, date(2025, 7, 18), date(2025, 7, 19)),
        ("Park Yoon-joo", 1, 2, date(2025, 7, 18), date(2025, 7, 18)),
        ("Adaeze Okonkwo", 1, 1, date(2025, 7, 19), date(2025, 7, 19)),
    ]


def test_organizations_view(warehouse: Path) -> None:
    assert query(warehouse, "select name, articles, mentions from organizations") == [
        ("United Nations", 2, 2), ("Bank of Korea", 1, 1)]


def test_people_by_country_entities_by_day_and_pairs(warehouse: Path) -> None:
    assert query(warehouse, "select name, country_code, articles from people_by_country "
                 "where name = 'Christopher Landau'") == [
        ("Christopher Landau", "KR", 2), ("Christopher Landau", "JP", 1)]
    assert query(warehouse, "select * from entities_by_day where day = '2025-07-19'") == [
        (date(2025, 7, 19), "organization", "Bank of Korea", 1),
        (date(2025, 7, 19), "organization", "United Nations", 1),
        (date(2025, 7, 19), "person", "Adaeze Okonkwo", 1),
        (date(2025, 7, 19), "person", "Christopher Landau", 1),
    ]
    assert query(warehouse, "select * from entity_pairs") == [
        ("organization", "Bank of Korea", "person", "Christopher Landau", 1),
        ("organization", "United Nations", "person", "Adaeze Okonkwo", 1),
        ("organization", "United Nations", "person", "Christopher Landau", 1),
        ("organization", "United Nations", "person", "Park Yoon-joo", 1),
        ("person", "Christopher Landau", "person", "Park Yoon-joo", 1),
    ]


def test_report_has_the_who_is_in_the_news_section(warehouse: Path, tmp_path: Path) -> None:
    written = write_report(warehouse, tmp_path / "report.html")
    page = written.path.read_text(encoding="utf-8")
    assert '<section id="who"><h2>Who is in the news</h2>' in page
    assert 'data-query="top_people"' in page and 'data-query="people_countries"' in page
    for name in ("Christopher Landau", "Park Yoon-joo", "Bank of Korea"):
        assert name in page
