"""The streaming JSON writer and the terminal/JSON escapes: the same text as before, faster.

``write_json`` must write exactly ``json_text(json.dumps(obj, indent=2, ensure_ascii=False,
allow_nan=False))`` (the result@1 goldens depend on it), whatever the values: hostile text,
empty and nested containers, keys that are numbers, float and int subclasses.
"""

from __future__ import annotations

import enum
import io
import json
import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nqi_carbon import _escape
from nqi_carbon._escape import json_document, json_text, term_text, visible, write_json
from nqi_carbon._io import atomic


def reference(obj, indent=2):
    return json_text(json.dumps(obj, indent=indent, ensure_ascii=False, allow_nan=False))


HOSTILE = "\x00\x1b[2J\x7f\x85\x9b\u202e\u2028\u2029\ud800\ufffe\uffff\t\n\r\"\\ 环境 é"

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(alphabet=st.sampled_from(HOSTILE + "ab,:{}[]")),
)
documents = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.dictionaries(st.text(alphabet=st.sampled_from(HOSTILE + "ab")), inner, max_size=4),
    ),
    max_leaves=30,
)


@settings(max_examples=300, deadline=None)
@given(documents)
def test_same_text_as_json_dumps_with_indent(doc):
    assert json_document(doc) == reference(doc)
    assert json_document(doc, indent=4) == reference(doc, indent=4)
    assert json_document(doc, indent=None) == json_text(json.dumps(doc, ensure_ascii=False))


class Level(enum.IntEnum):
    HIGH = 3


class Money(float):
    pass


def test_odd_but_valid_values_as_json_writes_them():
    doc = {
        "empty": [[], {}, ()],
        "tuple": (1, "a", ()),
        1: "int key",
        2.5: "float key",
        None: "null key",
        "bools": {True: "bool key", False: [[]]},
        "nested": {"flat": {"a": [], "b": {}}, "deep": [[[{"x": [1, {"y": []}]}]]]},
        "subclasses": [Level.HIGH, Money(1.5), {"k": Level.HIGH, "m": Money(0.1)}],
        "floats": [0.1, -0.0, 1e300, 5e-324, 1e16],
        HOSTILE: HOSTILE,
    }
    assert json_document(doc) == reference(doc)


def test_written_a_piece_at_a_time(monkeypatch):
    monkeypatch.setattr(_escape._JsonWriter, "FLUSH", 3)
    doc = {"lines": [{"source": f"s{i}", "entered": [{"amount": i, "conversions": []}]} for i in range(50)]}
    pieces: list[str] = []
    write_json(doc, pieces.append)
    assert len(pieces) > 10
    assert "".join(pieces) == reference(doc)


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf])
def test_nan_and_infinity_are_refused(bad):
    for doc in ({"a": [bad]}, {"a": [bad, [1]]}, {"a": {"b": bad, "c": [1]}}, {bad: [1]}):
        with pytest.raises(ValueError, match="Out of range float values are not JSON compliant"):
            json_document(doc)


def test_values_json_cannot_hold_are_refused():
    with pytest.raises(TypeError, match="Object of type set is not JSON serializable"):
        json_document({"a": {1, 2}, "b": [[1]]})
    with pytest.raises(TypeError, match="Object of type set is not JSON serializable"):
        json_document({"a": [{1, 2}]})
    with pytest.raises(TypeError, match="keys must be str, int, float, bool or None, not tuple"):
        json_document({(1, 2): [[1]]})


def test_visible_unchanged_for_every_character():
    """The fast paths of ``visible`` (ASCII, a pattern per kept set) show what they did."""
    special = _escape._SPECIAL
    for keep in ("", "\n\t", "\t", "\t\n\r", "\x85"):
        for code in range(0x10000):
            ch = chr(code)
            shown = ch if not special.search(ch) or ch in keep else f"\\u{code:04x}"
            assert visible(f"a{ch}b", keep) == f"a{shown}b", (keep, code)


def test_json_text_is_left_alone_by_the_terminal_filter():
    """Why the CLI writes result JSON past the terminal filter: it would change nothing."""
    doc = {HOSTILE: [HOSTILE, {"x": HOSTILE}], "n": [1.5, None]}
    text = json_document(doc)
    assert term_text(text) == text
    assert "\\u001b" in text and "\\u202e" in text and "\\ud800" in text


def test_spooled_output_reaches_the_stream_only_when_complete(monkeypatch):
    monkeypatch.setattr(atomic, "SPOOL_IN_MEMORY", 10)  # spill to a temporary file early
    out = io.StringIO()
    with atomic.spooled_output(out) as write:
        for i in range(100):
            write(f"part {i} 环境\n")
        assert out.getvalue() == ""
    assert out.getvalue() == "".join(f"part {i} 环境\n" for i in range(100))

    failed = io.StringIO()
    with pytest.raises(ValueError, match="Out of range"), atomic.spooled_output(failed) as write:
        write_json({"a": [1.0] * 30 + [math.nan]}, write)
    assert failed.getvalue() == ""


@pytest.mark.timeout(60)
def test_spooled_output_copies_its_bytes_onto_standard_output():
    # onto Python's own stdout the spill's UTF-8 bytes go past the text layer: the same
    # bytes as text written through it, after what was written as text first
    import subprocess
    import sys

    code = (
        "import sys\n"
        "from nqi_carbon._io import atomic\n"
        "atomic.SPOOL_IN_MEMORY = 10\n"
        "sys.stdout.write('before\\n')\n"
        "with atomic.spooled_output(sys.stdout) as write:\n"
        "    for i in range(100):\n"
        "        write(f'part {i} 环境 \\u2028\\n')\n"
        "sys.stdout.write('after\\n')\n"
    )
    env = {**__import__("os").environ, "PYTHONIOENCODING": "utf-8"}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, check=True, env=env, timeout=50).stdout
    want = "before\n" + "".join(f"part {i} 环境 \u2028\n" for i in range(100)) + "after\n"
    assert out == want.encode("utf-8")


def test_columns_of_floats_and_ints_written_directly_are_the_text_json_dumps_makes():
    """A key whose values are all finite floats (or all ints) goes into the object's
    %-template as %r (%d): the same digits as json's float.__repr__ (int.__repr__)."""
    floats = [0.1 + 0.2, -0.0, 5e-324, 1e16, 1e300, 2.5e-07, 1 / 3, 123456789.125]
    ints = [0, -1, 10**30, 2**53 + 1, -(10**20), 7, 8, 9]
    records = [
        {"f": floats[i % 8], "i": ints[i % 8], "mixed": [1, 1.5][i % 2], "b": i % 2 == 0, "%s": i}
        for i in range(40)
    ]
    for indent in (2, 0):
        assert json_document({"lines": records}, indent) == reference({"lines": records}, indent)
    with pytest.raises(ValueError, match="Out of range float values are not JSON compliant"):
        json_document({"lines": [*records, {**records[0], "f": math.inf}]})
