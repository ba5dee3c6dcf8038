"""Atomic file writes, one file or a set of files written as one unit.

One file (:func:`atomic_write`): a temporary file in the same folder, then ``os.replace``;
a crash or an error while writing leaves any previous file intact and no half file.

A set of files (:func:`write_set`, the report files): holding an exclusive lock on the
folder, the files are written to a staging folder inside it and moved into place file by
file once all of them are written and synced (:func:`write_streamed_set` writes each on a
second thread as soon as the caller has made it, while the caller makes the next).
Writers into one folder take turns (the lock), so their files never mix. A run killed while staging leaves a staging
folder without its completion mark, which the next writer removes; a run killed while
moving leaves a complete staging folder, whose remaining files the next writer moves
into place before it writes its own, so the folder again holds one whole set. A reader
that needs a set from one run takes the shared lock (:func:`folder_lock`).

The lock is ``fcntl.flock`` on the folder itself (no lock file is left behind). Where
``fcntl`` is missing (Windows) or the file system refuses the lock, writers are not
serialised; leftovers of a killed run are then removed only once they are an hour old.
Files in the folder that are not part of the set (and not our own ``.nqi-carbon-stage-*``
staging folders or ``.<name>.*.tmp`` temporary files) are never touched.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import tempfile
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import BinaryIO, TextIO

__all__ = [
    "STAGE_PREFIX",
    "atomic_write",
    "atomic_write_bytes",
    "atomic_write_text",
    "folder_lock",
    "spooled_output",
    "write_set",
    "write_streamed_set",
]

STAGE_PREFIX = ".nqi-carbon-stage-"
"""Name prefix of the staging folders :func:`write_set` makes inside the target folder."""


_COMPLETE = ".complete"
"""Marks a staging folder whose files are all written: it may be moved into place."""


_UNLOCKED_STALE_AFTER = 3600.0
"""Without a lock, leftovers of a killed run are removed once this many seconds old."""


@contextlib.contextmanager
def folder_lock(folder: str | Path, *, shared: bool = False) -> Iterator[bool]:
    """Hold ``flock`` on *folder* (exclusive, or *shared* for readers) for the block.

    Yields whether the lock is held: ``False`` where ``fcntl`` is missing or the file
    system refuses locks, and the block then runs unlocked.
    """
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows
        yield False
        return
    try:
        fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError:  # pragma: no cover - a folder that cannot be opened for reading
        yield False
        return
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_SH if shared else fcntl.LOCK_EX)
            locked = True
        except OSError:  # pragma: no cover - a file system without flock
            locked = False
        yield locked
    finally:
        os.close(fd)  # releases the lock


def _stale(path: Path, locked: bool) -> bool:
    """Whether a leftover may be removed: always under the lock, else when an hour old."""
    if locked:
        return True
    try:  # pragma: no cover - only without a lock
        return time.time() - path.lstat().st_mtime > _UNLOCKED_STALE_AFTER
    except FileNotFoundError:  # pragma: no cover
        return False


def _remove(path: Path) -> None:
    """Remove a leftover file or staging folder (a symlink itself, never what it names)."""
    with contextlib.suppress(FileNotFoundError):
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path)
        else:
            path.unlink()


_RANDOM = "[a-z0-9_]{8}"
"""The random part of a ``tempfile.mkstemp``/``mkdtemp`` name."""


def _ours(folder: Path, pattern: str) -> list[Path]:
    """The entries of *folder* whose whole name matches *pattern* (a regular expression)."""
    rx = re.compile(pattern)
    return sorted(p for p in folder.iterdir() if rx.fullmatch(p.name))


def _remove_stale_temps(target: Path, locked: bool) -> None:
    """Remove the ``.<name>.XXXXXXXX.tmp`` files a killed :func:`atomic_write` of *target* left."""
    for tmp in _ours(target.parent, rf"\.{re.escape(target.name)}\.{_RANDOM}\.tmp"):
        if _stale(tmp, locked):
            _remove(tmp)


def _fsync_folder(folder: Path) -> None:
    """Make the names in *folder* durable (where folders can be opened and synced)."""
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _new_file_mode(target: Path) -> int:
    """The mode a rewrite of *target* gets: the existing file's, else 0666 less the umask."""
    try:
        return target.stat().st_mode & 0o7777
    except FileNotFoundError:
        return 0o666 & ~_umask()


def atomic_write(path: str | Path, writer: Callable[[BinaryIO], None]) -> Path:
    """Call ``writer(file)`` on a temporary file, then move it over *path* atomically.

    The write holds the folder's lock (:func:`folder_lock`), so temporary files that a
    killed run left for *path* are removed first.
    """
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    with folder_lock(target.parent) as locked:
        _remove_stale_temps(target, locked)
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
        try:
            # mkstemp makes the file private (0600); give it the mode a plain open() would
            os.chmod(tmp, _new_file_mode(target))
            with os.fdopen(fd, "wb") as fh:
                writer(fh)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, target)
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)
            raise
    return target


_UMASK: list[int] = []


def _umask() -> int:
    """The process umask (read once; os.umask can only be read by setting it)."""
    if not _UMASK:
        current = os.umask(0o022)
        os.umask(current)
        _UMASK.append(current)
    return _UMASK[0]


def atomic_write_bytes(path: str | Path, data: bytes) -> Path:
    """Write *data* to *path* atomically."""

    def write(fh: BinaryIO) -> None:
        fh.write(data)

    return atomic_write(path, write)


def atomic_write_text(path: str | Path, text: str) -> Path:
    """Write UTF-8 *text* to *path* atomically."""
    return atomic_write_bytes(path, text.encode("utf-8"))


SPOOL_IN_MEMORY = 8 << 20
"""Characters :func:`spooled_output` holds in memory before it moves them to a temporary file."""


@contextlib.contextmanager
def spooled_output(stream: TextIO) -> Iterator[Callable[[str], object]]:
    """A ``write`` for text that reaches *stream* only once the block ends without error.

    A large document (a result's JSON, 44 MB at 10,000 sources) is written into it as it
    is made: the first :data:`SPOOL_IN_MEMORY` characters are kept in memory, the rest
    encoded once as UTF-8 into an unnamed temporary file (or kept in memory when none can
    be made), and everything is copied to *stream* at the end: the bytes as they are when
    *stream* writes UTF-8 bytes to a binary buffer without changing line ends (standard
    output on POSIX), else decoded again. An error while making the document leaves
    *stream* untouched: never half a document on standard output.
    """
    parts: list[str] = []
    held = 0
    spill: BinaryIO | None = None

    def write(text: str) -> None:
        nonlocal held, spill
        if spill is not None:
            spill.write(text.encode("utf-8"))
            return
        parts.append(text)
        held += len(text)
        if held > SPOOL_IN_MEMORY:
            try:
                spill = tempfile.TemporaryFile()  # noqa: SIM115 - closed below
            except OSError:  # no writable temporary folder: keep it in memory
                held = -(1 << 62)
                return
            for part in parts:  # a part at a time: never a second copy of them all
                spill.write(part.encode("utf-8"))
            parts.clear()

    try:
        yield write
        for part in parts:
            stream.write(part)
        if spill is not None:
            spill.seek(0)
            _copy_spill(spill, stream)
    finally:
        if spill is not None:
            spill.close()


def _copy_spill(spill: BinaryIO, stream: TextIO) -> None:
    """The UTF-8 text in *spill* onto *stream*, a megabyte at a time.

    Onto Python's own standard output in UTF-8 on POSIX (no line-end translation) the
    bytes are copied as they are, past the text layer: the spill was encoded strictly, so
    the text holds no lone surrogate and its UTF-8 bytes are what the stream would write,
    whatever its error handler. Onto any other stream the text is decoded again.
    """
    import codecs
    import sys

    buffer = getattr(stream, "buffer", None)
    if (
        stream is sys.__stdout__
        and buffer is not None
        and os.linesep == "\n"
        and codecs.lookup(stream.encoding or "ascii").name == "utf-8"
    ):
        stream.flush()  # what was written as text first
        shutil.copyfileobj(spill, buffer, 1 << 20)
        return
    decoder = codecs.getincrementaldecoder("utf-8")()
    while chunk := spill.read(1 << 20):
        stream.write(decoder.decode(chunk))
    stream.write(decoder.decode(b"", final=True))


def _move_in(stage: Path, folder: Path, names: list[str]) -> None:
    """Move the staged files *names* into *folder*, then remove the staging folder."""
    for name in names:
        if (stage / name).exists():
            os.replace(stage / name, folder / name)
    _fsync_folder(folder)
    _remove(stage)


def _recover(folder: Path, locked: bool) -> None:
    """Finish or remove what a killed :func:`write_set` left in *folder*.

    A complete staging folder (its files all written) was being moved into place: its
    remaining files are moved in, so the folder holds that run's whole set. An
    incomplete one is removed.
    """
    for stage in _ours(folder, re.escape(STAGE_PREFIX) + _RANDOM):
        if not _stale(stage, locked):  # pragma: no cover - only without a lock
            continue
        if stage.is_dir() and not stage.is_symlink() and (stage / _COMPLETE).is_file():
            names = sorted(p.name for p in stage.iterdir() if p.name != _COMPLETE)
            _move_in(stage, folder, names)
        else:
            _remove(stage)


def _check_targets(folder: Path, names: list[str]) -> None:
    """Refuse before writing anything if a file of the set cannot be replaced."""
    for name in names:
        if Path(name).name != name or name in ("", ".", "..") or name.startswith(STAGE_PREFIX):
            raise ValueError(f"not a plain file name for a set member: {name!r}")
        target = folder / name
        if target.is_dir() and not target.is_symlink():
            raise IsADirectoryError(21, "a folder is in the way of a report file", str(target))


def write_set(folder: str | Path, files: Mapping[str, bytes]) -> list[Path]:
    """Write *files* ({file name: bytes}) into *folder* as one unit; return their paths.

    Under an exclusive lock on *folder*: what a killed run left is finished or removed,
    the files are written and synced in a new staging folder ``.nqi-carbon-stage-*``
    inside *folder*, the staging folder is marked complete, and the files are moved into
    place. An error before the move leaves *folder* as it was. Other files in *folder*
    are never touched; a rewritten file keeps its mode.
    """
    return write_streamed_set(folder, list(files), iter(files.items()))


def write_streamed_set(
    folder: str | Path, names: Sequence[str], files: Iterator[tuple[str, bytes]]
) -> list[Path]:
    """:func:`write_set` of the files *names*, made one by one by *files* while staging.

    *files* yields ``(name, bytes)`` for each of *names* (a report file as soon as it is
    rendered). Each is written and synced in the staging folder by a second thread while
    *files* makes the next one (writing and ``fsync`` release the GIL), so the set's disk
    time overlaps its rendering. The lock is taken before the first file is asked for.
    The set is moved into place only once every file of *names* is staged and synced:
    an error while making or writing any of them (it is raised here) removes the staging
    folder (and *folder* when this call made it and it is still empty) and leaves
    *folder* as it was.
    """
    out = Path(folder)
    created = not out.is_dir()
    out.mkdir(parents=True, exist_ok=True)
    wanted = list(names)
    _check_targets(out, wanted)
    with folder_lock(out) as locked:
        _recover(out, locked)
        for name in wanted:
            _remove_stale_temps(out / name, locked)
        stage = Path(tempfile.mkdtemp(prefix=STAGE_PREFIX, dir=out))
        try:
            _stage_files(stage, out, wanted, files)
            (stage / _COMPLETE).touch()
            _fsync_folder(stage)
        except BaseException:
            close = getattr(files, "close", None)
            if close is not None:
                close()  # a generator's own clean-up (e.g. a paused collector) runs now
            _remove(stage)
            if created:  # the folder this call made, while still empty: writes nothing
                with contextlib.suppress(OSError):
                    out.rmdir()
            raise
        _move_in(stage, out, wanted)
    return [out / name for name in wanted]


def _stage_files(stage: Path, out: Path, names: list[str], files: Iterator[tuple[str, bytes]]) -> None:
    """Write each file *files* yields into *stage* (synced) on a second thread; all of *names*."""
    from concurrent.futures import Future, ThreadPoolExecutor

    pending: list[Future[None]] = []
    done: set[str] = set()
    pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="nqi-write-set")
    try:
        for name, data in files:
            if name not in names or name in done:
                raise ValueError(f"not a file of this set, or given twice: {name!r}")
            done.add(name)
            for job in pending:  # a file that failed to write stops the set now
                if job.done():
                    job.result()
            pending.append(pool.submit(_stage_file, stage / name, _new_file_mode(out / name), data))
            del data  # the thread holds the bytes until they are written, then frees them
        missing = [n for n in names if n not in done]
        if missing:
            raise ValueError(f"the set's files {missing} were not made")
        for job in pending:
            job.result()
    finally:
        for job in pending:
            job.cancel()
        pool.shutdown(wait=True)


def _stage_file(path: Path, mode: int, data: bytes) -> None:
    """Write *data* to the new file *path* (mode *mode*) and sync it to disk."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    os.chmod(path, mode)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
