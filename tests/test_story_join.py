"""The story join in the warehouse (warehouse/stories.py via the merge): ids that never move,
copies that join across runs, reruns that change nothing, and a whole run into a temp folder."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pytest

from conftest import REPO, run_newsmill
from tests.stories_gold import gold_articles, pairwise_scores
from transforms.normalize import article_id, title_key
from warehouse import merge, schema, stories, views
from warehouse.ingest import (
    ARTICLE_CANDIDATE,
    MENTION_CANDIDATE,
    REJECT_CANDIDATE,
    TOPIC_CANDIDATE,
    BatchResult,
    ingest_batch,
)
from warehouse.merge import Merger
from warehouse.rawfiles import scan_raw
from warehouse.store import Warehouse

DAY = datetime(2026, 3, 2, 9, tzinfo=UTC)


@pytest.fixture(scope="module")
def gold() -> dict[str, Any]:
    return {a.key: a for a in gold_articles()}


def candidate(article: Any, *, seen: datetime = DAY, source: str | None = None,
              published: datetime | None = None) -> dict[str, Any]:
    source = source or article.source
    return {
        "article_id": article_id(None, source, article.title), "source": source,
        "title": article.title, "body": article.body, "url": None, "published_at": published,
        "published_date": published.date() if published else None,
        "date_precision": "day" if published else "unknown", "date_text": None,
        "language": "en", "word_count": len(article.body.split()),
        "body_chars": len(article.body), "position": "main",
        "title_key": title_key(article.title), "dump_id": "d1", "first_seen_at": seen,
    }


def batch(rows: list[dict[str, Any]]) -> BatchResult:
    return BatchResult([], pa.Table.from_pylist(rows, schema=schema.ARTICLE),
                       MENTION_CANDIDATE.empty_table(), TOPIC_CANDIDATE.empty_table(),
                       REJECT_CANDIDATE.empty_table())


def run(data: Path, *batches: BatchResult) -> merge.MergeCounts:
    store = Warehouse(data)
    generation = store.begin()
    merger = Merger(generation)
    for item in batches:
        merger.add_batch(item)
    counts = merger.finish()
    store.publish(generation)
    return counts


def table(data: Path, name: str) -> list[dict[str, Any]]:
    current = Warehouse(data).current()
    assert current is not None
    return sorted(current.read_table(name).to_pylist(), key=lambda r: r["article_id"])


def story_of(data: Path) -> dict[str, str]:
    """title -> the title of its story's first article."""
    rows = table(data, "article")
    titles = {r["article_id"]: r["title"] for r in rows}
    return {r["title"]: titles.get(r["story_id"], r["story_id"]) for r in rows}


def test_copies_in_one_run_share_the_first_seen_articles_id(tmp_path: Path, gold: dict) -> None:
    original = candidate(gold["06_wildfire/original"], seen=DAY)
    copy = candidate(gold["06_wildfire/credit_typos"], seen=DAY + timedelta(hours=1))
    teaser = candidate(gold["06_wildfire/teaser"], seen=DAY + timedelta(hours=2))
    other = candidate(gold["12_rocket_launch/original"], seen=DAY)
    run(tmp_path, batch([teaser, copy]), batch([other, original]))
    rows = {r["article_id"]: r for r in table(tmp_path, "article")}
    assert rows[copy["article_id"]]["story_id"] == original["article_id"]
    assert rows[teaser["article_id"]]["story_id"] == original["article_id"]
    assert rows[original["article_id"]]["story_id"] == original["article_id"]
    assert rows[other["article_id"]]["story_id"] == other["article_id"]
    assert rows[original["article_id"]]["wire_service"] == "AFP"  # its dateline says so
    signatures = table(tmp_path, "story_signature")
    assert [(s["article_id"], s["story_id"]) for s in signatures] == sorted(
        (r["article_id"], r["story_id"]) for r in rows.values())
    assert {len(s["signature"]) for s in signatures} == {640}


def test_a_copy_in_a_later_run_joins_the_earlier_story_and_old_ids_stay(
        tmp_path: Path, gold: dict) -> None:
    first = [candidate(gold["02_flood/cut"], seen=DAY),
             candidate(gold["08_tech_layoffs/original"], seen=DAY)]
    run(tmp_path, batch(first))
    before = {r["article_id"]: r["story_id"] for r in table(tmp_path, "article")}
    # the fuller original arrives a day later: it joins the cut copy's story, not the reverse
    later = [candidate(gold["02_flood/original"], seen=DAY + timedelta(days=1)),
             candidate(gold["02_flood/teaser"], seen=DAY + timedelta(days=1)),
             candidate(gold["02_flood/independent"], seen=DAY + timedelta(days=1))]
    run(tmp_path, batch(later))
    after = {r["article_id"]: r["story_id"] for r in table(tmp_path, "article")}
    assert {k: after[k] for k in before} == before
    cut_id = first[0]["article_id"]
    assert after[later[0]["article_id"]] == cut_id
    assert after[later[1]["article_id"]] == cut_id
    assert after[later[2]["article_id"]] == later[2]["article_id"]


def test_copies_outside_the_day_window_are_not_compared(tmp_path: Path, gold: dict) -> None:
    old = candidate(gold["13_heatwave/original"], published=DAY)
    run(tmp_path, batch([old]))
    late = candidate(gold["13_heatwave/credit_typos"],
                     published=DAY + timedelta(days=stories.WINDOW_DAYS + 1),
                     seen=DAY + timedelta(days=stories.WINDOW_DAYS + 1))
    run(tmp_path, batch([late]))
    rows = {r["article_id"]: r["story_id"] for r in table(tmp_path, "article")}
    assert rows[late["article_id"]] == late["article_id"]


def test_rerun_changes_nothing(tmp_path: Path, gold: dict) -> None:
    rows = [candidate(gold[key], seen=DAY) for key in
            ("03_rate_decision/original", "03_rate_decision/cut", "03_rate_decision/independent")]
    run(tmp_path, batch(rows))
    before = table(tmp_path, "article"), table(tmp_path, "story_signature")
    counts = run(tmp_path, batch(rows))
    assert (counts.new, counts.duplicate) == (0, 3)
    assert (table(tmp_path, "article"), table(tmp_path, "story_signature")) == before


def test_fuller_copy_under_the_same_id_keeps_the_published_story(tmp_path: Path,
                                                                  gold: dict) -> None:
    original = gold["10_drought_crops/original"]
    teaser = candidate(gold["10_drought_crops/teaser"], seen=DAY)
    run(tmp_path, batch([candidate(original, seen=DAY)]), batch([teaser]))
    published = {r["article_id"]: r["story_id"] for r in table(tmp_path, "article")}
    fuller = dict(teaser, body=teaser["body"] + "\nThe harvest begins next month in the south, "
                  "and millers said they would buy what they can.", seen=DAY)
    fuller["body_chars"] = len(fuller["body"])
    run(tmp_path, batch([fuller]))
    rows = {r["article_id"]: r for r in table(tmp_path, "article")}
    assert rows[teaser["article_id"]]["body"] == fuller["body"]
    assert rows[teaser["article_id"]]["story_id"] == published[teaser["article_id"]]
    assert len(table(tmp_path, "story_signature")) == 2  # the replaced row's signature went too


def test_story_ids_do_not_depend_on_part_boundaries(tmp_path: Path, gold: dict,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    keys = [k for k in gold if k.startswith(("04_", "05_", "09_"))]
    rows = [candidate(gold[k], seen=DAY + timedelta(minutes=i)) for i, k in enumerate(keys)]
    run(tmp_path / "one", *[batch([r]) for r in rows])
    monkeypatch.setattr(merge, "FLUSH_ROWS", 2)
    run(tmp_path / "many", *[batch([r]) for r in rows])
    assert story_of(tmp_path / "one") == story_of(tmp_path / "many")
    assert len(set(story_of(tmp_path / "one").values())) == 4  # 3 stories + 1 independent


def test_workers_send_wire_service_and_signatures(tmp_path: Path, gold: dict) -> None:
    raw = tmp_path / "raw"
    raw.mkdir()
    write_jsonl(raw / "a.jsonl", [gold["07_mine_accident/original"]])
    files = [(raw_file, None) for raw_file in scan_raw(raw)]
    result = ingest_batch(files, captured_at=DAY, limits=_limits())
    assert result.articles.schema.names == ARTICLE_CANDIDATE.names
    assert result.articles["wire_service"].to_pylist() == ["AP"]
    assert result.articles["_shingles"].to_pylist()[0] > 300
    assert result.seconds["stories"] > 0


def _limits() -> Any:
    from transforms.formats.detect import Limits

    return Limits(50_000_000, 500_000_000)


def write_jsonl(path: Path, articles: list[Any]) -> None:
    lines = [json.dumps({"title": a.title, "maintext": a.body, "source_domain": a.source,
                         "date_publish": "2026-03-02 08:00:00", "language": "en"})
             for a in articles]
    path.write_text("\n".join(lines) + "\n")


def test_run_into_a_temp_folder_counts_stories_in_every_view(prefect_api: str,
                                                             tmp_path: Path) -> None:
    articles = gold_articles()
    raw, data = tmp_path / "raw", tmp_path / "data"
    raw.mkdir()
    write_jsonl(raw / "day1.jsonl", articles[: len(articles) // 2])
    result = run_newsmill(["run", "--raw", str(raw), "--data", str(data)], prefect_api)
    assert result.returncode == 0, result.stderr[-3000:]
    write_jsonl(raw / "day2.jsonl", articles[len(articles) // 2:])
    result = run_newsmill(["run", "--raw", str(raw), "--data", str(data)], prefect_api)
    assert result.returncode == 0, result.stderr[-3000:]
    with duckdb.connect(str(data / "newsmill.duckdb"), read_only=True) as con:
        stories_count = con.execute("select count(*) from stories").fetchone()
        assert stories_count == (len({a.story for a in articles}),)
        rows = con.execute("select a.article_id, a.title, a.story_id, d.path from article a "
                           "join dump d using (dump_id)").fetchall()
        gold_story = {a.title: a.story for a in articles}
        assert pairwise_scores([gold_story[title] for _, title, _, _ in rows],
                               [story for _, _, story, _ in rows]) == (1.0, 1.0, 1.0)
        path_of = {article: path for article, _, _, path in rows}
        for _, title, story, _ in rows:
            # the story's id is one of its articles, from the earliest run that had one
            members = [p for _, _, s, p in rows if s == story]
            assert path_of[story] == min(members), title
        largest = con.execute("select articles, sources, wire_service from stories "
                              "order by articles desc, story_id limit 1").fetchone()
        assert largest is not None and largest[0] == 5
        for view in ("mentions_by_country", "mentions_by_country_day", "country_pairs",
                     "topics_by_country"):
            row = con.execute(f"select sum(articles), sum(stories), bool_and(stories <= "
                              f"articles) from {view}").fetchone()
            assert row is not None and row[2] and row[1] <= row[0], view
        row = con.execute("select sum(articles), sum(stories) from mentions_by_country")\
            .fetchone()
        assert row is not None and row[1] < row[0]  # copies name the same countries
        shares = con.execute("select min(first_share), max(first_share) "
                             "from articles_by_source").fetchone()
        assert shares is not None and 0 <= shares[0] <= shares[1] <= 1
    # a rerun with nothing new changes nothing
    before = sorted(Warehouse(data).current().read_table("article")  # type: ignore[union-attr]
                    .select(["article_id", "story_id"]).to_pylist(), key=str)
    result = run_newsmill(["run", "--raw", str(raw), "--data", str(data)], prefect_api)
    assert result.returncode == 0
    after = sorted(Warehouse(data).current().read_table("article")  # type: ignore[union-attr]
                   .select(["article_id", "story_id"]).to_pylist(), key=str)
    assert before == after
    assert REPO.exists()


@pytest.mark.parametrize("sourced_is_fuller", [True, False])
def test_story_follows_its_first_article_when_a_sourceless_copy_gets_its_sourced_id(
        tmp_path: Path, gold: dict, sourced_is_fuller: bool) -> None:
    """A Daily8 compact page names no source; when the sourced copy of the same title arrives,
    the row takes the sourced id (replaced or re-keyed), and its story id goes with it."""
    original = gold["15_bridge_opening/original"]
    sourceless = candidate(original, seen=DAY)
    sourceless.update(source=None, article_id=article_id(None, None, original.title))
    copy = candidate(gold["15_bridge_opening/cut"], source="Island Post", seen=DAY)
    run(tmp_path, batch([sourceless]), batch([copy]))
    assert {r["story_id"] for r in table(tmp_path, "article")} == {sourceless["article_id"]}
    sourced = candidate(original, source="AFP wire", seen=DAY + timedelta(hours=3))
    if sourced_is_fuller:
        sourced["body"] += "\nThe first toll will be set by the regional council next autumn."
    else:
        sourced["body"] = "\n".join(sourced["body"].split("\n")[:-2])
    sourced["body_chars"] = len(sourced["body"])
    run(tmp_path, batch([sourced]))
    rows = table(tmp_path, "article")
    assert sorted(r["article_id"] for r in rows) == sorted([sourced["article_id"],
                                                           copy["article_id"]])
    assert {r["story_id"] for r in rows} == {sourced["article_id"]}
    assert {r["story_id"] for r in table(tmp_path, "story_signature")} == {sourced["article_id"]}
    current = Warehouse(tmp_path).current()
    assert current is not None and views.run_checks(current) == []


def test_warehouse_from_before_stories_keeps_working(tmp_path: Path, gold: dict) -> None:
    """Article parts written before story_id and wire_service existed read them as null: the
    views still open, and each such article is its own story."""
    import pyarrow.parquet as pq

    from warehouse.views import write_views_file

    store = Warehouse(tmp_path)
    generation = store.begin()
    old = pa.Table.from_pylist([candidate(gold["11_derailment/original"])],
                               schema=schema.ARTICLE.remove(schema.ARTICLE.get_field_index(
                                   "story_id")).remove(schema.ARTICLE.get_field_index(
                                       "wire_service") - 1))
    pq.write_table(old, generation.table_dir("article") / "part-old.parquet")
    store.publish(generation)
    run(tmp_path, batch([candidate(gold["11_derailment/cut"]),
                         candidate(gold["12_rocket_launch/original"])]))
    current = store.current()
    assert current is not None
    write_views_file(store.views_path, current)
    with duckdb.connect(str(store.views_path), read_only=True) as con:
        assert con.execute("select count(*), sum(articles) from stories").fetchone() == (3, 3)
        assert con.execute("select count(*) from article where story_id is null").fetchone() \
            == (1,)
