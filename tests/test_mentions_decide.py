"""The short ways through a span's decision agree with the long way, on random evidence.

`_decide_by_country` (only the article's countries can support the span) and a reading's
`settled` answer are shortcuts of `_decide_by_weighing`; these properties pin them to it.
"""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from transforms import mentions as m
from transforms.gazetteer import load_gazetteer

# Surfaces with several readings, countries and small namesakes, strong and weak
SURFACES = [
    "London", "England", "American", "French", "Newcastle", "Manchester", "Paris", "Georgia",
    "Athens", "Sydney", "Olympic", "Mobile", "Chelsea", "Birmingham", "Victoria", "Washington",
    "Congo", "Guinea", "Dublin", "Liverpool", "Reading", "Jordan", "Chad", "Kingston", "Perth",
]  # fmt: skip


def span_of(surface: str) -> m._Span:
    gaz = load_gazetteer()
    index = gaz.index_of(surface)
    assert index is not None
    reading = m._read(gaz, surface, gaz.candidates(index))
    return m._Span("body", 0, len(surface), surface, reading.candidates, reading)


@st.composite
def evidence(draw: st.DrawFn, surface: str) -> dict[str, set[str]]:
    codes = sorted({c.country_code for c in span_of(surface).candidates} | {"US", "GB", "FR"})
    others = st.sets(st.sampled_from(["Alpha", "Beta", "Gamma", "Delta", surface]), min_size=1)
    return draw(st.dictionaries(st.sampled_from(codes), others, max_size=len(codes)))


@settings(max_examples=400, deadline=None)
@given(data=st.data(), surface=st.sampled_from(SURFACES))
def test_decide_by_country_is_decide_by_weighing(data: st.DataObject, surface: str) -> None:
    span = span_of(surface)
    by_country = data.draw(evidence(surface))
    slow, slow_losers = m._decide_by_weighing(span, by_country, {})
    if span.reading.leads:
        found = m._decide_by_country(span, by_country)
        if found is not None:
            assert (found[0], set(found[1])) == (slow, set(slow_losers))
            assert m._decide_by_country(span, by_country) == found  # kept by backer counts
    if span.reading.settled:
        assert (slow, slow_losers) == (span.reading.settled_to, ())


def test_the_shortcuts_are_taken() -> None:
    assert span_of("England").reading.settled  # the country; its namesakes need their state
    assert span_of("Mobile").reading.settled_to is None  # a common word: never on country alone
    assert span_of("London").reading.leads  # two countries' Londons: weighed by country support
