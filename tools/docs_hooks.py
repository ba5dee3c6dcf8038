"""MkDocs hooks for the nqi-carbon documentation site (mkdocs.yml ``hooks:``).

Two things keep the pages from drifting away from the code:

* **Executed examples.** A fenced ``python`` block that follows a ``<!-- run -->`` line is
  run while the site is built. The marked blocks of one page run in order, as one script,
  in a fresh temporary folder that holds a link to the repository's ``examples/`` (so the
  pages can name ``examples/cement/inventory.yaml`` and write ``out/`` without touching the
  repository), with a time limit. Any exception fails the build and names the page, the
  block and the error. ``tests/test_docs.py`` runs the same blocks without MkDocs.
* **Shown displays.** A ``python`` block after a ``<!-- show -->`` line runs like a
  ``<!-- run -->`` block (in page order, in the same script); its last line is an
  expression whose notebook display (``_repr_html_()``) is put into the page right after
  the block, so a page shows what a notebook shows, drawn from the code of the build.
* **The API reference.** ``<!-- api-reference -->`` in a page is replaced by one
  mkdocstrings ``:::`` entry per public name of ``nqi_carbon.__all__``, grouped by the
  module that implements it, so a new public name appears without anyone editing a page.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
from collections.abc import Collection
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
RUN_MARKER = "<!-- run -->"
SHOW_MARKER = "<!-- show -->"
API_MARKER = "<!-- api-reference -->"
PAGE_TIMEOUT_S = 60

# a marker line, optional blank lines, then a ```python fence up to its closing fence
_MARKED_BLOCK = re.compile(
    r"^<!-- (?P<kind>run|show) -->[ \t]*\n(?:[ \t]*\n)*```python[^\n]*\n(?P<code>.*?)^```[ \t]*$",
    re.MULTILINE | re.DOTALL,
)


class ExampleError(RuntimeError):
    """A marked code block of a documentation page raised or ran out of time."""


def marked_blocks(markdown: str, page: str = "page") -> list[str]:
    """Return the code of the ``python`` blocks marked ``<!-- run -->``, in page order.

    Raises
    ------
    ExampleError
        If a marker is not followed by a ``python`` block (it would run nothing).
    """
    return [code for _, code, _ in _marked(markdown, page)]


def _marked(markdown: str, page: str) -> list[tuple[str, str, int]]:
    """The marked blocks as (``run`` or ``show``, code, offset of the end of the fence)."""
    blocks = [(m.group("kind"), m.group("code"), m.end()) for m in _MARKED_BLOCK.finditer(markdown)]
    markers = len(re.findall(r"^<!-- (?:run|show) -->[ \t]*$", markdown, flags=re.MULTILINE))
    if markers != len(blocks):
        raise ExampleError(f"{page}: a <!-- run --> marker is not followed by a python block")
    return blocks


def _show(code: str, n: int, page: str) -> str:
    """The script of a ``show`` block: its statements, then its last expression's display.

    The display (``_repr_html_()``) is written to ``show-<n>.html`` in the page's folder.
    """
    import ast

    body = ast.parse(code).body
    if not body or not isinstance(body[-1], ast.Expr):
        raise ExampleError(f"{page}: <block {n}> after <!-- show --> ends with no expression")
    lines = code.splitlines(keepends=True)
    head, last = "".join(lines[: body[-1].lineno - 1]), "".join(lines[body[-1].lineno - 1 :])
    return (
        f"exec(compile({head!r}, '<block {n}>', 'exec'))\n"
        f"open('show-{n}.html', 'w', encoding='utf-8')"
        f".write(eval(compile({last.strip()!r}, '<block {n}>', 'eval'))._repr_html_())"
    )


def _script(blocks: list[str], show: Collection[int] = (), page: str = "page") -> str:
    """One script that runs the blocks in order and says which block failed."""
    parts = [
        _show(code, n, page) if n in show else f"exec(compile({code!r}, '<block {n}>', 'exec'))"
        for n, code in enumerate(blocks, 1)
    ]
    return "\n".join(parts) + "\n"


def run_blocks(
    blocks: list[str], page: str, *, timeout: float = PAGE_TIMEOUT_S, show: Collection[int] = ()
) -> dict[int, str]:
    """Run a page's marked blocks as one script in a temporary folder.

    The blocks numbered (from 1) in *show* end with an expression: their displays
    (``_repr_html_()``) are returned, {block number: HTML}.

    Raises
    ------
    ExampleError
        If a block raises (the message names the page and carries the traceback) or the
        page takes longer than ``timeout`` seconds.
    """
    if not blocks:
        return {}
    with tempfile.TemporaryDirectory(prefix="nqi-docs-") as tmp:
        os.symlink(ROOT / "examples", Path(tmp) / "examples", target_is_directory=True)
        env = {**os.environ, "MPLBACKEND": "Agg", "PYTHONHASHSEED": "0"}
        try:
            done = subprocess.run(
                [sys.executable, "-c", _script(blocks, show, page)],
                cwd=tmp,
                env=env,
                capture_output=True,
                text=True,
                timeout=timeout,
            )
        except subprocess.TimeoutExpired as exc:
            raise ExampleError(f"{page}: the marked code blocks ran over {timeout} s") from exc
        if done.returncode != 0:
            raise ExampleError(f"{page}: a marked code block failed\n{done.stderr.strip()}")
        return {n: (Path(tmp) / f"show-{n}.html").read_text("utf-8") for n in show}


def _raw_html(html: str) -> str:
    """A display as one raw HTML block of Markdown: no blank line inside to end it early."""
    return "\n".join(line for line in html.splitlines() if line.strip())


def api_reference() -> str:
    """The mkdocstrings entries for every public name, grouped by implementing module."""
    sys.path.insert(0, str(ROOT / "src"))
    try:
        import nqi_carbon
    finally:
        sys.path.pop(0)
    lazy: dict[str, str] = nqi_carbon._LAZY
    groups: dict[str, list[str]] = {}
    for name in nqi_carbon.__all__:
        if name in lazy:
            groups.setdefault(lazy[name], []).append(name)
    lines: list[str] = []
    for module in sorted(groups):
        lines += [f"## `nqi_carbon.{module}`", ""]
        for name in groups[module]:
            target = "registry" if name == "ureg" else name  # ureg is units.registry()
            if target != name:
                lines += [f"`nqi_carbon.{name}` is the shared unit registry, `registry()`:", ""]
            lines += [f"::: nqi_carbon.{module}.{target}", ""]
    return "\n".join(lines)


def on_page_markdown(markdown: str, page: Any, config: Any, files: Any) -> str:
    """MkDocs hook: run the page's marked examples; expand the API reference marker."""
    from mkdocs.exceptions import PluginError

    try:
        marked = _marked(markdown, page.file.src_uri)
        show = [n for n, (kind, _, _) in enumerate(marked, 1) if kind == "show"]
        shown = run_blocks([code for _, code, _ in marked], page.file.src_uri, show=show)
    except ExampleError as exc:
        raise PluginError(str(exc)) from exc
    for n in reversed(show):  # from the end, so the offsets before stay right
        end = marked[n - 1][2]
        display = f'\n\n<div class="nqi-display">\n{_raw_html(shown[n])}\n</div>\n'
        markdown = markdown[:end] + display + markdown[end:]
    if API_MARKER in markdown:
        markdown = markdown.replace(API_MARKER, api_reference())
    return markdown
