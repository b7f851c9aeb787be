"""The outlet's home country: declared country, curated outlets, country-code domains."""

from __future__ import annotations

import pytest

from transforms.normalize import normalize_article
from transforms.records import Article
from transforms.sources import (
    OUTLETS_FILE,
    _outlets,
    declared_country,
    host_of,
    parse_outlets,
    source_country,
)


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://spiegel.de/politik/a-1", "DE"),
        ("https://example.de/x", "DE"),
        ("https://regional-paper.co.uk/news/1", "GB"),  # .uk is no ISO code: GB
        ("https://smalltown.com.au/story", "AU"),
        ("https://shimbun.co.jp/a", "JP"),
        ("https://nytimes.com/2025/06/03/world/x.html", "US"),
        ("https://edition.cnn.com/world", "US"),  # a subdomain of a listed outlet
        ("https://bbc.com/news/world-1", "GB"),
        ("https://dw.com/en/x/a-1", "DE"),  # generic .com, known outlet
        ("https://meduza.io/en/news", "RU"),  # listed outlet on a vanity domain
        ("https://startup-news.io/a", None),  # vanity ccTLDs say nothing
        ("https://channel.tv/a", None),
        ("https://brand.co/a", None),
        ("https://radio.fm/a", None),
        ("https://news.example/a", None),
        ("https://unknown-outlet.com/a", None),
        ("https://eu-news.eu/a", None),  # .eu is no country
    ],
)
def test_country_from_the_url(url: str, expected: str | None) -> None:
    assert source_country(url, None) == expected


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("Korea Herald", "KR"),
        ("The Korea Herald", "KR"),
        ("NDTV", "IN"),
        ("Al-Ahram Weekly", "EG"),
        ("al ahram weekly", "EG"),
        ("Khaleej Times", "AE"),
        ("Sky News AU", "AU"),
        ("Süddeutsche Zeitung", "DE"),
        ("Suddeutsche Zeitung", "DE"),  # accents do not matter
        ("Le Monde", "FR"),
        ("www.lemonde.fr", "FR"),  # a domain written as the source
        ("asahi.com", "JP"),
        ("lokalblatt.at", "AT"),  # an unlisted domain still has its ccTLD
        ("railnews.example", None),
        ("The Star", None),  # several outlets share the name
        ("Harbour Times", None),
        ("", None),
    ],
)
def test_country_from_the_source_name(source: str, expected: str | None) -> None:
    assert source_country(None, source) == expected


def test_declared_country_wins_then_the_url_then_the_source() -> None:
    assert source_country("https://nytimes.com/a", "NYT", "de") == "DE"
    # The page's own domain outranks an agency credited as the source.
    assert source_country("https://lokalzeitung.de/a", "Associated Press") == "DE"
    assert source_country("https://news.example/a", "Associated Press") == "US"
    # An unreadable declaration falls back to the other evidence.
    assert source_country("https://lemonde.fr/a", None, "Atlantis") == "FR"


@pytest.mark.parametrize(
    ("value", "expected"),
    [("de", "DE"), ("GB", "GB"), ("uk", "GB"), ("DEU", "DE"), ("Germany", "DE"),
     ("united states", "US"), ("United States of America", "US"), ("South Korea", "KR"),
     ("Czechia", "CZ"), ("Türkiye", "TR"), ("Kosovo", "XK"), ("Atlantis", None),
     ("ZZ", None), ("  ", None)],
)
def test_declared_country_codes_and_names(value: str, expected: str | None) -> None:
    assert declared_country(value) == expected


def test_host_of_strips_scheme_www_port_and_credentials() -> None:
    assert host_of("https://www.Example.co.uk:8080/a?b=c") == "example.co.uk"
    assert host_of("http://user@news.example/a") == "news.example"
    assert host_of("https://localhost/a") is None
    assert host_of(None) is None


def test_outlet_list_is_broad_and_clean() -> None:
    domains, names = _outlets()
    assert len(set(domains.values()) | set(names.values())) >= 40
    assert len(domains) >= 300
    # Listed outlets on vanity domains are known by the list, not by the domain.
    assert source_country("https://tempo.co/a", None) == "ID"
    assert source_country("https://geo.tv/a", None) == "PK"
    for line in OUTLETS_FILE.read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            assert len(line.split("\t")) == 3, line


def test_bad_outlet_lines_are_refused() -> None:
    with pytest.raises(ValueError, match="outlets.tsv:1"):
        parse_outlets(["XX\tfoo.com\tFoo"])
    with pytest.raises(ValueError, match="outlets.tsv:2"):
        parse_outlets(["# comment", "DE spiegel.de Spiegel"])


def test_normalized_rows_carry_the_source_country() -> None:
    row = normalize_article(Article(title="Kanzler reist nach Paris", body="Text.",
                                    source="Der Spiegel", url="https://news.example/a"),
                            detect=False)
    assert row.source_country == "DE"
    declared = normalize_article(Article(title="t", body="b", source="x", country="Japan"),
                                 detect=False)
    assert declared.source_country == "JP"
    unknown = normalize_article(Article(title="t", body="b"), detect=False)
    assert unknown.source_country is None
