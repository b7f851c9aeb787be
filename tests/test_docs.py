"""The README stays true: generated schema section, and the test command CI runs."""

from pathlib import Path

from warehouse.docs import END, README, START, schema_markdown

REPO = Path(__file__).resolve().parent.parent


def test_readme_schema_section_matches_the_code() -> None:
    text = README.read_text()
    section = text.split(START, 1)[1].split(END, 1)[0].strip()
    assert section == schema_markdown().strip(), "run: python -m warehouse.docs --write"


def test_ci_runs_the_readme_test_command() -> None:
    readme = README.read_text()
    command = 'python3 -m venv .venv && .venv/bin/pip install -e ".[test]" && .venv/bin/pytest'
    assert command in readme
    ci = (REPO / ".ci" / "run").read_text()
    assert command.replace(" -e", " -q -e") in ci or command in ci
