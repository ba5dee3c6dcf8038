"""Opening input files: confined to the folders allowed, regular files only, bounded.

One function reads the bytes of every input file nqi-carbon opens (:func:`read_input`):

* a path written inside a file (an inventory's ``activity_files`` and user
  ``factor_packs``; :func:`written_path`) is read from the inventory's folder and must
  stay inside it -- or inside the active :class:`~nqi_carbon.Sandbox`'s folders;
* under a sandbox every path must lie inside its folders, whoever names it;
* symbolic links are resolved before the check, the file is opened without following a
  last symbolic link, and the path of the *opened* descriptor is checked again (Linux
  ``/proc/self/fd``; elsewhere its device and inode against the path checked), so a swap
  of a folder for a link between the check and the open cannot escape;
* only regular files are read (``fstat`` of the opened descriptor): no device such as
  ``/dev/zero``, FIFO, socket or folder; a FIFO is opened non-blocking, so it cannot hang;
* at most the limit plus one byte is read, whatever the file claims to be.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from ..errors import InvalidInputError, Issue, argument_error
from ..limits import current_sandbox, limit_issue

__all__ = [
    "PARTITION_SUFFIXES",
    "Written",
    "check_confined",
    "entry_base",
    "hive_values",
    "partition_files",
    "program_path",
    "read_input",
    "read_stream",
    "written_path",
]

_OPEN_FLAGS = (
    os.O_RDONLY
    | getattr(os, "O_NONBLOCK", 0)  # a FIFO opens at once instead of waiting for a writer
    | getattr(os, "O_NOCTTY", 0)
    | getattr(os, "O_CLOEXEC", 0)
    | getattr(os, "O_NOFOLLOW", 0)  # the last component was resolved: a link now is a swap
    | getattr(os, "O_BINARY", 0)
)


@dataclass(frozen=True)
class Written:
    """A path written inside a file, with where it was written and where it may lead.

    Attributes
    ----------
    entry : str
        The path as written.
    path : Path
        The path to open: *entry* read from the inventory's folder.
    file : str or None
        The file the entry is written in (None for an inventory given as a mapping).
    field : str
        Where in that file, e.g. ``activity_files[0]``.
    roots : tuple of str
        The real folders the path must stay inside.
    """

    entry: str
    path: Path
    file: str | None
    field: str
    roots: tuple[str, ...]

    def __fspath__(self) -> str:
        return str(self.path)

    def __str__(self) -> str:
        return str(self.path)


def program_path(value: Any, *, field: str, where: str) -> Path:
    """A path a program gives a public function, as a :class:`~pathlib.Path`.

    Raises
    ------
    InvalidArgumentError
        ``argument_type`` for anything but text or an ``os.PathLike`` of text.
    InvalidInputError
        ``file_unreadable`` for a path with a NUL character (no file has one).
    """
    text = os.fspath(value) if isinstance(value, str | os.PathLike) else None
    if not isinstance(text, str):
        raise argument_error(field, value, "a path (text or os.PathLike)", where=where)
    if "\x00" in text:
        raise _nul_in_path(field=field, value=text[:80], file=None, source=where)
    return Path(text)


def _nul_in_path(
    *, field: str, value: str, file: str | None, source: str | None
) -> InvalidInputError:
    """``file_unreadable``: a path with a NUL character (no file has one; the OS refuses it)."""
    issue = Issue(
        "file_unreadable",
        "a path cannot contain a NUL character",
        file=file,
        field=field,
        value=value,
        allowed="a path without NUL",
    )
    return InvalidInputError([issue], source=source)


def entry_base(source_path: str | None) -> Path:
    """The folder that relative paths written in an inventory are read from.

    The inventory file's folder; for an inventory given as a mapping the active
    sandbox's base folder, else the current folder.
    """
    if source_path:
        return Path(source_path).parent
    box = current_sandbox()
    return Path(box.base_dir) if box is not None else Path.cwd()


PARTITION_SUFFIXES = (".csv", ".parquet")
"""What a folder of activity partitions is read for (a glob picks its own files)."""

_GLOB = frozenset("*?[")


def partition_files(path: Path) -> tuple[Path, list[Path]] | None:
    """The files a folder or a glob names, sorted, with the folder they lie under.

    A folder gives its ``.csv`` and ``.parquet`` files at any depth (hive-style folders
    ``source=boiler/part-0.parquet`` included), leaving out hidden entries and those that
    start with ``_`` (``_SUCCESS``, ``_metadata``, as Spark and Dask write them); a path
    that does not exist and holds ``*``, ``?`` or ``[`` is a glob (``**`` for any depth).
    None for any other path (a file: read as it is). Symbolic links to folders are not
    followed; every file is still confined when it is opened (:func:`read_input`).
    """
    if path.is_dir():
        found = [
            p
            for p in path.rglob("*")
            if p.suffix.lower() in PARTITION_SUFFIXES
            and not any(part.startswith((".", "_")) for part in p.relative_to(path).parts)
            and p.is_file()
        ]
        return path, sorted(found)
    parts = path.parts
    magic = [i for i, part in enumerate(parts) if _GLOB & set(part)]
    if not magic or path.exists():
        return None
    anchor = Path(*parts[: magic[0]]) if magic[0] else Path(".")
    return anchor, sorted(p for p in anchor.glob("/".join(parts[magic[0] :])) if p.is_file())


def hive_values(folder: Path, file: Path) -> dict[str, str]:
    """The ``key=value`` folders between *folder* and *file* (hive-style partitioning)."""
    from urllib.parse import unquote

    out: dict[str, str] = {}
    for part in file.relative_to(folder).parts[:-1]:
        key, sep, value = part.partition("=")
        if sep and key and value and value != "__HIVE_DEFAULT_PARTITION__":
            out[key] = unquote(value)
    return out


def written_path(entry: str, *, source_path: str | None, field: str) -> Written:
    """*entry*, written at *field* of the inventory *source_path*, with the folders allowed.

    The folders allowed are the active sandbox's, else the inventory's own folder (the
    current folder for a mapping).

    Raises
    ------
    InvalidInputError
        ``file_unreadable`` for an entry with a NUL character (no file has one), naming
        *field* of *source_path*.
    """
    if "\x00" in entry:
        raise _nul_in_path(
            field=field, value=repr(entry[:80]), file=source_path, source=source_path
        )
    base = entry_base(source_path)
    p = Path(entry)
    path = p if p.is_absolute() else base / p
    box = current_sandbox()
    roots = box.roots if box is not None else (os.path.realpath(base),)
    return Written(entry, path, source_path, field, roots)


def _inside(real: str, roots: tuple[str, ...]) -> bool:
    return any(real == root or real.startswith(root.rstrip(os.sep) + os.sep) for root in roots)


def _outside(
    target: str | Path | Written, what: str, roots: tuple[str, ...]
) -> InvalidInputError:
    where = " or ".join(repr(r) for r in roots)
    if isinstance(target, Written):
        box = current_sandbox() is not None
        scope = "the sandbox's folders" if box else "the inventory's folder"
        issue = Issue(
            "path_outside_base",
            f"{what} {target.entry!r} leads outside {scope} (symbolic links followed)",
            file=target.file,
            field=target.field,
            value=repr(target.entry),
            allowed=f"a file inside {where}; relative paths are read from the inventory's "
            "folder; to read other folders run inside nqi_carbon.Sandbox(base_dir=..., "
            "allow=[...]) (command line: --base-dir, --allow)",
        )
        return InvalidInputError([issue], source=target.file)
    name = str(target)
    issue = Issue(
        "path_outside_base",
        f"{what} lies outside the sandbox's folders (symbolic links followed)",
        file=name,
        value=repr(name),
        allowed=f"a file inside {where} (the active nqi_carbon.Sandbox)",
    )
    return InvalidInputError([issue], source=name)


def _kind(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe)"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


def _opened_path(fd: int) -> str | None:
    """The real path of an open descriptor, where the system says it (Linux, macOS)."""
    try:
        return os.readlink(f"/proc/self/fd/{fd}")
    except OSError:
        pass
    try:  # macOS
        import fcntl

        f_getpath = getattr(fcntl, "F_GETPATH", None)
        if f_getpath is not None:
            buf = fcntl.fcntl(fd, f_getpath, b"\0" * 1024)
            return os.fsdecode(buf.split(b"\0", 1)[0])
    except OSError:
        pass
    return None


def _roots_of(target: str | Path | Written) -> tuple[Path, tuple[str, ...]]:
    if isinstance(target, Written):
        return target.path, target.roots
    box = current_sandbox()
    return Path(target), (box.roots if box is not None else ())


def check_confined(target: str | Path | Written, *, what: str) -> None:
    """Refuse *target* if it leads outside the folders allowed (before opening anything).

    :func:`read_input` checks again, on the descriptor it opens.
    """
    path, roots = _roots_of(target)
    if roots and not _inside(os.path.realpath(path), roots):
        raise _outside(target, what, roots)


def read_input(
    target: str | Path | Written,
    *,
    limit: int,
    limit_name: str,
    what: str,
) -> bytes:
    """The bytes of one input file, confined, regular and at most *limit* bytes.

    Parameters
    ----------
    target : path or Written
        A path given by the program (confined only under a sandbox) or a path written
        in a file (:func:`written_path`, always confined).
    limit, limit_name : int, str
        The byte limit and the name of the :class:`~nqi_carbon.Limits` field it comes from.
    what : str
        What the file is, for messages (``activity file``, ``inventory``...).

    Raises
    ------
    InvalidInputError
        ``path_outside_base``, ``path_not_regular_file``, ``file_unreadable`` or
        ``file_too_large``; never showing the file's content.
    """
    check_confined(target, what=what)
    path, roots = _roots_of(target)
    name = str(path)
    real = os.path.realpath(path)
    try:
        fd = os.open(real, _OPEN_FLAGS)
    except OSError as exc:
        import errno

        if exc.errno == errno.ELOOP and roots:  # the resolved file became a link: a swap
            raise _outside(target, what, roots) from None
        try:
            mode = os.stat(real).st_mode
        except OSError:
            mode = stat.S_IFREG
        if not stat.S_ISREG(mode):  # a socket cannot even be opened (ENXIO)
            raise _not_regular(name, mode, what) from None
        raise InvalidInputError(
            [Issue("file_unreadable", exc.strerror or str(exc), file=name)],
            source=name,
        ) from None
    try:
        _check_opened(fd, real, target, name, what, roots, limit, limit_name)
        fh = os.fdopen(fd, "rb")  # owns the descriptor from here on
    except BaseException:
        os.close(fd)
        raise
    with fh:
        data = fh.read(limit + 1)
    if len(data) > limit:  # grew while being read
        raise _too_large(name, None, limit, limit_name, what)
    return data


def read_stream(stream: BinaryIO, *, limit: int, limit_name: str, what: str, name: str) -> bytes:
    """At most *limit* bytes of *stream* (standard input); more is ``file_too_large``.

    One byte past the limit is read to tell, never the rest: a stream without end costs
    *limit* + 1 bytes.
    """
    data = stream.read(limit + 1)
    if len(data) > limit:
        raise _too_large(name, None, limit, limit_name, what)
    return data


def _check_opened(
    fd: int,
    real: str,
    target: str | Path | Written,
    name: str,
    what: str,
    roots: tuple[str, ...],
    limit: int,
    limit_name: str,
) -> None:
    """The opened descriptor: still inside *roots*, a regular file, within *limit*."""
    st = os.fstat(fd)
    if roots:
        opened = _opened_path(fd)
        if opened is not None:
            escaped = not _inside(opened, roots)
        else:  # no way to ask: the path checked must still be this very file
            try:
                now = os.stat(real, follow_symlinks=False)
                escaped = (now.st_dev, now.st_ino) != (st.st_dev, st.st_ino)
            except OSError:
                escaped = True
        if escaped:
            raise _outside(target, what, roots)
    if not stat.S_ISREG(st.st_mode):
        raise _not_regular(name, st.st_mode, what)
    if st.st_size > limit:
        raise _too_large(name, st.st_size, limit, limit_name, what)


def _not_regular(name: str, mode: int, what: str) -> InvalidInputError:
    return InvalidInputError(
        [
            Issue(
                "path_not_regular_file",
                f"the {what} is {_kind(mode)}, not a regular file",
                file=name,
                allowed="a regular file (not a device, FIFO, socket or folder)",
            )
        ],
        source=name,
    )


def _too_large(
    name: str, size: int | None, limit: int, limit_name: str, what: str
) -> InvalidInputError:
    got = f"{size:,} bytes" if size is not None else "more bytes"
    return InvalidInputError(
        [
            limit_issue(
                "file_too_large",
                f"the {what} is {got}, more than the limit",
                limit_name=limit_name,
                limit=limit,
                unit="bytes",
                file=name,
            )
        ],
        source=name,
    )
