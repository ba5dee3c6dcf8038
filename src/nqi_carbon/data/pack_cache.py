"""Parsed bundled packs kept on disk between processes, as JSON keyed by a content hash.

A fresh process reads the bundled packs it needs (the factor packs of the inventory, the
GWP and gas catalogues) and parses their YAML: some 20 ms a pack. The parsed document is
kept here so that the next process loads it with ``json.loads`` instead; it is still
validated by the pack's schema (pydantic) every time, exactly as a freshly parsed one.

Safety, by construction:

- **JSON only**: plain data (mappings with text keys, lists, text, numbers, booleans,
  null; dates as ISO text, their places listed); a parsed pack holding anything else (a
  number key, a set) is not kept. Nothing read from the cache can run code (no pickle,
  no marshal).
- **Keyed by content**: the file's name and its ``key`` field are the SHA-256 of the
  pack's bytes, nqi-carbon's version and PyYAML's version; an entry is used only when
  the key it holds is the key of the bytes just read. A pack edited in place, another
  version of the library, a truncated or foreign file: the pack is parsed again.
- **Private**: the folder is the user-only cache folder pint's definitions use
  (:func:`nqi_carbon.units._private_cache_folder`: ``$XDG_CACHE_HOME/nqi-carbon/packs``,
  mode 0700, refused when another user could write it); ``NQI_CARBON_CACHE=0`` turns it
  off. Only bundled packs (the installation's own files) are kept, never a user's pack.
- **Bounded**: at most :data:`MAX_ENTRIES` files of at most :data:`MAX_ENTRY_BYTES`
  each (the oldest removed first); written atomically (a temporary file, then
  ``os.replace``); any error reading or writing it is ignored (the pack is parsed).
"""

from __future__ import annotations

import math
from typing import Any

__all__ = ["MAX_ENTRIES", "MAX_ENTRY_BYTES", "cache_key", "load", "store"]

MAX_ENTRIES = 64
"""Parsed packs kept at most (the installation ships about twenty)."""

MAX_ENTRY_BYTES = 4 << 20
"""Largest entry kept, in bytes of JSON (the largest bundled pack is about 0.4 MB)."""

_FORMAT = "nqi-carbon/pack-cache@1"


def cache_key(raw: bytes) -> str:
    """The SHA-256 of a pack's bytes, nqi-carbon's version and PyYAML's (the parser)."""
    import hashlib

    import yaml

    from .. import __version__

    h = hashlib.sha256(f"{_FORMAT}\0{__version__}\0{yaml.__version__}\0".encode())
    h.update(raw)
    return h.hexdigest()


def _folder() -> str | None:
    from ..units import _private_cache_folder

    return _private_cache_folder("packs")


def load(raw: bytes) -> Any | None:
    """The parsed pack of *raw* kept by an earlier process, or None (then parse it)."""
    import json
    import os

    folder = _folder()
    if folder is None:
        return None
    key = cache_key(raw)
    try:
        with open(os.path.join(folder, key + ".json"), "rb") as fh:
            text = fh.read(MAX_ENTRY_BYTES + 1)
        entry = json.loads(text) if len(text) <= MAX_ENTRY_BYTES else None
    except (OSError, ValueError, RecursionError):  # missing, unreadable or not JSON
        return None
    if not (isinstance(entry, dict) and entry.get("format") == _FORMAT and entry.get("key") == key):
        return None
    data = entry.get("data")
    try:
        for kind, *path in entry.get("dates", []):
            _restore_date(data, path, kind)
    except (LookupError, TypeError, ValueError):  # not an entry this module wrote
        return None
    return data


def _restore_date(data: Any, path: list[Any], kind: str) -> None:
    import datetime as dt

    for step in path[:-1]:
        data = data[step]
    parse = {"date": dt.date.fromisoformat, "datetime": dt.datetime.fromisoformat}[kind]
    data[path[-1]] = parse(data[path[-1]])


def store(raw: bytes, data: Any) -> None:
    """Keep the parsed pack *data* of *raw*, when it is plain JSON data (else nothing)."""
    import contextlib
    import json
    import os
    import tempfile

    folder = _folder()
    dates: list[list[Any]] = []
    if folder is None or not _plain(data, [], dates):
        return
    key = cache_key(raw)
    entry = {"format": _FORMAT, "key": key, "data": data, "dates": dates}
    text = json.dumps(entry, ensure_ascii=False, default=_iso, allow_nan=False)
    body = text.encode("utf-8")
    if len(body) > MAX_ENTRY_BYTES:
        return
    with contextlib.suppress(OSError):
        _make_room(folder)
        fd, tmp = tempfile.mkstemp(prefix=".pack-", suffix=".tmp", dir=folder)
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(body)
            os.replace(tmp, os.path.join(folder, key + ".json"))
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise


def _make_room(folder: str) -> None:
    """Remove the oldest entries (and stale temporary files) beyond :data:`MAX_ENTRIES` - 1."""
    import os

    entries = []
    for entry in os.scandir(folder):
        if entry.name.endswith((".json", ".tmp")) and entry.is_file(follow_symlinks=False):
            entries.append((entry.stat(follow_symlinks=False).st_mtime, entry.path))
    entries.sort()
    for _, path in entries[: max(0, len(entries) - (MAX_ENTRIES - 1))]:
        os.unlink(path)


def _plain(data: Any, path: list[Any], dates: list[list[Any]]) -> bool:
    """Whether *data* reads back from JSON as itself: the same values of the same types.

    Dates and date-times (YAML timestamps) are written as ISO text and their places
    listed in *dates* (``[kind, *path]``), so that they are read back as dates.
    """
    import datetime as dt

    t = type(data)
    if t is str:
        return not _has_surrogate(data)
    if t is int or t is bool or data is None:
        return True
    if t is float:
        return math.isfinite(data)
    if t is dt.date or t is dt.datetime:
        kind = "date" if t is dt.date else "datetime"
        if type(data).fromisoformat(data.isoformat()) != data:
            return False
        dates.append([kind, *path])
        return True
    if len(path) > 100:
        return False
    if t is list:
        return all(_plain(v, [*path, k], dates) for k, v in enumerate(data))
    if t is dict:
        return all(
            type(k) is str and not _has_surrogate(k) and _plain(v, [*path, k], dates)
            for k, v in data.items()
        )
    return False


def _iso(value: Any) -> str:
    return str(value.isoformat())


def _has_surrogate(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False
