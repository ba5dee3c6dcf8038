"""Reading long activity tables (CSV, Excel, Parquet) strictly: nothing is re-typed silently."""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .errors import InvalidInputError, Issue

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt
    import pandas as pd

__all__ = ["PLAIN_NUMBER", "TEXT_COLUMNS", "column_codes", "decode_utf8", "read_activity"]

PLAIN_NUMBER = re.compile(r"[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?")
"""A number as plain text: ``12``, ``-3.5``, ``1e3`` (not ``1,000``, ``0x10``, ``1_000``)."""


def decode_utf8(raw: bytes, name: str) -> str:
    """UTF-8 text of a file's bytes (BOM accepted), or an ``encoding`` error with the line."""
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InvalidInputError(
            [
                Issue(
                    "encoding",
                    f"not valid UTF-8 at byte {exc.start}",
                    file=name,
                    row=raw[: exc.start].count(b"\n") + 1,
                    value=repr(raw[exc.start : exc.start + 8]),
                    allowed="UTF-8 text (a BOM is accepted)",
                )
            ],
            source=name,
        ) from None


def read_activity(path: str | Path, *, sheet: str | int = 0) -> pd.DataFrame:
    """Read a long activity table from CSV (UTF-8, a BOM is accepted), Excel or Parquet.

    Columns: ``source``, ``amount``, ``unit`` and optionally ``instrument``,
    ``uncertainty``, ``period``, ``distribution``, ``lower``, ``upper``.

    Identifier columns (``source``, ``unit``, ``instrument``, ``period``,
    ``distribution``) are read as text exactly as written: no NA-value guessing (a cell
    ``NA`` or ``null`` is that text; only an empty cell is empty) and a number cell is
    its text (``123`` matches the source id ``"123"``). They become categoricals (fast
    in :func:`nqi_carbon.calculate`); ``amount`` and ``uncertainty`` are read as numbers
    where they are numbers and left as text otherwise, so that the table's validation
    names every bad row (``"1,000"`` is never silently read as 1000, an empty cell never
    as 0).

    Raises
    ------
    InvalidInputError
        Unreadable, non-UTF-8, truncated or corrupted files, with the reason.
    """
    import pandas as pd

    p = Path(path)
    name = str(p)
    suffix = p.suffix.lower()
    try:
        if suffix == ".csv":
            text = decode_utf8(p.read_bytes(), name)
            import io as _io

            df = pd.read_csv(_io.StringIO(text), dtype=str, keep_default_na=False, na_values=[""])
        elif suffix in (".xlsx", ".xlsm"):
            try:
                import openpyxl  # noqa: F401
            except ImportError as exc:  # pragma: no cover
                raise ImportError(
                    "reading Excel needs openpyxl: pip install 'nqi-carbon[excel]'"
                ) from exc
            # no NA-value guessing: a cell "NA" or "null" is text, only an empty cell is empty
            df = pd.read_excel(
                p,
                sheet_name=sheet,
                dtype=object,
                engine="openpyxl",
                keep_default_na=False,
                na_values=[""],
            )
        elif suffix == ".parquet":
            df = pd.read_parquet(p)
        else:
            raise InvalidInputError(
                [
                    Issue(
                        "file_type",
                        "unknown activity file type",
                        file=name,
                        value=repr(suffix),
                        allowed=".csv, .xlsx, .parquet",
                    )
                ],
                source=name,
            )
    except InvalidInputError:
        raise
    except OSError as exc:
        raise InvalidInputError(
            [Issue("file_unreadable", str(exc), file=name)], source=name
        ) from None
    except Exception as exc:  # corrupted or truncated files: zip, XML or CSV parser errors
        raise InvalidInputError(
            [
                Issue(
                    "file_corrupt",
                    f"cannot read the file ({type(exc).__name__}: {exc})",
                    file=name,
                    allowed="a complete .csv, .xlsx or .parquet file",
                )
            ],
            source=name,
        ) from None
    df.columns = [str(c).strip() for c in df.columns]
    for col in ("amount", "uncertainty"):
        if col in df.columns:
            df[col] = df[col].map(_as_number)
            if all(isinstance(v, float) for v in df[col]):
                df[col] = df[col].astype(float)
    for col in TEXT_COLUMNS:
        if col in df.columns:
            df[col] = _text_category(df[col])
    return df


# identifier columns: read as text exactly as written (an Excel number cell 123 is "123")
TEXT_COLUMNS = ("source", "unit", "instrument", "period", "distribution")


def column_codes(column: pd.Series) -> tuple[npt.NDArray[np.intp], list[object]]:
    """Integer codes (-1 for empty) and distinct values of a column.

    Categoricals need no per-row work: their codes and categories are used as they are.
    """
    import numpy as np
    import pandas as pd

    if isinstance(column.dtype, pd.CategoricalDtype):
        return np.asarray(column.cat.codes, dtype=np.intp), column.cat.categories.tolist()
    codes, uniques = pd.factorize(column, use_na_sentinel=True)
    return codes.astype(np.intp), list(uniques)


def _text_category(column: pd.Series) -> pd.Series:
    """A categorical of text: each distinct non-text value is written as text once."""
    import numpy as np
    import pandas as pd

    cat = column.astype("category")
    values = cat.cat.categories.tolist()
    if all(isinstance(v, str) for v in values):
        return cat
    texts = [_as_text(v) for v in values]
    uniques = list(dict.fromkeys(texts))
    where = {t: k for k, t in enumerate(uniques)}
    lookup = np.array([where[t] for t in texts] + [-1], dtype=np.int64)
    codes = lookup[np.asarray(cat.cat.codes, dtype=np.int64)]
    return pd.Series(
        pd.Categorical.from_codes(codes, categories=pd.Index(uniques, dtype=object)),
        index=column.index,
        name=column.name,
    )


def _as_text(v: Any) -> str:
    """A cell as the text it shows: 123 -> "123", 1.5 -> "1.5", 2024.0 -> "2024"."""
    import datetime as _dt

    if isinstance(v, str):
        return v
    if hasattr(v, "item") and not isinstance(v, _dt.datetime):
        v = v.item()  # numpy scalars
    if isinstance(v, bool):
        return str(v).upper()  # as a spreadsheet shows it
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    if isinstance(v, _dt.datetime) and v.time() == _dt.time():
        return v.date().isoformat()
    return str(v)


def _as_number(v: Any) -> Any:
    """Strict cell parsing: plain decimal numbers only; empty is NaN (a gap), text stays text."""
    import math

    if v is None or (isinstance(v, float) and math.isnan(v)):
        return math.nan
    if isinstance(v, bool):
        return v
    if isinstance(v, int | float):
        return float(v)
    s = str(v).strip()
    if s == "":
        return math.nan
    if PLAIN_NUMBER.fullmatch(s):
        return float(s)
    return s
