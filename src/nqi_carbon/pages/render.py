r"""The HTML pages are Jinja2 templates: one environment over ``pages/templates``.

Every page extends ``base.html`` (doctype, head, the shared style sheet, footer) and is
rendered with :func:`render`. The environment is made on first use (importing nqi-carbon
loads no template engine) and kept.

Escaping is on for every template: each ``{{ value }}`` goes through
:func:`~nqi_carbon._escape.html_text` (markup escaped, quotes included, control
characters shown as ``\uXXXX``), so text from an inventory, a claim or a DataFrame can
never become markup. Only markup that nqi-carbon built with its own escaping (the SVG
charts of :mod:`nqi_carbon.pages.charts`, a cell whose links :func:`linked` made) is
passed as :class:`markupsafe.Markup` and written as it is.
"""

from __future__ import annotations

import contextvars
import functools
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import TYPE_CHECKING, Any

from markupsafe import Markup

from .._escape import html_text
from .format import _linked
from .labels import _tr
from .tables import _html_table

if TYPE_CHECKING:
    import jinja2

__all__ = ["environment", "file_renderer", "linked", "markup", "render", "render_files"]


def markup(html: str) -> Markup:
    """*html*, built by nqi-carbon's own escaping code, marked safe to write as it is."""
    return Markup(html)


def linked(text: str) -> Markup:
    """*text* escaped, its http(s) URLs as links (see :func:`~nqi_carbon.pages.format._linked`)."""
    return markup(_linked(text))


def _finalize(value: Any) -> Any:
    r"""Every ``{{ value }}``: markup passes; anything else is text, through ``html_text``.

    Jinja2's own escaping would write ``'`` as ``&#39;`` and leave control characters
    as they are; :func:`~nqi_carbon._escape.html_text` is the one HTML rule of every
    writer (``&#x27;``, controls as ``\uXXXX``).
    """
    if hasattr(value, "__html__"):
        return value
    return Markup(html_text(value if isinstance(value, str) else str(value)))


@functools.cache
def environment() -> jinja2.Environment:
    """The Jinja2 environment of the pages (made once, on first use)."""
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.PackageLoader("nqi_carbon.pages", "templates"),
        autoescape=True,
        finalize=_finalize,
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=False,
    )
    env.globals.update(tr=_tr, zip=zip, table=_table)
    env.filters["linked"] = linked
    return env


_LARGE = 1 << 16
"""A table's HTML from this many characters on is put into the page after rendering."""

_SINK: contextvars.ContextVar[list[str] | None] = contextvars.ContextVar(
    "nqi_carbon_tables", default=None
)


def _table(v: Any, lang: Any) -> Markup:
    r"""The ``table`` of the templates: a table's HTML (:func:`~.tables._html_table`).

    While :func:`render` renders a page, a large table is handed to it and the template
    writes a marker in its place: a NUL and the table's number, twice over (``\x00``
    cannot occur in rendered text, every value going through ``html_text``). A table of
    23,000 rows is 25 MB of text; Jinja2 copies a ``Markup`` value several times.
    """
    html = _html_table(v, lang)
    sink = _SINK.get()
    if sink is None or len(html) < _LARGE:
        return markup(html)
    sink.append(html)
    return markup(f"\x00{len(sink) - 1}\x00")


def render(template: str, /, **context: Any) -> str:
    """The page (or fragment) *template* rendered with *context*.

    Large tables are rendered apart and put in their places in one join (see
    :func:`_table`); a page whose markers are not exactly those is rendered again
    without them.
    """
    sink: list[str] = []
    token = _SINK.set(sink)
    try:
        page = environment().get_template(template).render(**context)
    finally:
        _SINK.reset(token)
    if not sink:
        return page
    parts = page.split("\x00")
    if parts[1::2] != [str(k) for k in range(len(sink))]:  # pragma: no cover - NUL is escaped
        return environment().get_template(template).render(**context)
    parts[1::2] = sink
    return "".join(parts)


def render_files(
    document: Any,
    files: Mapping[str, str],
    formats: Iterable[str],
    progress: Callable[[int, int], None] | None = None,
) -> dict[str, bytes]:
    """The files of *formats* of a report *document*, rendered in memory: {file name: bytes}.

    *files* maps each format (``html``, ``md``, ``json``, ``xlsx``) to its file name; the
    document gives ``to_html``, ``to_markdown``, ``to_json`` and ``_excel_bytes``. Every
    format is rendered before anything is written (a report set is written whole or not
    at all); an unknown format is a ``ValueError`` before any rendering. *progress* is
    called as ``progress(done, total)`` after each file.
    """
    return dict(file_renderer(document, files, formats, progress)[1])


def file_renderer(
    document: Any,
    files: Mapping[str, str],
    formats: Iterable[str],
    progress: Callable[[int, int], None] | None = None,
) -> tuple[list[str], Iterator[tuple[str, bytes]]]:
    """The file names of *formats* and an iterator rendering them one at a time.

    As :func:`render_files` (an unknown format is a ``ValueError`` here, before any
    rendering), for :func:`~nqi_carbon._io.atomic.write_streamed_set`: each file is
    yielded as ``(name, bytes)`` as soon as it is rendered, so it can be written while
    the next is rendered.
    """
    wanted = list(dict.fromkeys(formats))
    bad = [f for f in wanted if f not in files]
    if bad:
        raise ValueError(f"unknown report format {bad[0]!r}; allowed: {', '.join(files)}")
    return [files[f] for f in wanted], _rendered(document, files, wanted, progress)


def _rendered(
    document: Any,
    files: Mapping[str, str],
    wanted: list[str],
    progress: Callable[[int, int], None] | None,
) -> Iterator[tuple[str, bytes]]:
    """Each format of *wanted* rendered, in order: ``(file name, bytes)``."""
    render: dict[str, Callable[[], bytes]] = {
        "html": lambda: document.to_html().encode("utf-8"),
        "md": lambda: document.to_markdown().encode("utf-8"),
        "json": lambda: (document.to_json() + "\n").encode("utf-8"),
        "xlsx": document._excel_bytes,
    }
    from ..calc._gc import paused_gc

    with paused_gc():  # millions of cells, rows and lines: no full collection pass per few thousand
        for k, f in enumerate(wanted, 1):
            data = render[f]()
            if progress is not None:
                progress(k, len(wanted))
            yield files[f], data
