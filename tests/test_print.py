"""The HTML inventory report prints to A4 PDF with no table cut (issue 21).

Prints ``examples/cement``'s report with headless Chromium (the print style sheet is in
``pages/templates/base.html``) and reads the PDF back. Skipped only when no Chromium is
installed (``apt-get install chromium``).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import unicodedata
from html.parser import HTMLParser
from pathlib import Path

import pytest

import nqi_carbon as nc

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
pytestmark = [pytest.mark.browser, pytest.mark.slow]

CHROMIUM = next(
    (
        found
        for name in ("chromium", "chromium-browser", "google-chrome")
        if (found := shutil.which(name))
    ),
    None,
)
A4_PT = (595.28, 841.89)  # 210 mm x 297 mm
CJK = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]")


class _Headers(HTMLParser):
    """The text of every <th> cell of a page."""

    def __init__(self) -> None:
        super().__init__()
        self.cells: list[str] = []
        self._in = False

    def handle_starttag(self, tag, attrs):
        if tag == "th":
            self._in = True
            self.cells.append("")

    def handle_endtag(self, tag):
        if tag == "th":
            self._in = False

    def handle_data(self, data):
        if self._in:
            self.cells[-1] += data


@pytest.fixture(scope="module")
def printed(tmp_path_factory):
    if CHROMIUM is None:
        if os.environ.get("NQI_REQUIRE_BROWSER"):  # CI installs it: a missing one is a failure
            pytest.fail("headless Chromium is not installed and NQI_REQUIRE_BROWSER is set")
        pytest.skip("headless Chromium is not installed (apt-get install chromium)")
    pypdf = pytest.importorskip("pypdf")
    out = tmp_path_factory.mktemp("print")
    res = nc.calculate(EXAMPLES / "cement" / "inventory.yaml", uncertainty="analytical")
    page = out / "report.html"
    page.write_text(nc.inventory_report(res).to_html(), encoding="utf-8")
    pdf = out / "report.pdf"
    subprocess.run(
        [
            CHROMIUM,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-pdf-header-footer",
            f"--user-data-dir={out / 'profile'}",
            f"--print-to-pdf={pdf}",
            page.as_uri(),
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )
    reader = pypdf.PdfReader(pdf)
    texts = [unicodedata.normalize("NFKC", p.extract_text()) for p in reader.pages]  # ligatures
    headers = _Headers()
    headers.feed(page.read_text(encoding="utf-8"))
    return reader, texts, headers.cells, pdf


def test_every_page_is_a4_portrait_or_landscape(printed):
    reader, *_ = printed
    assert len(reader.pages) > 1
    for number, p in enumerate(reader.pages, start=1):
        size = sorted((float(p.mediabox.width), float(p.mediabox.height)))
        assert size == pytest.approx(A4_PT, abs=1.5), (number, size)


def test_every_table_column_header_is_printed_whole(printed):
    # a column cut at the page edge loses its header, or keeps only the first letters
    _, texts, headers, _ = printed
    assert len(headers) > 100  # every table of the report, the wide ones included
    text = "\n".join(texts)
    words = set(re.findall(r"[A-Za-z0-9]+", text))
    missing = sorted({w for h in headers for w in re.findall(r"[A-Za-z0-9]+", h)} - words)
    assert missing == []


def test_every_chinese_header_character_is_printed(printed):
    # pypdf cannot decode Chromium's CJK font subsets; poppler's pdftotext can
    pdftotext = shutil.which("pdftotext")
    if pdftotext is None:
        if os.environ.get("NQI_REQUIRE_BROWSER"):
            pytest.fail("pdftotext (poppler-utils) is not installed and NQI_REQUIRE_BROWSER is set")
        pytest.skip("pdftotext (poppler-utils) is not installed")
    *_, headers, pdf = printed
    text = subprocess.run(
        [pdftotext, str(pdf), "-"], check=True, capture_output=True, text=True, timeout=60
    ).stdout
    assert "计量器具" in text
    missing = sorted({c for h in headers for c in CJK.findall(h)} - set(text))
    assert missing == []


def test_the_widest_table_prints_on_a_landscape_page(printed):
    reader, texts, headers, _ = printed
    pages = [i for i, t in enumerate(texts) if "Calculation lines (per source and gas)" in t]
    assert pages, "the calculation lines table is missing"
    box = reader.pages[pages[0]].mediabox
    assert float(box.width) > float(box.height)
    # its first and last column headers are on that page (the table is the report's
    # only one with a "GWP reference" column, its last)
    words = set(re.findall(r"[A-Za-z0-9]+", texts[pages[0]]))
    assert {"Source", "Facility", "GWP", "reference"} <= words
    assert any(h.split()[:2] == ["GWP", "reference"] for h in headers)


def test_the_header_row_repeats_on_each_page_a_table_continues_on(printed):
    # the calculation lines (tall rows: their citations) run over several landscape pages;
    # each continuation page starts with the table's header row, not with a bare row
    reader, texts, *_ = printed
    first = next(i for i, t in enumerate(texts) if "Calculation lines (per source and gas)" in t)
    following = []
    for i in range(first + 1, len(texts)):
        box = reader.pages[i].mediabox
        if float(box.width) < float(box.height):
            break
        following.append(texts[i])
    assert following, "the table fits one page now: this test needs a longer table"
    for text in following:
        words = re.findall(r"[A-Za-z0-9]+", text)  # pypdf reads CJK glyphs as NULs
        assert words[:4] == ["Source", "Facility", "ISO", "category"], words[:10]
