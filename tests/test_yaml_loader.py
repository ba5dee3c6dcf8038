"""The strict YAML loader: no silent re-typing, no unsafe tags, bounded size."""

from __future__ import annotations

import datetime as dt

import pytest

from nqi_carbon._io.yaml import load_yaml_file, load_yaml_text
from nqi_carbon.errors import InvalidInputError


def test_numbers_and_identifiers_keep_their_meaning():
    data = load_yaml_text(
        "a: 1e3\nb: NO\nc: 0755\nd: 2024-01-01\ne: 2024-01\ng: true\nh: yes\ni: 12\n"
        "j: -3.5e-2\nk: 1_000\nl: 0\nm: off\nn: 0x1F\no: 1.5E+2\n"
    )
    assert data == {
        "a": 1000.0,
        "b": "NO",
        "c": "0755",
        "d": dt.date(2024, 1, 1),
        "e": "2024-01",
        "g": True,
        "h": "yes",
        "i": 12,
        "j": -0.035,
        "k": "1_000",
        "l": 0,
        "m": "off",
        "n": "0x1F",
        "o": 150.0,
    }
    assert isinstance(data["a"], float)


def test_inf_and_nan_are_numbers_so_models_can_refuse_them():
    data = load_yaml_text("a: .inf\nb: .nan\nc: -.inf")
    assert data["a"] == float("inf")
    assert data["b"] != data["b"]
    assert data["c"] == float("-inf")


@pytest.mark.parametrize(
    "text",
    [
        'a: !!python/object/apply:os.system ["echo pwned"]',
        "a: !!python/name:os.system",
        "a: !custom 3",
    ],
)
def test_unsafe_tags_are_refused(text):
    with pytest.raises(InvalidInputError, match=r"yaml_unsafe_tag") as exc:
        load_yaml_text(text, source="bad.yaml")
    assert exc.value.issues[0].file == "bad.yaml"
    assert exc.value.issues[0].row == 1


def test_duplicate_keys_are_refused():
    with pytest.raises(InvalidInputError, match=r"duplicate key 'amount'.*yaml_duplicate_key"):
        load_yaml_text("amount: 1\nunit: t\namount: 2\n")


def test_alias_bomb_is_refused():
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    for i in range(1, 9):
        prev = f"*a{i - 1}"
        lines.append(f"a{i}: &a{i} [{', '.join([prev] * 10)}]")
    with pytest.raises(InvalidInputError, match="yaml_alias_expansion"):
        load_yaml_text("\n".join(lines))


def test_modest_alias_use_is_fine():
    data = load_yaml_text("base: &b {unit: t}\nx: *b\ny: *b\n")
    assert data["x"] == {"unit": "t"}


def test_oversized_document_is_refused(tmp_path):
    p = tmp_path / "big.yaml"
    p.write_text("a: " + "x" * 2000)
    with pytest.raises(InvalidInputError, match="file_too_large"):
        load_yaml_file(p, max_bytes=1000)


def test_non_utf8_is_refused_and_bom_is_accepted():
    with pytest.raises(InvalidInputError, match="encoding"):
        load_yaml_text(b"name: caf\xe9\n")
    assert load_yaml_text("\ufeffname: x\n".encode()) == {"name": "x"}


def test_syntax_error_names_the_line():
    with pytest.raises(InvalidInputError) as exc:
        load_yaml_text("a: 1\nb: [1, 2\nc: 3\n", source="f.yaml")
    issue = exc.value.issues[0]
    assert issue.code == "yaml_syntax"
    assert issue.row is not None and issue.row >= 2


def test_a_yaml_set_is_refused_as_its_order_would_change_between_processes():
    from nqi_carbon._io.yaml import load_yaml_text

    with pytest.raises(InvalidInputError) as exc:
        load_yaml_text("factor_packs: !!set {ipcc-2006, cn-mee}\n")
    (issue,) = exc.value.issues
    assert issue.code == "yaml_unsafe_tag" and "!!set" in issue.message and issue.row == 1
