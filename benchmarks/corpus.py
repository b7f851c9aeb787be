"""A benchmark corpus of N articles as Daily8 page dumps and JSONL exports, built from real texts.

The texts come from a folder of plain-text articles (first line = title), by default the BBC
corpus in ../shared/corpora/bbc/bbc. They are reused across many dumps, and every reuse varies
what a pipeline could otherwise cache: the title gets a different framing, the body drops or
rotates a paragraph and borrows one from another story, and the source and date change. On top of
that the corpus repeats itself the way real dumps do, so dedup has work to do:

- some teasers are stories that are also a main article elsewhere (same source and title),
- some page files are byte-identical copies of another page under a new name,
- some JSONL records repeat a URL already exported,
- some articles are syndicated copies of a recent story under another source, days later: with a
  wire credit line, the last paragraphs cut, a typo, or only the lead (a teaser), so the story
  join has copies to group that exact dedup cannot see.

N counts article records as the parsers will read them (main articles, teasers, JSONL records,
repeats included), so `articles parsed` of a run over the corpus equals N. Everything is
deterministic for a given (source folder, N, seed). Nothing is written outside `out_dir`.

With `mixed=True` a third of the stories are in other languages (German, French, Spanish,
Portuguese, Italian, Dutch, Russian, Chinese), composed from the short news items in
`benchmarks/data/news/<lang>.tsv` (written for newsmill): a title, then the item's text and two to
five more items of the same language as paragraphs, under an outlet of that language's country.
"""

from __future__ import annotations

import json
import random
import shutil
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

CORPUS_VERSION = 3  # 2: syndicated copies; 3: and the mixed-language mode
NEWS_ITEMS = Path(__file__).resolve().parent / "data" / "news"
MIXED_SHARE = 1 / 3  # of stories, in mixed mode
# Per language: title framings (prefixes, suffixes), outlets as dumps name them, and the
# country-code domain of its made-up URLs.
FOREIGN: dict[str, tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...], str]] = {
    "de": (("", "", "Analyse: ", "Kommentar: ", "Live: ", "Eilmeldung: ", "Hintergrund: "),
           ("", "", " – was bekannt ist", ", berichten Medien", " nach Beratungen",
            " am Wochenende", " trotz Kritik", ", heißt es"),
           ("Der Spiegel", "Süddeutsche Zeitung", "Tagesspiegel", "Rheinische Post",
            "Der Standard", "NZZ"), "de"),
    "fr": (("", "", "Analyse : ", "Décryptage : ", "En direct : ", "Info : "),
           ("", "", " selon les autorités", " ce week-end", " malgré les critiques",
            " après des semaines de débat"),
           ("Le Monde", "Le Figaro", "Libération", "Ouest-France", "Le Soir"), "fr"),
    "es": (("", "", "Análisis: ", "Última hora: ", "Directo: ", "Opinión: "),
           ("", "", " según fuentes oficiales", " este fin de semana", " pese a las críticas",
            " tras días de negociación"),
           ("El País", "El Mundo", "La Vanguardia", "Clarín", "El Tiempo"), "es"),
    "pt": (("", "", "Análise: ", "Última hora: ", "Opinião: "),
           ("", "", " segundo as autoridades", " neste fim de semana", " apesar das críticas"),
           ("Público", "Expresso", "Folha de S.Paulo", "O Globo", "Observador"), "pt"),
    "it": (("", "", "Analisi: ", "Ultim'ora: ", "Diretta: ", "Il commento: "),
           ("", "", " secondo fonti ufficiali", " nel fine settimana", " nonostante le critiche"),
           ("Corriere della Sera", "la Repubblica", "La Stampa", "ANSA", "Il Messaggero"), "it"),
    "nl": (("", "", "Analyse: ", "Live: ", "Achtergrond: "),
           ("", "", " volgens ingewijden", " dit weekend", " ondanks kritiek"),
           ("NOS", "de Volkskrant", "NRC", "De Standaard", "Trouw"), "nl"),
    "ru": (("", "", "Анализ: ", "Срочно: ", "Мнение: "),
           ("", "", " — источники", " в выходные", " несмотря на критику"),
           ("Kommersant", "RBC", "Interfax", "Novaya Gazeta"), "ru"),
    "zh": (("", "", "快讯：", "综述：", "观察："),
           ("", "", "（记者报道）", "（最新消息）", "（现场直击）"),
           ("Xinhua", "China Daily", "People's Daily", "Caixin"), "cn"),
}
DEFAULT_SOURCE = Path(__file__).resolve().parent.parent.parent / "shared/corpora/bbc/bbc"
CAPTURED_AT = datetime(2025, 7, 28, 12, 0, tzinfo=UTC)  # relative dates resolve against this

# Framings that turn one text into many distinct stories; none of them is a site suffix the
# Daily8 parser would strip (" - Site").
TITLE_PREFIXES = ("", "", "", "Analysis: ", "Explainer: ", "Update: ", "Live: ", "Opinion: ",
                  "In pictures: ", "Watch: ")
TITLE_SUFFIXES = ("", "", "", " as talks continue", ", officials say", " amid new questions",
                  " in latest figures", " after weekend review", ", report finds",
                  " ahead of key vote", " as markets watch")
SOURCES = ("Harbour Times", "Metro24", "Pampas Post", "Korea Herald", "NDTV", "News18",
           "Al-Ahram Weekly", "The National", "Khaleej Times", "Straits Times", "CTV News",
           "Winnipeg Free Press", "Irish Times", "Japan Times", "Canberra Times", "9 News",
           "Daily Ledger", "Northern Echo Wire", "Valley Courier", "Coastline Herald")
RELATIVE_WHEN = ("a few seconds ago", "15 minutes ago", "an hour ago", "3 hours ago",
                 "18 hours ago", "a day ago", "2 days ago", "6 days ago")
JSONL_RECORDS_PER_FILE = 1000
JSONL_SHARE = 0.25  # of the N articles
REPEATED_PAGE_SHARE = 0.03  # of page files, copied byte for byte under a new name
TEASER_REPEAT_SHARE = 0.2  # of teasers that are another page's main article
JSONL_REPEAT_SHARE = 0.02  # of JSONL records that re-export an earlier URL
TITLE_ONLY_SHARE = 0.05  # of layout-B pages whose main article has no body
SYNDICATED_SHARE = 0.2  # of fresh stories that are a copy of a recent one, republished
WIRE_CREDITS = ("— The Associated Press", "Source: Reuters", "With AFP", "(dpa)",
                "Copyright 2025 The Associated Press. All rights reserved.")

# Tiny word lists for the fallback text when no source folder is there (the benchmark still runs,
# but its figures are then about made-up prose and say so).
_FALLBACK_WORDS = ("government", "market", "officials", "report", "minister", "growth", "talks",
                   "season", "company", "shares", "election", "court", "weather", "players",
                   "trade", "budget", "study", "film", "record", "workers", "prices", "police")
_FALLBACK_PLACES = ("France", "Japan", "Brazil", "Kenya", "Canada", "India", "Germany", "Chile",
                    "Australia", "Egypt", "Norway", "Mexico", "London", "Seoul", "Lagos")


@dataclass(frozen=True, slots=True)
class SourceText:
    """One real article: its title and its paragraphs."""

    title: str
    paragraphs: tuple[str, ...]
    language: str = "en"


@dataclass(slots=True)
class CorpusStats:
    """What a corpus holds; saved next to it as corpus.json."""

    version: int
    source: str
    source_kind: str  # "folder" or "generated"
    seed: int
    articles: int = 0
    main_articles: int = 0
    teasers: int = 0
    jsonl_records: int = 0
    repeated_teasers: int = 0
    repeated_page_articles: int = 0
    repeated_jsonl_records: int = 0
    syndicated_copies: int = 0
    page_files: int = 0
    repeated_page_files: int = 0
    jsonl_files: int = 0
    bytes: int = 0
    layouts: dict[str, int] = field(default_factory=dict)
    mixed: bool = False
    stories_by_language: dict[str, int] = field(default_factory=dict)

    @property
    def files(self) -> int:
        return self.page_files + self.repeated_page_files + self.jsonl_files


@dataclass(frozen=True, slots=True)
class Story:
    """A text given one framing: what a page or export shows of it."""

    title: str
    paragraphs: tuple[str, ...]
    source: str
    published: datetime
    language: str = "en"

    def teaser(self) -> str:
        """Teasers are one paragraph: the story's opening."""
        return " ".join(self.paragraphs[:2])


def load_source_texts(folder: Path) -> list[SourceText]:
    """Every `*.txt` under `folder` (recursively) whose first line is a title and has a body."""
    texts = []
    for path in sorted(folder.rglob("*.txt")):
        raw = path.read_bytes().decode("utf-8", errors="replace")
        lines = [" ".join(line.split()) for line in raw.splitlines()]
        lines = [line for line in lines if line]
        if len(lines) >= 2 and len(lines[0]) <= 200:
            texts.append(SourceText(lines[0], tuple(lines[1:])))
    return texts


def load_news_items(folder: Path = NEWS_ITEMS) -> dict[str, list[SourceText]]:
    """The written non-English news items, per language: (title, (text,)) each."""
    items: dict[str, list[SourceText]] = {}
    for language in FOREIGN:
        for line in (folder / f"{language}.tsv").read_text(encoding="utf-8").splitlines():
            if line.strip() and not line.startswith("#"):
                _, title, text = line.split("\t")
                items.setdefault(language, []).append(SourceText(title, (text,), language))
    return items


def generated_texts(count: int = 500, seed: int = 7) -> list[SourceText]:
    """Made-up articles for when no source folder is available."""
    rng = random.Random(seed)
    texts = []
    for _ in range(count):
        place = rng.choice(_FALLBACK_PLACES)
        title = f"{place} {rng.choice(_FALLBACK_WORDS)} {rng.choice(_FALLBACK_WORDS)} rises"
        paragraphs = []
        for _ in range(rng.randint(4, 9)):
            words = [rng.choice(_FALLBACK_WORDS + _FALLBACK_PLACES) for _ in range(60)]
            paragraphs.append(" ".join(words).capitalize() + ".")
        texts.append(SourceText(title, tuple(paragraphs)))
    return texts


class _Stories:
    """Draws fresh stories: a text, a framing, a source and a date."""

    def __init__(self, texts: list[SourceText], rng: random.Random,
                 foreign: dict[str, list[SourceText]] | None = None,
                 stats: CorpusStats | None = None) -> None:
        self.texts = texts
        self.rng = rng
        self.foreign = foreign or {}
        self.languages = sorted(self.foreign)
        self.stats = stats
        self.recent: list[Story] = []  # stories another source may republish
        self.syndicated = 0

    def fresh(self) -> Story:
        rng = self.rng
        if self.recent and rng.random() < SYNDICATED_SHARE:
            self.syndicated += 1
            story = self.syndicated_copy(rng.choice(self.recent))
        else:
            # Only mixed mode draws this extra number, so English-only corpora do not depend on it.
            story = self._foreign() if self.foreign and rng.random() < MIXED_SHARE else None
            if story is None:
                story = self.original()
            self.recent.append(story)
            del self.recent[:-300]
        if self.stats is not None:
            counts = self.stats.stories_by_language
            counts[story.language] = counts.get(story.language, 0) + 1
        return story

    def syndicated_copy(self, story: Story) -> Story:
        """`story` republished by another source up to two days later, lightly edited."""
        rng = self.rng
        paragraphs = list(story.paragraphs)
        roll = rng.random()
        if roll < 0.25 and len(paragraphs) > 2:  # an aggregator's teaser: the lead only
            paragraphs = paragraphs[:2]
        elif roll < 0.5 and len(paragraphs) > 3:  # the last paragraphs cut
            paragraphs = paragraphs[:max(2, len(paragraphs) * 2 // 3)]
        if rng.random() < 0.5:
            paragraphs.append(rng.choice(WIRE_CREDITS))
        if rng.random() < 0.3:  # a typo: two letters swapped in one word
            index = rng.randrange(len(paragraphs))
            words = paragraphs[index].split(" ")
            long_words = [i for i, w in enumerate(words) if len(w) > 5]
            if long_words:
                i = rng.choice(long_words)
                words[i] = words[i][0] + words[i][2] + words[i][1] + words[i][3:]
                paragraphs[index] = " ".join(words)
        title = story.title if rng.random() < 0.5 else f"{rng.choice(TITLE_PREFIXES[3:])}" \
            f"{story.title}"
        published = story.published + timedelta(minutes=rng.randrange(10, 2 * 1440))
        return Story(title, tuple(paragraphs), rng.choice(SOURCES), min(published, CAPTURED_AT),
                     story.language)

    def _foreign(self) -> Story:
        """A story in another language: one item's title, its text and 2-5 more as paragraphs."""
        rng = self.rng
        language = rng.choice(self.languages)
        prefixes, suffixes, sources, _ = FOREIGN[language]
        items = self.foreign[language]
        main = rng.choice(items)
        others = rng.sample(items, min(len(items), rng.randint(3, 6)))
        paragraphs = [main.paragraphs[0]] + [o.paragraphs[0] for o in others if o is not main]
        title = f"{rng.choice(prefixes)}{main.title}{rng.choice(suffixes)}"
        published = CAPTURED_AT - timedelta(days=rng.randrange(0, 200),
                                            minutes=rng.randrange(0, 1440))
        return Story(title, tuple(paragraphs[:6]), rng.choice(sources), published, language)

    def original(self) -> Story:
        rng = self.rng
        text = rng.choice(self.texts)
        title = f"{rng.choice(TITLE_PREFIXES)}{text.title}{rng.choice(TITLE_SUFFIXES)}"
        paragraphs = list(text.paragraphs)
        if len(paragraphs) > 3 and rng.random() < 0.5:
            del paragraphs[rng.randrange(1, len(paragraphs))]
        if len(paragraphs) > 2 and rng.random() < 0.5:
            cut = rng.randrange(1, len(paragraphs))
            paragraphs = paragraphs[:1] + paragraphs[cut:] + paragraphs[1:cut]
        if rng.random() < 0.5:
            other = rng.choice(self.texts).paragraphs
            paragraphs.append(other[rng.randrange(len(other))])
        published = CAPTURED_AT - timedelta(days=rng.randrange(0, 200),
                                            minutes=rng.randrange(0, 1440))
        return Story(title, tuple(paragraphs), rng.choice(SOURCES), published, text.language)


def _date_text(story: Story, rng: random.Random) -> str:
    if rng.random() < 0.3:
        return rng.choice(RELATIVE_WHEN)
    return f"{story.published:%d-%m-%Y}"


def page_layout_a(main: Story, teasers: list[Story], rng: random.Random) -> str:
    """A "logo" page: title twice, glued source+date line, body, chrome, bulleted teasers."""
    lines = ["logo", main.title, "", main.title, "", f"{main.source}{_date_text(main, rng)}"]
    lines += main.paragraphs
    lines += ["", "Orange background", "", "Try Our AI Features", "",
              "Explore what Daily8 AI can do for you:", "", "Comments", "", "No comments yet...",
              "", "Related Articles", ""]
    for story in teasers:
        lines += [story.title, story.title, "", story.source, "",
                  f"time{_date_text(story, rng)}", "", f"  \u2022 {story.source}", "",
                  story.title, "", story.teaser(), ""]
    lines += ["DOWNLOAD THE APP", "", "Get Started Now: Download the App", "",
              "Ready to dive into a world of global news and events? Download Daily8 app today "
              "from your preferred app store and start exploring.", "app-storeplay-store"]
    return "\n".join(lines) + "\n"


def page_layout_b(main: Story, teasers: list[Story], rng: random.Random,
                  *, title_only: bool = False) -> str:
    """A "compact" page: title once, no source or date for the main article, hyphen teasers."""
    lines = ["", main.title]
    if not title_only:
        lines += main.paragraphs
    lines += [rng.choice(("Hashtags", "Show more", "Show less")), "", "Try Our AI Features",
              "Explore what Daily8 AI can do for you:", "Comments", "No comments yet...",
              "Related Articles"]
    for story in teasers:
        lines += ["", "", story.source, _date_text(story, rng), f"- {story.source}",
                  story.title, story.teaser()]
    return "\n".join(lines) + "\n"


def jsonl_record(story: Story, url: str, rng: random.Random) -> str:
    """One JSON Lines export record; half of them declare their language."""
    record: dict[str, object] = {
        "title": story.title,
        "body": "\n\n".join(story.paragraphs),
        "source": story.source,
        "url": url,
        "published_at": f"{story.published:%Y-%m-%dT%H:%M:%SZ}",
    }
    if rng.random() < 0.5:
        record["language"] = story.language
    return json.dumps(record, ensure_ascii=False)


def build_corpus(out_dir: Path, n_articles: int, texts: list[SourceText], *, seed: int = 7,
                 source: str = "", source_kind: str = "folder",
                 mixed: bool = False) -> CorpusStats:
    """Write a corpus of exactly `n_articles` article records into `out_dir` (replaced).

    `mixed`: a third of the stories in other languages (see the module docstring).
    """
    if not texts:
        raise ValueError("no source texts to build a corpus from")
    if out_dir.exists():
        shutil.rmtree(out_dir)
    out_dir.mkdir(parents=True)
    rng = random.Random(seed)
    stats = CorpusStats(CORPUS_VERSION, source, source_kind, seed, mixed=mixed)
    stories = _Stories(texts, rng, load_news_items() if mixed else None, stats)
    n_jsonl = round(n_articles * JSONL_SHARE)
    _write_pages(out_dir, n_articles - n_jsonl, stories, rng, stats)
    _write_jsonl(out_dir, n_jsonl, stories, rng, stats)
    stats.articles = stats.main_articles + stats.teasers + stats.jsonl_records
    stats.syndicated_copies = stories.syndicated
    (out_dir.parent / f"{out_dir.name}.json").write_text(json.dumps(asdict(stats), indent=1))
    return stats


def _write_pages(out_dir: Path, n_articles: int, stories: _Stories, rng: random.Random,
                 stats: CorpusStats) -> None:
    """Pages of a main article and 2..5 teasers, until exactly `n_articles` are written."""
    mains: list[Story] = []  # recent main articles, for teasers that repeat them
    written: list[tuple[Path, int]] = []  # page file, articles on it
    left = n_articles
    while left > 0:
        if written and rng.random() < REPEATED_PAGE_SHARE:
            original, size = rng.choice(written)
            if size <= left:
                number = stats.repeated_page_files
                copy = out_dir / "daily8-again" / f"{number // 1000:04d}" / f"p{number:07d}.txt"
                copy.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(original, copy)
                stats.repeated_page_files += 1
                stats.repeated_page_articles += size
                stats.main_articles += 1
                stats.teasers += size - 1
                stats.bytes += copy.stat().st_size
                left -= size
                continue
        size = min(left, 1 + rng.randint(2, 5))
        path = _write_page(out_dir, stats.page_files, size, mains, stories, rng, stats)
        written.append((path, size))
        left -= size


def _write_page(out_dir: Path, number: int, size: int, mains: list[Story], stories: _Stories,
                rng: random.Random, stats: CorpusStats) -> Path:
    main = stories.fresh()
    teasers = []
    for _ in range(size - 1):
        if mains and rng.random() < TEASER_REPEAT_SHARE:
            teasers.append(rng.choice(mains))
            stats.repeated_teasers += 1
        else:
            teasers.append(stories.fresh())
    mains.append(main)
    del mains[:-500]
    layout = "A" if rng.random() < 0.4 else "B"
    if layout == "A":
        text = page_layout_a(main, teasers, rng)
    else:
        title_only = rng.random() < TITLE_ONLY_SHARE
        layout += "-title-only" if title_only else ""
        text = page_layout_b(main, teasers, rng, title_only=title_only)
    stats.layouts[layout] = stats.layouts.get(layout, 0) + 1
    folder = out_dir / "daily8" / f"{number // 1000:04d}"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"page-{number:07d}.txt"
    data = text.encode("utf-8")
    path.write_bytes(data)
    stats.page_files += 1
    stats.bytes += len(data)
    stats.main_articles += 1
    stats.teasers += size - 1
    return path


def _write_jsonl(out_dir: Path, n_records: int, stories: _Stories, rng: random.Random,
                 stats: CorpusStats) -> None:
    folder = out_dir / "jsonl"
    folder.mkdir(parents=True, exist_ok=True)
    urls: list[tuple[Story, str]] = []
    number = 0
    left = n_records
    while left > 0:
        lines = []
        for _ in range(min(JSONL_RECORDS_PER_FILE, left)):
            if urls and rng.random() < JSONL_REPEAT_SHARE:
                story, url = rng.choice(urls)
                stats.repeated_jsonl_records += 1
            else:
                story = stories.fresh()
                slug = "-".join(story.title.lower().split()[:6])
                host = "news.example"
                if story.language in FOREIGN:  # an outlet in the language's country
                    host = f"news.example.{FOREIGN[story.language][3]}"
                url = f"https://{host}/{story.published:%Y/%m/%d}/{slug}-{len(urls)}"
                urls.append((story, url))
            lines.append(jsonl_record(story, url, rng))
        data = ("\n".join(lines) + "\n").encode("utf-8")
        (folder / f"export-{number:05d}.jsonl").write_bytes(data)
        stats.jsonl_files += 1
        stats.jsonl_records += len(lines)
        stats.bytes += len(data)
        left -= len(lines)
        number += 1
