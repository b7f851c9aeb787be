"""Build the multicultural given-name and surname lists the entity extractor ships.

Build-time only (not a project dependency): `pip install names-dataset` (MIT), then
`python transforms/data/build_entity_names.py`. names-dataset needs ~2 GB of memory and ~10 s to
load, which is why the extractor reads the trimmed lists this writes, never the package.

Per country, the most frequent first names (both sexes) and surnames are kept, so that a name
common in one culture only (Takehiro, Oluwaseun, Giuseppe) is in, and the long tail of rare
strings (often typos or nicknames in the source's social-network data) is out.
"""

from __future__ import annotations

import re
from pathlib import Path

from names_dataset import NameDataset

HERE = Path(__file__).parent
# Countries whose news names the extractor should know: the big news producers and every major
# naming culture (Anglo, Hispanic/Lusophone, French, German, Italian, Slavic, Arabic, Persian,
# Turkish, South and East Asian, African).
COUNTRIES = [
    "US", "GB", "IE", "CA", "AU", "NZ", "ZA", "NG", "GH", "KE", "UG", "TZ", "ET", "ZW", "ZM", "CM",
    "SN", "CI", "MA", "DZ", "TN", "EG", "SA", "AE", "QA", "KW", "JO", "LB", "IQ", "SY", "YE", "IR",
    "TR", "IL", "PK", "IN", "BD", "LK", "NP", "AF", "MY", "ID", "PH", "SG", "TH", "VN", "CN", "HK",
    "TW", "JP", "KR", "MX", "AR", "CO", "CL", "PE", "VE", "EC", "BO", "UY", "BR", "PT", "ES", "FR",
    "BE", "CH", "LU", "DE", "AT", "NL", "DK", "SE", "NO", "FI", "IS", "IT", "GR", "CY", "MT", "PL",
    "CZ", "SK", "HU", "RO", "BG", "RS", "HR", "SI", "BA", "AL", "MK", "RU", "UA", "BY", "LT", "LV",
    "EE", "GE", "AM", "AZ", "KZ", "UZ"
]
FIRST_PER_SEX = 250
SURNAMES = 150
_WORD = re.compile(r"^[A-Z][a-z\u00e0-\u00ff]+(?:[-'][A-Z]?[a-z\u00e0-\u00ff]+)?$")
_NOT_NAMES = frozenset(
    [
    "January", "February", "March", "April", "May", "June", "July", "August", "September",
    "October", "November", "December", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday",
    "Saturday", "Sunday"
])


def _keep(name: str, common: frozenset[str]) -> bool:
    return (bool(_WORD.match(name)) and len(name) > 2 and name not in _NOT_NAMES
            and name.lower() not in common)


def main() -> None:
    common = frozenset((HERE / "common_words.txt").read_text().split())
    data = NameDataset()
    given: set[str] = set()
    family: set[str] = set()
    for country in COUNTRIES:
        top = data.get_top_names(n=FIRST_PER_SEX, country_alpha2=country)
        for names in top.get(country, {}).values():
            given.update(n for n in names if _keep(n, common))
        last = data.get_top_names(n=SURNAMES, country_alpha2=country, use_first_names=False)
        family.update(n for n in last.get(country, []) if _keep(n, common))
    header = ("# Built by build_entity_names.py from names-dataset 3.3 (MIT): per country, "
              "the most frequent {}.\n")
    (HERE / "entities" / "given_names_world.txt").write_text(
        header.format("first names") + "\n".join(sorted(given)) + "\n")
    (HERE / "entities" / "surnames_world.txt").write_text(
        header.format("surnames") + "\n".join(sorted(family)) + "\n")


if __name__ == "__main__":
    main()
