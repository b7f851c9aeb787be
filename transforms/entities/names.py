"""Canonical names: the form under which every mention of one person or organization is counted.

A person's name is written without title or honorific (the extractor never puts them in the
span), without a possessive, and without middle initials ("Donald J. Trump" -> "Donald Trump"),
with typographic apostrophes made plain. Nothing else is merged across articles: "Trump" alone in
an article that never writes his full name stays "Trump", and "Bill Clinton" and "William
Clinton" stay two names.
"""

from __future__ import annotations

import re

_INITIAL = re.compile(r"^(?:[^\W\d_]\.)+$")


def person_name(words: list[str]) -> str:
    """'Donald', 'J.', 'Trump' -> 'Donald Trump'. A leading initial stays ('J. K. Rowling'),
    since it may be all there is of the given name."""
    kept = [w for i, w in enumerate(words) if i == 0 or i == len(words) - 1
            or not _INITIAL.match(w)]
    return " ".join(kept).replace("\u2019", "'")


def organization_name(text: str) -> str:
    """An organization's name as written, with a leading 'The' and a plain apostrophe."""
    if text.startswith("The "):
        text = text[4:]
    return text.replace("\u2019", "'")
