"""English everyday phrases where a country word names no country, and the article's American cues.

- A demonym or country name before a head noun of food, drink, animals, games and household
  things names a kind of thing, not the country: "Swiss chard", "Brazil nuts", "French press",
  "German shepherd", "Turkish delight". The rule is a list of head nouns, not of phrases, so
  "Dutch apple pie" and "Belgian waffles" need no entry of their own.
- "Turkey" in an article about cooking, Thanksgiving or hunting is the bird, unless something else
  in the article names the country (Ankara, Turkish, Erdogan).
- American cues (the USDA, a governor's "Gov.", counties, sheriffs) count as one more place in the
  US when a name has both a US reading and another ("Georgia" with peaches and the USDA).
Written by the newsmill team.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any, Protocol

# Head nouns that make "<demonym or country> <noun>" a kind of thing (lowercase, as written)
_HEAD_LIST = """
    chard rice apple pie pies nut nuts bread breads fries fry toast press presses door doors
    sandwich sandwiches waffle waffles delight delights bath baths yogurt yoghurt pastry pastries
    egg eggs checkers ink cat cats shepherd shepherds meatball meatballs coffee bacon wave
    dressing dressings cheese cheeses onion onions horn horns kiss kisses braid twist omelette
    omelet omelets mustard vanilla muffin muffins roulette doll dolls setter setters terrier
    terriers bulldog bulldogs poodle poodles mastiff mastiffs sheepdog sheepdogs hound hounds
    wolfhound wolfhounds spaniel spaniels collie collies pointer pointers stew whiskey whisky cream
    creams sausage sausages salami manicure manicures polish tape roll rolls sprout sprouts
    pepper peppers powder salsa relish rellenos cabinet cabinets plate plates dishes teacup
    teacups hat hats fondue knife knives blue flu pancake pancakes crepe crepes
    crêpes dip pastrami bun buns drain horns kisses cakes cake potato
    potatoes slaw custard custards flan flatbread cow cows fowl shorts triangle duck rug rugs
    carpet carpets oven ovens lantern lanterns standoff breakfast measles cotton
    artichoke artichokes wax
"""
_HEADS = frozenset(_HEAD_LIST.split())
_BIRD_CUES = re.compile(
    r"\b(?:[Tt]hanksgiving|roast(?:ed|ing)?|oven|stuffing|gravy|recipe|carv(?:e|ed|ing)|"
    r"brin(?:e|ed|ing)|bast(?:e|ed|ing)|leftovers?|feathers?|gobbl(?:e|er|ers)|poults?|"
    r"drumsticks?|pardon(?:ed|s)?|deep[- ]fr(?:y|ied|yer)|turkeys)\b"
)
_US_CUES = re.compile(
    r"\b(?:USDA|FDA|FBI|EPA|FEMA|Gov\.|Sen\.|Rep\.|[Cc]ount(?:y|ies)|[Ss]heriff'?s?|Medicaid|"
    r"Medicare|GOP|Democrats?|Republicans?|[Ii]nterstate|I-\d+|ZIP|peach(?:es)?|"
    r"state legislature|General Assembly|high school|NCAA|SEC|[Cc]ongressman)\b"
)


class _SpanLike(Protocol):
    field: Any
    start: int
    end: int
    surface: str
    candidates: Sequence[Any]


def everyday_filter(
    spans: list[Any], texts: dict[Any, str], flag: Callable[[Any], bool]
) -> tuple[list[Any], bool]:
    """Drop the spans that name a kind of thing ("French fries") or the bird ("Turkey").

    Also returns whether `flag(reading)` holds for any kept span's reading (one loop, not two:
    this runs for every English article).
    """
    kept = []
    bird: bool | None = None
    flagged = False
    for span in spans:
        reading = span.reading
        if reading.has_country:
            text = texts[span.field]
            end = span.end
            if (
                _HEAD.match(text, end)
                or (text[end + 1 : end + 2].isupper() and _title_head(text, end))
            ) and not (
                text.startswith(" press", end) and text.endswith(("the ", "The "), 0, span.start)
            ):
                continue  # "a French press", but "the Chinese press" is China's newspapers
            if span.surface in ("Turkey", "TURKEY"):
                if bird is None:
                    bird = _is_bird(spans, texts)
                if bird:
                    continue
        flagged = flagged or flag(reading)
        kept.append(span)
    return kept, flagged


_HEAD = re.compile(r" (?:" + "|".join(sorted(_HEADS, key=len, reverse=True)) + r")\b")
_HEAD_ANY_CASE = re.compile(_HEAD.pattern, re.IGNORECASE)


def _title_head(text: str, end: int) -> bool:
    """A head noun in a title-case headline: "Dutch Apple Pie Recipe"."""
    return _HEAD_ANY_CASE.match(text, end) is not None and _title_case(text)


def _title_case(text: str) -> bool:
    """A headline that capitalizes every word: "Dutch Apple Pie Recipe"."""
    words = text.split()
    return len(words) >= 2 and sum(w[:1].isupper() for w in words) >= 0.7 * len(words)


def _is_bird(spans: list[Any], texts: dict[Any, str]) -> bool:
    """Whether "Turkey" is the bird: the article cooks or hunts and names no Turkish place."""
    if not any(_BIRD_CUES.search(text) for text in texts.values()):
        return False
    return not any(
        span.surface not in ("Turkey", "TURKEY")
        and any(c.country_code == "TR" for c in span.candidates)
        for span in spans
    )


def american_cues(texts: dict[Any, str]) -> bool:
    """Whether the article speaks of the US without naming a place: two distinct cues."""
    found: set[str] = set()
    for text in texts.values():
        for match in _US_CUES.finditer(text):
            found.add(match.group(0).lower().rstrip("s"))
            if len(found) >= 2:
                return True
    return False
