"""`newsmill run --data s3://...` end to end against a real S3 API without network.

moto's S3 server runs in this process on a loopback port; s3fs reaches it through AWS_ENDPOINT_URL
(botocore's own setting, so the same command works against MinIO or Ceph). Two "machines" are two
cache folders (NEWSMILL_CACHE) with different raw folders publishing to one URL; one of B's runs
is SIGKILLed between uploading its generation and writing CURRENT.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
from test_crash import kill_at

from conftest import free_port, write_stories

moto_server = pytest.importorskip("moto.server")
pytest.importorskip("s3fs")

URL = "s3://newsmill-bucket/warehouse"
CAPTURED_AT = "2025-06-30T12:00:00Z"
COMPARED = ("article", "mention", "topic", "mentions_by_country", "mentions_by_country_day",
            "country_pairs", "topics_by_country")


@pytest.fixture(scope="module")
def s3_endpoint() -> Iterator[str]:
    """An S3 API on localhost (moto), with the bucket made and fake credentials set."""
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    port = free_port()
    server = moto_server.ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    endpoint = f"http://127.0.0.1:{port}"
    with pytest.MonkeyPatch.context() as patch:
        for name, value in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                            "AWS_DEFAULT_REGION": "us-east-1", "AWS_ENDPOINT_URL": endpoint,
                            "AWS_EC2_METADATA_DISABLED": "true",
                            "AWS_CONFIG_FILE": "/nonexistent", "AWS_SHARED_CREDENTIALS_FILE":
                            "/nonexistent"}.items():
            patch.setenv(name, value)
        import s3fs

        s3fs.S3FileSystem(skip_instance_cache=True).mkdir("newsmill-bucket")
        try:
            yield endpoint
        finally:
            server.stop()


def run(raw: Path, data: str | Path, cache: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> str:
    from flows.cli import main

    monkeypatch.setenv("NEWSMILL_CACHE", str(cache))
    status = main(["run", "--raw", str(raw), "--data", str(data), "--workers", "1",
                   "--captured-at", CAPTURED_AT])
    out = capsys.readouterr()
    assert status == 0, out.err[-3000:]
    return out.out


def rows(location: str | Path, view: str) -> list[tuple[object, ...]]:
    """A view's rows in order, without what the story join decides (`story_id`, `stories`):
    it groups each new article with its best match among the stored ones, so which copies form
    one story can depend on which machine read which dump first (docs/stories.md). Everything
    else must not."""
    from warehouse.api import open_warehouse

    with open_warehouse(location) as con:
        names = [r[0] for r in con.sql(f"describe {view}").fetchall()]
        keep = ", ".join(f'"{n}"' for n in names if n not in ("story_id", "stories"))
        return [tuple(r) for r in con.sql(f"select {keep} from {view} order by all").fetchall()]


def test_two_machines_share_one_warehouse_on_s3(
        s3_endpoint: str, in_process_prefect: str, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    from flows.cli import main
    from warehouse.api import table_df
    from warehouse.remote import RemoteWarehouse

    remote = RemoteWarehouse(URL)
    # Machine A ingests its raw folder.
    raw_a, raw_b = tmp_path / "raw-a", tmp_path / "raw-b"
    write_stories(raw_a / "first.jsonl", 6, batch="s")
    out = run(raw_a, URL, tmp_path / "cache-a", monkeypatch, capsys)
    first = remote.current_name()
    assert first is not None and f"-> {URL} (published {first})" in out
    assert table_df("article", data_dir=URL, columns=["article_id"]).shape == (6, 1)

    # Machine B (empty cache, its own raw folder; three of its six stories are A's) is killed
    # after uploading its generation and before writing CURRENT: readers stay on A's generation.
    write_stories(raw_b / "second.jsonl", 6, batch="s", start=3)
    monkeypatch.setenv("NEWSMILL_CACHE", str(tmp_path / "cache-b"))
    monkeypatch.setenv("NEWSMILL_CAPTURED_AT", CAPTURED_AT)  # kill_at runs without the flag
    kill_at("push", raw_b, URL, in_process_prefect)  # type: ignore[arg-type]
    assert remote.current_name() == first and len(rows(URL, "article")) == 6
    staged = [name for name in remote.generations() if name != first]
    assert len(staged) == 1 and remote.fs.exists(remote.path(".gen", staged[0], "MANIFEST.json"))
    # B's next run has nothing new to read, but pushes the generation its killed run published
    # in its local copy, and deletes the orphan folder.
    out = run(raw_b, URL, tmp_path / "cache-b", monkeypatch, capsys)
    second = remote.current_name()
    assert second not in (None, first, staged[0])
    assert f"nothing new; {second} unchanged" in out
    assert remote.generations() == sorted([first, second])
    assert len(rows(URL, "article")) == 9  # A's 6 and B's 3 new: no story twice

    # The reference: both dumps in one local run. Every table and view reads back the same.
    local = tmp_path / "local"
    write_stories(tmp_path / "raw-all" / "first.jsonl", 6, batch="s")
    write_stories(tmp_path / "raw-all" / "second.jsonl", 6, batch="s", start=3)
    run(tmp_path / "raw-all", local, tmp_path / "unused", monkeypatch, capsys)
    assert len(rows(local, "article")) == 9
    for view in COMPARED:
        assert rows(URL, view) == rows(local, view), view

    # Machine A's next run finds nothing new in its raw folder, but pulls B's generation first,
    # so its working copy holds all nine articles, and nothing is pushed.
    out = run(raw_a, URL, tmp_path / "cache-a", monkeypatch, capsys)
    assert f"nothing new; {second} unchanged" in out and remote.current_name() == second
    cache_a = next((tmp_path / "cache-a").iterdir())
    assert len(rows(cache_a, "article")) == 9

    # Readers through the CLI: query and report.
    assert main(["query", "select count(*) as n from article", "--data", URL,
                 "--format", "csv"]) == 0
    assert capsys.readouterr().out == "n\n9\n"
    report = tmp_path / "report.html"
    assert main(["report", "--data", URL, "--out", str(report)]) == 0
    assert remote.current_name() in capsys.readouterr().out
    assert "Kenya" in report.read_text()


def test_missing_credentials_are_a_clear_error_not_a_traceback(
        s3_endpoint: str, in_process_prefect: str, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    from flows.cli import main

    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    monkeypatch.setenv("NEWSMILL_CACHE", str(tmp_path / "cache"))
    write_stories(tmp_path / "raw" / "first.jsonl", 2, batch="c")
    url = "s3://newsmill-bucket/no-credentials"
    assert main(["run", "--raw", str(tmp_path / "raw"), "--data", url, "--workers", "1"]) == 2
    err = capsys.readouterr().err
    assert f"newsmill: reading {url} failed (NoCredentialsError" in err
    assert "check the URL, the credentials and the endpoint" in err
    assert main(["query", "select 1", "--data", url]) == 2
    assert f"newsmill: reading {url} failed (NoCredentialsError" in capsys.readouterr().err
