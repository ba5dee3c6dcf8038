"""Finding, reading and validating bundled and user data packs.

Bundled packs live in ``emission_factors/`` at the top of the source tree and are
installed inside the wheel as ``nqi_carbon/emission_factors``; they are located with
:mod:`importlib.resources`. Nothing here runs at import time.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import json
from collections import Counter
from collections.abc import Sequence
from functools import cache
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from .._io.files import Written, read_input
from .._io.yaml import load_yaml_text
from ..errors import CappedIssues, InvalidInputError, Issue, PackError
from ..limits import Limits, current_limits

__all__ = [
    "bundled_pack_ids",
    "canonical_sha256",
    "data_root",
    "issues_from_validation_error",
    "read_pack",
    "require_schema",
    "validate_document",
]

M = TypeVar("M", bound=BaseModel)


_ALLOWED = {
    "float_type": "a number (not a string or true/false)",
    "finite_number": "a finite number (not NaN or infinity)",
    "int_type": "a whole number",
    "string_type": "a string (quote it in YAML)",
    "bool_type": "true or false",
    "missing": "this field is required",
    "extra_forbidden": "only the documented fields (check the spelling)",
    "date_type": "a date written YYYY-MM-DD",
    "date_from_datetime_parsing": "a date written YYYY-MM-DD",
    "date_parsing": "a date written YYYY-MM-DD",
    "list_type": "a list",
    "dict_type": "a mapping",
    "model_type": "a mapping",
    "string_pattern_mismatch": "",
    "too_short": "",
}


def data_root() -> Traversable:
    """Return the folder holding the bundled packs.

    In an installed copy it is ``nqi_carbon/emission_factors`` inside the package; in a
    source checkout (editable install) it is ``emission_factors/`` at the repository top.
    """
    inside = resources.files("nqi_carbon") / "emission_factors"
    if inside.is_dir():
        return inside
    checkout = Path(__file__).resolve().parents[3] / "emission_factors"
    if checkout.is_dir():
        return checkout
    raise FileNotFoundError(
        "nqi-carbon's bundled data packs were not found; the installation is incomplete"
    )


def bundled_pack_ids() -> list[str]:
    """Return the ids of the bundled packs (file stems of ``emission_factors/*.yaml``)."""
    return list(_bundled_pack_ids())


@cache
def _bundled_pack_ids() -> tuple[str, ...]:
    # the installed packs do not change while the process runs: list the folder once
    root = data_root()
    return tuple(
        sorted(
            entry.name[: -len(".yaml")]
            for entry in root.iterdir()
            if entry.name.endswith(".yaml") and not entry.name.startswith("_")
        )
    )


def _json_default(obj: Any) -> Any:
    if isinstance(obj, _dt.date | _dt.datetime):
        return obj.isoformat()
    raise TypeError(f"cannot hash value of type {type(obj).__name__}")


def canonical_sha256(data: Any) -> str:
    """SHA-256 of the canonical JSON form of parsed data (sorted keys, no NaN)."""
    text = json.dumps(
        data,
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
        allow_nan=False,
        default=_json_default,
    )
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _path_text(loc: Sequence[int | str]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out


def _entry_label(data: Any, loc: Sequence[int | str]) -> str | None:
    """Name the list entry an error sits in by its ``id`` (e.g. ``factors[3] 'x'``)."""
    node = data
    label = None
    for part in loc:
        try:
            node = node[part]
        except (KeyError, IndexError, TypeError):
            break
        if isinstance(node, dict) and isinstance(node.get("id"), str):
            label = node["id"]
    return label


def require_schema(data: Any, schema: str, *, code: str, what: str, file: str | None) -> None:
    """Refuse *data* unless it is a mapping whose ``schema`` is *schema* (reason *code*)."""
    if isinstance(data, dict) and data.get("schema") == schema:
        return
    got = data.get("schema") if isinstance(data, dict) else type(data).__name__
    issue = Issue(
        code,
        f"not {what}",
        file=file,
        field="schema",
        value=repr(got),
        allowed=f"a mapping with schema: {schema}",
    )
    raise InvalidInputError([issue], source=file)


def validate_document(model: type[M], data: Any, *, file: str | None) -> M:
    """*data* validated as *model*: every problem at once, each naming *file*.

    Raises
    ------
    InvalidInputError
        The issues of :func:`issues_from_validation_error`, repeats counted once.
    """
    import dataclasses

    from ..errors import unique_issues

    try:
        return model.model_validate(data)
    except ValidationError as exc:
        issues = issues_from_validation_error(exc, file=file, data=data)
        issues = [i if i.file else dataclasses.replace(i, file=file) for i in issues]
        raise InvalidInputError(unique_issues(issues), source=file) from None


def load_schema_document(
    source: Any,
    model: type[M],
    *,
    schema: str,
    code: str,
    what: str,
    field: str,
    where: str,
) -> tuple[M, str | None, str]:
    """A document of *model* with ``schema: <schema>``: ``(model, path or None, SHA-256)``.

    *source* is a path (read by the bounded, confined loader, YAML or JSON), a mapping or
    a *model*; the SHA-256 is of the file's bytes, or of the canonical JSON of a mapping
    or model. A wrong or missing ``schema`` is *code*; every other problem is listed too.

    Raises
    ------
    InvalidInputError
        Every problem of the document at once (field, value, what is allowed, reason code).
    """
    import hashlib
    import json

    from .._io.files import program_path
    from .._io.structured import read_structured

    def valid(data: Any, name: str | None) -> M:
        require_schema(data, schema, code=code, what=f"a {what}", file=name)
        return validate_document(model, data, file=name)

    if isinstance(source, model | dict):
        doc = source if isinstance(source, model) else valid(source, None)
        text = json.dumps(doc.model_dump(mode="json", by_alias=True), sort_keys=True)
        return doc, None, hashlib.sha256(text.encode()).hexdigest()
    path = program_path(source, field=field, where=where)
    data, digest = read_structured(path, what=what)
    return valid(data, str(path)), str(path), digest


def issues_from_validation_error(
    exc: ValidationError,
    *,
    file: str | None,
    data: Any = None,
    prefix: Sequence[int | str] = (),
) -> list[Issue]:
    """Turn a pydantic ``ValidationError`` into :class:`Issue` records (all of them).

    Repeats (same code, field and value) count once; beyond ``Limits.max_issues`` the
    issues are counted by code, not built (:class:`~nqi_carbon.errors.CappedIssues`).
    """
    issues = CappedIssues()
    seen: set[tuple[str, str | None, str | None]] = set()
    errors = exc.errors(include_url=False)
    # how many errors lie at or under each location (union member names left out): one
    # pass, made only when a mapping was given for "text or mapping" (an activity_files entry)
    under: Counter[tuple[int | str, ...]] = Counter()
    if any(e["type"] == "string_type" and isinstance(e.get("input"), dict) for e in errors):
        for e in errors:
            clean = _clean_loc(e["loc"])
            under.update(clean[:k] for k in range(len(clean) + 1))
    item_locs = {tuple(e["loc"][:-1]) for e in errors if len(e["loc"]) > 1}
    for err in errors:
        if (
            err["type"] == "too_short"
            and "after validation" in err["msg"]
            and any(loc[: len(err["loc"])] == tuple(err["loc"]) for loc in item_locs)
        ):
            continue  # "0 items after validation" only echoes its items' own errors
        if (
            err["type"] == "string_type"
            and isinstance(err.get("input"), dict)
            and under[_clean_loc(err["loc"])] > 1
        ):
            continue  # a mapping for "text or mapping": its own errors say what is wrong
        loc = [*prefix, *[p for p in err["loc"] if not _is_union_tag(p)]]
        ctx = err.get("ctx") or {}
        allowed = _ALLOWED.get(err["type"], "")
        if "ge" in ctx:
            allowed = f">= {ctx['ge']}"
        elif "le" in ctx:
            allowed = f"<= {ctx['le']}"
        elif "gt" in ctx:
            allowed = f"> {ctx['gt']}"
        elif "expected" in ctx:
            allowed = str(ctx["expected"])
        elif "pattern" in ctx:
            allowed = f"text matching {ctx['pattern']}"
        value = err.get("input")
        show_value = err["type"] not in {"missing"} and not isinstance(value, dict | list)
        label = _entry_label(data, loc) if data is not None else None
        field = _path_text(loc)
        shown = _short_repr(value) if show_value else None
        key = (err["type"], field or None, shown)
        if key in seen:
            continue
        seen.add(key)
        issues.append(
            Issue(
                code=err["type"],
                message=err["msg"],
                file=file,
                field=field or None,
                value=shown,
                allowed=allowed or None,
                source=label or None,
                raw=value if show_value else ...,
            )
        )
    return list(issues)


def _clean_loc(loc: Sequence[int | str]) -> tuple[int | str, ...]:
    """An error location without the union member names pydantic inserts."""
    return tuple(p for p in loc if not _is_union_tag(p))


def _is_union_tag(part: int | str) -> bool:
    # pydantic inserts the union member name ('float', 'Distribution', 'function-after[...]')
    return isinstance(part, str) and (
        part in {"float", "int", "str", "Distribution", "number", "distribution", "ActivityFile"}
        or "[" in part
        or part.startswith("function-")
    )


def _short_repr(value: Any, limit: int = 80) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def read_pack(
    source: Path | Traversable | Written,
    model: type[M],
    *,
    expected_schema: str,
    bundled: bool,
) -> tuple[M, str]:
    """Read, validate and hash one pack file.

    Parameters
    ----------
    source : path, Traversable or Written
        The YAML file.
    model : pydantic model class
        The pack schema to validate against.
    expected_schema : str
        The ``schema:`` value this kind of pack must declare.
    bundled : bool
        A pack shipped with nqi-carbon: read from the installation under the default
        :class:`~nqi_carbon.Limits`, whatever the caller's sandbox or limits. Otherwise
        a user's pack: read through :func:`nqi_carbon._io.files.read_input` (confined,
        regular file, ``max_document_bytes``) under the active limits.

    Returns
    -------
    (pack, sha256)
        The validated pack and the SHA-256 of its canonical content.

    Raises
    ------
    PackError
        Naming the pack file, the entry and the field of every problem.
    """
    name = str(source)
    try:
        data = _bundled_pack_data(source, name) if bundled else _user_pack_data(source, name)
    except PackError:
        raise
    except InvalidInputError as exc:  # from the file or YAML layer
        raise PackError(exc.issues, source=exc.source or name) from None
    _check_pack_kind(data, name, expected_schema)
    try:
        pack = model.model_validate(data)
    except ValidationError as exc:
        raise PackError(
            issues_from_validation_error(exc, file=name, data=data), source=name
        ) from None
    return pack, canonical_sha256(data)


def _bundled_pack_data(source: Path | Traversable | Written, name: str) -> Any:
    """The parsed YAML of a pack of the installation, under the default :class:`~nqi_carbon.Limits`.

    The installation's own data: neither the caller's limits nor its sandbox apply. The
    parsed document is kept between processes (:mod:`nqi_carbon.data.pack_cache`).
    """
    if isinstance(source, Written):
        raise TypeError("a bundled pack is read from the installation, not an inventory")
    try:
        raw = source.read_bytes()
    except OSError as exc:
        raise PackError([Issue("file_unreadable", str(exc), file=name)], source=name) from None
    from . import pack_cache

    kept = pack_cache.load(raw)  # parsed by an earlier process (JSON, keyed by the bytes)
    if kept is not None:
        return kept
    trusted = Limits()
    data = load_yaml_text(
        raw,
        source=name,
        max_bytes=trusted.max_document_bytes,
        max_nodes=trusted.max_nodes,
        max_depth=trusted.max_depth,
    )
    pack_cache.store(raw, data)
    return data


def _user_pack_data(source: Path | Traversable | Written, name: str) -> Any:
    """The parsed YAML of a user's pack: read confined and bounded, under the active limits."""
    if not isinstance(source, Path | Written):
        raise TypeError(f"a user pack is read from a file path, not {source!r}")
    raw = read_input(
        source,
        limit=current_limits().max_document_bytes,
        limit_name="max_document_bytes",
        what="factor pack",
    )
    return load_yaml_text(raw, source=name)


def _check_pack_kind(data: Any, name: str, expected_schema: str) -> None:
    """A pack is a mapping that declares the ``schema:`` of its kind of pack."""
    if not isinstance(data, dict):
        raise PackError(
            [Issue("pack_not_mapping", "a pack is a YAML mapping", file=name)], source=name
        )
    if data.get("schema") != expected_schema:
        raise PackError(
            [
                Issue(
                    "pack_schema",
                    "wrong or missing 'schema' for this kind of pack",
                    file=name,
                    field="schema",
                    value=_short_repr(data.get("schema")),
                    allowed=expected_schema,
                )
            ],
            source=name,
        )
