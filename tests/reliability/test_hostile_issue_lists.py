"""Lists of issues stay bounded however many problems a file has (issue lists, second pass).

A check that finds one problem per entry of a file (a source, a key) keeps the first
``Limits.max_issues`` issues and counts the rest by code; what an issue says is allowed
(the ids a file could have named) is built once and names the first 20. Each payload
here made the error grow with (problems x ids): its text, and the memory of its issues.
"""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace as Ns

import pytest

from nqi_carbon.errors import InvalidInputError


@pytest.mark.timeout(60)
def test_cbam_sources_unknown_to_a_large_inventory_name_a_bounded_list(tmp_path):
    # 3,000 sources of a process unknown to an inventory of 3,000: each issue listed
    # every source id of the inventory (30 kB), so the error's text held 3 MB and its
    # issues 90 MB; now each names the first 20 and counts the rest
    from nqi_carbon.cbam.compute import check_attribution

    n = 3_000
    em = Ns(category={f"src-{k:04d}": 1 for k in range(n)}, excluded=set(), electricity_factor={})
    process = Ns(id="p", sources=[Ns(source=f"unknown-{k:04d}", share=0.5) for k in range(n)],
                 electricity=None, precursors=[], produced_for_market=None, activity_level=1.0)  # fmt: skip
    inst = Ns(processes=[process], rules="definitive")
    period = Ns(start=dt.date(2026, 1, 1), end=dt.date(2027, 1, 1))
    with pytest.raises(InvalidInputError) as ei:
        check_attribution(inst, em, period, "installation.yaml")
    issues = ei.value.issues
    assert len(issues) == 101 and ei.value.omitted == {"cbam_source_unknown": 2_900}
    first = issues[0]
    assert (first.code, first.field) == ("cbam_source_unknown", "processes[0].sources[0].source")
    assert first.allowed == (
        "a source id of the inventory: "
        + ", ".join(f"src-{k:04d}" for k in range(20))
        + " (and 2,980 more)"
    )
    assert len(str(ei.value)) < 100_000


@pytest.mark.timeout(60)
def test_plant_sources_outside_a_large_facility_name_a_bounded_list():
    # a footprint's plant naming 3,000 sources its facility (of 3,000) does not have
    from nqi_carbon.footprint.plant import _check_plant_refs

    n = 3_000
    sources = tuple(Ns(id=f"src-{k:04d}", facility="kiln") for k in range(n))
    plant = Ns(facility="kiln", sources=[f"other-{k:04d}" for k in range(n)])
    with pytest.raises(InvalidInputError) as ei:
        _check_plant_refs(plant, (Ns(id="kiln"),), sources, "cement.yaml")
    issues = ei.value.issues
    assert len(issues) == 101 and ei.value.omitted == {"footprint_plant_source": 2_900}
    assert issues[5].field == "plant.sources[5]" and issues[5].value == "'other-0005'"
    assert issues[5].allowed == ", ".join(f"src-{k:04d}" for k in range(20)) + " (and 2,980 more)"
    assert len(str(ei.value)) < 100_000


@pytest.mark.timeout(60)
def test_unknown_pact_export_keys_are_matched_for_the_listed_issues_only(monkeypatch):
    # every unknown key of a --with mapping got a fuzzy "did you mean" (difflib over the
    # export keys), also the keys beyond the issues listed: 5,000 keys, 5,000 matches
    import nqi_carbon.errors as errors
    from nqi_carbon.footprint.pact import product_footprint

    calls: list[str] = []
    real = errors.close_matches
    monkeypatch.setattr(errors, "close_matches", lambda k, *a, **kw: calls.append(k) or real(k, *a, **kw))
    figures = {f"company_nme_{k}": "x" for k in range(5_000)}
    with pytest.raises(InvalidInputError) as ei:
        product_footprint(figures)
    assert len(calls) <= 100
    options = [i for i in ei.value.issues if i.code == "pact_option"]
    assert options[0].message == (
        "'company_nme_0' is not a figure of a PACT export; did you mean 'company_name' or "
        "'company_ids'?"
    )
    assert ei.value.omitted["pact_option"] == 5_000 - len(options)
