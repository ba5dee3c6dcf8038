"""The documentation site: its examples run, its API reference covers the public API,
and (with the ``docs`` extra) ``mkdocs build --strict`` passes.

The hooks that do this at build time live in ``tools/docs_hooks.py``; these tests call
the same functions, so the examples also run with the README's test command (``.[test,plot]``:
the tutorial draws figures).
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest

import nqi_carbon

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"


def _hooks():
    spec = importlib.util.spec_from_file_location("docs_hooks", ROOT / "tools" / "docs_hooks.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


HOOKS = _hooks()
PAGES_WITH_EXAMPLES = sorted(
    str(p.relative_to(DOCS))
    for p in DOCS.rglob("*.md")
    if HOOKS.marked_blocks(p.read_text("utf-8"))
)


def test_the_tutorial_and_how_tos_have_executed_examples():
    assert "tutorial/first-inventory.md" in PAGES_WITH_EXAMPLES
    assert {
        "how-to/add-a-factor-pack.md",
        "how-to/verify-an-inventory.md",
        "how-to/china-ets.md",
    } <= set(PAGES_WITH_EXAMPLES)


@pytest.mark.parametrize("page", PAGES_WITH_EXAMPLES)
def test_marked_examples_run(page):
    blocks = HOOKS.marked_blocks((DOCS / page).read_text("utf-8"))
    HOOKS.run_blocks(blocks, page, timeout=60)


def test_marked_blocks_are_only_the_marked_python_fences():
    page = (
        "text\n\n<!-- run -->\n```python\na = 1\n```\n\n```python\nnot run\n```\n\n"
        "<!-- run -->\n\n```python title='x'\nb = a + 1\n```\n"
    )
    assert HOOKS.marked_blocks(page) == ["a = 1\n", "b = a + 1\n"]


def test_a_marker_before_no_python_block_is_an_error():
    page = "<!-- run -->\n```python\na = 1\n```\n\n<!-- run -->\n```bash\nls\n```\n"
    with pytest.raises(
        HOOKS.ExampleError, match=r"guide\.md: a <!-- run --> marker is not followed"
    ):
        HOOKS.marked_blocks(page, "guide.md")


def test_a_failing_example_fails_and_names_the_page_block_and_error():
    blocks = ["x = 1\n", "y = x + 1\n", "raise ValueError('the docs drifted')\n"]
    with pytest.raises(
        HOOKS.ExampleError,
        match=r"(?s)guide\.md: a marked code block failed.*<block 3>.*the docs drifted",
    ):
        HOOKS.run_blocks(blocks, "guide.md")


def test_blocks_of_a_page_share_names_and_run_outside_the_repository():
    # the second block uses the first's name; the write lands in the temporary folder
    blocks = [
        "import os\nstart = os.getcwd()\n",
        f"assert start != {str(ROOT)!r}\nopen('out.txt', 'w').write('x')\n",
    ]
    HOOKS.run_blocks(blocks, "guide.md")
    assert not (ROOT / "out.txt").exists()


def test_a_shown_block_puts_its_display_into_the_page():
    from types import SimpleNamespace

    page = (
        "intro\n\n<!-- run -->\n```python\nclass Shown:\n"
        "    def _repr_html_(self):\n        return '<div><b>shown</b>\\n\\n<i>x</i></div>'\n```\n\n"
        "<!-- show -->\n```python\ns = Shown()\ns   # the display\n```\n\nafter\n"
    )
    out = HOOKS.on_page_markdown(page, SimpleNamespace(file=SimpleNamespace(src_uri="g.md")), None, None)
    # right after the shown block's fence, as one raw HTML block (no blank line inside)
    assert out.endswith(
        "s   # the display\n```\n\n<div class=\"nqi-display\">\n<div><b>shown</b>\n<i>x</i></div>\n</div>\n"
        "\n\nafter\n"
    )
    assert HOOKS.marked_blocks(page) == [page.split("```python\n")[1].split("```")[0], "s = Shown()\ns   # the display\n"]


def test_a_shown_block_must_end_with_an_expression():
    with pytest.raises(HOOKS.ExampleError, match=r"g\.md: <block 1> after <!-- show --> ends with no"):
        HOOKS.run_blocks(["x = 1\n"], "g.md", show=[1])


def test_the_notebook_page_shows_each_display():
    text = (DOCS / "how-to" / "notebook.md").read_text("utf-8")
    shown = [kind for kind, _, _ in HOOKS._marked(text, "how-to/notebook.md") if kind == "show"]
    assert len(shown) == 6  # inventory, result, report, verification, search, trajectory


@pytest.mark.timeout(30)
def test_a_hanging_example_fails_after_its_time_limit():
    with pytest.raises(HOOKS.ExampleError, match=r"guide\.md: the marked code blocks ran over 2 s"):
        HOOKS.run_blocks(["import time\ntime.sleep(60)\n"], "guide.md", timeout=2)


def test_the_api_reference_lists_every_public_name():
    text = HOOKS.api_reference()
    for name in nqi_carbon.__all__:
        if name == "__version__":
            continue
        module = nqi_carbon._LAZY[name]
        target = "registry" if name == "ureg" else name
        assert f"::: nqi_carbon.{module}.{target}\n" in text, name
    assert "<!-- api-reference -->" in (DOCS / "reference" / "api.md").read_text("utf-8")


@pytest.mark.docs
@pytest.mark.slow
@pytest.mark.timeout(180)
def test_the_site_builds_strictly(tmp_path):
    pytest.importorskip("mkdocs", reason="needs the 'docs' extra: pip install '.[docs]'")
    pytest.importorskip("mkdocstrings_handlers.python", reason="needs the 'docs' extra")
    done = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(tmp_path / "site")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=170,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
    )
    assert done.returncode == 0, done.stderr[-4000:]
    api = (tmp_path / "site" / "reference" / "api" / "index.html").read_text("utf-8")
    assert 'id="nqi_carbon.calc.pipeline.calculate"' in api
    assert (tmp_path / "site" / "reference" / "result.schema.json").is_file()
    notebook = (tmp_path / "site" / "how-to" / "notebook" / "index.html").read_text("utf-8")
    for mark in ("nqi-inventory", "nqi-result", "nqi-report", "nqi-verification"):
        assert f'<div class="{mark}">' in notebook, mark  # the displays, drawn at build time
    assert "found, best first" in notebook and "Peak: peaked" in notebook
    assert notebook.count("<svg") >= 5
