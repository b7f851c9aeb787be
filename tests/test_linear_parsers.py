"""Every parser is linear in its input: pathological lines of 100 KB and 1 MB (digits, "](" runs,
spaces, punctuation, one long word, URL-ish strings, nested brackets, escaped quotes, comment
runs) through daily8, JSON, HTML, WARC, detection, normalization/dates and the text helpers.

The timings run in a child process (tests/pathological.py) with a wall-clock timeout, since a
backtracking regex cannot be interrupted: the old glued source/date split took 42 s on 100,000
digits. Times are CPU seconds; two bounds, both generous so that a busy machine does not make the
test flaky: 1 MB under 3 s, and 1 MB at most 30 times 100 KB (linear is 10 to 14 when quiet and up
to about 22 on a loaded machine, from allocation and cache effects; quadratic is ~100).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
TIMEOUT = 600  # wall seconds for the whole child; linear code needs ~30 on a shared machine
MAX_SECONDS_1MB = 3.0
MAX_RATIO = 30
NOISE_FLOOR = 0.05  # below this, a ratio says nothing (timer resolution, cache warm-up)
SMALL_FLOOR = 0.025  # 100 KB times under this are taken as this: they are mostly noise


@pytest.fixture(scope="module")
def timings() -> dict[tuple[str, str, int], float]:
    child = subprocess.Popen([sys.executable, str(HERE / "pathological.py")],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        out, err = child.communicate(timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        child.kill()
        out, err = child.communicate()
        started = [json.loads(line) for line in out.splitlines() if '"started"' in line]
        pytest.fail(f"a parser did not finish within {TIMEOUT} s: last started {started[-1]}")
    assert child.returncode == 0, f"a parser raised on a pathological line:\n{err[-3000:]}"
    rows = [json.loads(line) for line in out.splitlines() if '"seconds"' in line]
    return {(r["parser"], r["kind"], r["size"]): r["seconds"] for r in rows}


def test_every_parser_met_every_pathological_line(
    timings: dict[tuple[str, str, int], float],
) -> None:
    sys.path.insert(0, str(HERE))
    import pathological

    expected = {(p, k, s) for p in pathological.PARSERS for s in pathological.SIZES
                for k in pathological.lines(1000)}
    assert set(timings) == expected


def test_a_megabyte_line_parses_in_linear_time(timings: dict[tuple[str, str, int], float]) -> None:
    slow = {}
    for (parser, kind, size), seconds in timings.items():
        if size != 1_000_000:
            continue
        small = timings[(parser, kind, 100_000)]
        ratio = seconds / max(small, SMALL_FLOOR)
        if seconds > MAX_SECONDS_1MB or (seconds > NOISE_FLOOR and ratio > MAX_RATIO):
            slow[(parser, kind)] = (round(small, 3), round(seconds, 3))
    assert slow == {}, "CPU seconds at (100 KB, 1 MB)"
