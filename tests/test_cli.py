"""The CLI's contract: every command has help with an example, and query is read-only."""

import pytest

from flows.cli import build_parser, main

COMMANDS = sorted(build_parser()._subparsers._group_actions[0].choices)  # type: ignore[union-attr]


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help_and_an_example(
    command: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main([command, "--help"])
    assert exit_info.value.code == 0
    out = capsys.readouterr().out
    assert "Example:" in out
    assert len(out.splitlines()) > 4


def test_views_lists_every_view_with_a_description(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["views"]) == 0
    lines = capsys.readouterr().out.splitlines()
    names = [line.split()[0] for line in lines]
    for required in ("article", "mention", "topic", "mentions_by_country",
                     "mentions_by_country_day", "country_pairs", "topics_by_country",
                     "topics_by_day"):
        assert required in names
    assert all(len(line.split(maxsplit=1)) == 2 for line in lines)


def test_query_without_warehouse_is_a_clear_error(tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    assert main(["query", "select 1", "--data", str(tmp_path)]) == 2
    assert "run `newsmill run` first" in capsys.readouterr().err


def test_object_store_raw_folder_is_refused_clearly(capsys: pytest.CaptureFixture[str]) -> None:
    """The data folder may be a URL (tests/test_remote*.py); the raw folder may not: dumps are
    listed, hashed and read as local files, by workers that may be on other machines."""
    assert main(["run", "--raw", "s3://bucket/raw"]) == 2
    assert "not supported for the raw folder" in capsys.readouterr().err
