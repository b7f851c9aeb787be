"""Optional features live in extras: without one, its flag says which extra to install."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from flows.cli import main

REPO = Path(__file__).resolve().parent.parent


def test_dask_flag_without_the_dask_extra_names_the_extra(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    real_find_spec = importlib.util.find_spec

    def without_prefect_dask(name: str, package: str | None = None):  # type: ignore[no-untyped-def]
        return None if name == "prefect_dask" else real_find_spec(name, package)

    monkeypatch.setattr(importlib.util, "find_spec", without_prefect_dask)
    data = tmp_path / "data"
    code = main(["run", "--raw", str(REPO / "raw"), "--data", str(data), "--dask", "local"])
    assert code == 2
    assert "pip install -e '.[dask]'" in capsys.readouterr().err
    assert not data.exists()  # refused before anything was written
