"""Progress bars where a person waits (Monte Carlo, report files): one resolver for all.

Every ``progress`` argument in nqi-carbon takes the same values:

- ``None`` (the default): a bar when standard error is a terminal or the code runs in a
  Jupyter kernel, else nothing;
- ``True``: always a bar (on standard error); ``False``: never;
- a function ``progress(done, total)``: called instead of drawing a bar.

The bar is tqdm's, written to standard error, never standard output (JSON printed on
standard output stays clean). tqdm is imported only when a bar is drawn, so
``import nqi_carbon`` stays light. Callers report progress per chunk of work (a chunk
of Monte Carlo iterations, a report file), never per draw.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any, TextIO

__all__ = ["Progress", "ProgressCallback", "is_progress", "progress_callback"]

ProgressCallback = Callable[[int, int], None]
"""``progress(done, total)``: called after each chunk of work."""

Progress = bool | ProgressCallback | None
"""What a ``progress`` argument accepts (see the module's docstring)."""

PROGRESS_ALLOWED = "True, False, None or a function progress(done, total)"
"""The ``allowed`` text of the error for any other value."""


def is_progress(value: object) -> bool:
    """Whether *value* is a ``progress`` argument: None, a bool or a callable."""
    return value is None or isinstance(value, bool) or callable(value)


def _in_notebook() -> bool:
    """Whether this code runs in a Jupyter kernel's shell (the notebook shows standard error).

    ``ipykernel`` merely imported (a test that executes notebooks) is not enough: the
    running IPython shell must be a kernel's.
    """
    ipython = sys.modules.get("IPython")
    if ipython is None:
        return False
    try:
        shell = ipython.get_ipython()
        return shell is not None and "IPKernelApp" in shell.config
    except Exception:  # an IPython without a shell, or one that is not IPython's
        return False


def _stderr() -> TextIO:
    """Standard error; behind the CLI's control-character filter its own stream (the bar's CR)."""
    err = sys.stderr
    return getattr(err, "unfiltered", err)


class _Bar:
    """A tqdm bar made at the first report (when the total is known), closed at the last."""

    def __init__(self, label: str, unit: str) -> None:
        self.label, self.unit = label, unit
        self._bar: Any = None

    def __call__(self, done: int, total: int) -> None:
        if self._bar is None:
            self._bar = _tqdm()(total=total, desc=self.label, unit=self.unit, file=_stderr())
        self._bar.update(done - self._bar.n)
        if done >= total:
            self._bar.close()
            self._bar = None


def _tqdm() -> Any:
    """The tqdm class: the notebook widget in a Jupyter kernel with ipywidgets, else text."""
    if _in_notebook():
        try:
            import ipywidgets  # type: ignore[import-not-found,unused-ignore]  # noqa: F401
        except ImportError:
            pass  # the text bar, which the notebook prints from standard error
        else:
            from tqdm.auto import tqdm as auto  # type: ignore[import-untyped,unused-ignore]

            return auto
    from tqdm import tqdm  # type: ignore[import-untyped,unused-ignore]

    return tqdm


def progress_callback(progress: Progress, label: str, *, unit: str = "it") -> ProgressCallback | None:
    """The function to call after each chunk of work for a ``progress`` argument, or None.

    Parameters
    ----------
    progress : bool, callable or None
        As described in the module's docstring.
    label : str
        What the bar is counting ("Monte Carlo", "report files").
    unit : str
        The unit of *done* and *total* shown by the bar.
    """
    if progress is False:
        return None
    if progress is None:
        if not (sys.stderr.isatty() or _in_notebook()):
            return None
    elif progress is not True:
        return progress
    return _Bar(label, unit)
