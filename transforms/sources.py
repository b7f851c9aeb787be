"""An article's outlet -> the outlet's home country (ISO 3166-1 alpha-2), or None when unknown.

Three kinds of evidence, strongest first:

1. the country the input declares for the record (GDELT's `sourcecountry`, NewsData's `country`,
   a `source.country`): a code ("de", "GB", "uk") or an English name ("United States");
2. the URL: a domain of the curated outlet list `transforms/data/outlets.tsv` (the host or a
   parent domain of it: "edition.cnn.com" -> cnn.com), else its country-code top-level domain
   (".de", ".co.uk", ".com.au"); country codes sold as vanity domains (.tv, .io, .co, ...) say
   nothing about the outlet and give None;
3. the source field: a listed outlet name ("The Korea Herald", "NDTV"), or, when the dump
   writes a domain there, that domain as in 2.

The outlet list outranks the domain because an outlet's domain need not be its country's
(dw.com, france24.com, aljazeera.com). Everything is table lookups on the already canonical URL,
cached per distinct source name.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path

import pycountry

from transforms.countries import country_names

OUTLETS_FILE = Path(__file__).parent / "data" / "outlets.tsv"
# Country-code TLDs that are mostly sold as generic names (media, tech, "company", "me", radio),
# so a site there is no sign of the country: Tuvalu, British Indian Ocean Territory, Colombia,
# Montenegro, Micronesia, Anguilla, Libya, Armenia, Samoa, Cocos Islands, Tonga, Tokelau, Niue,
# Laos, Saint Helena, Ascension, Guernsey, Isle of Man, Montserrat, Saint Vincent, Mali, Gabon,
# Central African Republic, Equatorial Guinea, Djibouti, Greenland, Antigua, Sao Tome, Nauru.
VANITY_TLDS = frozenset({
    "tv", "io", "co", "me", "fm", "ai", "ly", "am", "ws", "cc", "to", "tk", "nu", "la", "sh",
    "ac", "gg", "im", "ms", "vc", "ml", "ga", "cf", "gq", "dj", "gl", "ag", "st", "nr",
})
# Top-level domains that are no ISO 3166-1 code but name one country's outlets.
TLD_ALIASES = {"uk": "GB"}
_DECLARED_ALIASES = {
    "UK": "GB", "USA": "US", "UNITED STATES OF AMERICA": "US", "GREAT BRITAIN": "GB",
    "BRITAIN": "GB", "ENGLAND": "GB", "SCOTLAND": "GB", "WALES": "GB", "NORTHERN IRELAND": "GB",
    "SOUTH KOREA": "KR", "KOREA": "KR", "NORTH KOREA": "KP", "RUSSIA": "RU", "IRAN": "IR",
    "SYRIA": "SY", "VIETNAM": "VN", "TAIWAN": "TW", "BOLIVIA": "BO", "VENEZUELA": "VE",
    "TANZANIA": "TZ", "LAOS": "LA", "MOLDOVA": "MD", "CZECH REPUBLIC": "CZ", "TURKEY": "TR",
    "IVORY COAST": "CI", "KOSOVO": "XK", "PALESTINE": "PS", "MACEDONIA": "MK",
}
_THE = "the "


def _fold(text: str) -> str:
    """Lower case without accents or punctuation, words single-spaced: the key names match on."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    letters = "".join(c if c.isalnum() else " " for c in decomposed
                      if not unicodedata.combining(c))
    key = " ".join(letters.split())
    return key.removeprefix(_THE) if key != "the" else key


def parse_outlets(lines: Iterable[str], source: str = "outlets.tsv") -> tuple[
        dict[str, str], dict[str, str]]:
    """(domain -> country, folded name -> country) from outlet lines; bad lines raise."""
    domains: dict[str, str] = {}
    names: dict[str, str] = {}
    known = country_names()
    for number, raw in enumerate(lines, start=1):
        line = raw.rstrip("\n")
        if not line.strip() or line.startswith("#"):
            continue
        fields = line.split("\t")
        if len(fields) != 3 or fields[0] not in known:
            raise ValueError(f"{source}:{number}: need 'CC<TAB>domains<TAB>names': {line!r}")
        code, domain_field, name_field = fields
        for domain in domain_field.split(","):
            domain = domain.strip().lower()
            if domain and domain != "-":
                domains[domain] = code
        for name in name_field.split("|"):
            key = _fold(name)
            if key and name.strip() != "-":
                names[key] = code
    return domains, names


@lru_cache(maxsize=1)
def _outlets() -> tuple[dict[str, str], dict[str, str]]:
    return parse_outlets(OUTLETS_FILE.read_text(encoding="utf-8").splitlines(), OUTLETS_FILE.name)


def host_of(url: str | None) -> str | None:
    """The lower-case host of a URL (without "www." and port), or None."""
    if not url:
        return None
    rest = url.partition("://")[2] if "://" in url else url
    host = rest.split("/", 1)[0].split("?", 1)[0].rpartition("@")[2].split(":", 1)[0]
    host = host.lower().strip(".").removeprefix("www.")
    return host if "." in host else None


def _domain_like(source: str) -> str | None:
    """The source as a host when the dump wrote a domain there ("bbc.co.uk", "www.spiegel.de")."""
    text = source.strip().lower()
    if " " in text or "." not in text or text.endswith("."):
        return None
    return host_of(text)


def country_of_host(host: str) -> str | None:
    """The country of a host: a listed outlet's (or its parent domain's), else its ccTLD's."""
    domains = _outlets()[0]
    name = host
    while "." in name:
        code = domains.get(name)
        if code is not None:
            return code
        name = name.split(".", 1)[1]
    return country_of_tld(host)


def country_of_tld(host: str) -> str | None:
    """ISO alpha-2 for a country-code top-level domain that is not sold as a vanity domain."""
    tld = host.rsplit(".", 1)[-1]
    if len(tld) != 2 or tld in VANITY_TLDS:
        return None
    code = TLD_ALIASES.get(tld, tld.upper())
    return code if code in country_names() else None


@lru_cache(maxsize=4096)
def country_of_source(source: str) -> str | None:
    """The country of a source field: a listed outlet name, or a domain written as the source."""
    host = _domain_like(source)
    if host is not None:
        return country_of_host(host)
    return _outlets()[1].get(_fold(source))


@lru_cache(maxsize=512)
def declared_country(value: str) -> str | None:
    """A declared country as alpha-2: "de", "GB", "uk", "DEU", "Germany", "united kingdom"."""
    text = " ".join(value.split()).upper()
    if not text:
        return None
    if text in _DECLARED_ALIASES:
        return _DECLARED_ALIASES[text]
    if len(text) == 2:
        return text if text in country_names() else None
    if len(text) == 3 and text.isalpha():
        found = pycountry.countries.get(alpha_3=text)
        return found.alpha_2 if found is not None else None
    by_name = {name.upper(): code for code, name in country_names().items()}
    if text in by_name:
        return by_name[text]
    try:
        return str(pycountry.countries.lookup(text).alpha_2)
    except LookupError:
        return None


def source_country(url: str | None, source: str | None, declared: str | None = None) -> str | None:
    """The outlet's home country: declared, else the URL's (listed domain, then ccTLD), else the
    source's (listed name, or the domain written as the source).

    The URL's ccTLD outranks the source name: an aggregator's source field may credit an agency
    ("AP") while the page is the local outlet's.
    """
    if declared:
        code = declared_country(declared)
        if code is not None:
            return code
    host = host_of(url)
    if host is not None:
        code = country_of_host(host)
        if code is not None:
            return code
    return country_of_source(source) if source else None
