"""Settings: the only module that reads environment variables.

Every path, limit and schedule comes from here; other modules receive values as arguments.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path

DEFAULT_CRON = "0 * * * *"
MiB = 1024 * 1024


class SettingsError(SystemExit):
    """A flag or NEWSMILL_* variable with a value newsmill cannot use; the message names it.

    A SystemExit, as these refusals always were: a script calling load_settings() stops with the
    message instead of a traceback. `newsmill` catches it and exits with status 2.
    """


@dataclass(frozen=True, slots=True)
class Settings:
    """Everything a run needs to know about where data lives and how far to trust input."""

    raw_dir: Path
    data_dir: Path  # the warehouse folder; for a data URL, the local working copy of it
    cron: str
    captured_at: datetime | None  # None: each dump's file mtime is its capture time
    max_file_bytes: int  # larger raw files (other than WARC) are refused
    max_decompressed_bytes: int  # a gzip that inflates past this is refused (gzip bombs)
    workers: int  # parser processes
    batch_bytes: int  # raw bytes per parse task
    dask_address: str | None  # "local", "tcp://host:8786", or None for the local process pool
    # Test hook (NEWSMILL_TEST_PAUSE_AT): stop at this point of a run so a test can kill it there.
    pause_at: str | None = None
    wait_for_lock: bool = False  # queue behind a run that holds the data folder instead of exiting
    show_progress: bool = False  # print "dumps done N / total" to stderr (a terminal user's run)
    # An fsspec URL (s3://bucket/prefix) the warehouse is published to; data_dir is then the local
    # working copy under cache_dir. None: data_dir itself is the warehouse.
    data_url: str | None = None
    cache_dir: Path = field(default_factory=lambda: Path.home() / ".cache" / "newsmill")

    def with_overrides(self, **changes: object) -> Settings:
        """A copy with the non-None values of `changes` applied (CLI flags over environment)."""
        given = {key: value for key, value in changes.items() if value is not None}
        return replace(self, **given)  # type: ignore[arg-type]

    def with_data(self, value: str | None) -> Settings:
        """A copy whose warehouse is `value` (a folder or an fsspec URL); None changes nothing."""
        if not value:
            return self
        data_dir, data_url = data_location(value, self.cache_dir)
        return replace(self, data_dir=data_dir, data_url=data_url)

    @property
    def data_location(self) -> str:
        """Where readers find the warehouse: the URL, or the data folder."""
        return self.data_url or str(self.data_dir)


def local_folder(value: str | None) -> Path | None:
    """A folder from a flag or variable; file:// URLs are local too. Other URLs are refused.

    Used for raw/, which is scanned by size and mtime and read by parse workers; without this
    check Path() would quietly turn "s3://b/x" into "s3:/b/x". (The data folder may be a URL:
    see data_location.)
    """
    if not value:
        return None
    if value.startswith("file://"):
        return Path(value.removeprefix("file://"))
    if "://" in value:
        raise SettingsError(
            f"{value!r}: object-store URLs are not supported for the raw folder; "
            "use a local or network-mounted folder (a data folder may be a URL)")
    return Path(value)


def data_location(value: str, cache_dir: Path) -> tuple[Path, str | None]:
    """The data folder and, for an fsspec URL such as s3://bucket/newsmill, that URL.

    A run cannot build a generation on an object store (no rename, hard links or symlinks), so
    for a URL it works in a local copy, one folder per URL under `cache_dir`, and publishes to the
    URL from there (warehouse/remote.py).
    """
    if "://" not in value or value.startswith("file://"):
        return local_folder(value) or Path("data"), None
    url = value.rstrip("/")
    protocol, _, rest = url.partition("://")
    if not re.fullmatch(r"[a-z][a-z0-9+.-]*", protocol) or not rest.strip("/"):
        raise SettingsError(f"{value!r} is neither a folder nor a URL such as "
                            "s3://bucket/prefix")
    slug = re.sub(r"[^A-Za-z0-9._-]+", "-", f"{protocol}-{rest}").strip("-")[:80]
    digest = hashlib.sha256(url.encode()).hexdigest()[:10]
    return cache_dir / f"{slug}-{digest}", url


def _cache_dir(env: Mapping[str, str]) -> Path:
    """NEWSMILL_CACHE, else $XDG_CACHE_HOME/newsmill, else ~/.cache/newsmill."""
    if env.get("NEWSMILL_CACHE"):
        return Path(env["NEWSMILL_CACHE"])
    base = env.get("XDG_CACHE_HOME")
    return (Path(base) if base else Path.home() / ".cache") / "newsmill"


def _int(name: str, default: int, *, least: int = 1) -> int:
    value = os.environ.get(name)
    return positive_int(value, name, least=least) if value else default


def positive_int(value: str, name: str, *, least: int = 1) -> int:
    """A whole number of at least `least` (worker counts, sizes in MB), or SettingsError naming
    `name`."""
    try:
        number = int(value.strip())
    except ValueError:
        number = least - 1
    if number < least:
        raise SettingsError(f"{name} must be a whole number of at least {least}, not {value!r}")
    return number


def _captured_at(value: str | None) -> datetime | None:
    if not value or value == "mtime":
        return None
    return parse_captured_at(value, "NEWSMILL_CAPTURED_AT")


def parse_captured_at(value: str, name: str = "--captured-at") -> datetime:
    """ISO 8601 date or timestamp; naive values are UTC. SettingsError naming `name` otherwise."""
    from datetime import UTC

    try:
        moment = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    except (ValueError, OverflowError):
        raise SettingsError(f"{name} {value!r} is not an ISO 8601 date or time such as "
                            "2025-07-19 or 2025-07-19T09:00:00Z") from None


def dask_address(value: str | None, name: str = "--dask") -> str | None:
    """'local' or a scheduler address such as tcp://host:8786; SettingsError otherwise."""
    if not value:
        return None
    if value != "local" and not re.fullmatch(r"[a-z][a-z0-9+.-]*://\S+", value):
        raise SettingsError(f"{name} {value!r} is neither 'local' nor a scheduler address "
                            "such as tcp://host:8786")
    return value


def load_settings() -> Settings:
    """Read NEWSMILL_* variables, falling back to the documented defaults."""
    env = os.environ
    cache_dir = _cache_dir(env)
    data_dir, data_url = data_location(env.get("NEWSMILL_DATA") or "data", cache_dir)
    return Settings(
        raw_dir=local_folder(env.get("NEWSMILL_RAW")) or Path("raw"),
        data_dir=data_dir,
        data_url=data_url,
        cache_dir=cache_dir,
        cron=env.get("NEWSMILL_CRON", DEFAULT_CRON),
        captured_at=_captured_at(env.get("NEWSMILL_CAPTURED_AT")),
        max_file_bytes=_int("NEWSMILL_MAX_FILE_MB", 256) * MiB,
        max_decompressed_bytes=_int("NEWSMILL_MAX_DECOMPRESSED_MB", 512) * MiB,
        workers=_int("NEWSMILL_WORKERS", os.cpu_count() or 1),
        batch_bytes=_int("NEWSMILL_BATCH_MB", 8, least=0) * MiB,  # 0: one dump per task
        dask_address=dask_address(env.get("NEWSMILL_DASK"), "NEWSMILL_DASK"),
        pause_at=env.get("NEWSMILL_TEST_PAUSE_AT") or None,
    )


def quiet_prefect(log_level: str = "WARNING") -> None:
    """Prefect settings newsmill wants before prefect is imported: no telemetry (no internet)."""
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    os.environ.setdefault("DO_NOT_TRACK", "1")
    os.environ.setdefault("PREFECT_CLOUD_ENABLE_ORCHESTRATION_TELEMETRY", "false")
    os.environ.setdefault("PREFECT_SERVER_UI_SHOW_PROMOTIONAL_CONTENT", "false")
    os.environ.setdefault("PREFECT_LOGGING_LEVEL", log_level)
    os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "90")
