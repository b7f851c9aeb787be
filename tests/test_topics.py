"""Topic scoring: every IPTC top-level topic, the threshold, multi-label output, the weak model."""

from __future__ import annotations

import math
import re
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from transforms.records import TopicScore
from transforms.topics import (
    _LOWER_TO_ASCII,
    SCORE_THRESHOLD,
    TOPIC_CODES,
    TOPIC_LABELS,
    _haystack,
    build_lexicon,
    explain_topics,
    load_lexicon,
    parse_lexicon_lines,
    score_topics,
    spaced_words,
    train_topic_model,
)

BBC = Path(__file__).resolve().parents[1].parent / "shared" / "corpora" / "bbc" / "bbc"

# One short article per topic, written for these tests: (code, title, body).
ARTICLES = [
    (
        "medtop:01000000",
        "Director's new film tops the box office",
        "The actress who starred in last year's comedy won praise from critics at the festival "
        "premiere, and the soundtrack album by the band entered the charts.",
    ),
    (
        "medtop:02000000",
        "Man jailed for murder after trial",
        "A jury found the defendant guilty of murder and the judge sentenced him to life in "
        "prison. Police said detectives had arrested him after a burglary.",
    ),
    (
        "medtop:03000000",
        "Earthquake leaves hundreds dead",
        "Rescue teams searched the rubble for survivors after the earthquake destroyed homes. "
        "Aid agencies said thousands were evacuated and the death toll is rising.",
    ),
    (
        "medtop:04000000",
        "Bank raises interest rates as inflation climbs",
        "Shares fell on the stock market after the central bank said inflation and consumer "
        "spending were above forecasts. Economists expect slower growth this quarter.",
    ),
    (
        "medtop:05000000",
        "Schools to get more teachers",
        "Pupils in primary schools will have smaller class sizes, the education department said, "
        "and university students will see tuition fees frozen before the exams.",
    ),
    (
        "medtop:06000000",
        "Climate change threatens rare species",
        "Greenhouse gas emissions and deforestation are destroying the habitat of endangered "
        "wildlife, conservation groups warned, calling for more renewable energy.",
    ),
    (
        "medtop:07000000",
        "Hospital waiting lists fall",
        "Patients waited less for surgery as doctors and nurses treated more people. The health "
        "service said cancer diagnosis and flu vaccination rates also improved.",
    ),
    (
        "medtop:08000000",
        "Couple celebrate 80th wedding anniversary",
        "The pair, who married after meeting at a village dance, marked the anniversary with "
        "their grandchildren and a cake shaped like their first dog.",
    ),
    (
        "medtop:09000000",
        "Rail workers vote to strike over pay",
        "The trade union said its members rejected the pay offer and will stage a walkout next "
        "month. Employers warned of job cuts if the industrial action goes ahead.",
    ),
    (
        "medtop:10000000",
        "Where to go on holiday this summer",
        "Travel agents say tourists are booking resort hotels and cruises, while restaurant "
        "chefs and fashion designers tempt visitors with food, wine and shopping.",
    ),
    (
        "medtop:11000000",
        "Prime minister calls general election",
        "MPs will return to their constituencies as parties publish manifestos. Opposition "
        "leaders said voters would punish the government at the polls.",
    ),
    (
        "medtop:12000000",
        "Archbishop leads Easter prayers",
        "Worshippers filled the cathedral as the archbishop spoke of faith, and leaders of the "
        "Muslim and Jewish communities joined the church service.",
    ),
    (
        "medtop:13000000",
        "New chip makes laptops faster",
        "The software runs on the processor without a broadband connection, and researchers "
        "say the technology will reach mobile phones and computers next year.",
    ),
    (
        "medtop:14000000",
        "Report on child poverty and inequality",
        "Families on low incomes, pensioners and single parents face deprivation and "
        "discrimination, campaigners said, calling for more social housing and welfare.",
    ),
    (
        "medtop:15000000",
        "Late goal sends Arsenal top",
        "The striker scored in injury time after the goalkeeper saved a penalty, and the "
        "manager praised his midfield as the Gunners stayed unbeaten in the Premiership.",
    ),
    (
        "medtop:16000000",
        "Troops killed in roadside bomb attack",
        "Soldiers were wounded when insurgents ambushed the military convoy. The army said "
        "rebels fired missiles as ceasefire talks collapsed.",
    ),
    (
        "medtop:17000000",
        "Snow and gales forecast for the weekend",
        "The Met Office issued a severe weather warning as temperatures drop below freezing, "
        "with heavy rain, frost and icy roads expected.",
    ),
]


def test_labels_cover_all_seventeen_top_level_topics() -> None:
    assert list(TOPIC_LABELS) == [f"medtop:{n:02d}000000" for n in range(1, 18)]
    assert TOPIC_LABELS["medtop:16000000"] == "conflict, war and peace"
    assert TOPIC_LABELS["medtop:17000000"] == "weather"
    assert tuple(TOPIC_LABELS) == TOPIC_CODES


def test_every_topic_has_lexicon_terms() -> None:
    lexicon = load_lexicon()
    topics = {index for entries in lexicon.entries for index, _ in entries}
    assert topics == set(range(17))
    assert lexicon.term_count > 2000


@pytest.mark.parametrize(("code", "title", "body"), ARTICLES, ids=[a[0] for a in ARTICLES])
def test_each_topic_ranks_first_on_its_own_text(code: str, title: str, body: str) -> None:
    rows = score_topics(title, body)
    assert rows[0].topic_code == code
    assert rows[0].topic == TOPIC_LABELS[code]
    assert rows[0].method == "lexicon"


@pytest.mark.parametrize(("code", "title", "body"), ARTICLES, ids=[a[0] for a in ARTICLES])
def test_rows_are_ranked_scored_and_above_threshold(code: str, title: str, body: str) -> None:
    rows = score_topics(title, body)
    assert [row.rank for row in rows] == list(range(1, len(rows) + 1))
    assert all(0.0 <= row.score <= 1.0 for row in rows)
    assert all(row.score >= SCORE_THRESHOLD for row in rows[1:])
    assert [row.score for row in rows] == sorted((row.score for row in rows), reverse=True)
    assert len({row.topic_code for row in rows}) == len(rows)


def test_threshold_drops_weak_secondary_topics() -> None:
    # One passing mention of a film in a long sports report must not become a topic row.
    body = (
        "The striker scored twice and the goalkeeper saved a penalty as the champions beat "
        "their rivals in the league. The manager said the squad played well in midfield, and "
        "the defender was booked before half-time. Fans watched the film of the match later."
    )
    rows = score_topics("Champions win derby", body)
    assert [row.topic_code for row in rows] == ["medtop:15000000"]


def test_war_time_economy_gets_conflict_and_economy() -> None:
    rows = score_topics(
        "War hits the economy",
        "The civil war has shut factories and sent inflation soaring. Troops and rebels are "
        "fighting near the capital, exports have collapsed, the currency has lost half its value "
        "and the central bank has raised interest rates as investors flee the markets.",
    )
    codes = [row.topic_code for row in rows]
    assert set(codes[:2]) == {"medtop:16000000", "medtop:04000000"}
    assert all(row.score >= SCORE_THRESHOLD for row in rows)


def test_empty_text_has_no_topics() -> None:
    assert score_topics("", "") == []
    assert score_topics("  ", "\n\t") == []


def test_text_without_topical_words_still_gets_one_row() -> None:
    assert score_topics("Xyzzy", "Plugh qwerty.") == [
        TopicScore("medtop:08000000", "human interest", 0.0, 1, "fallback")
    ]


def test_scores_are_deterministic() -> None:
    for _, title, body in ARTICLES:
        assert score_topics(title, body) == score_topics(title, body)


def test_title_words_weigh_more_than_body_words() -> None:
    as_title = score_topics("Election", "The striker scored.")
    as_body = score_topics("", "Election. The striker scored.")
    assert as_title[0].topic_code == "medtop:11000000"
    assert as_body[0].topic_code == "medtop:15000000"


def test_phrases_hyphens_and_prefixes_match() -> None:
    lexicon = build_lexicon(
        parse_lexicon_lines(["3 fly-half", "2 elect*", "1 prime minister"], 0, "test")
    )
    assert lexicon.patterns == (" elect", " fly  half ", " prime  minister ")
    matches = lexicon.automaton.find_matches_as_indexes(" the  fly  half  was  elected ")
    assert sorted(m[0] for m in matches) == [0, 1]


def test_explain_topics_names_the_matched_terms() -> None:
    found = explain_topics("Striker scores", "The striker scored a penalty in the league.")
    # A title word counts 3 times: "striker" 1 + 3 times at weight 3, "scores" 3 times at weight 1.
    assert found == {
        "medtop:15000000": [
            ("striker", round(3 * (1 + math.log(4)), 3)),
            ("scores", round(1 + math.log(3), 3)),
            ("league", 2.0),
            ("penalty", 2.0),
            ("scored", 2.0),
        ]
    }


def test_spaced_words_splits_on_anything_but_ascii_letters_and_digits() -> None:
    assert spaced_words("Labour’s fly-half, Café 60m!") == " labour  s  fly  half  caf  60m "
    assert spaced_words(" \n-- ") == ""


@given(st.text())
def test_spaced_words_matches_the_regex_split(text: str) -> None:
    words = re.findall(r"[a-z0-9]+", text.lower())
    assert spaced_words(text) == (" " + "  ".join(words) + " " if words else "")


def test_spaced_words_lower_the_non_ascii_letters_whose_lower_case_is_ascii() -> None:
    # The Kelvin sign lowers to "k" and dotted capital I to "i" plus a combining dot.
    assert spaced_words("\u212aIL\u0130MAN caf\u00e9") == " kili  man  caf "


def test_only_two_non_ascii_characters_lower_to_ascii() -> None:
    # `_folded` skips `str.lower` on non-ASCII text unless one of these is in it.
    non_ascii = "".join(map(chr, [*range(0x80, 0xD800), *range(0xE000, 0x110000)]))
    # Each of the two lowers to one ASCII letter, and all of them together to no more than two.
    assert len(re.findall("[\x00-\x7f]", non_ascii.lower())) == 2
    assert [re.findall("[\x00-\x7f]", char.lower()) for char in _LOWER_TO_ASCII] == [["i"], ["k"]]


@given(st.text(), st.text())
def test_haystack_is_body_then_title_words_around_the_mark(title: str, body: str) -> None:
    words = [*re.findall(r"[a-z0-9]+", body.lower()), "|", *re.findall(r"[a-z0-9]+", title.lower())]
    assert _haystack(title, body) == "  ".join(["", *words, ""])


def test_no_term_matches_across_the_body_and_title() -> None:
    # "prime minister" is a lexicon phrase; its words split between body end and title are two
    # separate hits ("prime" is no term, "minister*" is), never the phrase.
    title_hit = round(3 * (1 + math.log(3)), 3)  # one title word counts 3 times
    assert explain_topics("Minister", "Prime") == {"medtop:11000000": [("minister", title_hit)]}
    assert explain_topics("", "Prime minister") == {"medtop:11000000": [("prime minister", 3.0)]}


def test_bad_lexicon_lines_are_refused() -> None:
    with pytest.raises(ValueError, match="not a number"):
        parse_lexicon_lines(["x film"], 0, "bad.txt")
    with pytest.raises(ValueError, match="too short"):
        parse_lexicon_lines(["2 ab*"], 0, "bad.txt")


def test_weak_model_learns_names_the_lexicon_lacks() -> None:
    # "Quellbrook" is a made-up club: it only ever appears in clear sports reports.
    sport = [
        (
            f"Quellbrook win {n}-0",
            "Quellbrook's striker scored twice, the goalkeeper saved a penalty and the manager "
            "praised the squad after the league match in front of their fans.",
        )
        for n in range(1, 7)
    ]
    business = [
        (
            "Profits rise at the bank",
            f"Shares rose {n}% as the bank reported higher profits, and investors expect "
            "interest rates and inflation to fall, economists said.",
        )
        for n in range(1, 7)
    ]
    model = train_topic_model(sport + business)
    assert model.documents == 12
    assert model.labelled[TOPIC_CODES.index("medtop:15000000")] == 6
    assert model.labelled[TOPIC_CODES.index("medtop:04000000")] == 6
    index, weight = model.weights["quellbrook"]
    assert index == TOPIC_CODES.index("medtop:15000000")
    assert weight == pytest.approx(2.5649, abs=1e-3)
    rows = score_topics("Quellbrook", "Quellbrook again.", model=model)
    assert rows[0].topic_code == "medtop:15000000"
    assert rows[0].method == "lexicon+model"
    assert score_topics("Quellbrook", "Quellbrook again.")[0].method == "fallback"


@pytest.mark.skipif(not BBC.is_dir(), reason="BBC News corpus (../shared) not present")
def test_bbc_news_quality_floor() -> None:
    from benchmarks.topics import BBC_TO_IPTC, read_bbc

    articles = read_bbc(BBC)
    predicted = [score_topics(title, body)[0].topic_code for _, title, body in articles]
    gold = [code for code, _, _ in articles]
    accuracy = sum(g == p for g, p in zip(gold, predicted, strict=True)) / len(gold)
    f1s = []
    for code in BBC_TO_IPTC.values():
        hits = sum(g == p == code for g, p in zip(gold, predicted, strict=True))
        precision = hits / max(1, predicted.count(code))
        recall = hits / max(1, gold.count(code))
        f1s.append(2 * precision * recall / (precision + recall))
    assert len(articles) == 2225
    assert accuracy >= 0.88
    assert sum(f1s) / len(f1s) >= 0.90
