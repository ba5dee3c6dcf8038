"""Reading long activity tables (CSV, Excel, Parquet) strictly: nothing is re-typed silently."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from .errors import InvalidInputError, Issue

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["read_activity"]


def read_activity(path: str | Path, *, sheet: str | int = 0) -> pd.DataFrame:
    """Read a long activity table from CSV (UTF-8, a BOM is accepted), Excel or Parquet.

    Columns: ``source``, ``amount``, ``unit`` and optionally ``instrument``,
    ``uncertainty``, ``period``.

    Text columns become categoricals (fast in :func:`nqi_carbon.calculate`); ``amount``
    and ``uncertainty`` are read as numbers where they are numbers and left as text
    otherwise, so that the table's validation names every bad row (``"1,000"`` is never
    silently read as 1000, an empty cell never as 0).

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
            raw = p.read_bytes()
            try:
                text = raw.decode("utf-8-sig")
            except UnicodeDecodeError as exc:
                line = raw[: exc.start].count(b"\n") + 1
                raise InvalidInputError(
                    [
                        Issue(
                            "encoding",
                            f"not valid UTF-8 at byte {exc.start}",
                            file=name,
                            row=line,
                            value=repr(raw[exc.start : exc.start + 8]),
                            allowed="UTF-8 text (a BOM is accepted)",
                        )
                    ],
                    source=name,
                ) from None
            import io as _io

            df = pd.read_csv(_io.StringIO(text), dtype=str, keep_default_na=False, na_values=[""])
        elif suffix in (".xlsx", ".xlsm"):
            try:
                import openpyxl  # noqa: F401
            except ImportError as exc:  # pragma: no cover
                raise ImportError(
                    "reading Excel needs openpyxl: pip install 'nqi-carbon[excel]'"
                ) from exc
            df = pd.read_excel(p, sheet_name=sheet, dtype=object, engine="openpyxl")
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
    for col in ("source", "unit", "instrument", "period"):
        if col in df.columns:
            df[col] = df[col].astype("category")
    return df


def _as_number(v: Any) -> Any:
    """Strict cell parsing: plain decimal numbers only; empty is NaN (a gap), text stays text."""
    import math
    import re

    if v is None or (isinstance(v, float) and math.isnan(v)):
        return math.nan
    if isinstance(v, bool):
        return v
    if isinstance(v, int | float):
        return float(v)
    s = str(v).strip()
    if s == "":
        return math.nan
    if re.fullmatch(r"[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?", s):
        return float(s)
    return s
