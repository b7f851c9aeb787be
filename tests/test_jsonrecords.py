"""JSON / JSON Lines exports: field aliases, NewsAPI and wrappers, bad lines, deep nesting."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from unittest.mock import patch

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from transforms.formats import jsonrecords
from transforms.formats.jsonrecords import (
    MAX_DEPTH,
    looks_like_json,
    nesting_depth,
    parse_json_records,
    parse_published,
)
from transforms.records import Article, Reject

FIXTURES = Path(__file__).parent / "fixtures" / "json"


def parse_file(name: str) -> list[Article | Reject]:
    return list(parse_json_records((FIXTURES / name).read_text(encoding="utf-8")))


def test_newsapi_response() -> None:
    # NewsAPI response: source as {"id", "name"}, content cut with "… [+2140 chars]", a zoned
    # publishedAt, a null content falling back to the description, and a [Removed] placeholder.
    first, second, removed = parse_file("newsapi_response.json")
    assert isinstance(first, Article) and isinstance(second, Article)
    assert first.title == "Estonia and Finland switch on second undersea power cable"
    assert first.source == "Baltic Wire"
    assert first.url == "https://balticwire.example/2025/04/22/estlink-three"
    assert first.body.endswith("Officials in Tallinn said the")
    assert "[+" not in first.body and "…" not in first.body
    assert (first.published_at, first.date_precision, first.date_text) == (
        datetime(2025, 4, 22, 7, 15, tzinfo=UTC),
        "exact",
        "2025-04-22T07:15:00Z",
    )
    assert second.body == (
        "Technology shares lifted the fund, which now owns about 1.5% of all listed companies "
        "worldwide."
    )
    assert second.published_at == datetime(2025, 4, 22, 7, 40, 12, tzinfo=UTC)
    assert second.source == "Nordic Times"
    assert isinstance(removed, Reject)
    assert (removed.reason, removed.location) == ("no_article", "record 3")
    assert "[Removed]" in removed.detail


def test_json_lines_with_mixed_field_names_and_bad_lines() -> None:
    # JSON Lines from several exporters: maintext/date_publish/source_domain (news-please),
    # body vs text (longest wins), headline, epoch seconds, DD-MM-YYYY, a date with a -04:00
    # offset, description only, a malformed line, an array line, a string line, a record with
    # no title or body, a blank line, and a date nobody can read.
    items = parse_file("mixed_fields.jsonl")
    summary = [
        (i.title, i.source, i.published_at, i.date_precision)
        if isinstance(i, Article)
        else (i.reason, i.location)
        for i in items
    ]
    assert summary == [
        (
            "Poland and Lithuania open rail link to Vilnius",
            "railnews.example",
            datetime(2025, 6, 3, 9, 30, tzinfo=UTC),
            "exact",
        ),
        (
            "Kazakhstan wins first World Cup medal in biathlon",
            "Steppe Sports",
            datetime(2025, 6, 3, tzinfo=UTC),
            "day",
        ),
        (
            "Chile and Argentina sign lithium cooperation pact",
            "Andes Report",
            datetime(2025, 6, 3, 9, 30, tzinfo=UTC),
            "exact",
        ),
        (
            "Ghana's cedi firms as cocoa prices hold",
            "Gold Coast Ledger",
            datetime(2025, 6, 3, 20, 5, tzinfo=UTC),
            "exact",
        ),
        ("malformed_json", "line 5"),
        ("not_an_object", "line 6"),
        ("not_an_object", "line 7"),
        ("no_article", "line 8"),
        (
            "Vietnam posts trade surplus with the U.S.",
            "Mekong Daily",
            datetime(2025, 6, 3, tzinfo=UTC),
            "day",
        ),
        ("Date that cannot be read", None, None, "unknown"),
    ]
    poland, kazakhstan, chile, ghana = (i for i in items[:4] if isinstance(i, Article))
    assert poland.body == (
        "Passenger trains between Warsaw and Vilnius now run on European-gauge track all the "
        "way.\nThe journey takes under eight hours."
    )
    assert (poland.language, poland.url) == ("en", "https://railnews.example/pl-lt")
    assert kazakhstan.body.startswith("Kazakhstan won its first biathlon World Cup medal")
    assert (chile.language, chile.date_text) == ("es", "1748943000")
    assert ghana.body == "The currency rose for a third day in Accra."
    unreadable = items[-1]
    assert isinstance(unreadable, Article) and unreadable.date_text == "sometime in June"


def test_line_separators_inside_strings_do_not_split_records() -> None:
    # U+2028/U+2029 and \x1c are legal raw inside JSON strings; only "\n" ends a JSONL record.
    # CRLF line ends are fine too.
    lines = [
        json.dumps(
            {"title": "Peru\u2028votes", "text": "Lima\u2029count\x1cends"}, ensure_ascii=False
        ),
        json.dumps({"title": "Chile counts", "text": "Santiago."}),
    ]
    items = list(parse_json_records("\r\n".join(lines) + "\r\n"))
    assert [type(i).__name__ for i in items] == ["Article", "Article"]
    assert isinstance(items[0], Article) and items[0].title == "Peru votes"


def test_data_wrapper_document() -> None:
    # {"data": [...]} wrapper; a date-only value is a day, a zone-less timestamp is UTC.
    first, second = parse_file("data_wrapper.json")
    assert isinstance(first, Article) and isinstance(second, Article)
    assert (first.published_at, first.date_precision) == (datetime(2025, 8, 26, tzinfo=UTC), "day")
    assert (second.published_at, second.date_precision) == (
        datetime(2025, 8, 26, 3, 0, tzinfo=UTC),
        "exact",
    )


@pytest.mark.parametrize("key", ["data", "items", "results", "articles"])
def test_every_wrapper_key(key: str) -> None:
    text = json.dumps({key: [{"title": "Fiji hosts Pacific summit", "text": "Leaders met."}]})
    (item,) = parse_json_records(text)
    assert isinstance(item, Article) and item.title == "Fiji hosts Pacific summit"


def test_a_single_object_and_a_list_of_objects() -> None:
    one = json.dumps({"title": "Nepal opens Everest season", "content": "Permits rose."})
    many = json.dumps([{"title": "A", "text": "x"}, {"title": "B", "text": "y"}, 7])
    assert [i.title for i in parse_json_records(one) if isinstance(i, Article)] == [
        "Nepal opens Everest season"
    ]
    items = list(parse_json_records(many))
    assert [getattr(i, "title", None) for i in items[:2]] == ["A", "B"]
    assert items[2] == Reject("not_an_object", "expected a JSON object, got int", "record 3")


def test_broken_document_is_one_reject_with_its_position() -> None:
    # A pretty-printed document with a missing brace: one whole-file Reject, not one per line.
    (item,) = parse_file("broken_document.json")
    assert isinstance(item, Reject)
    assert (item.reason, item.location) == ("malformed_json", "line 6")
    assert "byte 217" in item.detail


def test_api_error_response_is_refused() -> None:
    text = json.dumps({"status": "error", "code": "rateLimited", "message": "Too many requests"})
    (item,) = parse_json_records(text)
    assert isinstance(item, Reject) and item.reason == "api_error"
    assert "Too many requests" not in item.detail  # details never quote the file


@pytest.mark.parametrize("text", ["", "  \n", "[]", '{"articles": []}'])
def test_empty_exports_are_refused(text: str) -> None:
    (item,) = parse_json_records(text)
    assert isinstance(item, Reject) and item.reason == "no_article" and item.location is None


def test_json_nested_ten_thousand_deep_is_refused_without_raising() -> None:
    deep = "[" * 10_000 + "]" * 10_000
    assert list(parse_json_records(deep)) == [
        Reject("json_too_deep", "JSON nested 10000 levels deep; at most 64 are read", "line 1")
    ]
    deep_object = '{"a":' * 10_000 + "1" + "}" * 10_000
    (item,) = parse_json_records(deep_object)
    assert isinstance(item, Reject) and item.reason == "json_too_deep"


def test_one_deep_line_does_not_stop_the_others() -> None:
    lines = [
        json.dumps({"title": "Mongolia holds snap election", "text": "Turnout was high."}),
        '{"x": ' + "[" * 5_000 + "]" * 5_000 + "}",
        json.dumps({"title": "Laos opens rail freight hub", "text": "Trains run to China."}),
    ]
    items = list(parse_json_records("\n".join(lines)))
    assert [type(i).__name__ for i in items] == ["Article", "Reject", "Article"]
    assert items[1] == Reject(
        "json_too_deep", "JSON nested 5001 levels deep; at most 64 are read", "line 2"
    )


def test_nesting_depth_ignores_brackets_in_strings() -> None:
    assert nesting_depth('{"title": "[[[[[[[[ {{{{ "}') == 1
    assert nesting_depth('[{"a": [1, {"b": []}]}]') == 5
    assert nesting_depth('{"t": "quote \\" [[[[ "}') == 1
    assert nesting_depth("") == 0
    assert MAX_DEPTH == 64


def test_huge_number_is_a_reject() -> None:
    (item,) = parse_json_records("[" + "9" * 5000 + "]")
    assert isinstance(item, Reject) and item.reason == "malformed_json"


@pytest.mark.parametrize(
    ("value", "expected", "precision"),
    [
        ("2025-07-18T09:30:00Z", datetime(2025, 7, 18, 9, 30, tzinfo=UTC), "exact"),
        ("2025-07-18T09:30:00.250+09:00", datetime(2025, 7, 18, 0, 30, 0, 250000, UTC), "exact"),
        ("2025-07-18 09:30:00", datetime(2025, 7, 18, 9, 30, tzinfo=UTC), "exact"),
        ("2025-07-18", datetime(2025, 7, 18, tzinfo=UTC), "day"),
        ("18-07-2025", datetime(2025, 7, 18, tzinfo=UTC), "day"),
        ("1752831000", datetime(2025, 7, 18, 9, 30, tzinfo=UTC), "exact"),
        (1752831000, datetime(2025, 7, 18, 9, 30, tzinfo=UTC), "exact"),
        (1752831000.5, datetime(2025, 7, 18, 9, 30, 0, 500000, UTC), "exact"),
        (1752831000000, datetime(2025, 7, 18, 9, 30, tzinfo=UTC), "exact"),  # milliseconds
        ("31-02-2025", None, "unknown"),
        ("yesterday", None, "unknown"),
        ("", None, "unknown"),
        (float("nan"), None, "unknown"),
        (float("inf"), None, "unknown"),
        (10**30, None, "unknown"),
    ],
)
def test_parse_published(
    value: str | int | float, expected: datetime | None, precision: str
) -> None:
    assert parse_published(value) == (expected, precision)


def test_published_at_is_always_utc() -> None:
    published, _ = parse_published("2025-07-18T23:30:00-05:00")
    assert published is not None
    assert published.utcoffset() == timedelta(0)
    assert published == datetime(2025, 7, 19, 4, 30, tzinfo=UTC)


@pytest.mark.parametrize(
    ("record", "source"),
    [
        ({"source": "Andes Report"}, "Andes Report"),
        ({"source": {"id": None, "name": "Baltic Wire"}}, "Baltic Wire"),
        ({"publisher": "Gold Coast Ledger"}, "Gold Coast Ledger"),
        ({"publisher": {"name": "Steppe Sports"}}, "Steppe Sports"),
        ({"source_domain": "railnews.example"}, "railnews.example"),
        ({"source": {"id": "x"}, "publisher": "Fallback Press"}, "Fallback Press"),
        ({"source": 42}, None),
        ({}, None),
    ],
)
def test_source_aliases(record: dict[str, object], source: str | None) -> None:
    (item,) = parse_json_records(json.dumps({"title": "Title", **record}))
    assert isinstance(item, Article) and item.source == source


@pytest.mark.parametrize(
    ("record", "country"),
    [
        ({"sourcecountry": "United States"}, "United States"),  # GDELT DOC API
        ({"country": ["india"]}, "india"),  # NewsData.io: a list of names
        ({"country": ["india", "nepal"]}, None),  # several countries name no one outlet's
        ({"source": {"name": "Le Monde", "country": "fr"}}, "fr"),
        ({"source_country": " DE "}, "DE"),
        ({"country": 7}, None),
        ({}, None),
    ],
)
def test_declared_outlet_country(record: dict[str, object], country: str | None) -> None:
    (item,) = parse_json_records(json.dumps({"title": "Title", **record}))
    assert isinstance(item, Article) and item.country == country


def test_body_is_the_longest_body_field_led_by_the_description() -> None:
    record = {
        "title": "T",
        "text": "short",
        "content": "the longest of the body fields",
        "body": "medium body",
        "description": "a description longer than every body field in this record",
    }
    (item,) = parse_json_records(json.dumps(record))
    assert isinstance(item, Article) and item.body == (
        "a description longer than every body field in this record\n"
        "the longest of the body fields")
    (only_description,) = parse_json_records(json.dumps({"description": "Only a summary."}))
    assert isinstance(only_description, Article)
    assert (only_description.title, only_description.body) == ("", "Only a summary.")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('{"a": 1}', True),
        ("  \n[1]", True),
        ("\ufeff{}", True),
        ("<html>", False),
        ("logo\nTitle", False),
        ("", False),
    ],
)
def test_looks_like_json(text: str, expected: bool) -> None:
    assert looks_like_json(text) is expected


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(
            st.sampled_from(["title", "body", "text", "date", "source", "publisher", "data", "x"]),
            children,
            max_size=5,
        )
    ),
    max_leaves=20,
)


@settings(max_examples=120, deadline=None)
@given(st.lists(JSON_VALUES, max_size=5), st.booleans())
def test_any_json_lines_parse_without_raising(values: list[object], as_lines: bool) -> None:
    text = "\n".join(json.dumps(v) for v in values) if as_lines else json.dumps(values)
    for item in parse_json_records(text):
        assert isinstance(item, Article | Reject)
        if isinstance(item, Article):
            assert item.title or item.body
            assert item.published_at is None or item.published_at.utcoffset() == timedelta(0)


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_any_text_parses_without_raising(text: str) -> None:
    items = list(parse_json_records(text))
    assert all(isinstance(item, Article | Reject) for item in items)


# --- the bundled sample exports in raw/ ---------------------------------------------------------

RAW = Path(__file__).resolve().parents[1] / "raw"


def test_bundled_newsapi_sample() -> None:
    items = list(parse_json_records((RAW / "newsapi-sample.json").read_text(encoding="utf-8")))
    assert len(items) == 6 and all(isinstance(i, Article) for i in items)
    assert all(isinstance(i, Article) and "[+" not in i.body for i in items)


def test_bundled_jsonl_sample_has_one_bad_line_and_one_exact_repeat() -> None:
    items = list(parse_json_records((RAW / "exports-sample.jsonl").read_text(encoding="utf-8")))
    rejects = [i for i in items if isinstance(i, Reject)]
    found = [i for i in items if isinstance(i, Article)]
    assert [(r.reason, r.location) for r in rejects] == [("malformed_json", "line 6")]
    assert len(found) == 12
    assert found[1] == found[5]  # line 7 repeats line 2 exactly
    assert len({(a.source, a.title) for a in found}) == 11


def _reference_nesting_depth(text: str) -> int:
    """nesting_depth with the string regex as first written (one alternation per character)."""
    import re
    from itertools import accumulate

    brackets = re.sub(r"[^\[\]{}]+", "", re.sub(r'"(?:[^"\\\n]|\\.)*"', "", text))
    return max(accumulate(1 if c in "[{" else -1 for c in brackets)) if brackets else 0


@settings(max_examples=500, deadline=None)
@given(st.lists(st.sampled_from(list('"\\[]{}\na: ,é') + ['\\"', '"x"']), max_size=60).map("".join))
def test_nesting_depth_equals_the_plain_string_rule(text: str) -> None:
    # Both ways of reading: line by line (a mean line of 1+ characters) and whole.
    for mean_line in (1, 10**9):
        with patch.object(jsonrecords, "_MIN_MEAN_LINE", mean_line):
            assert nesting_depth(text) == _reference_nesting_depth(text)


@settings(max_examples=300, deadline=None)
@given(st.lists(JSON_VALUES, max_size=6), st.text(alphabet='"\\[]{}\n\r x', max_size=30))
def test_nesting_depth_of_json_lines_equals_the_plain_string_rule(
    values: list[object], noise: str
) -> None:
    text = "\n".join(json.dumps(value) for value in values) + noise
    for mean_line in (1, 10**9):
        with patch.object(jsonrecords, "_MIN_MEAN_LINE", mean_line):
            assert nesting_depth(text) == _reference_nesting_depth(text)
