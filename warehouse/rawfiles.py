"""The raw landing zone: listing dumps and reading them safely. Raw files are never modified."""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

# Files still being written by a downloader or editor; they are picked up once renamed.
# Everything else, notes included, is read and either ingested or refused with a reason.
IGNORED_SUFFIXES = (".part", ".crdownload", ".tmp", ".swp", "~")


@dataclass(frozen=True, slots=True)
class RawFile:
    """A file found under raw/, identified by its path relative to the raw folder."""

    path: str  # relative to the raw folder, '/'-separated
    absolute: str
    size_bytes: int
    mtime_ns: int
    refused: str | None = None  # reason code when the file must not be read at all


def _is_ignored(name: str) -> bool:
    return name.startswith(".") or name.endswith(IGNORED_SUFFIXES)


def scan_raw(raw_dir: Path) -> list[RawFile]:
    """Every file under raw_dir in path order; symlinks leaving raw_dir are marked refused."""
    root = raw_dir.resolve()
    found: list[RawFile] = []
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        # os.walk lists a symlinked folder among the folders and never enters it: one leading
        # out of raw/ must still be refused visibly, like a symlinked file.
        for name in [d for d in dirnames if os.path.islink(os.path.join(dirpath, d))]:
            full = os.path.join(dirpath, name)
            if not Path(os.path.realpath(full)).is_relative_to(root):
                rel = os.path.relpath(full, root).replace(os.sep, "/")
                found.append(RawFile(rel, full, 0, os.lstat(full).st_mtime_ns,
                                     "symlink_outside_raw"))
        for name in sorted(filenames):
            if _is_ignored(name):
                continue
            full = os.path.join(dirpath, name)
            rel = os.path.relpath(full, root).replace(os.sep, "/")
            found.append(_describe(root, full, rel))
    return found


def _describe(root: Path, full: str, rel: str) -> RawFile:
    try:
        link = os.lstat(full)
        if os.path.islink(full):
            target = Path(os.path.realpath(full))
            if not target.is_relative_to(root):
                return RawFile(rel, full, 0, link.st_mtime_ns, "symlink_outside_raw")
        info = os.stat(full)
    except OSError:
        return RawFile(rel, full, 0, 0, "unreadable")
    if not os.path.isfile(full):
        return RawFile(rel, full, info.st_size, info.st_mtime_ns, "not_a_regular_file")
    return RawFile(rel, full, info.st_size, info.st_mtime_ns)


def sha256_of(path: str, chunk: int = 1 << 20) -> str:
    """Hex SHA-256 of a file, read in chunks so any size is fine."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while block := handle.read(chunk):
            digest.update(block)
    return digest.hexdigest()


def read_and_hash(path: str) -> tuple[str, bytes]:
    """The whole file's bytes and their hex SHA-256, from one read.

    For files that are parsed whole anyway (everything up to the size limit): hashing with
    `sha256_of` and then opening the file again to parse it reads it twice and, through a
    buffered reader asked for `max_file_bytes + 1`, allocates a limit-sized buffer per file.
    Unbuffered `readall` sizes one buffer from fstat and reads it in one call. The hash always
    matches the bytes returned, even if the file changes while it is read.
    """
    with open(path, "rb", buffering=0) as handle:
        data = handle.readall()
    return hashlib.sha256(data).hexdigest(), data
