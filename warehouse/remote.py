"""A warehouse published at an fsspec URL (s3://, gs://, az://, memory://): push, pull, read.

Object stores have no rename, hard link or symlink, so a run never builds a generation at the URL.
It works in a local copy (an ordinary data folder under a cache folder, with all the local store's
guarantees) and mirrors that copy to the URL:

    URL/CURRENT                              the published generation's folder name (commit point)
    URL/.gen/<gen>-<token>/MANIFEST.json     every part of that generation: size and SHA-256
    URL/.gen/<gen>-<token>/<table>/part-*.parquet

- pull (before a run plans): when the URL's CURRENT is not the generation the local copy was last
  synced with (a fresh machine, or another machine ran), the local copy becomes that generation, so
  dedup sees every published article. Parts the local copy already holds are linked, not fetched.
- push (after the local publish): the new generation's parts go up (parts unchanged since the
  synced generation are copied server-side), then MANIFEST.json, then CURRENT, last, in one PUT,
  which object stores apply atomically. Readers read CURRENT and then only that folder, so they see
  the old generation or the new one, never a mix. Older generations are deleted after the commit,
  keeping `store.KEEP_GENERATIONS`.
- The random token makes every push's folder new, so a second writer can never write into the
  folder that CURRENT names. A push first checks that CURRENT is still the generation it pulled
  (and checks again just before committing); if another writer moved it, nothing is committed and
  `RemoteConflict` says so. The check and the commit are two requests, not one atomic
  compare-and-swap: one writer per URL at a time is the supported setup.

The local copy records what it mirrors in REMOTE.json (the remote generation, its local name and
its parts' hashes). REMOTE.pending.json is written just before CURRENT, so a run killed between
the two knows on its next start whether CURRENT names its own push.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import secrets
import shutil
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from warehouse import schema
from warehouse.rawfiles import sha256_of
from warehouse.store import (
    CURRENT,
    GEN_DIR,
    KEEP_GENERATIONS,
    MANIFEST,
    Generation,
    PartInfo,
    Warehouse,
    parts_from_json,
    parts_json,
    write_atomic_bytes,
)

if TYPE_CHECKING:
    import duckdb
    from fsspec import AbstractFileSystem  # type: ignore[import-untyped]

SYNC_FILE = "REMOTE.json"  # in the local copy: which remote generation it mirrors
PENDING_FILE = "REMOTE.pending.json"  # a push whose CURRENT write may or may not have happened
PULL_PREFIX = ".pull-"  # a generation being downloaded (not a "g..." name: the store ignores it)
_REMOTE_NAME = re.compile(r"^g\d{6}-[0-9a-f]{8}$")
_LOCAL_NAME = re.compile(r"^g\d{6}$")
_PART = re.compile(r"^(\w+)/part-[\w.-]+\.parquet$")


class RemoteConflict(RuntimeError):
    """The URL's published state is not the one this copy was synced with; nothing was pushed."""


class RemoteUnavailable(RuntimeError):
    """The URL could not be read or written (credentials, endpoint, bucket, network)."""


@contextlib.contextmanager
def talking_to(url: str, doing: str, after: str = "") -> Iterator[None]:
    """Turn a filesystem client's failure into one RemoteUnavailable that says what was being done.

    Clients raise their own types (botocore's NoCredentialsError is not an OSError), hence the
    broad catch; newsmill's own refusals pass through unchanged.
    """
    try:
        yield
    except (RemoteConflict, RemoteUnavailable, ValueError):
        raise
    except Exception as err:
        raise RemoteUnavailable(f"{doing} {url} failed ({type(err).__name__}: {err}); check the "
                                f"URL, the credentials and the endpoint{after}") from err


def is_url(location: str | Path) -> bool:
    """True for an fsspec URL such as s3://bucket/prefix (file:// is a local folder)."""
    return isinstance(location, str) and "://" in location and not location.startswith("file://")


@dataclass(frozen=True, slots=True)
class SyncState:
    """What the local copy mirrors: a remote generation, its local name, and its parts."""

    remote: str
    local: str
    parts: dict[str, PartInfo]  # "table/part-x.parquet" -> size and hash


@dataclass(frozen=True, slots=True)
class StagedPush:
    """A generation uploaded to its own remote folder but not yet committed."""

    name: str  # remote folder name, <local>-<token>
    base: str | None  # the remote CURRENT it was built on
    local: str
    parts: dict[str, PartInfo]


class RemoteGeneration(Generation):
    """A published generation at a URL; its parts are URLs, for views built over them."""

    def __init__(self, name: str, part_urls: Mapping[str, list[str]]) -> None:
        super().__init__(Path(name), name)
        self._part_urls = part_urls

    def parts(self, table: str) -> list[Any]:  # URLs, which read_parquet takes like paths
        return list(self._part_urls.get(table, []))


class RemoteWarehouse:
    """The published side of a warehouse at an fsspec URL: CURRENT, manifests and parts."""

    def __init__(self, url: str, storage_options: Mapping[str, Any] | None = None, *,
                 listings_cache: bool = False) -> None:
        from fsspec.core import url_to_fs  # type: ignore[import-untyped]

        self.url = url.rstrip("/")
        # A private instance: fsspec otherwise shares one per set of options, listing cache and
        # all, and a writer must never decide from a stale listing.
        options = {"skip_instance_cache": True, "use_listings_cache": listings_cache,
                   **(storage_options or {})}
        self.fs: AbstractFileSystem
        self.fs, self.root = url_to_fs(self.url, **options)
        self.root = self.root.rstrip("/")

    def path(self, *names: str) -> str:
        """A path inside the warehouse, as the filesystem names it (no protocol)."""
        return "/".join([self.root, *names])

    def full_url(self, path: str) -> str:
        return str(self.fs.unstrip_protocol(path))

    def current_name(self) -> str | None:
        """The published generation's folder name, or None when nothing was ever pushed."""
        try:
            with talking_to(self.url, "reading"):
                text = str(self.fs.cat_file(self.path(CURRENT)).decode()).strip()
        except RemoteUnavailable as err:
            if isinstance(err.__cause__, FileNotFoundError):
                return None
            raise
        if not _REMOTE_NAME.match(text):
            raise ValueError(f"{self.url}/{CURRENT} holds {text[:40]!r}, not a generation name; "
                             "is this a newsmill warehouse?")
        return text

    def manifest(self, name: str) -> dict[str, Any]:
        """A generation's MANIFEST.json."""
        data: dict[str, Any] = json.loads(self.fs.cat_file(self.path(GEN_DIR, name, MANIFEST)))
        return data

    def generation(self) -> RemoteGeneration | None:
        """The published generation with the URLs of its parts, or None before the first push."""
        name = self.current_name()
        if name is None:
            return None
        if self.fs.dircache.use_listings_cache:
            # A reader's instance: one LIST now spares DuckDB a HEAD per part per file open.
            self.fs.find(self.path(GEN_DIR, name))
        urls: dict[str, list[str]] = {}
        for rel in sorted(self.manifest(name)["parts"]):
            table = rel.split("/", 1)[0]
            urls.setdefault(table, []).append(self.full_url(self.path(GEN_DIR, name, rel)))
        return RemoteGeneration(name, urls)

    def connect(self, *, allow_empty: bool = False) -> duckdb.DuckDBPyConnection:
        """An in-memory DuckDB connection with every view over the published generation.

        The Parquet is read through this fsspec filesystem registered in DuckDB, so no DuckDB
        extension is needed (none is installed or loaded: nothing downloads at run time).
        """
        import duckdb

        from warehouse.views import create_views

        generation = self.generation()
        if generation is None and not allow_empty:
            raise FileNotFoundError(f"no warehouse at {self.url} ({self.url}/{CURRENT} is "
                                    "missing); run `newsmill run` first")
        con = duckdb.connect(config={"autoinstall_known_extensions": False,
                                     "autoload_known_extensions": False})
        try:
            con.register_filesystem(self.fs)
            create_views(con, generation or RemoteGeneration("", {}))
        except BaseException:
            con.close()
            raise
        return con

    def generations(self) -> list[str]:
        """Every generation folder at the URL, committed or not."""
        try:
            entries = self.fs.ls(self.path(GEN_DIR), detail=False)
        except FileNotFoundError:
            return []
        return sorted(name for name in (str(e).rstrip("/").rsplit("/", 1)[-1] for e in entries)
                      if name.startswith("g"))

    def delete_generation(self, name: str) -> None:
        if self.fs.exists(self.path(GEN_DIR, name)):
            self.fs.rm(self.path(GEN_DIR, name), recursive=True)


class Mirror:
    """A local working copy (an ordinary data folder) kept in step with a RemoteWarehouse.

    Call `pull` and `stage`/`commit` while holding the local store's lock.
    """

    def __init__(self, remote: RemoteWarehouse, store: Warehouse) -> None:
        self.remote = remote
        self.store = store

    @property
    def gen_root(self) -> Path:
        return self.store.data_dir / GEN_DIR

    # ---------------------------------------------------------------- sync state
    def state(self) -> SyncState | None:
        """The remote generation the local copy was last synced with, if any."""
        try:
            data = json.loads((self.store.data_dir / SYNC_FILE).read_text())
        except FileNotFoundError:
            return None
        if data.get("url") != self.remote.url:
            return None  # a copy of another URL: treat as never synced
        return SyncState(str(data["remote"]), str(data["local"]), parts_from_json(data["parts"]))

    def _write_state(self, state: SyncState, file: str = SYNC_FILE) -> None:
        data = {"url": self.remote.url, "remote": state.remote, "local": state.local,
                "parts": parts_json(state.parts)}
        write_atomic_bytes(self.store.data_dir / file, json.dumps(data, indent=1).encode())

    def _settle(self, remote_name: str | None) -> None:
        """Finish the bookkeeping of a commit cut short after (or before) its CURRENT write.

        The pending file is written just before CURRENT: if CURRENT now names that push, it was
        ours, and the local copy mirrors it; otherwise the push never committed.
        """
        pending = self.store.data_dir / PENDING_FILE
        if not pending.exists():
            return
        if remote_name is not None:
            data = json.loads(pending.read_text())
            if data.get("url") == self.remote.url and data.get("remote") == remote_name:
                os.replace(pending, self.store.data_dir / SYNC_FILE)
                return
        pending.unlink()

    # ---------------------------------------------------------------- pull
    def pull(self) -> str | None:
        """Make the local copy the URL's published generation, unless it already is (or only
        adds an unpushed generation on top of it). Returns the generation pulled, or None."""
        with talking_to(self.remote.url, "pulling from",
                        "; nothing was changed in the local copy"):
            return self._pull()

    def _pull(self) -> str | None:
        remote_name = self.remote.current_name()
        self._settle(remote_name)
        state = self.state()
        if remote_name == (state.remote if state else None):
            return None
        if remote_name is None:
            assert state is not None
            raise RemoteConflict(
                f"{self.remote.url} has no {CURRENT}, but the local copy "
                f"{self.store.data_dir} was synced with its generation {state.remote}: the remote "
                f"warehouse was deleted. To start over, delete {self.store.data_dir}; to publish "
                f"the local copy there again, delete {self.store.data_dir / SYNC_FILE}.")
        self._download(remote_name, state)
        return remote_name

    def _download(self, remote_name: str, state: SyncState | None) -> None:
        manifest = self.remote.manifest(remote_name)
        parts = parts_from_json(manifest["parts"])
        local_name = str(manifest["local"])
        # The manifest names local paths: accept only the shapes newsmill writes.
        bad = [rel for rel in parts if not ((m := _PART.match(rel)) and m[1] in schema.TABLES
                                            and ".." not in rel)]
        if not _LOCAL_NAME.match(local_name) or bad:
            raise ValueError(f"{self.remote.url}: {remote_name}/{MANIFEST} is not a newsmill "
                             f"manifest (generation {local_name!r}, parts {bad[:3]})")
        for stray in self.gen_root.glob(f"{PULL_PREFIX}*"):  # a pull killed earlier
            shutil.rmtree(stray, ignore_errors=True)
        tmp = self.gen_root / f"{PULL_PREFIX}{local_name}"
        shutil.rmtree(tmp, ignore_errors=True)
        for table in schema.TABLES:
            (tmp / table).mkdir(parents=True)
        synced = self.gen_root / state.local if state else None
        sources, targets = [], []
        for rel, info in sorted(parts.items()):
            if state and synced and state.parts.get(rel) == info and (synced / rel).is_file():
                os.link(synced / rel, tmp / rel)  # generations are immutable: share the inode
            else:
                sources.append(self.remote.path(GEN_DIR, remote_name, rel))
                targets.append(str(tmp / rel))
        if sources:
            self.remote.fs.get(sources, targets)
        for rel, info in parts.items():
            if (tmp / rel).stat().st_size != info.size or sha256_of(str(tmp / rel)) != info.sha256:
                raise ValueError(f"{self.remote.url}: part {remote_name}/{rel} does not match its "
                              "manifest; nothing was changed locally")
        target = self.gen_root / local_name
        shutil.rmtree(target, ignore_errors=True)
        os.replace(tmp, target)
        generation = Generation(target, local_name)
        self.store.publish(generation, known=parts)  # just verified: no second hashing
        from warehouse.views import write_views_file

        write_views_file(self.store.views_path, generation)
        # Local generations newer than the pulled one were never pushed: the URL superseded them.
        self.store.clean_orphans(superseded=True)
        self._write_state(SyncState(remote_name, local_name, parts))

    # ---------------------------------------------------------------- push
    def push(self) -> str | None:
        """Publish the local generation at the URL (stage, then commit); None when in step."""
        staged = self.stage()
        return self.commit(staged) if staged is not None else None

    def stage(self) -> StagedPush | None:
        """Upload the local published generation to a new remote folder, without committing.

        None when there is nothing to push: no local generation, or the one last synced.
        """
        with talking_to(self.remote.url, "publishing to", self._pushed_later()):
            return self._stage()

    def _pushed_later(self) -> str:
        return (f"; the run is published in the local copy {self.store.data_dir}, and the next "
                "run pushes it")

    def _stage(self) -> StagedPush | None:
        remote_name = self.remote.current_name()
        self._settle(remote_name)
        local = self.store.current()
        state = self.state()
        if local is None or (state is not None and state.local == local.name):
            return None
        base = state.remote if state else None
        self._check_base(base, remote_name)
        name = f"{local.name}-{secrets.token_hex(4)}"
        synced = self.gen_root / state.local if state else None
        recorded = local.manifest() or {}  # written by the local publish: no second hashing
        parts: dict[str, PartInfo] = {}
        copies: list[tuple[str, str]] = []
        uploads: list[tuple[str, str]] = []
        for table in schema.TABLES:
            for part in local.parts(table):
                rel = f"{table}/{part.name}"
                target = self.remote.path(GEN_DIR, name, rel)
                old = synced / rel if synced else None
                if (state and base and old and rel in state.parts and old.exists()
                        and os.path.samefile(old, part)):
                    # The store hard-links unchanged parts into each new generation.
                    parts[rel] = state.parts[rel]
                    copies.append((self.remote.path(GEN_DIR, base, rel), target))
                else:
                    size = part.stat().st_size
                    known = recorded.get(rel)
                    parts[rel] = known if known is not None and known.size == size else \
                        PartInfo(size, sha256_of(str(part)))
                    uploads.append((str(part), target))
        fs = self.remote.fs
        if copies:
            fs.copy([s for s, _ in copies], [t for _, t in copies])
        if uploads:
            fs.put([s for s, _ in uploads], [t for _, t in uploads])
        manifest = {"generation": name, "local": local.name, "base": base,
                    "parts": parts_json(parts)}
        fs.pipe_file(self.remote.path(GEN_DIR, name, MANIFEST),
                     json.dumps(manifest, indent=1).encode())
        return StagedPush(name, base, local.name, parts)

    def commit(self, staged: StagedPush) -> str:
        """Point the URL's CURRENT at a staged generation, then delete old generations."""
        with talking_to(self.remote.url, "publishing to", self._pushed_later()):
            name = self._commit(staged)
        with talking_to(self.remote.url, "deleting old generations at",
                        f"; {name} is published there, and the next push deletes them"):
            self._delete_old_generations(name)
        return name

    def _commit(self, staged: StagedPush) -> str:
        try:
            self._check_base(staged.base)
        except RemoteConflict:
            self.remote.delete_generation(staged.name)
            raise
        committed = SyncState(staged.name, staged.local, staged.parts)
        self._write_state(committed, PENDING_FILE)
        self.remote.fs.pipe_file(self.remote.path(CURRENT), f"{staged.name}\n".encode())
        os.replace(self.store.data_dir / PENDING_FILE, self.store.data_dir / SYNC_FILE)
        return staged.name

    def _check_base(self, base: str | None, now: str | None = None) -> None:
        now = now if now is not None else self.remote.current_name()
        if now != base:
            raise RemoteConflict(
                f"{self.remote.url} was published by another writer ({now}) since this run "
                f"synced with {base or 'an empty warehouse'}; nothing was pushed there. The next "
                "run pulls their generation and re-reads the raw files it lacks. One writer per "
                "URL at a time is the supported setup.")

    def _delete_old_generations(self, current: str) -> None:
        """Keep the newest KEEP_GENERATIONS committed generations (following each manifest's
        base); delete every other folder, including staged pushes that never committed."""
        keep, name = [current], current
        while len(keep) < KEEP_GENERATIONS:
            try:
                base = self.remote.manifest(name).get("base")
            except FileNotFoundError:
                break
            if not base:
                break
            keep.append(str(base))
            name = str(base)
        for folder in self.remote.generations():
            if folder not in keep:
                self.remote.delete_generation(folder)

