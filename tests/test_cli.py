"""The CLI's contract: every command has help with an example, query is read-only, a user mistake
is one line and exit status 2, and the terminal never receives raw control characters."""

import contextlib
import csv
import io
import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from conftest import REPO, build_tiny_warehouse
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


# ---------------------------------------------------------------- user mistakes

# (arguments, NEWSMILL_* variables, what the one line says). {tmp} is a scratch folder holding
# raw/ (a folder of dumps), a-file.txt and nothing else.
MISTAKES = [
    (["run", "--captured-at", "yesterday"], {}, "not an ISO 8601 date"),
    (["run", "--captured-at", "2025-13-45"], {}, "not an ISO 8601 date"),
    (["run", "--workers", "0"], {}, "at least 1"),
    (["run", "--workers", "-3"], {}, "at least 1"),
    (["run", "--workers", "many"], {}, "at least 1"),
    (["run", "--dask", "bogus"], {}, "scheduler address"),
    (["run", "--bogus-flag"], {}, "unrecognized arguments"),
    (["query"], {}, "required: sql"),
    (["query", "select 1", "--format", "xml"], {}, "invalid choice"),
    (["serve", "--cron", "bogus"], {}, "not a cron schedule"),
    (["serve", "--cron", "61 * * * *"], {}, "not a cron schedule"),
    (["serve"], {"NEWSMILL_CRON": "every hour"}, "NEWSMILL_CRON"),
    (["run"], {"NEWSMILL_MAX_FILE_MB": "abc"}, "NEWSMILL_MAX_FILE_MB"),
    (["run"], {"NEWSMILL_MAX_DECOMPRESSED_MB": "-5"}, "NEWSMILL_MAX_DECOMPRESSED_MB"),
    (["run"], {"NEWSMILL_WORKERS": "0"}, "NEWSMILL_WORKERS"),
    (["run"], {"NEWSMILL_BATCH_MB": "1.5"}, "NEWSMILL_BATCH_MB"),
    (["run"], {"NEWSMILL_CAPTURED_AT": "soon"}, "NEWSMILL_CAPTURED_AT"),
    (["run"], {"NEWSMILL_DASK": "bogus"}, "NEWSMILL_DASK"),
    (["run"], {"NEWSMILL_RAW": "s3://bucket/raw"}, "not supported for the raw folder"),
    (["query", "select 1"], {"NEWSMILL_DATA": "s3://"}, "neither a folder nor a URL"),
    (["run", "--raw", "{tmp}/a-file.txt"], {}, "is a file, not a folder"),
    (["run", "--raw", "{tmp}/missing"], {}, "does not exist"),
    (["run", "--data", "{tmp}/a-file.txt"], {}, "is a file, not a folder"),
    (["serve", "--data", "{tmp}/a-file.txt"], {}, "is a file, not a folder"),
    (["query", "select 1", "--data", "{tmp}/a-file.txt"], {}, "is a file, not a folder"),
    (["query", "select 1", "--data", "{tmp}/missing"], {}, "does not exist"),
    (["views", "--data", "{tmp}/missing"], {}, "does not exist"),
    (["views", "--data", "{tmp}/a-file.txt"], {}, "is a file, not a folder"),
    (["views", "--data", "{tmp}/raw"], {}, "run `newsmill run` first"),
    (["report", "--data", "{tmp}/missing", "--out", "{tmp}/r.html"], {}, "does not exist"),
    (["report", "--data", "{tmp}/a-file.txt", "--out", "{tmp}/r.html"], {},
     "is a file, not a folder"),
    (["report", "--data", "{tmp}/raw", "--out", "{tmp}"], {}, "is a folder"),
]


@pytest.mark.parametrize(("argv", "env", "message"), MISTAKES,
                         ids=[" ".join(a) + " " + " ".join(e) for a, e, _ in MISTAKES])
def test_a_user_mistake_is_one_line_and_exit_status_2(
        argv: list[str], env: dict[str, str], message: str, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    for name in [n for n in os.environ if n.startswith("NEWSMILL_")]:
        monkeypatch.delenv(name)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.chdir(tmp_path)
    (tmp_path / "raw").mkdir()
    (tmp_path / "raw" / "dump.jsonl").write_text('{"title": "A", "text": "B"}\n')
    (tmp_path / "a-file.txt").write_text("not a folder\n")
    before = sorted(p.name for p in tmp_path.iterdir())
    try:
        status = main([arg.format(tmp=tmp_path) for arg in argv])
    except SystemExit as exit_info:  # argparse's own refusals exit from inside parse_args
        status = exit_info.code
    err = capsys.readouterr().err
    assert status == 2, err
    assert err.count("\n") == 1 and err.strip(), err
    assert message in err and "Traceback" not in err
    assert sorted(p.name for p in tmp_path.iterdir()) == before  # no data folder, no report


def test_a_mistake_in_a_real_process_prints_no_traceback(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSMILL_")}
    for argv, extra in ((["serve", "--cron", "bogus"], {}),
                        (["run", "--raw", str(tmp_path)], {"NEWSMILL_MAX_FILE_MB": "abc"})):
        done = subprocess.run([sys.executable, "-m", "flows.cli", *argv], cwd=REPO,
                              env={**env, **extra}, capture_output=True, text=True, timeout=120,
                              check=False)
        assert done.returncode == 2 and done.stdout == ""
        assert len(done.stderr.splitlines()) == 1 and "Traceback" not in done.stderr


@contextlib.contextmanager
def read_only_folder(folder: Path) -> Iterator[None]:
    """`folder` unwritable for this process: mode 555, or for root (who ignores modes) the
    immutable attribute; skips when neither is possible here."""
    if os.geteuid() != 0:
        folder.chmod(0o555)
        try:
            yield
        finally:
            folder.chmod(0o755)
        return
    chattr = shutil.which("chattr")
    if chattr is None or subprocess.run([chattr, "+i", str(folder)], capture_output=True,
                                        check=False).returncode != 0:
        pytest.skip("running as root on a filesystem without chattr +i")
    try:
        yield
    finally:
        subprocess.run([chattr, "-i", str(folder)], check=True)


def test_a_read_only_data_folder_is_refused_before_the_run_starts(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "raw").mkdir()
    (tmp_path / "raw" / "dump.jsonl").write_text('{"title": "A", "text": "B"}\n')
    data = tmp_path / "data"
    data.mkdir()
    with read_only_folder(data):
        status = main(["run", "--raw", str(tmp_path / "raw"), "--data", str(data)])
    err = capsys.readouterr().err
    assert status == 2
    assert err.startswith(f"newsmill: data folder {data} is not writable (")
    assert err.count("\n") == 1 and list(data.iterdir()) == []


# ---------------------------------------------------------------- what the terminal sees

def test_control_characters_reach_the_terminal_only_escaped(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    hostile = "Ledger\x1b]0;owned\x07\x1b[2J\x9b31m\u202eevil\r\nnext\tcol"
    data = build_tiny_warehouse(tmp_path / "data", second_source=hostile)
    sql = "select source, title from article where article_id = 'a2'"
    assert main(["query", sql, "--data", str(data)]) == 0
    table = capsys.readouterr().out
    assert "Ledger\\x1b]0;owned\\x07\\x1b[2J\\x9b31m\\u202eevil  next col" in table
    assert not re.search("[\x00-\x09\x0b-\x1f\x7f-\x9f\u202e]", table)
    assert main(["query", sql, "--data", str(data), "--format", "json"]) == 0
    text = capsys.readouterr().out
    assert not re.search("[\x00-\x09\x0b-\x1f\x7f-\x9f\u202e]", text)
    assert json.loads(text) == [{"source": hostile, "title": "Port strike ends"}]
    # CSV is data for files and spreadsheets: values stay verbatim, quoted where needed.
    assert main(["query", sql, "--data", str(data), "--format", "csv"]) == 0
    rows = list(csv.reader(io.StringIO(capsys.readouterr().out)))
    assert rows == [["source", "title"], [hostile, "Port strike ends"]]
    # DuckDB quotes the value in a failed cast's message: stderr gets it escaped too.
    assert main(["query", "select cast(source as int) from article where article_id = 'a2'",
                 "--data", str(data)]) == 2
    err = capsys.readouterr().err
    assert "Ledger\\x1b]0;owned" in err
    assert not re.search("[\x00-\x09\x0b-\x1f\x7f-\x9f\u202e]", err)


def test_views_with_data_lists_the_views_published_there(
        tmp_path: Path, tiny_warehouse: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["views", "--data", str(tiny_warehouse)]) == 0
    published = capsys.readouterr().out
    assert main(["views"]) == 0
    assert published == capsys.readouterr().out  # every shipped view, with its description
    # A views file with no CURRENT beside it: something was published there and its pointer
    # is gone, with no generation to recover from. One line, exit 2, not a traceback.
    data = tmp_path / "data"
    data.mkdir()
    with duckdb.connect(str(data / "newsmill.duckdb")) as con:
        con.execute("create view only_here as select 1 as n")
    assert main(["views", "--data", str(data)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("newsmill: ") and "CURRENT is missing" in err and err.count("\n") == 1
