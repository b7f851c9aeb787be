"""The word lists the entity extractor reads, loaded once per process.

Every list is a frozenset or dict built from files in transforms/data (see its README for where
each came from): lookups are one hash per word, which keeps the stage at tens of microseconds per
article.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

DATA_DIR = Path(__file__).resolve().parent.parent / "data"

# Family names written first in English-language news (Korean, Chinese, Vietnamese): the short
# form of "Park Yoon-joo" is "Park", of "Xi Jinping" "Xi". Written for newsmill.
SURNAME_FIRST = frozenset([
    "Kim", "Lee", "Park", "Choi", "Jung", "Jeong", "Kang", "Cho", "Yoon", "Yun", "Jang", "Lim",
    "Han", "Oh", "Seo", "Shin", "Kwon", "Hwang", "Ahn", "Song", "Yoo", "Hong", "Jeon", "Ko", "Moon",
    "Yang", "Son", "Bae", "Baek", "Heo", "Nam", "Noh", "Ha", "Kwak", "Sung", "Cha", "Joo", "Woo",
    "Min", "Ryu", "Na", "Jin", "Chun", "Choo", "Chung", "Rhee", "Roh", "Yeo", "Byun", "Hyun", "Ban",
    "Kong", "Chae", "Um", "Won", "Wang", "Li", "Zhang", "Liu", "Chen", "Huang", "Zhao", "Wu",
    "Zhou", "Xu", "Sun", "Ma", "Zhu", "Hu", "Guo", "He", "Lin", "Gao", "Luo", "Zheng", "Liang",
    "Xie", "Tang", "Feng", "Deng", "Cao", "Peng", "Zeng", "Xiao", "Tian", "Dong", "Pan", "Yuan",
    "Cai", "Jiang", "Yu", "Du", "Ye", "Cheng", "Wei", "Su", "Lu", "Ding", "Ren", "Shen", "Yao",
    "Zhong", "Xi", "Qin", "Wen", "Bai", "Fu", "Hou", "Mao", "Lai", "Tsai", "Ko", "Hsieh", "Chiang",
    "Leung", "Wong", "Chan", "Cheung", "Lam", "Ng", "Nguyen", "Tran", "Le", "Pham", "Hoang",
    "Huynh", "Phan", "Vu", "Vo", "Dang", "Bui", "Do", "Ho", "Ngo", "Duong", "Ly", "To", "Truong"
])

# Capitalized words that start sentences and are never a name on their own. Written for newsmill.
FUNCTION_WORDS = frozenset([
    "The", "A", "An", "And", "But", "Or", "Nor", "So", "Yet", "For", "If", "When", "While", "Where",
    "Whereas", "Why", "What", "Which", "Who", "Whom", "Whose", "How", "In", "On", "At", "By", "Of",
    "To", "From", "With", "Without", "Within", "About", "After", "Before", "During", "Since",
    "Until", "Unlike", "Like", "As", "Than", "Then", "There", "Here", "This", "That", "These",
    "Those", "It", "Its", "He", "She", "They", "We", "I", "You", "His", "Her", "Their", "Our", "My",
    "Your", "Him", "Them", "Us", "Me", "Mine", "Some", "Any", "All", "Each", "Every", "Both",
    "Either", "Neither", "No", "Not", "None", "Most", "Many", "Much", "More", "Few", "Several",
    "Such", "Other", "Another", "One", "Two", "Three", "Four", "Five", "Six", "Seven", "Eight",
    "Nine", "Ten", "Also", "Even", "Still", "Just", "Only", "Yes", "Meanwhile", "However",
    "Although", "Though", "Because", "Despite", "Among", "Amid", "Amongst", "Against", "Under",
    "Over", "Above", "Below", "Between", "Through", "Throughout", "Toward", "Towards", "Upon",
    "Into", "Onto", "Off", "Out", "Up", "Down", "Per", "Via", "Is", "Are", "Was", "Were", "Be",
    "Been", "Being", "Has", "Have", "Had", "Do", "Does", "Did", "Will", "Would", "Shall", "Should",
    "Can", "Could", "May", "Might", "Must", "Let", "Please", "Thanks", "Thank", "Mr", "Mrs", "Ms",
    "Dr", "Sir", "Madam", "Dear", "Oh", "Ah", "Well", "Now", "Today", "Tomorrow", "Yesterday",
    "Tonight", "Last", "Next", "Second", "Third", "Former", "Ex", "Further",
    "Earlier", "Later", "Instead", "Indeed", "Moreover", "Furthermore", "Otherwise", "Thus",
    "Hence", "Therefore", "According", "Asked", "Speaking", "Told", "Said", "Says", "Read", "Watch",
    "Photo", "Video", "Listen", "Image", "Reporting", "Editing", "Writing", "Additional", "Related",
    "Source", "Sources", "Copyright", "Updated", "Published", "Subscribe", "Advertisement", "Click",
    "Share", "Follow", "Sign", "Log", "Home"
])

CALENDAR = frozenset([
    "January", "February", "March", "April", "May", "June", "July", "August", "September",
    "October", "November", "December", "Jan", "Feb", "Mar", "Apr", "Jun", "Jul", "Aug", "Sep",
    "Sept", "Oct", "Nov", "Dec", "Jan.", "Feb.", "Mar.", "Apr.", "Jun.", "Jul.", "Aug.", "Sep.",
    "Sept.", "Oct.", "Nov.", "Dec.", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday",
    "Saturday", "Sunday", "Mon", "Tue", "Tues", "Wed", "Thu", "Thurs", "Fri", "Sat", "Sun",
    "Christmas", "Easter", "Ramadan", "Eid", "Diwali", "Hanukkah", "Thanksgiving", "Halloween"
])

# Last words of a place's name: "Park Avenue", "Jordan River", "Victoria Station" are no person.
# Written for newsmill.
PLACE_WORDS = frozenset([
    "Street", "St", "St.", "Avenue", "Ave", "Ave.", "Road", "Rd", "Boulevard", "Lane", "Drive",
    "Square", "Place", "Plaza", "Bridge", "Tunnel", "River", "Lake", "Sea", "Ocean", "Bay", "Gulf",
    "Strait", "Straits", "Coast", "Beach", "Island", "Islands", "Peninsula", "Mountain",
    "Mountains", "Mount", "Mt", "Hill", "Hills", "Valley", "Canyon", "Desert", "Forest", "Falls",
    "Park", "Gardens", "Garden", "Station", "Airport", "Port", "Harbour", "Harbor", "Stadium",
    "Arena", "Hall", "Tower", "Towers", "Palace", "Castle", "Cathedral", "Mosque", "Temple",
    "Abbey", "Province", "Region", "District", "County", "State", "City", "Town", "Village",
    "Territory", "Territories", "Basin", "Delta", "Canal", "Highway", "Freeway", "Route", "Way",
    "Heights", "Springs", "Fields", "Field", "Quarter", "Corridor", "Strip", "Bank", "Zone",
    "Border", "Crossing", "Camp"
])

# The last part of a hyphenated word that makes it an adjective ("Boston-based", "NATO-led"):
# such a word is no part of a name. Written for newsmill.
ADJECTIVE_TAILS = frozenset([
    "based", "led", "backed", "owned", "run", "born", "sponsored", "related", "style", "era",
    "bound", "made", "controlled", "funded", "listed", "registered", "linked", "allied",
    "affiliated", "aligned", "friendly", "held", "occupied", "ruled", "brokered", "centred",
    "centered", "focused", "specific", "wide", "type", "like", "speaking", "area", "level",
    "designed", "built", "inspired", "dominated", "supported", "origin", "native", "american",
])

# Name particles that may sit inside a person's name ("Ursula von der Leyen").
PARTICLES = frozenset([
    "de", "da", "do", "dos", "das", "del", "della", "di", "du", "van", "von", "der", "den", "ter",
    "la", "le", "bin", "bint", "ibn", "al", "el", "y", "e"
])


_FIRST_CAPITALIZED = re.compile(r"[A-Z][^\s\-]*")


@dataclass(frozen=True, slots=True)
class Lexicons:
    given: frozenset[str]
    surnames: frozenset[str]
    title_heads: frozenset[str]
    title_words: frozenset[str]  # heads and modifiers
    org_heads: frozenset[str]
    org_suffixes: frozenset[str]
    orgs: dict[str, str]  # a written form -> canonical name
    orgs_folded: dict[str, str]  # the same, keyed by casefolded form (for capitals-only fields)
    common: frozenset[str]  # lowercase dictionary words
    demonyms: frozenset[str]
    countries: frozenset[str]  # country names and alternative spellings ("Miss India" is no one)
    joins: frozenset[str]  # words after which "of" / "for" continue a name (heads and titles)
    # Known names the capitalized-run regex cannot see whole ("Securities and Exchange
    # Commission"): found by substring search instead.
    orgs_with_lowercase: tuple[tuple[str, str, str], ...]  # (first capitalized word, form, name)
    orgs_with_lowercase_keys: frozenset[str]  # their first capitalized words


def read_lines(name: str) -> Iterator[str]:
    """Non-comment, non-empty lines of a data file."""
    for line in (DATA_DIR / name).read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            yield line.rstrip("\n")


def _sections(name: str) -> dict[str, set[str]]:
    sections: dict[str, set[str]] = {}
    current = ""
    for line in read_lines(name):
        if line.startswith("[") and line.endswith("]"):
            current = line[1:-1]
            continue
        sections.setdefault(current, set()).add(line.strip())
    return sections


@functools.cache
def load_lexicons() -> Lexicons:
    """Read every list (about 20 ms); cached, so each process does it once."""
    common = frozenset(read_lines("common_words.txt")) | frozenset(read_lines("frequent_words.txt"))
    census_given = frozenset(read_lines("given_names.txt"))
    given = census_given | frozenset(read_lines("entities/given_names_world.txt"))
    surnames = frozenset(s.capitalize() for s in read_lines("surnames.txt")) | frozenset(
        read_lines("entities/surnames_world.txt"))
    countries: set[str] = set()
    demonyms: set[str] = set()
    for line in read_lines("countryinfo_names.tsv"):
        _, kind, text = line.split("\t")
        (demonyms if kind == "demonym" else countries).add(text)
    from transforms.countries import country_names

    countries.update(country_names().values())
    # A country is no given name here ("Jordan", "Georgia", "Israel" start no person's name in
    # news often enough to pay for the false persons they bring).
    given = given - countries - CALENDAR - FUNCTION_WORDS
    titles = _sections("entities/titles.txt")
    org_words = _sections("entities/org_words.txt")
    orgs: dict[str, str] = {}
    for line in read_lines("entities/organizations.tsv"):
        canonical, _, others = line.partition("\t")
        orgs[canonical] = canonical
        for form in filter(None, others.split("|")):
            orgs[form] = canonical
    # "Bank of Japan", "Secretary of State", but not "Acme Inc of Ohio".
    with_lowercase = tuple(sorted(
        ((_FIRST_CAPITALIZED.search(form).group(), form, name)  # type: ignore[union-attr]
         for form, name in orgs.items()
         if _FIRST_CAPITALIZED.search(form)
         and any(w[:1].islower() and w not in ("of", "for", "the") for w in form.split())),
        key=lambda item: -len(item[1])))
    return Lexicons(
        given=given,
        surnames=surnames - CALENDAR - FUNCTION_WORDS,
        title_heads=frozenset(titles["head"]),
        title_words=frozenset(titles["head"] | titles["modifier"]),
        org_heads=frozenset(org_words["head"]),
        org_suffixes=frozenset(org_words["suffix"]),
        orgs=orgs,
        orgs_folded={form.casefold(): name for form, name in orgs.items()},
        common=common,
        demonyms=frozenset(demonyms) | frozenset(d + "s" for d in demonyms),
        countries=frozenset(countries) | frozenset(("Universe", "World", "Earth")),
        orgs_with_lowercase=with_lowercase,
        orgs_with_lowercase_keys=frozenset(key for key, _, _ in with_lowercase),
        joins=frozenset(org_words["head"] | titles["head"] | titles["modifier"])
        - frozenset(w for w in org_words["head"] if w.endswith(".") or w.isupper()
                    or w in ("Inc", "Corp", "Co", "Ltd", "Plc", "plc", "SpA", "Bhd", "Pty")),
    )
