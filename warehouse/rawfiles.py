"""The raw landing zone: listing dumps and reading them safely. Raw files are never modified."""

from __future__ import annotations

import errno
import hashlib
import os
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

# Files still being written by a downloader or editor; they are picked up once renamed.
# Everything else, notes included, is read and either ingested or refused with a reason.
IGNORED_SUFFIXES = (".part", ".crdownload", ".tmp", ".swp", "~")


@dataclass(frozen=True, slots=True)
class RawFile:
    """A file found under raw/, identified by its path relative to the raw folder."""

    path: str  # relative to the raw folder, '/'-separated, valid UTF-8 (see display_path)
    absolute: str  # as the OS names it (undecodable bytes kept as surrogate escapes)
    size_bytes: int
    mtime_ns: int
    refused: str | None = None  # reason code when the file must not be read at all
    root: str = ""  # the resolved raw folder; reads never leave it ("" = the file's own folder)


class RefusedFile(OSError):
    """A raw file that must not be read: it is no longer what the scan listed (a symlink, a
    fifo or device, or a path through a symlinked folder that leads out of raw/)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def display_path(path: str) -> str:
    """A path as valid UTF-8 text: bytes that are not UTF-8 become `\\xNN` escapes.

    On POSIX, os.walk hands undecodable name bytes over as lone surrogates (surrogateescape),
    which no UTF-8 writer accepts. The escaped form depends only on the name's bytes, so the same
    file keeps the same path, and so the same dump_id, from run to run.
    """
    try:
        path.encode("utf-8")
        return path
    except UnicodeEncodeError:
        raw = path.encode("utf-8", "surrogateescape") if _only_escapes(path) else \
            path.encode("utf-8", "surrogatepass")
        return raw.decode("utf-8", "backslashreplace")


def _only_escapes(path: str) -> bool:
    """True when every surrogate in the path is a surrogateescape byte (U+DC80..U+DCFF)."""
    return all(not 0xD800 <= ord(c) <= 0xDFFF or 0xDC80 <= ord(c) <= 0xDCFF for c in path)


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
                rel = display_path(os.path.relpath(full, root).replace(os.sep, "/"))
                found.append(RawFile(rel, full, 0, os.lstat(full).st_mtime_ns,
                                     "symlink_outside_raw", str(root)))
        for name in sorted(filenames):
            if _is_ignored(name):
                continue
            full = os.path.join(dirpath, name)
            rel = display_path(os.path.relpath(full, root).replace(os.sep, "/"))
            found.append(_describe(root, full, rel))
    return found


def _describe(root: Path, full: str, rel: str) -> RawFile:
    try:
        link = os.lstat(full)
        if os.path.islink(full):
            target = Path(os.path.realpath(full))
            if not target.is_relative_to(root):
                return RawFile(rel, full, 0, link.st_mtime_ns, "symlink_outside_raw", str(root))
        info = os.stat(full)
    except OSError:
        return RawFile(rel, full, 0, 0, "unreadable", str(root))
    if not stat.S_ISREG(info.st_mode):
        return RawFile(rel, full, info.st_size, info.st_mtime_ns, "not_a_regular_file", str(root))
    return RawFile(rel, full, info.st_size, info.st_mtime_ns, root=str(root))


def sha256_of(path: str, chunk: int = 1 << 20) -> str:
    """Hex SHA-256 of a file, read in chunks so any size is fine."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while block := handle.read(chunk):
            digest.update(block)
    return digest.hexdigest()


def open_raw(raw: RawFile) -> BinaryIO:
    """Open a raw file for reading without following links, without blocking, inside raw/.

    The scan saw a regular file, but anything may have replaced it since. So the path is resolved
    once (a symlink inside raw/ to another file inside raw/ is fine), and then walked from the raw
    folder one component at a time with O_NOFOLLOW relative to the folder opened before it: a
    symlink swapped in anywhere on the way is refused rather than followed out of raw/. The
    last component is opened with O_NONBLOCK, so a fifo cannot hang the run, and the descriptor
    itself is checked with fstat to be a regular file. Raises `RefusedFile` (or OSError).
    """
    # Without a recorded root, the file's own (real) folder: a link out of it is still refused.
    root = raw.root or os.path.realpath(os.path.dirname(os.path.abspath(raw.absolute)))
    target = os.path.realpath(raw.absolute)
    try:
        parts = Path(target).relative_to(root).parts
    except ValueError:
        raise RefusedFile("symlink_outside_raw") from None
    if not parts:
        raise RefusedFile("not_a_regular_file")
    flags = os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC
    folder = os.open(root, flags | os.O_DIRECTORY)
    try:
        for name in parts[:-1]:
            try:
                inner = os.open(name, flags | os.O_DIRECTORY, dir_fd=folder)
            except OSError as err:
                raise _refusal(err) from None
            os.close(folder)
            folder = inner
        try:
            fd = os.open(parts[-1], flags | os.O_NONBLOCK, dir_fd=folder)
        except OSError as err:
            raise _refusal(err) from None
    finally:
        os.close(folder)
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        raise RefusedFile("not_a_regular_file")
    return os.fdopen(fd, "rb", buffering=0)


def _refusal(err: OSError) -> OSError:
    """ELOOP/ENOTDIR on a NOFOLLOW walk: a component became a symlink after the scan."""
    if err.errno in (errno.ELOOP, errno.ENOTDIR, errno.EMLINK):
        return RefusedFile("symlink_outside_raw")
    return err


def sha256_of_raw(raw: RawFile, chunk: int = 1 << 20) -> str:
    """Hex SHA-256 of a raw file, opened as `open_raw` does."""
    digest = hashlib.sha256()
    with open_raw(raw) as handle:
        while block := handle.read(chunk):
            digest.update(block)
    return digest.hexdigest()


def read_raw_and_hash(raw: RawFile) -> tuple[str, bytes]:
    """`read_and_hash` for a raw file, opened as `open_raw` does."""
    with open_raw(raw) as handle:
        data = handle.readall()  # type: ignore[attr-defined]
    return hashlib.sha256(data).hexdigest(), data


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
