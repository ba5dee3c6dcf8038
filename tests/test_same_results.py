"""The speed work of issue 14 keeps every result bit for bit.

``tests/data/performance/reference.json`` holds what main's code computed before that work
(``make_reference.py`` beside it says how): totals and uncertainty (analytical, and Monte
Carlo for a seed, whose per-group mean, median and 95 % bounds are functions of every
draw) in full, and digests of the lines, findings and provenance, for the bundled
examples and a generated 10,000-source case. Everything is compared bit for bit except
the Monte Carlo summaries, which are within 1e-12 of main's (``MONTE_CARLO_KEYS``).
"""

from __future__ import annotations

import importlib.util
import json
import math
from pathlib import Path
from typing import Any

import pytest

import nqi_carbon as nc

HERE = Path(__file__).resolve().parent / "data" / "performance"
REFERENCE = json.loads((HERE / "reference.json").read_text())


def _maker() -> Any:
    spec = importlib.util.spec_from_file_location("make_reference", HERE / "make_reference.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


MAKER = _maker()


def _same(a: Any, b: Any) -> bool:
    """Equal, floats bit for bit (NaN equals NaN, and -0.0 is not 0.0)."""
    if isinstance(a, float) and isinstance(b, float):
        if math.isnan(a) or math.isnan(b):
            return math.isnan(a) and math.isnan(b)
        return a == b and math.copysign(1.0, a) == math.copysign(1.0, b)
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    return type(a) is type(b) and a == b


# Monte Carlo summaries: the draws for a seed are main's, but since 0.2.0 a group's total
# adds its lines in another order (lines with the same groups first, then those sums; main
# multiplied by a dense lines x groups matrix, in the BLAS library's order), so a 95 %
# bound, the mean or the median can move by one unit in the last place (at most 3e-16
# relative in these cases: cement mean_t; multisite ci95_low_t, ci95_high_t, mean_t,
# category 2's ci95_high_t; generated ci95_low_t, ci95_high_t, median_t, category 1's
# ci95_high_t, category 2's ci95_low_t) and relative_95 = (high - low) / 2 / value with
# them, multiplied by value / (high - low) (at most 4e-13 relative: multisite's and the
# generated case's total, categories 1 and 2). docs/explanation/determinism.md.
MONTE_CARLO_KEYS = {"ci95_low_t", "ci95_high_t", "relative_95", "mean_t", "median_t"}
MONTE_CARLO_RTOL = 1e-12


def _close(a: Any, b: Any, key: str = "") -> bool:
    """As :func:`_same`, but Monte Carlo summaries within MONTE_CARLO_RTOL of main's."""
    if key in MONTE_CARLO_KEYS and isinstance(a, float) and isinstance(b, float):
        return math.isclose(a, b, rel_tol=MONTE_CARLO_RTOL, abs_tol=0.0)
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_close(a[k], b[k], k) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_close(x, y, key) for x, y in zip(a, b, strict=True))
    return _same(a, b)


def _check(name: str, result: Any, parts: tuple[str, ...] | None = None) -> None:
    got = json.loads(json.dumps(MAKER.summary(result)))  # floats through JSON, as stored
    want = REFERENCE["cases"][name]
    for part in parts or tuple(want):
        same = _close if name.endswith("/monte_carlo") and part == "uncertainty" else _same
        assert same(got[part], want[part]), f"{name}: {part} differs from main's"


@pytest.mark.parametrize("name", MAKER.EXAMPLES)
@pytest.mark.parametrize("method", ["analytical", "monte_carlo"])
def test_the_bundled_examples_give_what_main_gave(name, method):
    path = Path("examples") / name / "inventory.yaml"
    extra = MAKER.MC if method == "monte_carlo" else {}
    _check(f"{name}/{method}", nc.calculate(nc.load_inventory(path), uncertainty=method, **extra))


@pytest.fixture(scope="module")
def generated():
    return MAKER.generated_case()


@pytest.mark.parametrize("method", ["analytical", "monte_carlo"])
def test_a_10000_source_case_gives_what_main_gave(generated, method):
    mapping, table = generated
    extra = MAKER.MC if method == "monte_carlo" else {}
    inv = nc.validate_inventory(mapping)
    _check(f"generated/{method}", nc.calculate(inv, activity=table, uncertainty=method, **extra))
    # and again on the same inventory (what is kept from the first call gives the same)
    _check(f"generated/{method}", nc.calculate(inv, activity=table, uncertainty=method, **extra))


def test_a_10000_source_case_with_categorical_columns_gives_the_same(generated):
    mapping, table = generated
    table = table.astype({"source": "category", "unit": "category"})
    r = nc.calculate(nc.validate_inventory(mapping), activity=table, uncertainty="analytical")
    # the lines are compared only for plain strings: on main too, a categorical table's
    # lines differ from a string table's (their digest), while every total is the same
    _check("generated/analytical", r, ("totals", "uncertainty"))


def test_one_source_of_the_generated_case_checked_by_hand(generated):
    """Supplier source f000-s42: (t + kg / 1000) x (150 + 37.5 k) kg CO2e/t / 1000, share 1.0."""
    mapping, table = generated
    rows = table[table["source"] == "f000-s42"]
    tonnes = math.fsum(rows.loc[rows["unit"] == "t", "amount"].tolist())
    tonnes += math.fsum(rows.loc[rows["unit"] == "kg", "amount"].tolist()) / 1000
    k = (0 + 42) % 10  # supplier s2: 150 + 2 x 37.5 = 225 kg CO2e per t
    expected = tonnes * (150.0 + 37.5 * k) / 1000
    by_source = nc.calculate(nc.validate_inventory(mapping), activity=table).by("source")
    got = float(by_source.set_index("source").loc["f000-s42", "co2e_t"])
    assert got == pytest.approx(expected, rel=1e-12)
    assert REFERENCE["cases"]["generated/analytical"]["totals"]["by_facility"]["fac000"] > got
