"""Uncertainty: Approach 1 against the `uncertainties` package; Monte Carlo against Approach 1."""

from __future__ import annotations

import copy
import math
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest
from uncertainties import ufloat

import nqi_carbon as nc

DATA = Path(__file__).resolve().parent / "data"
PACK = str(DATA / "packs" / "testpack.yaml")
Z = 1.959963984540054


def _inventory(gwp="AR5"):
    return nc.validate_inventory(
        {
            "schema": "nqi-carbon/inventory@1",
            "organization": {"name": "U", "id": "u", "consolidation": "equity_share"},
            "period": {"start": "2024-01-01", "end": "2025-01-01"},
            "gwp": gwp,
            "factor_packs": [PACK],
            "facilities": [{"id": "a", "equity_share": 1.0}, {"id": "b", "equity_share": 0.5}],
            "instruments": [
                {"id": "M1", "kind": "gas meter", "uncertainty": 0.02, "coverage_factor": 2}
            ],
            "sources": [
                {
                    "id": "s1",
                    "facility": "a",
                    "category": 1,
                    "factor": "testpack/stationary/natural_gas",
                    "activity": [
                        {
                            "start": "2024-01-01",
                            "end": "2024-07-01",
                            "amount": 40,
                            "unit": "TJ",
                            "instrument": "M1",
                        },
                        {
                            "start": "2024-07-01",
                            "end": "2025-01-01",
                            "amount": 60,
                            "unit": "TJ",
                            "instrument": "M1",
                        },
                    ],
                },
                {
                    "id": "s2",
                    "facility": "b",
                    "category": 1,
                    "factor": "testpack/stationary/natural_gas",
                    "activity": [
                        {
                            "start": "2024-01-01",
                            "end": "2024-07-01",
                            "amount": 30,
                            "unit": "TJ",
                            "uncertainty": 0.05,
                        },
                        {
                            "start": "2024-07-01",
                            "end": "2025-01-01",
                            "amount": 20,
                            "unit": "TJ",
                            "uncertainty": 0.03,
                        },
                    ],
                },
                {
                    "id": "s3",
                    "facility": "a",
                    "category": 1,
                    "factor": "testpack/stationary/other_bituminous_coal",
                    "activity": {"amount": 1000, "unit": "t", "uncertainty": 0.025},
                },
                {
                    "id": "s4",
                    "facility": "a",
                    "category": 2,
                    "factor": "testpack/grid/a",
                    "activity": {"amount": 5000, "unit": "MWh", "instrument": "M1"},
                },
            ],
        }
    )


def _oracle(gwp=(1.0, 28.0, 265.0)):
    """The same inventory with `uncertainties` (first-order propagation, exact correlations)."""
    u = lambda v, U: ufloat(v, abs(v) * U / Z)  # noqa: E731 - value with relative 95 % half-width U
    # lognormals with their 2.5/97.5 % points at 0.3 and 3 (median √0.9) and at 0.03 and
    # 0.3 (median √0.009): Approach 1 propagates their standard deviation,
    # median · exp(s²/2) · sqrt(exp(s²) - 1) with s = ln(10) / (2 Z)
    s_ln = math.log(10) / (2 * Z)
    sd_ln = math.exp(s_ln**2 / 2) * math.sqrt(math.expm1(s_ln**2))
    ng = [
        u(56100, 2000 / 56100),
        ufloat(1, math.sqrt(0.9) * sd_ln),
        ufloat(0.1, math.sqrt(0.009) * sd_ln),
    ]
    coal = [u(94600, 0.05), 1.0, 1.5]
    ncv_coal = u(25.8, (30.5 - 19.9) / 2 / 25.8)
    grid = u(0.5703, 0.02)
    m1 = u(1.0, 0.02 * Z / 2)

    def co2e(ef):
        return sum(e * g for e, g in zip(ef, gwp, strict=True)) / 1000

    s1 = (40 * m1 + 60 * m1) * co2e(ng)
    s2 = 0.5 * (u(30, 0.05) + u(20, 0.03)) * co2e(ng)
    s3 = u(1000, 0.025) * ncv_coal / 1000 * co2e(coal)
    s4 = 5000 * m1 * grid
    return {
        "total": s1 + s2 + s3 + s4,
        "category:1": s1 + s2 + s3,
        "category:2": s4,
        "facility:a": s1 + s3 + s4,
        "facility:b": s2,
    }


def test_approach1_matches_uncertainties_to_1e9():
    res = nc.calculate(_inventory(), uncertainty="analytical")
    oracle = _oracle()
    for group, q in oracle.items():
        got = res.group_uncertainty[group]
        assert got.value == pytest.approx(q.nominal_value, rel=1e-12), group
        assert got.half95 / Z == pytest.approx(q.std_dev, rel=1e-9), group


def test_shared_factor_does_not_average_out():
    # two sources on one factor: factor error adds linearly, not in quadrature
    res = nc.calculate(_inventory(), uncertainty="analytical")
    s1_s2 = res.group_uncertainty["category:1"]
    assert s1_s2.half95 > 0
    assert res.line_half95 is not None
    independent = (res.line_half95[0] ** 2 + res.line_half95[3] ** 2) ** 0.5
    # the category interval is wider than treating the same factor as independent per line
    assert s1_s2.half95 > independent


def test_contributions_rank_the_inputs():
    res = nc.calculate(_inventory(), uncertainty="analytical")
    shares = [c["variance_share"] for c in res.contributions]
    assert shares == sorted(shares, reverse=True)
    assert sum(shares) <= 1.0 + 1e-12
    assert res.contributions[0]["input"].startswith(
        ("factor:", "fuel:", "instrument:", "activity:")
    )


def test_monte_carlo_sigma_within_3_standard_errors_of_approach1_for_normal_inputs():
    inv = nc.validate_inventory(
        {
            "schema": "nqi-carbon/inventory@1",
            "organization": {"name": "U", "id": "u", "consolidation": "equity_share"},
            "period": {"start": "2024-01-01", "end": "2025-01-01"},
            "gwp": "AR5",
            "factor_packs": [PACK],
            "facilities": [{"id": "a"}],
            "instruments": [{"id": "M1", "kind": "meter", "uncertainty": 0.04}],
            "sources": [
                {
                    "id": "g1",
                    "facility": "a",
                    "category": 2,
                    "factor": "testpack/grid/a",
                    "activity": [
                        {
                            "start": "2024-01-01",
                            "end": "2024-07-01",
                            "amount": 500,
                            "unit": "MWh",
                            "uncertainty": 0.1,
                        },
                        {
                            "start": "2024-07-01",
                            "end": "2025-01-01",
                            "amount": 700,
                            "unit": "MWh",
                            "instrument": "M1",
                        },
                    ],
                },
                {
                    "id": "g2",
                    "facility": "a",
                    "category": 2,
                    "factor": "testpack/grid/a",
                    "activity": {"amount": 300, "unit": "MWh", "uncertainty": 0.08},
                },
            ],
        }
    )
    k = 40_000
    a1 = nc.calculate(inv, uncertainty="analytical").group_uncertainty["total"]
    mc = nc.calculate(inv, uncertainty="monte_carlo", iterations=k, seed=7)
    got = mc.group_uncertainty["total"]
    se = 1 / np.sqrt(2 * k)
    assert abs(got.std / (a1.half95 / Z) - 1) < 3 * se
    assert got.mean == pytest.approx(a1.value, rel=3 * a1.relative_95 / np.sqrt(k))
    assert mc.seed == 7 and mc.iterations == k


def test_monte_carlo_is_reproducible_across_processes():
    code = textwrap.dedent(
        f"""
        import json, sys
        sys.path.insert(0, {str(Path(__file__).resolve().parent)!r})
        from test_uncertainty import _inventory
        import nqi_carbon as nc
        r = nc.calculate(_inventory(), uncertainty="monte_carlo", iterations=2000, seed=123)
        print(json.dumps(r.to_dict()["uncertainty"], sort_keys=True))
        """
    )
    outs = set()
    for hashseed in ("0", "12345"):
        env = {"PYTHONHASHSEED": hashseed, "PATH": "/usr/bin:/bin"}
        out = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True
        )
        outs.add(out.stdout)
    assert len(outs) == 1


def test_seed_is_drawn_and_reported_when_not_given():
    res = nc.calculate(_inventory(), uncertainty="monte_carlo", iterations=200)
    assert isinstance(res.seed, int)
    again = nc.calculate(_inventory(), uncertainty="monte_carlo", iterations=200, seed=res.seed)
    assert again.to_dict()["uncertainty"] == res.to_dict()["uncertainty"]


def test_lognormal_factor_median_and_mean():
    # CH4 factor 1 kg/TJ with 95 % bounds 0.3-3 (lognormal): median = sqrt(0.9), mean = median*exp(s^2/2)
    inv = nc.validate_inventory(
        {
            "schema": "nqi-carbon/inventory@1",
            "organization": {"name": "U", "id": "u", "consolidation": "equity_share"},
            "period": {"start": "2024-01-01", "end": "2025-01-01"},
            "gwp": "AR5",
            "factor_packs": [PACK],
            "facilities": [{"id": "a"}],
            "sources": [
                {
                    "id": "x",
                    "facility": "a",
                    "category": 1,
                    "factor": "testpack/stationary/natural_gas",
                    "activity": {"amount": 1000, "unit": "TJ"},
                }
            ],
        }
    )
    res = nc.calculate(inv, uncertainty="monte_carlo", iterations=50_000, seed=1)
    ch4 = res.group_uncertainty["gas:CH4"]
    s = (np.log(3) - np.log(0.3)) / (2 * Z)
    median = np.sqrt(0.3 * 3) * 28  # t CO2e for 1000 TJ x kg/TJ x 28 / 1000
    assert ch4.median == pytest.approx(median, rel=0.02)
    assert ch4.mean == pytest.approx(median * np.exp(s * s / 2), rel=0.03)


@pytest.mark.parametrize(
    ("dist", "lower", "upper", "sd"),
    [
        ("uniform", 900.0, 1100.0, 200 / np.sqrt(12)),
        (
            "triangular",
            900.0,
            1100.0,
            np.sqrt((900**2 + 1100**2 + 1000**2 - 900 * 1100 - 900 * 1000 - 1100 * 1000) / 18),
        ),
    ],
)
def test_non_normal_activity_is_sampled_per_record(dist, lower, upper, sd):
    inv = nc.validate_inventory(
        {
            "schema": "nqi-carbon/inventory@1",
            "organization": {"name": "U", "id": "u", "consolidation": "equity_share"},
            "period": {"start": "2024-01-01", "end": "2025-01-01"},
            "gwp": "AR5",
            "factor_packs": [PACK],
            "facilities": [{"id": "a"}],
            "sources": [
                {
                    "id": "g",
                    "facility": "a",
                    "category": 2,
                    "factor": "testpack/grid/zero",
                    "market_factor": "testpack/grid/a",
                    "activity": {
                        "amount": 1000,
                        "unit": "MWh",
                        "uncertainty": {"distribution": dist, "lower": lower, "upper": upper},
                    },
                }
            ],
        }
    )
    mc = nc.calculate(inv, uncertainty="monte_carlo", iterations=40_000, seed=11)
    got = mc.group_uncertainty["scope:2_market"]
    # market factor 0.5703 t/MWh with 2 % (normal) on top of the activity distribution
    expected = np.sqrt((0.5703 * sd) ** 2 + (0.5703 * 1000 * 0.02 / Z) ** 2)
    assert got.std == pytest.approx(expected, rel=0.03)
    assert got.mean == pytest.approx(570.3, rel=0.003)
    # Approach 1 propagates the same variance (1.96 σ of the distribution, not its range)
    a1 = nc.calculate(inv, uncertainty="analytical").group_uncertainty["scope:2_market"]
    assert a1.half95 / Z == pytest.approx(expected, rel=1e-9)


def test_table_rows_with_uniform_errors_are_sampled_per_record():
    import pandas as pd

    inv = nc.validate_inventory(
        {
            "schema": "nqi-carbon/inventory@1",
            "organization": {"name": "U", "id": "u", "consolidation": "equity_share"},
            "period": {"start": "2024-01-01", "end": "2025-01-01"},
            "gwp": "AR5",
            "factor_packs": [PACK],
            "facilities": [{"id": "a"}],
            "sources": [
                {
                    "id": "g",
                    "facility": "a",
                    "category": 2,
                    "factor": "testpack/grid/zero",
                    "market_factor": "testpack/grid/a",
                }
            ],
        }
    )
    n = 50
    table = pd.DataFrame(
        {
            "source": ["g"] * n,
            "amount": [100.0] * n,
            "unit": ["MWh"] * n,
            "distribution": ["uniform"] * n,
            "lower": [80.0] * n,
            "upper": [120.0] * n,
        }
    )
    mc = nc.calculate(inv, activity=table, uncertainty="monte_carlo", iterations=20_000, seed=3)
    got = mc.group_uncertainty["scope:2_market"]
    sd_activity = 0.5703 * np.sqrt(n) * 40 / np.sqrt(12)
    sd_factor = 0.5703 * 100 * n * 0.02 / Z
    assert got.std == pytest.approx(np.hypot(sd_activity, sd_factor), rel=0.03)
    bad = table.assign(lower=[110.0] * n)
    with pytest.raises(nc.InvalidInputError, match="bounds_around_amount"):
        nc.calculate(inv, activity=bad)


def test_monte_carlo_reports_progress():
    seen = []
    nc.calculate(
        _inventory(),
        uncertainty="monte_carlo",
        iterations=300,
        seed=1,
        progress=lambda done, total: seen.append((done, total)),
    )
    assert seen and seen[-1] == (300, 300)
    assert [d for d, _ in seen] == sorted(d for d, _ in seen)


def test_factors_without_stated_uncertainty_are_reported():
    res = nc.calculate(_inventory(), uncertainty="analytical")
    found = [f for f in res.findings if f.code == "uncertainty_not_stated"]
    # the coal factor states uncertainty for CO2 only: CH4 and N2O are treated as exact
    assert any(
        f.subject == "testpack/stationary/other_bituminous_coal" and "CH4, N2O" in f.message
        for f in found
    )


def test_monte_carlo_is_identical_whatever_the_order_of_sources_instruments_and_records():
    data = _inventory().model_dump(mode="json", by_alias=True, exclude_none=True)
    data["instruments"].append({"id": "M0", "kind": "scale", "uncertainty": 0.03})
    data["sources"][2]["activity"][0]["instrument"] = "M0"
    data["sources"][2]["activity"][0].pop("uncertainty")
    # a non-normal record, sampled one by one
    data["sources"][1]["activity"][0]["uncertainty"] = {
        "distribution": "triangular",
        "lower": 25,
        "upper": 33,
    }
    shuffled = copy.deepcopy(data)
    shuffled["sources"].reverse()
    shuffled["instruments"].reverse()
    shuffled["sources"][2]["activity"].reverse()  # s2's records (now third)
    a = nc.calculate(nc.validate_inventory(data), uncertainty="monte_carlo", iterations=2000, seed=5)
    b = nc.calculate(
        nc.validate_inventory(shuffled), uncertainty="monte_carlo", iterations=2000, seed=5
    )
    for group, ga in a.group_uncertainty.items():
        gb = b.group_uncertainty[group]
        assert (ga.low, ga.median, ga.high, ga.std) == (gb.low, gb.median, gb.high, gb.std), group


def _grid_with_certificates(build, covered, u):
    return build(
        [
            {
                "id": "g",
                "facility": "a",
                "category": 2,
                "factor": "testpack/grid/a",
                "market_factor": "testpack/grid/a",
                "activity": {"amount": 100, "unit": "MWh", "uncertainty": u},
                "contracts": [{"kind": "certificate", "amount": covered, "zero_emission": True}],
            }
        ]
    )


@pytest.mark.parametrize("method", ["analytical", "monte_carlo"])
def test_market_based_intervals_never_go_below_zero(method, one_facility):
    # 100 MWh ± 30 %, 90 MWh covered by certificates: market-based = max(A - 90, 0) x 0.5703.
    # A < 90 has probability Φ(-10 / 15.3) ≈ 26 %, so the 2.5 % point is exactly 0
    res = nc.calculate(
        _grid_with_certificates(one_facility, 90, 0.3), uncertainty=method, iterations=20_000, seed=3
    )
    g = res.group_uncertainty["scope:2_market"]
    assert g.value == pytest.approx(10 * 0.5703, rel=1e-12)
    assert g.low == 0.0
    # certificates for more than was consumed: market-based is 0 in every draw
    res = nc.calculate(
        _grid_with_certificates(one_facility, 150, 0.05), uncertainty=method, iterations=2_000, seed=3
    )
    g = res.group_uncertainty["scope:2_market"]
    assert (g.value, g.low, g.high) == (0.0, 0.0, 0.0)


def test_the_share_carried_by_inputs_without_uncertainty_is_reported(one_facility):
    # coal: the test pack states no CH4/N2O uncertainty for it; grid: factor ±2 %, and the
    # activity ±1 %: fully quantified
    coal = {
        "id": "coal",
        "facility": "a",
        "category": 1,
        "factor": "testpack/stationary/other_bituminous_coal",
        "activity": {"amount": 10, "unit": "TJ", "uncertainty": 0.01},
    }
    grid = {
        "id": "grid",
        "facility": "a",
        "category": 2,
        "factor": "testpack/grid/a",
        "activity": {"amount": 1000, "unit": "MWh", "uncertainty": 0.01},
    }
    res = nc.calculate(one_facility([coal, grid]), uncertainty="analytical")
    coal_t = res.by("source").set_index("source").loc["coal", "co2e_t"]
    assert res.unquantified_share == pytest.approx(coal_t / res.total_co2e, rel=1e-12)
    assert "uncertainty_incomplete" in {f.code for f in res.findings}
    assert res.to_dict()["uncertainty"]["unquantified_share"] == res.unquantified_share
    only_grid = nc.calculate(one_facility([grid]), uncertainty="analytical")
    assert only_grid.unquantified_share == 0.0
    assert "uncertainty_incomplete" not in {f.code for f in only_grid.findings}


def test_a_market_factor_without_uncertainty_does_not_taint_the_location_based_share(
    one_facility,
):
    # location factor ±2 %, activity ±1 %; the market factor (grid/zero) states none but
    # enters only the market-based total
    grid = {
        "id": "grid",
        "facility": "a",
        "category": 2,
        "factor": "testpack/grid/a",
        "market_factor": "testpack/grid/zero",
        "activity": {"amount": 100, "unit": "MWh", "uncertainty": 0.01},
    }
    res = nc.calculate(one_facility([grid]), uncertainty="analytical")
    assert res.unquantified_share == 0.0


def test_a_category_without_lines_has_no_interval_in_the_json(one_facility):
    grid = {
        "id": "grid",
        "facility": "a",
        "category": 2,
        "factor": "testpack/grid/a",
        "activity": {"amount": 100, "unit": "MWh", "uncertainty": 0.01},
    }
    d = nc.calculate(one_facility([grid]), uncertainty="analytical").to_dict()
    by_cat = d["uncertainty"]["by_category"]
    assert by_cat["3"] == {"ci95_low_t": None, "ci95_high_t": None, "relative_95": None}
    assert by_cat["2"]["relative_95"] > 0


@pytest.mark.parametrize("method", ["analytical", "monte_carlo"])
def test_certificates_that_cover_consumption_exactly_keep_the_upper_tail(method, one_facility):
    # 100 MWh ± 5 %, certificates for exactly 100 MWh: more consumption is residual-mix
    # electricity, less is not; both methods show the upper tail, neither goes below 0
    res = nc.calculate(
        _grid_with_certificates(one_facility, 100, 0.05),
        uncertainty=method,
        iterations=20_000,
        seed=7,
    )
    g = res.group_uncertainty["scope:2_market"]
    assert g.value == 0.0 and g.low == 0.0
    # Approach 1: 100 MWh x 5 % x 0.5703 t/MWh = 2.85 t; Monte Carlo's 97.5 % point is the
    # one-sided 95 % tail of the same normal, 1.645 sigma, with the factor's 2 % on top
    assert 2.0 < g.high < 3.5


# -- results as `uncertainties` values ------------------------------------------------


def _two_sites_one_factor():
    """1000 MWh at a and 3000 MWh at b on one grid factor (0.5703 t/MWh, U = 2 %), exact activity."""
    return nc.validate_inventory(
        {
            "schema": "nqi-carbon/inventory@1",
            "organization": {"name": "U", "id": "u", "consolidation": "equity_share"},
            "period": {"start": "2024-01-01", "end": "2025-01-01"},
            "gwp": "AR5",
            "factor_packs": [PACK],
            "facilities": [{"id": "a"}, {"id": "b"}],
            "sources": [
                {
                    "id": f"e{site}",
                    "facility": site,
                    "category": 2,
                    "factor": "testpack/grid/a",
                    "activity": {"amount": mwh, "unit": "MWh"},
                }
                for site, mwh in (("a", 1000), ("b", 3000))
            ],
        }
    )


def test_two_sources_on_one_factor_give_a_fully_correlated_sum():
    from uncertainties import correlation_matrix

    res = nc.calculate(_two_sites_one_factor(), uncertainty="analytical")
    sites = res.ufloats("facility")
    # by hand: 1000 × 0.5703 = 570.3 t and 3000 × 0.5703 = 1710.9 t, σ = 2 % / 1.96 of each
    assert sites["a"].nominal_value == pytest.approx(570.3, rel=1e-12)
    assert sites["b"].nominal_value == pytest.approx(1710.9, rel=1e-12)
    assert sites["a"].std_dev == pytest.approx(570.3 * 0.02 / Z, rel=1e-12)
    assert sites["b"].std_dev == pytest.approx(1710.9 * 0.02 / Z, rel=1e-12)
    assert correlation_matrix([sites["a"], sites["b"]])[0][1] == pytest.approx(1.0, rel=1e-9)
    total = sites["a"] + sites["b"]
    # the factor's error adds linearly: σ = 2281.2 × 2 % / 1.96, not the quadrature sum
    assert total.std_dev == pytest.approx(2281.2 * 0.02 / Z, rel=1e-12)
    assert total.std_dev == pytest.approx(res.group_uncertainty["total"].half95 / Z, rel=1e-12)
    assert res.total_ufloat().std_dev == pytest.approx(total.std_dev, rel=1e-12)
    assert res.total_ufloat().nominal_value == res.total_co2e


def test_group_ufloats_have_the_covariance_of_the_oracle():
    from uncertainties import covariance_matrix

    res = nc.calculate(_inventory(), uncertainty="analytical")
    oracle = _oracle()
    sites = res.ufloats("facility")
    got = covariance_matrix([sites["a"], sites["b"]])
    want = covariance_matrix([oracle["facility:a"], oracle["facility:b"]])
    for i in range(2):
        for j in range(2):
            assert got[i][j] == pytest.approx(want[i][j], rel=1e-9), (i, j)
    cats = res.ufloats("category")
    assert cats["1"].std_dev == pytest.approx(oracle["category:1"].std_dev, rel=1e-9)
    assert cats["2"].std_dev == pytest.approx(oracle["category:2"].std_dev, rel=1e-9)
    # the facility split and the category split are two views of the same total
    total = res.total_ufloat()
    assert (sites["a"] + sites["b"]).std_dev == pytest.approx(total.std_dev, rel=1e-9)
    assert total.std_dev == pytest.approx(oracle["total"].std_dev, rel=1e-9)
    # and the total stays correlated with its parts: cov(total, cat1) = var(cat1) + cov(1, 2)
    cov = covariance_matrix([total, cats["1"], cats["2"]])
    assert cov[0][1] == pytest.approx(cov[1][1] + cov[1][2], rel=1e-9)


def test_market_based_total_ufloat_is_the_market_based_interval():
    res = nc.calculate(_inventory(), uncertainty="analytical")
    market = res.total_ufloat(market_based=True)
    assert market.nominal_value == pytest.approx(res.total_co2e_market_based, rel=1e-12)
    want = res.group_uncertainty["total_market"].half95 / Z
    assert market.std_dev == pytest.approx(want, rel=1e-9)


def test_ufloats_are_approach_1_whatever_the_method():
    inv = _two_sites_one_factor()
    plain = nc.calculate(inv).total_ufloat()
    mc = nc.calculate(inv, uncertainty="monte_carlo", iterations=200, seed=1).total_ufloat()
    assert plain.std_dev == pytest.approx(2281.2 * 0.02 / Z, rel=1e-12)
    assert mc.std_dev == pytest.approx(plain.std_dev, rel=1e-12)


def test_an_exact_inventory_gives_ufloats_with_no_spread():
    inv = _two_sites_one_factor().model_copy(deep=True)
    data = inv.model_dump(mode="json", exclude_none=True)
    for s in data["sources"]:
        s["factor"] = "testpack/grid/zero"
    res = nc.calculate(nc.validate_inventory(data))
    assert res.total_ufloat().std_dev == 0.0
    assert {k: v.std_dev for k, v in res.ufloats("facility").items()} == {"a": 0.0, "b": 0.0}


@pytest.mark.parametrize("level", ["source", "sector", 3])
def test_ufloats_by_an_unknown_level_is_a_typed_error(level):
    res = nc.calculate(_two_sites_one_factor())
    with pytest.raises(nc.InvalidInputError, match="unknown level") as info:
        res.ufloats(level)
    assert info.value.issues[0].code == "by_level_known"
    assert info.value.issues[0].field == "level"


def test_a_share_of_the_total_on_one_factor_has_no_factor_uncertainty():
    # a / (a + b) = 1000 / 4000 whatever the factor: the shared factor's error cancels
    res = nc.calculate(_two_sites_one_factor())
    share = res.ufloats("facility")["a"] / res.total_ufloat()
    assert share.nominal_value == pytest.approx(0.25, rel=1e-12)
    assert share.std_dev == pytest.approx(0.0, abs=1e-15)
    # and the inputs behind a value are named as in the contribution table
    assert [v.tag for v in res.total_ufloat().error_components()] == [
        "factor:testpack/grid/a:CO2"
    ]


def _records(n_src: int, seed: int = 3):
    """Records with non-normal errors as the kernel lays them out: by source, then distribution."""
    from nqi_carbon.calc.kernel import SourceStats

    rng = np.random.default_rng(seed)
    per = rng.integers(1, 5, n_src)
    src = np.repeat(np.arange(n_src), per)
    dist = np.concatenate([np.sort(rng.choice([2, 3, 4], size=p)) for p in per]).astype(np.int8)
    n = src.size
    lower = rng.uniform(0.8, 0.99, n)
    upper = rng.uniform(1.01, 1.3, n)
    zeros = np.zeros(n_src)
    stats = SourceStats(
        zeros, zeros, zeros, np.zeros((n_src, 0)), zeros, per.astype(np.int64),
        nn_src=src, nn_x=rng.uniform(1.0, 100.0, n), nn_dist=dist, nn_lower=lower, nn_upper=upper,
    )  # fmt: skip
    return stats


def _one_source_at_a_time(stats, k, n_src, rng):
    """Σ x (m - 1) per source, drawing each source's runs of one distribution in turn."""
    from nqi_carbon.calc.uncertainty import _record_contributions

    out = np.zeros((k, n_src))
    for s in range(n_src):
        rows = np.flatnonzero(stats.nn_src == s)
        for code in np.unique(stats.nn_dist[rows]).tolist():  # sorted, as the records are
            sel = rows[stats.nn_dist[rows] == code]
            m = np.empty((sel.size, k))
            x, lower, upper = stats.nn_x[sel], stats.nn_lower[sel], stats.nn_upper[sel]
            fixed = _record_contributions(code, x, lower, upper, m, rng)
            out[:, s] += (m.sum(axis=0) if sel.size > 1 else m[0]) + fixed.sum()
    return out


def test_records_with_non_normal_errors_get_the_draws_of_one_source_at_a_time():
    from nqi_carbon.calc.uncertainty import _non_normal_activity

    n_src, k = 300, 50
    stats = _records(n_src)
    want = _one_source_at_a_time(stats, k, n_src, np.random.default_rng(11))
    for budget in (8 * k * 7, 32 * 1024 * 1024):  # blocks of 7 rows cut sources; one block
        got = _non_normal_activity(stats, k, n_src, np.random.default_rng(11), budget)
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-9)
        one = np.bincount(stats.nn_src) == 1  # one record: x (m - 1), the same bits
        assert np.array_equal(got[:, one], want[:, one])


def test_records_with_non_normal_errors_are_drawn_a_run_at_a_time_not_a_source_at_a_time():
    """One call of the generator per run of records of one distribution (per block), not per source."""
    from nqi_carbon.calc.uncertainty import _CACHE_BYTES, _non_normal_activity

    class Counting:
        def __init__(self, rng):
            self.rng, self.calls = rng, 0

        def __getattr__(self, name):
            self.calls += 1
            return getattr(self.rng, name)

    n_src, k = 2000, 20
    stats = _records(n_src)
    stats.nn_dist[:] = 4  # all uniform: one run
    rng = Counting(np.random.default_rng(1))
    _non_normal_activity(stats, k, n_src, rng, 32 * 1024 * 1024)
    blocks = -(-stats.nn_x.size // (_CACHE_BYTES // (8 * k)))
    assert rng.calls == blocks < 10


def test_the_roll_up_sums_each_group_from_the_lines_it_holds():
    """Lines in the same groups are summed first, then each group's sums; no lines x groups matrix."""
    from nqi_carbon.calc.uncertainty import _Rollup

    lines = np.array([[1.0, 2.0, 4.0, 8.0, 16.0, 32.0], [-1.0, 0.5, 0.25, 3.0, 0.0, 7.0]])
    t = [True, True, True, True, True, False]  # line 5 is in no group but g3
    groups = {
        "total": t,
        "a": [True, False, True, False, True, False],
        "b": [False, True, False, True, False, False],
        "none": [False] * 6,
        "g3": [False, False, False, False, False, True],
    }
    masks = [np.array(m) for m in groups.values()]
    canonical = np.array([3, 0, 5, 1, 4, 2])  # the order lines are summed in
    rollup = _Rollup.of(masks, canonical)
    # atoms: {total, a} = lines 0, 2, 4; {total, b} = lines 1, 3; {g3} = line 5
    assert rollup.atom_starts.size == 3
    got = rollup.totals(lines[:, rollup.order].T)
    # by hand: total 1+2+4+8+16 = 31 and -1+0.5+0.25+3+0 = 2.75; a 21 and -0.75; b 10 and 3.5
    want = [[31.0, 2.75], [21.0, -0.75], [10.0, 3.5], [0.0, 0.0], [32.0, 7.0]]
    assert got.tolist() == want
    # the groups in another order: the same totals, bit for bit
    back = _Rollup.of(masks[::-1], canonical)
    assert np.array_equal(back.totals(lines[:, back.order].T), got[::-1])


def _captured_sampler(monkeypatch, inventory, table, iterations=200):
    from nqi_carbon.calc import uncertainty

    seen = []
    make = uncertainty._Sampler.of

    def capture(*args, **kwargs):
        seen.append(make(*args, **kwargs))
        return seen[-1]

    monkeypatch.setattr(uncertainty._Sampler, "of", capture)
    res = nc.calculate(
        nc.validate_inventory(inventory), activity=table, uncertainty="monte_carlo",
        iterations=iterations, seed=3,
    )  # fmt: skip
    return res, seen[0]


def _benchmark_case(n_facilities, rows, distribution=None):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
    import cases

    sources, inventory = cases.make_inventory(n_facilities)
    table = cases.make_table(sources, rows, 0)
    if distribution:
        table = table.drop(columns=["uncertainty"])
        table["distribution"] = distribution
        table["lower"] = table["amount"] * 0.95
        table["upper"] = table["amount"] * 1.05
    return inventory, table


def test_monte_carlo_group_totals_are_the_sums_of_their_lines(monkeypatch):
    inventory, table = _benchmark_case(2, 1000)  # 100 sources, 230 lines, 4 gases, 2 facilities
    res, sampler = _captured_sampler(monkeypatch, inventory, table)
    masks = res.group_masks
    n_lines, n_groups = len(res.table), len(masks)
    rng = np.random.default_rng(0)
    act = sampler.activity(0, 20, rng, rng, 1 << 20)
    from nqi_carbon.calc import uncertainty

    monkeypatch.setattr(uncertainty, "_CACHE_BYTES", 8 * 20 * 16)  # blocks of ~16 lines
    assert len(sampler.rollup.blocks(16)) > 5
    totals = sampler.group_totals(act, 0, 20)
    # every line's value in these iterations, in the sampler's order, summed exactly per group
    vals = act[sampler.line_src] * sampler.line_rho[:, None]  # lines x iterations
    vals[sampler.chain.lines] += sampler.chain.sums(sampler.mult_p[:, :20] - 1.0)
    vals[sampler.scale.lines] *= np.exp(sampler.scale.sums(sampler.log_mult[:, :20]))
    order = sampler.rollup.order
    for g, (name, mask) in enumerate(masks.items()):
        for j in range(20):
            exact = math.fsum(vals[mask[order], j].tolist())
            assert totals[g, j] == pytest.approx(exact, rel=1e-13, abs=1e-9), (name, j)
    # and nothing the sampler keeps is a lines x groups matrix
    held = [v for v in vars(sampler.rollup).values() if isinstance(v, np.ndarray)]
    for terms in (sampler.chain, sampler.scale):
        held += [v for v in vars(terms).values() if isinstance(v, np.ndarray)]
    held += [v for v in vars(sampler).values() if isinstance(v, np.ndarray)]
    per_iteration = ("mult_p", "log_mult", "ins_mult_p")  # draws of parameters and instruments
    held = [v for v in held if not any(v is getattr(sampler, name) for name in per_iteration)]
    assert max(v.size for v in held) < n_lines * n_groups / 4


def test_a_source_with_only_non_normal_records_has_no_pooled_normal_error(monkeypatch):
    # Q less the uniform records' (x u)^2 leaves a rounding residue for some sources; it is
    # no error at all: no pooled normal draw for them, and none at all when no source has one
    inventory, table = _benchmark_case(1, 400, distribution="uniform")
    res, sampler = _captured_sampler(monkeypatch, inventory, table)
    assert np.count_nonzero(res._stats.Q_normal) > 0  # the residue is there
    assert not np.any(sampler.sigma_src)
    assert sampler.pooled is False


def test_only_sources_whose_every_record_is_drawn_alone_lose_their_pooled_error():
    from nqi_carbon.calc.kernel import SourceStats
    from nqi_carbon.calc.uncertainty import _pooled_sigma

    # source 0: two uniform records (a residue of 1e-12 left); 1: one uniform and one
    # normal record; 2: normal records only; 3: one uniform record and one without error
    q = np.array([1e-12, 4.0, 9.0, 1e-12])
    one = np.ones(4)
    stats = SourceStats(
        one, one, q, np.zeros((4, 0)), one, np.array([2, 2, 3, 2]),
        Q_normal=q, nn_src=np.array([0, 0, 1, 3]), nn_x=np.ones(4),
        nn_dist=np.full(4, 4, np.int8), nn_lower=np.full(4, 0.9), nn_upper=np.full(4, 1.1),
    )  # fmt: skip
    assert _pooled_sigma(stats).tolist() == [0.0, 2.0 / Z, 3.0 / Z, 1e-6 / Z]
