"""Views by language: articles_by_language and mentions_by_country_language, exact rows."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import duckdb
import pyarrow as pa
import pytest

from warehouse import schema
from warehouse.store import Warehouse
from warehouse.views import write_views_file

# (id, language, source_country, title, [(country_code, name)...])
ARTICLES = [
    ("d1", "de", "DE", "Frankreich und Deutschland einigen sich", [("FR", "Frankreich"),
                                                                   ("DE", "Deutschland")]),
    ("d2", "de", "DE", "Polen kritisiert Russland", [("PL", "Polen"), ("RU", "Russland")]),
    ("d3", "de", "AT", "Frankreich wählt", [("FR", "Frankreich")]),
    ("d4", "de", None, "Regen am Wochenende", []),
    ("f1", "fr", "FR", "La France et l'Allemagne", [("FR", "France"), ("DE", "Allemagne")]),
    ("e1", "en", "GB", "France and Germany agree", [("FR", "France"), ("DE", "Germany")]),
    ("e2", "en", "US", "Storm hits coast", []),
    ("u1", None, None, "ok", []),
]


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A published warehouse of eight articles in three languages plus one undetected."""
    data = tmp_path_factory.mktemp("languages") / "data"
    seen = datetime(2025, 6, 3, 9, 0, tzinfo=UTC)
    article = [{"article_id": i, "source": None, "title": t, "body": "", "url": None,
                "published_at": None, "published_date": date(2025, 6, 2),
                "date_precision": "day", "date_text": None, "language": lang,
                "word_count": 0, "body_chars": 0, "position": "main", "title_key": i,
                "dump_id": "d", "first_seen_at": seen, "source_country": sc}
               for i, lang, sc, t, _ in ARTICLES]
    mention = []
    for i, _, _, title, places in ARTICLES:
        for code, name in places:
            start = title.index(name)
            # A second mention of the same country in one article still counts one article.
            for _copy in range(2 if code == "FR" else 1):
                mention.append({"article_id": i, "kind": "country", "country_code": code,
                                "name": name, "surface": name, "field": "title",
                                "start": start, "end": start + len(name), "method": "name",
                                "geonames_id": None})
    store = Warehouse(data)
    with store.lock():
        generation = store.begin()
        for table, rows in [("article", article), ("mention", mention), ("topic", [])]:
            generation.write_part(table, "part-0000",
                                  pa.Table.from_pylist(rows, schema=schema.TABLES[table]))
        for table in ("dump", "reject", "run"):
            generation.write_ledger(table, schema.TABLES[table].empty_table())
        store.publish(generation)
        write_views_file(store.views_path, generation)
    return data


def rows(data: Path, sql: str) -> list[tuple[object, ...]]:
    with duckdb.connect(str(data / "newsmill.duckdb"), read_only=True) as con:
        return con.execute(sql).fetchall()


def test_articles_by_language_counts_and_shares(warehouse: Path) -> None:
    assert rows(warehouse, "select * from articles_by_language") == [
        ("de", 4, 0.5), ("en", 2, 0.25), ("(unknown)", 1, 0.125), ("fr", 1, 0.125)]


def test_mentions_by_country_language_shares_are_of_the_language(warehouse: Path) -> None:
    assert rows(warehouse, "select * from mentions_by_country_language") == [
        ("de", "FR", "France", 2, 0.5),
        ("de", "DE", "Germany", 1, 0.25),
        ("de", "PL", "Poland", 1, 0.25),
        ("de", "RU", "Russia", 1, 0.25),  # the one list of everyday names
        ("en", "DE", "Germany", 1, 0.5),
        ("en", "FR", "France", 1, 0.5),
        ("fr", "DE", "Germany", 1, 1.0),
        ("fr", "FR", "France", 1, 1.0),
    ]


def test_source_country_splits_coverage_by_outlet_country(warehouse: Path) -> None:
    # What the column is for: French coverage by German outlets vs the rest.
    assert rows(warehouse, """
        select coalesce(a.source_country, '?') as outlet, count(distinct m.article_id)
        from mention m join article a using (article_id)
        where m.country_code = 'FR' group by outlet order by outlet""") == [
        ("AT", 1), ("DE", 1), ("FR", 1), ("GB", 1)]
