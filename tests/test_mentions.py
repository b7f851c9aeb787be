"""Country and place mentions: every disambiguation case of issue 3, short forms, demonyms, case
rules, blocs, offsets, and the seed page's per-article country sets.

Each sentence here was written for these tests. Expected rows are (field, start, end, surface,
country_code); `at()` finds the offsets of the n-th occurrence of a surface, so every assertion
pins the exact slice as well as the country.
"""

from __future__ import annotations

import re
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from transforms.mentions import _capitalized_before, extract_mentions
from transforms.records import Mention

REPO = Path(__file__).resolve().parent.parent
SEED_PAGE = REPO.parent / "shared" / "samples" / "daily8" / "000_060239a9aa87ed88.txt"

Row = tuple[str, int, int, str, str]


def rows(title: str, body: str = "") -> list[Row]:
    return [
        (m.field, m.start, m.end, m.surface, m.country_code) for m in extract_mentions(title, body)
    ]


def at(text: str, surface: str, code: str, nth: int = 0, field: str = "body") -> Row:
    """The expected row for the nth occurrence of `surface` in `text`."""
    start = -1
    for _ in range(nth + 1):
        start = text.index(surface, start + 1)
    return (field, start, start + len(surface), surface, code)


def body_rows(body: str) -> list[Row]:
    return rows("", body)


def countries(body: str) -> set[str]:
    return {m.country_code for m in extract_mentions("", body)}


# --- person names -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [
        "Senator Jordan Whitfield voted against the farm bill on Tuesday.",
        "Coach Chad Morgan said the defence had improved since the spring.",
        "Paris Hilton opened a perfume shop at the mall.",
        "Deputy Secretary Christopher Landau met reporters; Landau declined to comment.",
        "Georgia Stevens skated well. Georgia said she trained every morning.",
    ],
)
def test_person_names_are_no_places(body: str) -> None:
    assert body_rows(body) == []


def test_given_name_of_a_person_still_counts_as_a_place_when_written_as_one() -> None:
    body = "Chad Morgan flew to Chad in May, and Morgan later wrote about it."
    assert body_rows(body) == [at(body, "Chad", "TD", nth=1)]


def test_surname_in_a_korean_name_is_no_place() -> None:
    body = "Park Yoon-joo met Lee in Seoul; Park said talks went well."
    assert body_rows(body) == [at(body, "Seoul", "KR")]


# --- common words -------------------------------------------------------------------------------


def test_common_words_that_are_also_towns_are_ignored() -> None:
    body = (
        "Of the five bids, two arrived in March. But Police said Reading the Mobile data took "
        "hours, and the Liberal caucus wanted an Orange logo near the Airport."
    )
    assert body_rows(body) == []


def test_a_common_word_town_counts_when_its_state_is_named() -> None:
    body = "The plant in Reading, Pennsylvania closed."
    assert body_rows(body) == [
        at(body, "Reading", "US"),
        at(body, "Pennsylvania", "US"),
    ]


def test_case_rules_turkey_sandwiches_and_china_plates() -> None:
    body = "We ate turkey sandwiches off china plates, then flew to Turkey."
    assert body_rows(body) == [at(body, "Turkey", "TR")]


# --- same name, different places ----------------------------------------------------------------


def test_georgia_the_state_beside_atlanta_and_savannah() -> None:
    body = "Voters in Georgia lined up early in Atlanta and Savannah."
    assert body_rows(body) == [
        at(body, "Georgia", "US"),
        at(body, "Atlanta", "US"),
        at(body, "Savannah", "US"),
    ]
    mention = extract_mentions("", body)[0]
    assert (mention.kind, mention.method, mention.name) == ("place", "division", "Georgia")


def test_georgia_the_country_beside_tbilisi() -> None:
    body = "Protesters filled the streets of Tbilisi as Georgia debated the law."
    assert body_rows(body) == [at(body, "Tbilisi", "GE"), at(body, "Georgia", "GE")]


def test_georgia_alone_in_a_us_story_is_the_state() -> None:
    body = "The U.S. Senate race in Georgia drew record spending."
    assert countries(body) == {"US"}
    assert extract_mentions("", body)[1].method == "division"


def test_georgian_follows_georgia_the_state() -> None:
    body = "In Atlanta, Georgia, the Georgian-style mansion was sold."
    assert countries(body) == {"US"}


def test_washington_the_state_and_the_government() -> None:
    state = "Seattle and Spokane are the largest cities in Washington state."
    assert countries(state) == {"US"}
    assert extract_mentions("", state)[-1].method == "division"
    government = "Washington and Beijing traded accusations over tariffs."
    assert body_rows(government) == [
        at(government, "Washington", "US"),
        at(government, "Beijing", "CN"),
    ]
    assert [
        (m.kind, m.method, m.name, m.geonames_id) for m in extract_mentions("", government)
    ] == [
        ("country", "capital", "United States", None),
        ("country", "capital", "China", None),
    ]


def test_capital_written_as_a_location_is_a_place() -> None:
    body = "The talks were held in Tokyo on Friday."
    (mention,) = extract_mentions("", body)
    assert (mention.kind, mention.method, mention.country_code, mention.name) == (
        "place",
        "city",
        "JP",
        "Tokyo",
    )
    assert mention.geonames_id is not None


def test_paris_texas_and_paris_france() -> None:
    texas = "The rodeo in Paris, Texas drew crowds from across Lamar County."
    assert countries(texas) == {"US"}
    assert body_rows(texas)[0] == at(texas, "Paris", "US")
    france = "Fashion week in Paris opened with a show by the Seine."
    assert body_rows(france) == [at(france, "Paris", "FR")]


def test_london_ontario_and_london_england() -> None:
    ontario = "Hospitals in London, Ontario are full, Toronto officials said."
    assert body_rows(ontario) == [
        at(ontario, "London", "CA"),
        at(ontario, "Ontario", "CA"),
        at(ontario, "Toronto", "CA"),
    ]
    england = "The bank moved its headquarters from London to Frankfurt."
    assert countries(england) == {"GB", "DE"}


def test_small_namesake_picked_by_its_county_and_state() -> None:
    body = "LONDON, Ky. - A man from Laurel County died in a crash near London, deputies said."
    assert countries(body) == {"US"}
    assert body_rows(body)[0] == ("body", 0, 6, "LONDON", "US")


def test_a_national_capital_beats_a_namesake_without_local_context() -> None:
    body = "The U.S. sprinter won gold in Athens, where American fans cheered."
    assert body_rows(body) == [
        at(body, "U.S.", "US"),
        at(body, "Athens", "GR"),
        at(body, "American", "US"),
    ]


def test_a_namesake_wins_with_its_state() -> None:
    body = "Crews in Athens, Ga. cleared roads after the storm."
    assert body_rows(body) == [at(body, "Athens", "US"), at(body, "Ga.", "US")]


def test_a_world_story_keeps_paris_in_france() -> None:
    body = (
        "Smog in Beijing, Delhi, Lagos and Paris worries researchers at the University of "
        "Texas in Austin."
    )
    assert countries(body) == {"CN", "IN", "NG", "FR", "US"}


def test_names_around_towns_are_no_towns() -> None:
    body = "Talks between Vladimir Putin and Donald Trump ended."
    assert body_rows(body) == []


def test_common_word_towns_inside_names() -> None:
    body = "She studied at the University of Maryland and then at Reading University."
    assert body_rows(body) == [at(body, "Maryland", "US")]


def test_months_planets_and_prizes_are_no_places() -> None:
    assert body_rows("Spain won the Davis Cup in March.") == [("body", 0, 5, "Spain", "ES")]
    body = "NASA says Jupiter and Mars will be visible from Texas."
    assert body_rows(body) == [at(body, "Texas", "US")]


def test_clubs_and_companies_named_after_places() -> None:
    assert body_rows("Real Madrid and Inter Milan drew, and Anglo American shares fell.") == []


def test_a_lone_foreign_namesake_in_a_local_story_is_dropped() -> None:
    body = "Police in Cairns said a man from Edmonton, south of Cairns in Queensland, was charged."
    assert countries(body) == {"AU"}
    world = "Flights from Edmonton to Toronto and Vancouver resumed."
    assert countries(world) == {"CA"}


def test_niger_and_the_niger_delta() -> None:
    delta = "Oil spills in the Niger Delta angered farmers."
    assert body_rows(delta) == [at(delta, "Niger Delta", "NG")]
    both = "Niger shares a long border with Nigeria."
    assert body_rows(both) == [at(both, "Niger", "NE"), at(both, "Nigeria", "NG")]


def test_every_guinea() -> None:
    body = "Guinea, Guinea-Bissau, Equatorial Guinea and Papua New Guinea sent ministers."
    assert body_rows(body) == [
        at(body, "Guinea", "GN"),
        at(body, "Guinea-Bissau", "GW"),
        at(body, "Equatorial Guinea", "GQ"),
        at(body, "Papua New Guinea", "PG"),
    ]


def test_both_congos() -> None:
    body = (
        "The Democratic Republic of the Congo and the Republic of the Congo share a river; "
        "Kinshasa faces Brazzaville across it."
    )
    assert body_rows(body) == [
        at(body, "Democratic Republic of the Congo", "CD"),
        at(body, "Republic of the Congo", "CG", nth=1),
        at(body, "Kinshasa", "CD"),
        at(body, "Brazzaville", "CG"),
    ]


def test_congo_alone_takes_its_capital_from_context() -> None:
    body = "Fighting in Congo spread from Brazzaville to the coast."
    assert countries(body) == {"CG"}


def test_dominica_and_the_dominican_republic() -> None:
    body = "Hurricane winds hit Dominica before reaching the Dominican Republic."
    assert body_rows(body) == [
        at(body, "Dominica", "DM"),
        at(body, "Dominican Republic", "DO"),
    ]


def test_sudan_and_south_sudan() -> None:
    body = "Sudan and South Sudan disagree over oil fees; South Sudanese officials walked out."
    assert body_rows(body) == [
        at(body, "Sudan", "SD"),
        at(body, "South Sudan", "SS"),
        at(body, "South Sudanese", "SS"),
    ]


def test_french_quarter_is_no_france() -> None:
    body = "Jazz drifted through the French Quarter of New Orleans."
    assert countries(body) == {"US"}


# --- blocs, short forms, demonyms ---------------------------------------------------------------


def test_blocs_continents_and_seas_are_not_countries() -> None:
    body = (
        "The EU and ASEAN met to discuss the Indo-Pacific, while Europe, Africa and the Middle "
        "East watched shipping in the South China Sea."
    )
    assert body_rows(body) == []


@pytest.mark.parametrize(
    ("surface", "code"),
    [
        ("U.S.", "US"),
        ("US", "US"),
        ("USA", "US"),
        ("UK", "GB"),
        ("S. Korea", "KR"),
        ("N. Korea", "KP"),
        ("NK", "KP"),
        ("UAE", "AE"),
        ("DRC", "CD"),
    ],
)
def test_short_forms(surface: str, code: str) -> None:
    body = f"Officials said {surface} would respond."
    assert body_rows(body) == [at(body, surface, code)]
    assert extract_mentions("", body)[0].method == "abbreviation"


@pytest.mark.parametrize(
    ("surface", "code"),
    [
        ("Japanese", "JP"),
        ("South Korean", "KR"),
        ("Filipino", "PH"),
        ("Filipinos", "PH"),
        ("Emirati", "AE"),
        ("Americans", "US"),
    ],
)
def test_demonyms(surface: str, code: str) -> None:
    body = f"The {surface} delegation arrived late."
    assert body_rows(body) == [at(body, surface, code)]
    assert extract_mentions("", body)[0].method == "demonym"


def test_title_and_body_are_separate_fields() -> None:
    title = "Talks in Seoul"
    body = "Japan and Canada joined."
    assert rows(title, body) == [
        at(title, "Seoul", "KR", field="title"),
        at(body, "Japan", "JP"),
        at(body, "Canada", "CA"),
    ]


def test_offsets_are_code_points_after_non_ascii_text() -> None:
    body = "Café owners in Zürich and Montréal, and the Côte d'Ivoire team 🇨🇮, cheered."
    found = body_rows(body)
    assert found == [
        at(body, "Zürich", "CH"),
        at(body, "Montréal", "CA"),
        at(body, "Côte d'Ivoire", "CI"),
    ]


def test_every_row_has_the_contract_fields() -> None:
    body = "Mumbai, Maharashtra and the Indian government in New Delhi."
    for m in extract_mentions("", body):
        assert isinstance(m, Mention)
        assert m.kind in ("country", "place")
        assert m.method in ("name", "abbreviation", "demonym", "capital", "city", "division")
        assert len(m.country_code) == 2 and m.country_code.isupper()
        if m.kind == "country":
            assert m.geonames_id is None
        elif m.method == "city":
            assert isinstance(m.geonames_id, int)
    assert countries(body) == {"IN"}
    assert [(m.surface, m.kind, m.method) for m in extract_mentions("", body)] == [
        ("Mumbai", "place", "city"),
        ("Maharashtra", "place", "division"),
        ("Indian", "country", "demonym"),
        ("New Delhi", "place", "city"),
    ]


# --- properties ---------------------------------------------------------------------------------

_WORDS = st.sampled_from(
    ["Japan", "U.S.", "Georgia", "Paris", "Chad", "Morgan", "said", "in", "the", ",", ".", "'s",
     "Côte d'Ivoire", "São Paulo", "Niger", "Delta", "Senator", "Washington", "é", "🙂", "\n",
     "New", "York", "Guinea", "-", "Bissau", "Reading", "Pennsylvania", "KY", "Ky."]
)  # fmt: skip


@settings(max_examples=200, deadline=None)
@given(
    title=st.lists(_WORDS, max_size=8).map(" ".join),
    body=st.one_of(st.text(max_size=200), st.lists(_WORDS, max_size=60).map(" ".join)),
)
def test_every_surface_is_the_slice_at_its_offsets(title: str, body: str) -> None:
    for m in extract_mentions(title, body):
        text = title if m.field == "title" else body
        assert 0 <= m.start < m.end <= len(text)
        assert text[m.start : m.end] == m.surface


# --- the seed page (pipeline acceptance) --------------------------------------------------------


@pytest.mark.skipif(not SEED_PAGE.exists(), reason="needs ../shared/samples/daily8")
def test_seed_page_country_counts_per_article() -> None:
    from transforms.formats.daily8 import parse_daily8_page

    items = parse_daily8_page(
        SEED_PAGE.read_text(encoding="utf-8"), captured_at=datetime(2025, 7, 20, tzinfo=UTC)
    )
    articles = [a for a in items if hasattr(a, "body")]
    per_article = [{m.country_code for m in extract_mentions(a.title, a.body)} for a in articles]
    assert per_article == [
        {"KR", "US", "JP", "KP", "MY"},
        {"JP", "KR", "CA", "US"},
        {"KR", "US", "JP"},
        {"CN"},
    ]
    counts = Counter(code for codes in per_article for code in codes)
    assert counts == {"JP": 3, "KR": 3, "US": 3, "CA": 1, "CN": 1, "KP": 1, "MY": 1}
    surfaces = {m.surface for a in articles for m in extract_mentions(a.title, a.body)}
    for trap in ("Landau", "Park", "Lee", "Of", "Liberal", "Indo-Pacific", "ASEAN", "Orange"):
        assert trap not in surfaces


# --- helpers that replace a slower equivalent -----------------------------------------------------

_PREV_WORD = re.compile(r"\b([A-Z][a-z]+)(\.?) $")  # what _capitalized_before computes faster


@settings(max_examples=500, deadline=None)
@given(text=st.text(alphabet="aAbBzZ _.-'\n1\u00e9\u00c9", max_size=40))
def test_capitalized_before_is_the_regex_search(text: str) -> None:
    for start in range(2, len(text) + 1):
        if text[start - 1] == " " and text[start - 2].isalpha():
            found = _PREV_WORD.search(text, max(0, start - 24), start)
            assert _capitalized_before(text, start) == (found.start() if found else -1)


def test_capitalized_before_examples() -> None:
    text = "said Prime Minister Tony Blair, and McDonald Smith met in London"
    assert _capitalized_before(text, text.index("Blair")) == text.index("Tony")
    assert _capitalized_before(text, text.index("Smith")) == -1  # "McDonald" opens no word at D
    assert _capitalized_before(text, text.index("London")) == -1  # "in" is lowercase


def test_new_mention_is_the_dataclass_built_the_usual_way() -> None:
    from dataclasses import FrozenInstanceError

    from transforms.mentions import _new_mention

    fields = ("place", "US", "Atlanta", "Atlanta", "body", 3, 10, "city", 4180439)
    made, usual = _new_mention(*fields), Mention(*fields)
    assert type(made) is Mention
    assert made == usual and hash(made) == hash(usual) and repr(made) == repr(usual)
    with pytest.raises(FrozenInstanceError):
        made.start = 4  # type: ignore[misc]
