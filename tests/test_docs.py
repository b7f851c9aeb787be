"""The user docs stay true and short: generated schema sections, the CI test command, no issue
numbers, and a README a newcomer can read."""

import re
from pathlib import Path

from warehouse.docs import END, README, SCHEMA_DOC, START, schema_document, schema_summary

REPO = Path(__file__).resolve().parent.parent
USER_DOCS = [README, REPO / "deploy" / "README.md", *sorted((REPO / "docs").glob("*.md"))]
README_MAX_BYTES = 16_000


def test_readme_schema_section_matches_the_code() -> None:
    text = README.read_text()
    section = text.split(START, 1)[1].split(END, 1)[0].strip()
    assert section == schema_summary().strip(), "run: python -m warehouse.docs --write"


def test_schema_reference_matches_the_code() -> None:
    assert SCHEMA_DOC.read_text() == schema_document(), "run: python -m warehouse.docs --write"


def test_schema_reference_documents_every_column() -> None:
    from warehouse import schema

    text = SCHEMA_DOC.read_text()
    for name, table in schema.TABLES.items():
        assert f"### {name}\n" in text
        for field in table:
            assert f"| `{field.name}` |" in text


def test_ci_runs_the_readme_test_command() -> None:
    readme = README.read_text()
    command = 'python3 -m venv .venv && .venv/bin/pip install -e ".[test]" && .venv/bin/pytest'
    assert command in readme
    ci = (REPO / ".ci" / "run").read_text()
    assert command.replace(" -e", " -q -e") in ci or command in ci


def test_readme_gives_the_run_command() -> None:
    command = "python3 -m venv .venv && .venv/bin/pip install -e . && .venv/bin/newsmill run"
    assert command in README.read_text()


def test_readme_stays_short() -> None:
    size = len(README.read_bytes())
    assert size <= README_MAX_BYTES, f"README is {size} bytes: move detail to docs/"


def test_user_docs_cite_no_issue_numbers() -> None:
    # Readers cannot see the tracker: "issue 7" or "#7" tells them nothing.
    pattern = re.compile(r"\bissues?\s*#?\d|(?<![\w&/])#\d+\b", re.IGNORECASE)
    found = [f"{doc.relative_to(REPO)}: {m.group(0)!r}" for doc in USER_DOCS
             for m in pattern.finditer(doc.read_text())]
    assert not found, found
