"""Plans and findings kept per kind of source, made one by one only when read (issue 14)."""

from __future__ import annotations

import bisect
import random
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import nqi_carbon as nc
from nqi_carbon.calc import findings as findings_module
from nqi_carbon.calc import plan as plan_module
from nqi_carbon.calc.findings import Finding, FindingList, PlannedFindings, sort_findings
from nqi_carbon.data.factors import registry_for

PACK = str(Path(__file__).resolve().parent / "data" / "packs" / "testpack.yaml")
N = 40

# a factor for Shanghai in NCV: every source in GJ is told its basis was assumed, and the
# sources at the Jiangsu facility are told the factor is for another region
INLINE = {
    "id": "sup/x",
    "name": "gas, Shanghai",
    "activity_unit": "TJ",
    "basis": "NCV",
    "gases": {"CO2": {"value": 56.1, "unit": "t/TJ"}},
    "reference": "supplier sheet 2024, table 1",
    "region": "CN-SH",
}


def _mapping(n: int = N) -> dict:
    return {
        "schema": "nqi-carbon/inventory@1",
        "organization": {"name": "T", "id": "t", "consolidation": "equity_share"},
        "period": {"start": "2024-01-01", "end": "2025-01-01"},
        "gwp": "AR5",
        "factor_packs": [PACK],
        "factors": [INLINE],
        "facilities": [
            {"id": "js", "equity_share": 1.0, "region": "CN-JS"},
            {"id": "sh", "equity_share": 0.5, "region": "CN-SH"},
        ],
        "sources": [
            {"id": f"s{i:02d}", "facility": "js" if i % 2 else "sh", "category": 1, "factor": "sup/x"}
            for i in range(n)
        ],
    }


def _table(n: int = N) -> pd.DataFrame:
    # the last source has no activity: a finding of this call's activity
    ids = [f"s{i:02d}" for i in range(n - 1)]
    return pd.DataFrame({"source": ids, "amount": 1.0, "unit": "GJ", "uncertainty": 0.02})


def _calculate(**kwargs: object) -> nc.Result:
    return nc.calculate(nc.validate_inventory(_mapping()), activity=_table(), **kwargs)


def test_one_plan_is_made_per_kind_and_each_sources_when_read(monkeypatch):
    made = []
    real = plan_module._source_plan

    def counted(**fields):
        made.append(fields["index"])
        return real(**fields)

    monkeypatch.setattr(plan_module, "_source_plan", counted)
    res = _calculate(uncertainty="analytical")
    # forty sources of two kinds (in GJ, and the last with no activity): two plans
    assert made == [0, N - 1]
    assert len(res.plans) == N
    assert res.plans[7].source.id == "s07" and made == [0, N - 1, 7]
    assert res.plans[7] is res.plans[7]  # made once, kept
    assert [p.index for p in res.plans] == list(range(N))
    assert sorted(made) == list(range(N))


def test_plans_read_as_a_list_of_source_plans():
    res = _calculate()
    plans = res.plans
    as_list = list(plans)
    assert plans == as_list and as_list == plans
    assert plans != as_list[::-1] and as_list[:-1] != plans
    assert plans[-1] is as_list[-1] and plans[-N] is as_list[0]
    assert plans[3:9:2] == as_list[3:9:2] and isinstance(plans[3:9:2], list)
    with pytest.raises(IndexError):
        plans[N]
    assert [p.share for p in plans[:4]] == [0.5, 1.0, 0.5, 1.0]
    assert plans + [] == as_list and [] + plans == as_list and len(plans + plans) == 2 * N  # noqa: RUF005
    assert plans[5] in plans and plans.index(plans[5]) == 5 and next(reversed(plans)) is plans[-1]
    assert {p.terms for p in plans} == {plans[0].terms}
    # each plan is the one the source gets planned alone
    for i in (0, 1, N - 1):
        one = nc.validate_inventory({**_mapping(), "sources": [_mapping()["sources"][i]]})
        units = ["GJ"] if i < N - 1 else []  # the last has no activity
        (alone,), _, _, _ = plan_module.plan_sources(one, {f"s{i:02d}": units})
        assert alone == plans[i].__class__(**{**plans[i].__dict__, "index": 0, "source": alone.source})
    rows = res.table.template.row_plan
    assert len(rows) == len(res.table) and list(rows) == [plans[i] for i in res.table.template.src]


def test_findings_are_counted_without_being_made_and_are_those_sorted_plainly(monkeypatch):
    made = []
    real = findings_module.make_finding

    def counted(*args):
        made.append(args)
        return real(*args)

    monkeypatch.setattr(findings_module, "make_finding", counted)
    inv = nc.validate_inventory(_mapping())
    res = nc.calculate(inv, activity=_table(), uncertainty="analytical")
    # 39 bases assumed (the last source has no activity), 20 sources in Jiangsu: planning's
    codes = ["energy_basis_assumed"] * (N - 1) + ["factor_region"] * (N // 2)
    # then the factor's unstated uncertainty, the source without activity, the share of it
    more = ["uncertainty_not_stated", "source_without_activity", "uncertainty_incomplete"]
    assert len(res.findings) == len(codes) + len(more)
    assert made == []
    # a registry of the caller's: nothing kept on the inventory, every finding made and sorted
    plain = nc.calculate(inv, activity=_table(), uncertainty="analytical", registry=registry_for(inv))
    assert isinstance(plain.findings, FindingList) and len(made) == len(codes)
    assert res.findings == plain.findings and list(plain.findings) == res.findings
    assert sorted(f.code for f in res.findings) == sorted([*codes, *more])
    assert res.to_dict()["findings"] == [f.to_dict() for f in plain.findings]


def test_a_finding_list_is_a_list():
    a, b, c = (Finding("x", "info", s, "m") for s in "abc")
    found = FindingList((a, c))
    assert len(found) == 2 and found == [a, c] and [a, c] == found and (a, c) == tuple(found)
    found.insort(b)  # put in its place when the list is made
    assert len(found) == 3 and found == [a, b, c] and found[-1] is c and found[0:2] == [a, b]
    found.append(a)
    found.insort(b)
    assert found == [a, b, b, c, a]
    del found[-1]
    found.insert(0, c)
    found[1] = b
    assert found == [c, b, b, b, c] and repr(found) == repr([c, b, b, b, c])
    assert found + [a] == [c, b, b, b, c, a] and [a] + found == [a, c, b, b, b, c]  # noqa: RUF005
    assert found.subjects_of("x") == ["c", "b", "b", "b", "c"]
    with pytest.raises(TypeError):
        hash(found)


def test_sorting_planned_findings_on_arrays_is_sorting_them_plainly():
    rng = random.Random(14)
    templates = [(rng.choice("pqr"), rng.choice(["info", "warning"]), rng.choice("mnop")) for _ in range(9)]
    ids = [rng.choice(["s1", "s10", "s2", "ß", "S", "s1 "]) + str(i % 7) for i in range(60)]
    for trial in range(20):
        groups = [tuple(rng.sample(templates, rng.randint(0, 4))) for _ in range(5)]
        group_of = np.array([rng.randint(-1, 4) for _ in ids], dtype=np.intp)
        own = {
            i: [Finding(*rng.choice(templates)[:2], rng.choice(ids), "own") for _ in range(rng.randint(0, 2))]
            for i in np.flatnonzero(group_of < 0).tolist()
        }
        tail = [Finding("t", "info", rng.choice([*ids, "period"]), "tail") for _ in range(3)]
        more = [Finding(*rng.choice(templates)[:2], rng.choice(ids), rng.choice("mnop")) for _ in range(4)]
        planned = PlannedFindings(ids, group_of, groups, own, tail)
        whole = list(planned)
        assert len(planned) == len(whole)
        key = findings_module.FINDING_ORDER
        plain = sorted(dict(zip(map(_fields, whole), whole, strict=True)).values(), key=key)
        plain = sorted([*plain, *more], key=key)
        got = sort_findings(planned, more)
        assert list(got) == plain, trial
        assert len(got) == len(plain)
        extra = Finding("p", "info", ids[0], "x")
        merged = FindingList(got, [extra])
        bisect.insort_right(plain, extra, key=key)
        assert merged == plain


def _fields(f: Finding) -> tuple[str, str, str, str]:
    return (f.code, f.severity, f.subject, f.message)


def test_each_facility_of_a_region_outside_the_factors_is_named_in_its_own_finding():
    # two facilities in Jiangsu, one in Shanghai: the kind's findings are shared per region,
    # but the region finding names each source's own facility
    data = _mapping(6)
    data["facilities"] = [
        {"id": "js1", "equity_share": 1.0, "region": "CN-JS"},
        {"id": "js2", "equity_share": 1.0, "region": "CN-JS"},
        {"id": "sh", "equity_share": 1.0, "region": "CN-SH"},
    ]
    for i, src in enumerate(data["sources"]):
        src["facility"] = ("js1", "js2", "sh")[i % 3]
    inv = nc.validate_inventory(data)
    _, _, found, _ = plan_module.plan_sources(inv, {f"s{i:02d}": ["GJ"] for i in range(6)})
    region = {f.subject: f.message for f in found if f.code == "factor_region"}
    assert sorted(region) == ["s00", "s01", "s03", "s04"]
    for sid, fac in (("s00", "js1"), ("s01", "js2"), ("s03", "js1"), ("s04", "js2")):
        assert region[sid].endswith(f"facility {fac} is in CN-JS"), sid
