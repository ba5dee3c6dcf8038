"""The compiled (numba) kernels give the numpy path's bits, and stay out of small work.

``NQI_CARBON_KERNELS`` forces a path (calc/fused.py). Every kernel is run against the numpy
path on adversarial data (NaN, inf, zeros of both signs, huge and tiny values, one record,
none) and through ``calculate`` on bundled examples and a generated per-record Monte Carlo
case; results are compared bit for bit (sign of zero included).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np
import pytest

import nqi_carbon as nc
from nqi_carbon.calc import fused
from nqi_carbon.calc.ingest import ActivityColumns
from nqi_carbon.calc.kernel import pair_codes, source_statistics
from nqi_carbon.calc.uncertainty import _RecordBlocks
from test_same_results import _same  # floats bit for bit (sign of zero included)

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"
SRC = ROOT / "src"


def _bits(a: Any) -> Any:
    """Floats as their bit patterns (so -0.0 differs from 0.0)."""
    return np.ascontiguousarray(np.asarray(a, dtype=np.float64)).view(np.int64)


def _assert_same_bits(a: Any, b: Any, what: str = "") -> None:
    """The same floats bit for bit; NaN where the other has NaN (of any sign or payload)."""
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    assert a.shape == b.shape, what
    nan = np.isnan(a)
    assert np.array_equal(nan, np.isnan(b)), what
    assert np.array_equal(_bits(np.where(nan, 0.0, a)), _bits(np.where(nan, 0.0, b))), what


def _adversarial(rng: np.random.Generator, n: int) -> np.ndarray:
    """Amount-like values: ordinary, zeros of both signs, huge, tiny, subnormal, inf, NaN."""
    x = rng.random(n) * np.exp2(rng.integers(-60, 60, n))
    pick = rng.integers(0, 14, n)
    x[pick == 0] = 0.0
    x[pick == 1] = -0.0
    x[pick == 2] = 1e300
    x[pick == 3] = 1e-300
    x[pick == 4] = 5e-324
    x[pick == 5] = np.inf
    x[pick == 6] = np.nan
    return x


# ---- the policy (no numba needed) ----------------------------------------------------------
def test_the_environment_variable_chooses_the_path(monkeypatch):
    monkeypatch.setenv(fused.ENV, "numpy")
    assert not fused.wanted(10**9, "records")
    monkeypatch.setenv(fused.ENV, "numba")
    assert fused.wanted(1, "records")
    assert fused.active(1, "values")
    monkeypatch.setenv(fused.ENV, "fastest")
    with pytest.raises(ValueError, match=r"NQI_CARBON_KERNELS='fastest': allowed are auto, numpy, numba"):
        fused.wanted(1, "records")


def test_auto_loads_numba_only_once_large_work_pays_for_it(monkeypatch):
    """Small work never counts; large work counts until PAYBACK, then numba is loaded."""
    monkeypatch.setenv(fused.ENV, "auto")
    monkeypatch.setattr(fused, "_installed", lambda: True)
    loads = []

    def loaded() -> tuple[object, str]:
        loads.append(1)
        return object(), ""

    loaded.cache_info = lambda: SimpleNamespace(currsize=len(loads))  # type: ignore[attr-defined]
    monkeypatch.setattr(fused, "_loaded", loaded)
    monkeypatch.setattr(fused, "_asked", {"records": 0, "values": 0})
    for _ in range(100):
        assert not fused.wanted(fused.MIN_RECORDS - 1, "records")  # the examples' size
    assert not fused.wanted(10**8 - 1, "values") and not loads
    assert not fused.active(10**7, "records")  # only once loaded
    for _ in range(3):
        assert not fused.wanted(1_000_000, "records")  # a fourth million rows pays
    assert not loads
    assert fused.wanted(1_000_000, "records") and loads
    assert fused.active(fused.MIN_RECORDS, "records")
    assert not fused.wanted(fused.MIN_RECORDS - 1, "records")  # small work stays on numpy


def test_small_work_and_the_import_never_load_numba():
    """``import nqi_carbon``, the cement example and the CLI on an example: no numba."""
    script = f"""
import sys
import nqi_carbon as nc
assert "numba" not in sys.modules, "import nqi_carbon imported numba"
r = nc.calculate(nc.load_inventory({str(EXAMPLES / "cement" / "inventory.yaml")!r}))
r = nc.calculate(nc.load_inventory({str(EXAMPLES / "multisite" / "inventory.yaml")!r}),
                 uncertainty="monte_carlo", iterations=2000, seed=1)
from nqi_carbon.cli import main
try:
    main(["calculate", {str(EXAMPLES / "office" / "inventory.yaml")!r}, "--format", "json",
          "--uncertainty", "monte-carlo", "--seed", "1", "-q"])
except SystemExit as exc:
    assert not exc.code, exc.code
print("numba" in sys.modules)
"""
    env = {k: v for k, v in os.environ.items() if k != fused.ENV}
    out = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=180
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip().splitlines()[-1] == "False", out.stdout[-300:]


# ---- the kernels against numpy -------------------------------------------------------------
numba_tests = pytest.mark.numba


@pytest.fixture
def kernels():
    pytest.importorskip("numba", reason="the fast extra is in the README test command")
    return fused.kernels()


@numba_tests
@pytest.mark.parametrize("k", [1, 3, 31])
def test_row_sums_are_numpys_reduceat(kernels, k):
    """First row plus numpy's pairwise sum of the rest, for runs of 1 to 1,000 rows."""
    rng = np.random.default_rng(k)
    lengths = [1, 2, 3, 7, 8, 9, 15, 16, 17, 127, 128, 129, 130, 136, 137, 257, 300, 1000]
    m = _adversarial(rng, sum(lengths) * k).reshape(-1, k)
    m[np.isinf(m)] *= np.where(rng.random(int(np.isinf(m).sum())) < 0.5, -1, 1)
    starts = np.cumsum([0, *lengths[:-1]]).astype(np.intp)
    with np.errstate(invalid="ignore", over="ignore"):
        want = np.add.reduceat(m, starts, axis=0)
    _assert_same_bits(kernels.reduceat_rows(m, starts), want)
    finite = np.nan_to_num(m, nan=0.0, posinf=1e300, neginf=-1e300)  # no NaN hiding a bit
    _assert_same_bits(kernels.reduceat_rows(finite, starts), np.add.reduceat(finite, starts, axis=0))


@numba_tests
@pytest.mark.parametrize("n", [0, 1, 50_000])
def test_pair_codes_are_numpys(kernels, monkeypatch, n):
    """The (source, unit) code of every record and their counts; codes out of range too.

    The compiled pass also gives the largest amount per code (``np.maximum.at`` on zeros,
    NaN and -0.0 included) and whether a record is of a non-normal distribution.
    """
    rng = np.random.default_rng(n)
    source, unit = rng.integers(0, 300, n).astype(np.intp), rng.integers(0, 4, n).astype(np.intp)
    amount = np.abs(_adversarial(rng, n))
    amount[rng.random(n) < 0.05] = -0.0
    out = {}
    for dist in (np.zeros(n, np.int8), np.where(np.arange(n) == n - 1, 3, 1).astype(np.int8)):
        for path in ("numpy", "numba"):
            monkeypatch.setenv(fused.ENV, path)
            out[path] = pair_codes(source, unit, amount, dist, 4, 1200)
        assert out["numba"][0].dtype == out["numpy"][0].dtype
        for a, b in zip(out["numpy"][:2], out["numba"][:2], strict=True):
            assert np.array_equal(a, b)
        assert out["numpy"][2] is None  # numpy leaves the maxima to source_statistics
        want = np.zeros(1200)
        with np.errstate(invalid="ignore"):
            np.maximum.at(want, out["numpy"][0], amount)
        maxima = out["numba"][2]
        assert maxima is not None
        _assert_same_bits(maxima.amax, want)
        assert maxima.non_normal is bool(n and dist[-1] == 3)
    if n:  # a code beyond the sources: numpy's answer (a longer bincount), not a bad write
        source[-1] = 300
        got = pair_codes(source, unit, amount, dist, 4, 1200)
        assert got[1].size == 1200 + unit[-1] + 1 and got[1][-1] == 1
        assert got[2] is None
        source[-1] = -1
        with pytest.raises(ValueError, match="negative"):
            pair_codes(source, unit, amount, dist, 4, 1200)


def _columns(rng: np.random.Generator, n: int, n_src: int, n_units: int, own: bool) -> ActivityColumns:
    """Records of *n_src* sources: NaN, inf and the like only in the first half of them."""
    source = rng.integers(0, n_src, n).astype(np.intp)
    clean = source >= n_src // 2
    amount = np.abs(_adversarial(rng, n))
    amount[clean] = rng.random(int(clean.sum())) * np.exp2(rng.integers(-40, 40, int(clean.sum())))
    amount[rng.random(n) < 0.02] = -0.0
    u95 = rng.random(n) * 0.2
    if not own:
        u95[rng.random(n) < 0.3] = np.nan
    u95[(rng.random(n) < 0.01) & ~clean] = np.inf
    dist = np.where(rng.random(n) < 0.1, rng.integers(2, 5, n), 0).astype(np.int8)
    return ActivityColumns(
        source=source,
        amount=amount,
        unit=rng.integers(0, n_units, n).astype(np.intp),
        unit_names=[f"u{i}" for i in range(n_units)],
        instrument=np.where(rng.random(n) < 0.5, rng.integers(0, 2, n), -1).astype(np.intp),
        instrument_ids=["i0", "i1"],
        u95=u95,
        dist=dist,
        lower=amount * 0.9,
        upper=amount * 1.1,
    )


def _stats(cols: ActivityColumns, n_src: int, rng: np.random.Generator, **keys: Any) -> Any:
    n_keys = n_src * len(cols.unit_names)
    scale_tab = rng.choice([1.0, 1e-3, 1e3, 0.1, 3.6, 1e200, 1e-200], n_keys)
    clean = scale_tab.reshape(n_src, -1)[n_src // 2 :]  # no overflow in the clean sources
    clean[...] = rng.choice([1.0, 1e-3, 1e3, 0.1, 3.6], clean.shape)
    chain_tab = rng.random(n_keys) < 0.3
    plans = [SimpleNamespace(source=SimpleNamespace(id=f"s{i:03d}")) for i in range(n_src)]
    return source_statistics(
        cols, plans, np.array([0.02, 0.05]), unit_tables=(scale_tab, chain_tab), **keys  # type: ignore[arg-type]
    )


def _assert_same_stats(a: Any, b: Any) -> None:
    """Every field of two ``SourceStats``, floats bit for bit."""
    for name in a.__dataclass_fields__:
        va, vb = getattr(a, name), getattr(b, name)
        if isinstance(va, np.ndarray) and va.dtype.kind == "f":
            _assert_same_bits(va, vb, name)
        elif isinstance(va, np.ndarray):
            assert np.array_equal(va, vb), name
        else:
            assert va == vb, name


@numba_tests
@pytest.mark.parametrize(
    ("n", "n_src", "own"),
    [(0, 3, True), (1, 1, True), (1, 4, False), (5_000, 40, True), (5_000, 40, False), (20_000, 7, True)],
)
def test_source_sums_are_the_numpy_paths(kernels, monkeypatch, n, n_src, own):
    """Every field of the per-source sums, bit for bit, with and without numba."""
    got = {}
    for path in ("numpy", "numba"):
        monkeypatch.setenv(fused.ENV, path)
        rng = np.random.default_rng(n + n_src)
        cols = _columns(rng, n, n_src, 3, own)
        with np.errstate(all="ignore"):
            got[path] = _stats(cols, n_src, rng)
    a, b = got["numpy"], got["numba"]
    if n > 100:  # the clean sources' sums are numbers (a change of any record shows)
        assert np.isfinite(a.A[n_src // 2 :]).all()
        assert np.isfinite(a.Q[n_src // 2 :]).all()
    _assert_same_stats(a, b)


@numba_tests
@pytest.mark.parametrize(("n", "n_src", "own"), [(1, 1, False), (5_000, 40, True), (5_000, 40, False)])
def test_maxima_from_the_unit_check_give_the_numpy_paths_sums(kernels, monkeypatch, n, n_src, own):
    """The maxima the compiled ``pair_codes`` took, used by ``source_statistics`` later.

    Between the unit check and the sums the uncertainties may change (the calibration
    fallback gives records without one the instrument's fallback; here a stated one is
    raised too): their largest must be the one of the uncertainties summed, so it is not
    taken early. The sums are the numpy path's, bit for bit.
    """
    got = {}
    for path in ("numpy", "numba"):
        monkeypatch.setenv(fused.ENV, path)
        rng = np.random.default_rng(n + n_src)
        cols = _columns(rng, n, n_src, 3, own)
        cols.u95[np.isinf(cols.u95)] = 0.2  # all below 0.2 (an infinite largest hides all)
        key, counts, maxima = pair_codes(cols.source, cols.unit, cols.amount, cols.dist, 3, n_src * 3)
        assert (maxima is not None) is (path == "numba")
        cols.pair_key, cols.pair_counts, cols.pair_maxima = key, counts, maxima
        # after the check: the fallback for the records without one, and the clean sources'
        # stated uncertainties raised far above the largest before (a grid made from that
        # would be too fine for their sums to stay exact)
        cols.u95 = np.where(np.isnan(cols.u95), 0.7, cols.u95)
        cols.u95[cols.source >= n_src // 2] *= 40.0
        with np.errstate(all="ignore"):
            got[path] = _stats(cols, n_src, rng, key=key, key_counts=counts)
    a, b = got["numpy"], got["numba"]
    _assert_same_stats(a, b)


def _record_stats(rng: np.random.Generator, runs: list[tuple[int, int, int]]) -> Any:
    """Non-normal records: (source, distribution code, records) runs, in that order."""
    src = np.concatenate([np.full(r, s, dtype=np.intp) for s, _, r in runs])
    dist = np.concatenate([np.full(r, d, dtype=np.int8) for _, d, r in runs])
    x = np.abs(_adversarial(rng, src.size))
    x[~np.isfinite(x)] = 1e300
    lower = rng.uniform(0.5, 1.0, src.size)
    lower[rng.random(src.size) < 0.1] = 1.0  # no part that is the same in every draw
    upper = lower + rng.uniform(0.0, 1.0, src.size)
    return SimpleNamespace(nn_x=x, nn_src=src, nn_dist=dist, nn_lower=lower, nn_upper=upper)


@numba_tests
@pytest.mark.parametrize("budget", [8 * 31 * 5, 8 * 31 * 64, 1 << 25])
def test_per_record_draws_are_the_numpy_paths(kernels, budget):
    """The same draws and sums per source, blocks cut inside sources, mixed distributions."""
    rng = np.random.default_rng(budget)
    runs = [(0, 4, 1), (1, 4, 300), (2, 2, 3), (2, 4, 9), (3, 3, 2), (4, 4, 140), (5, 4, 1)]
    runs += [(6 + i, 4, int(c)) for i, c in enumerate(rng.integers(1, 20, 60))]
    stats = _record_stats(rng, runs)
    n_src = 6 + 60
    for k in (31, 7, 1):
        draws = {}
        for compiled in (False, True):
            gen = np.random.Generator(np.random.PCG64(99))
            with np.errstate(over="ignore", invalid="ignore"):
                out = _RecordBlocks.of(stats, k, budget, compiled).draw(stats, n_src, gen)
            draws[compiled] = (out, gen.bit_generator.state)
        _assert_same_bits(draws[True][0], draws[False][0], f"k={k}")
        assert draws[True][1] == draws[False][1]  # the stream left where numpy leaves it


# ---- through calculate ---------------------------------------------------------------------
def _bench_cases() -> Any:
    """benchmarks/cases.py (the benchmark's generated inventories and tables)."""
    sys.path.insert(0, str(ROOT / "benchmarks"))
    try:
        import cases
    finally:
        sys.path.remove(str(ROOT / "benchmarks"))
    return cases


def _both(monkeypatch: pytest.MonkeyPatch, run: Any) -> tuple[Any, Any]:
    out = []
    for path in ("numpy", "numba"):
        monkeypatch.setenv(fused.ENV, path)
        d = run().to_dict()
        d["provenance"].pop("library_version", None)
        out.append(json.loads(json.dumps(d)))
    return out[0], out[1]


@numba_tests
@pytest.mark.parametrize("name", ["cement", "multisite", "office", "uk-fleet"])
@pytest.mark.parametrize("method", ["analytical", "monte_carlo"])
def test_bundled_examples_give_the_same_result_compiled(kernels, monkeypatch, name, method):
    inv = nc.load_inventory(EXAMPLES / name / "inventory.yaml")
    extra: dict[str, Any] = {"iterations": 500, "seed": 3} if method == "monte_carlo" else {}
    a, b = _both(monkeypatch, lambda: nc.calculate(inv, uncertainty=method, **extra))
    assert _same(a, b)


@numba_tests
def test_per_record_monte_carlo_gives_the_same_result_compiled(kernels, monkeypatch):
    """A generated 100-source case, records uniform, lognormal and triangular."""
    cases = _bench_cases()
    sources, mapping = cases.make_inventory(2)
    table = cases.make_table(sources, 3_000, 5).drop(columns=["uncertainty"])
    rng = np.random.default_rng(5)
    table["distribution"] = rng.choice(["uniform", "uniform", "lognormal", "triangular"], len(table))
    table["lower"] = table["amount"] * 0.9
    table["upper"] = table["amount"] * 1.2
    inv = nc.validate_inventory(mapping)
    a, b = _both(
        monkeypatch,
        lambda: nc.calculate(
            inv, activity=table, uncertainty="monte_carlo", iterations=300, seed=11
        ),
    )
    assert _same(a, b)
    assert a["uncertainty"]["ci95_high_t"] > a["uncertainty"]["ci95_low_t"]


@numba_tests
def test_a_calibration_fallback_after_the_fused_unit_check_gives_the_same_result(kernels, monkeypatch):
    """Rows of a meter whose calibration ran out take its fallback after the unit check.

    With numba the unit check's pass also takes the amounts' maxima (kept on the columns,
    used by the sums); the fallback changes the uncertainties after it, raising the
    largest. Both paths give the same result, bit for bit, the fallback's finding included.
    """
    from nqi_carbon.calc.ingest import activity_columns

    sources, mapping = _bench_cases().make_inventory(2)
    mapping["instruments"] = [
        {"id": "M", "kind": "meter", "uncertainty": 0.01, "calibration_due": "2024-06-30",
         "fallback_uncertainty": 0.4},
    ]  # fmt: skip
    table = _bench_cases().make_table(sources, 6_000, 7)
    rng = np.random.default_rng(7)
    metered = rng.random(len(table)) < 0.3
    table["instrument"] = np.where(metered, "M", None)
    spread = rng.random(len(table)) < 0.05
    table["uncertainty"] = np.where(metered | spread, np.nan, table["uncertainty"])
    table["distribution"] = np.where(spread, "uniform", None)
    table["lower"] = np.where(table["distribution"].notna(), table["amount"] * 0.9, np.nan)
    table["upper"] = np.where(table["distribution"].notna(), table["amount"] * 1.3, np.nan)
    inv = nc.validate_inventory(mapping)
    monkeypatch.setenv(fused.ENV, "numba")
    cols = activity_columns(inv, table)
    assert cols.pair_maxima is not None and cols.pair_maxima.non_normal  # taken in the check
    assert cols.calibration_expired and cols.calibration_expired[0][3]  # the fallback was used
    assert np.nanmax(table["uncertainty"]) < np.max(cols.u95) == 0.4  # after the pass
    for method, extra in (("analytical", {}), ("monte_carlo", {"iterations": 300, "seed": 2})):
        a, b = _both(
            monkeypatch,
            lambda m=method, e=extra: nc.calculate(inv, activity=table, uncertainty=m, **e),
        )
        assert _same(a, b)
        assert "fallback_uncertainty_used" in {f["code"] for f in a["findings"]}


@numba_tests
def test_a_second_process_loads_the_compiled_kernels_from_the_cache(kernels, tmp_path):
    """cache=True: the first process compiles into the cache folder, the next only loads."""
    script = """
import json, os
os.environ["NQI_CARBON_KERNELS"] = "numba"
from nqi_carbon.calc import fused
k = fused.kernels()  # checks the row sums against numpy: compiles or loads them
stats = k.reduceat_rows.stats
print(json.dumps([sum(stats.cache_hits.values()), sum(stats.cache_misses.values())]))
"""
    env = dict(os.environ, NUMBA_CACHE_DIR=str(tmp_path / "cache"))
    counts = []
    for _ in range(2):
        out = subprocess.run(
            [sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=240
        )
        assert out.returncode == 0, out.stderr
        counts.append(json.loads(out.stdout.strip().splitlines()[-1]))
    assert counts[0] == [0, 1]  # compiled once (one signature)
    assert counts[1] == [1, 0]  # loaded, not compiled
    assert any((tmp_path / "cache").rglob("*.nbi"))
