"""Stories (transforms/stories.py): boilerplate, wire credits, signatures, and the join's quality
on the gold set in tests/fixtures/stories."""

from __future__ import annotations

import numpy as np
import pytest

from tests.stories_gold import gold_articles, pairs, pairwise_scores
from transforms import stories
from transforms.stories import (
    Signatures,
    assign_stories,
    same_story,
    signatures,
    story_text,
    strip_boilerplate,
    wire_service,
)


@pytest.fixture(scope="module")
def gold() -> list:
    return gold_articles()


def _join(articles: list) -> list[str]:
    texts = [story_text(a.title, a.body)[0] for a in articles]
    sigs = signatures(texts)
    return assign_stories(sigs, np.ones(len(articles), bool), [None] * len(articles),
                          [a.key for a in articles])


def test_gold_set_holds_every_kind_of_copy(gold: list) -> None:
    kinds = {kind: sum(a.kind == kind for a in gold) for kind in {a.kind for a in gold}}
    assert kinds == {"original": 15, "credit_typos": 15, "cut": 15, "reorder": 10, "teaser": 15,
                     "independent": 6, "brief": 12}
    assert len(pairs([a.story for a in gold])) == 130


def test_gold_pairwise_precision_recall_f1(gold: list) -> None:
    predicted = _join(gold)
    precision, recall, f1 = pairwise_scores([a.story for a in gold], predicted)
    assert precision >= 0.99
    assert recall >= 0.97
    assert f1 >= 0.97
    # today's figures, pinned so a regression shows (docs/stories.md)
    assert (precision, recall, f1) == (1.0, 1.0, 1.0)


def test_no_independent_report_joins_the_story_it_covers(gold: list) -> None:
    predicted = dict(zip([a.key for a in gold], _join(gold), strict=True))
    for article in gold:
        if article.kind == "independent":
            event = article.key.split("/")[0]
            assert predicted[article.key] == article.key
            assert predicted[f"{event}/original"] != article.key


def test_briefs_sharing_only_boilerplate_stay_apart(gold: list) -> None:
    briefs = [a for a in gold if a.kind == "brief"]
    assert len(set(_join(briefs))) == len(briefs)


def test_briefs_would_merge_through_their_boilerplate_if_it_stayed(gold: list) -> None:
    """The gold briefs are a real test: compared with their furniture, they look alike."""
    briefs = [a for a in gold if a.kind == "brief"]
    sigs = signatures([a.body for a in briefs])  # not stripped
    rows = np.arange(len(briefs))
    alike = stories.similarity(sigs, np.zeros(len(briefs) - 1, np.int64), rows[1:])
    assert alike.jaccard.mean() > 0.3


def test_teaser_joins_through_its_lead_although_its_jaccard_is_low(gold: list) -> None:
    by_key = {a.key: a for a in gold}
    original, teaser = by_key["11_derailment/original"], by_key["11_derailment/teaser"]
    sigs = signatures([story_text(a.title, a.body)[0] for a in (original, teaser)])
    sim = stories.similarity(sigs, np.array([0]), np.array([1]))
    assert sim.jaccard[0] < stories.JACCARD_MIN
    assert sim.lead_containment[0] >= stories.LEAD_CONTAINMENT_MIN
    assert same_story(sigs, np.array([0]), np.array([1])).tolist() == [True]


def test_shared_quote_alone_does_not_join() -> None:
    quote = ('"We have kept this port running through a pandemic, two storms and a cyber attack, '
             'and we are told to be grateful for a committee," said the negotiator.')
    one = "\n".join([
        "The harbour was quiet on Wednesday as ships waited offshore for a second day and the "
        "cranes along the eastern quay stood still.",
        quote,
        "Importers said costs were rising by the hour and that supermarket shelves could soon "
        "be empty of fruit, coffee and electronics if nothing changed this week."])
    other = "\n".join([
        "Union members voted by a large majority to extend the walkout, their leaders said "
        "after a meeting in a sports hall near the terminal gates on Tuesday night.",
        quote,
        "Talks are due to resume on Friday, a mediator said, though neither side expects a "
        "quick deal after months of dispute over automation and pay."])
    sigs = signatures([one, other])
    assert sigs.shingles.min() > 60
    assert same_story(sigs, np.array([0]), np.array([1])).tolist() == [False]


@pytest.mark.parametrize(("body", "wire"), [
    ("WASHINGTON (AP) — The Senate voted on Tuesday to approve the bill.", "AP"),
    ("LONDON, March 3 (Reuters) - British retail sales fell in February.", "Reuters"),
    ("(Reuters) - Oil prices rose on Monday.", "Reuters"),
    ("PARIS (AFP) - The strike closed schools across France.", "AFP"),
    ("BERLIN (dpa) - Die Regierung hat beschlossen.", "dpa"),
    ("SEOUL, Jan 5 (Yonhap) -- North Korea fired a missile.", "Yonhap"),
    ("LONDON (PA) - A man has been charged.", "PA"),
    ("HARRISBURG, Pa. (AP) — Pennsylvania lawmakers passed the budget.", "AP"),
    ("Text of the story.\nReporting by Jane Roe; Editing by John Doe", "Reuters"),
    ("Text of the story.\n© 2026 The Associated Press. All rights reserved.", "AP"),
    ("Text of the story.\nCopyright Agence France-Presse", "AFP"),
    ("Text of the story.\nSource: Xinhua", "Xinhua"),
    ("Text of the story.\n— Kyodo News", "Kyodo"),
    ("By JANE DOE, Associated Press\nText of the story.", "AP"),
    ("By Jane Doe AP Science Writer\nText of the story.", "AP"),
    ("Text of the story.\nAssociated Press writer Jane Doe in Rome contributed to this report.",
     "AP"),
    ("Text.\nWith AFP", "AFP"),
    ("Text.\nSource: Press Trust of India", "PTI"),
    ("NEW DELHI (IANS) - The monsoon arrived early.", "IANS"),
    ("ANKARA (AA) - Turkish officials said.", "Anadolu"),
])
def test_wire_service_from_credits(body: str, wire: str) -> None:
    assert wire_service("A headline", body) == wire


@pytest.mark.parametrize("body", [
    "The newsroom follows the AP style for dates and numbers.",
    "Reuters reported on Monday that the deal was close, citing two sources.",
    "The company, based in Pittsburgh, PA, said profits rose.",
    "HARRISBURG, PA — State lawmakers passed the budget late on Friday.",
    "An AFP photographer was injured covering the protest, the agency said.",
    "Photo: AP\nThe mayor opened the new bridge on Sunday.",
    "By Jane Doe\nThe mayor opened the new bridge on Sunday.",
    "The Associated Press and Reuters both declined to comment on the lawsuit.",
    "",
])
def test_no_wire_service_without_a_credit(body: str) -> None:
    assert wire_service("Reuters: the inside story of a news agency", body) is None


def test_boilerplate_lines_and_dateline_go_and_the_text_stays() -> None:
    body = "\n".join([
        "WASHINGTON (AP) — The Senate approved the bill on Tuesday after a long debate.",
        "ADVERTISEMENT",
        "The vote was 61 to 39, with several members crossing party lines.",
        "Read more: Senate passes spending bill",
        "Sign up for our politics newsletter.",
        "The measure now goes to the House.",
        "— Associated Press",
        "Copyright 2026 The Associated Press. All rights reserved.",
    ])
    assert strip_boilerplate(body) == "\n".join([
        "The Senate approved the bill on Tuesday after a long debate.",
        "The vote was 61 to 39, with several members crossing party lines.",
        "The measure now goes to the House.",
    ])


def test_a_long_paragraph_is_never_boilerplate() -> None:
    paragraph = ("Read more about how the council spent its budget: " + "word " * 60).strip()
    assert strip_boilerplate(paragraph) == paragraph


def test_signatures_are_stable_and_ignore_case_and_punctuation() -> None:
    text = "The council voted on Monday to build new cycle lanes along the harbour road."
    a, b = signatures([text, text.upper().replace(" ", "  ").replace(".", "!")]).packed()
    assert a == b
    # the same values in every process: hashing uses no per-process seed
    assert signatures([text]).full[0, :4].tolist() == _FIRST_SLOTS


_FIRST_SLOTS = signatures(
    ["The council voted on Monday to build new cycle lanes along the harbour road."]
).full[0, :4].tolist()


def test_signature_pack_round_trip_and_sizes() -> None:
    sigs = signatures(["one two three four five six", "", "seven eight nine ten"])
    assert sigs.shingles.tolist() == [3, 0, 1]
    packed = sigs.packed()
    assert {len(p) for p in packed} == {stories.SIGNATURE_BYTES}
    raw = np.frombuffer(b"".join(packed), dtype=np.uint8).reshape(3, -1)
    back = Signatures.unpack(raw, sigs.shingles)
    assert np.array_equal(back.full, sigs.full) and np.array_equal(back.lead, sigs.lead)


def test_texts_never_share_shingles_across_their_boundary() -> None:
    joined = signatures(["alpha beta gamma", "delta epsilon zeta"])
    assert joined.shingles.tolist() == [0, 0]


def test_chunking_does_not_change_signatures(monkeypatch: pytest.MonkeyPatch) -> None:
    texts = [a.body for a in gold_articles()[:30]]
    whole = signatures(texts)
    monkeypatch.setattr(stories, "CHUNK_TEXTS", 7)
    chunked = signatures(texts)
    assert np.array_equal(whole.full, chunked.full)
    assert np.array_equal(whole.shingles, chunked.shingles)


def test_known_rows_keep_their_story_and_a_new_copy_joins_it(gold: list) -> None:
    by_key = {a.key: a for a in gold}
    rows = [by_key["02_flood/original"], by_key["05_transfer/original"],
            by_key["02_flood/cut"], by_key["05_transfer/teaser"], by_key["brief03"]]
    sigs = signatures([story_text(a.title, a.body)[0] for a in rows])
    known = ["story-flood", "story-transfer", None, None, None]
    assigned = assign_stories(sigs, np.array([False, False, True, True, True]), known,
                              [a.key for a in rows])
    assert assigned == ["story-flood", "story-transfer", "story-flood", "story-transfer",
                        "brief03"]


def test_a_huge_bucket_costs_a_bounded_number_of_checks() -> None:
    text = " ".join(f"word{i}" for i in range(200))
    sigs = signatures([text] * 300)
    i, j = stories.candidate_pairs(stories.band_keys(sigs), np.ones(300, bool))
    assert len(i) <= 300 * 16
    assigned = assign_stories(sigs, np.ones(300, bool), [None] * 300,
                              [f"a{k}" for k in range(300)])
    assert set(assigned) == {"a0"}


def test_contains_any_agrees_with_a_plain_lookup() -> None:
    rng = np.random.default_rng(5)
    keys = rng.integers(1, 2**63, size=(300, 48), dtype=np.uint64)
    keys[7] = 0  # a text too short: its keys match nothing
    wanted = np.sort(np.concatenate([keys[[3, 50, 299], 5], keys[7, :2],
                                     rng.integers(1, 2**63, size=100, dtype=np.uint64)]))
    expected = np.array([bool(set(row.tolist()) & set(wanted.tolist()) - {0}) for row in keys])
    assert stories.contains_any(keys, wanted).tolist() == expected.tolist()
    assert np.flatnonzero(expected).tolist() == [3, 50, 299]
