"""Each line's chain, from the amounts as entered to t CO2e, for a verifier to re-perform.

For one line (one gas of one source) :func:`line_traces` gives:

* ``entered`` -- every unit the source's activity came in, with the amount as entered
  (summed exactly over its records), the conversions that took it to the factor's activity
  unit (density, calorific value, NCV/GCV; each with its value, unit and citation) and the
  resulting factor of the activity unit per entered unit;
* ``activity`` / ``activity_unit`` -- the line's activity in the factor's unit;
* ``factor_value`` / ``factor_unit`` / ``factor_citation`` -- the emission factor of the
  line's gas as published (or the method's coefficient, said as such);
* ``gwp`` / ``gwp_citation`` -- the GWP value and where it comes from.

``activity x factor_value (in t per activity unit) x share x gwp = co2e_t``. Everything is
built from the plans and per-source sums, per line: no record is looked at again.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..data.factors import citation_line
from ..data.gases import _catalogue as _gas_catalogue
from ..data.gwp import gwp_citation

if TYPE_CHECKING:
    from ..inventory.models import Contract, Source
    from .plan import SourcePlan
    from .result import Result

__all__ = ["entered_amounts", "line_factors", "line_traces", "market_based_rows"]


def entered_amounts(res: Result) -> dict[int, list[dict[str, Any]]]:
    """Per source index: each unit its activity came in, as entered, with its conversions."""
    stats = res._stats
    out: dict[int, list[dict[str, Any]]] = {}
    if stats is None or stats.entered is None:
        return out
    import numpy as np

    # the (source, unit) pairs with records, found at once (in source, then unit order)
    src, unit_k = np.nonzero(stats.entered_counts)
    entered: dict[int, list[tuple[int, float]]] = {}
    for i, k, amount in zip(src.tolist(), unit_k.tolist(), stats.entered[src, unit_k].tolist(), strict=True):
        entered.setdefault(i, []).append((k, amount))
    for p in res.plans:
        rows = []
        for k, amount in entered.get(p.index, []):
            unit = stats.unit_names[k]
            chain = p.unit_chains.get(unit)
            rows.append(
                {
                    "amount": float(amount),
                    "unit": unit,
                    "to_activity_unit": p.chain_unit_scale.get(unit),
                    "conversions": [s.to_dict() for s in chain.steps] if chain else [],
                    "covered_by": None,
                }
            )
        out[p.index] = rows
    return out


def line_traces(res: Result) -> list[dict[str, Any]]:
    """The trace fields of every line, in line order (see the module docstring)."""
    t = res.table.template
    entered = entered_amounts(res)
    contracts = _contract_rows(res, entered)
    values, units, cites, gwp_cites = line_factors(res)
    return [
        {
            "activity": activity,
            "activity_unit": p.base_unit,
            "entered": contracts.get(i, entered.get(p.index, [])),
            "factor_value": value,
            "factor_unit": unit,
            "factor_citation": cite,
            "gwp": gwp,
            "gwp_citation": gwp_cite,
        }
        for i, (p, activity, value, unit, cite, gwp, gwp_cite) in enumerate(
            zip(
                t.row_plan,
                res.table.activity.tolist(),
                values,
                units,
                cites,
                t.gwp.tolist(),
                gwp_cites,
                strict=True,
            )
        )
    ]


def line_factors(
    res: Result,
) -> tuple[list[float | None], list[str | None], list[str], list[str]]:
    """Each line's factor as published (value, unit, citation) and its GWP's citation.

    The columns ``factor_value``, ``factor_unit``, ``factor_citation`` and
    ``gwp_citation`` of :func:`line_traces`, in line order. Each citation is written
    once per factor and gas (and once per kind of own factor, or per GWP and origin),
    not once per line.
    """
    t = res.table.template
    published: dict[tuple[str, str], tuple[float | None, str | None, str] | None] = {}
    own: dict[tuple[str, str, str | None, str], tuple[bool, str, str]] = {}
    gwp_texts: dict[tuple[str, str, int], str] = {}
    cited: dict[tuple[str, str | None], str] = {}  # each GWP cited once, not once per line
    values: list[float | None] = []
    units: list[str | None] = []
    cites: list[str] = []
    gwp_cites: list[str] = []
    coefs = t.coef.tolist()
    for i, (p, ref, gas, group, coef) in enumerate(
        zip(t.row_plan, t.ref, t.gas, t.group.tolist(), coefs, strict=True)
    ):
        if (ref, gas) not in published:
            published[(ref, gas)] = _published_factor(res, ref, gas)
        factor = published[(ref, gas)]
        if factor is None:
            key = (ref, p.method, p.source.gas, p.base_unit)
            if key not in own:
                own[key] = _own_factor(p, ref)
            zero, per, text = own[key]
            factor = (0.0 if zero else coef, per, text)
        values.append(factor[0])
        units.append(factor[1])
        cites.append(factor[2])
        gkey = (gas, group, id(p.terms))
        if gkey not in gwp_texts:
            gwp_texts[gkey] = _gwp_text(res, gas, t, i, cited)
        gwp_cites.append(gwp_texts[gkey])
    return values, units, cites, gwp_cites


def _line_factor(
    res: Result, row: int, published: dict[tuple[str, str], tuple[float | None, str | None, str] | None]
) -> tuple[float | None, str | None, str]:
    """The factor of line *row* as published (value, unit, citation); *published* memoises."""
    t = res.table.template
    key = (t.ref[row], t.gas[row])
    if key not in published:
        published[key] = _published_factor(res, t.ref[row], t.gas[row])
    return published[key] or _factor_of(res, t.row_plan[row], t.ref[row], t.gas[row], row)


MARKET_PARTS = (
    "contractual instrument",
    "residual mix",
    "residual, location-based factor",
    "location-based factor",
)
"""What a row of :func:`market_based_rows` covers: an instrument's quantity, the rest of
the consumption on the residual mix (or on the location-based factor when the source
states no residual mix: ``residual_factor_missing``), or the whole consumption of a source
without market-based data."""


MARKET_COLUMNS = (
    "source",
    "part",
    "instrument",
    "kind",
    "evidence",
    "activity",
    "amount",
    "activity_unit",
    "factor",
    "gas",
    "value",
    "unit",
    "citation",
    "gwp",
    "share",
    "co2e_t",
)


def market_based_rows(res: Result) -> list[dict[str, Any]]:
    """The market-based Scope 2 figure line by line, for a verifier to re-perform.

    One row per line counted in ``totals.by_scope["2_market"]`` (category 2, not
    biogenic, basis ``both`` or ``market``), in line order; empty when no source has
    market-based data (no ``market_factor``, no ``contracts``: the market-based figure is
    then the location-based one). Per row: the source's consumption (``activity``, in
    ``activity_unit``), the quantity the row covers (``amount``: what an instrument
    covers, in the GHG Protocol order up to the consumption; the residual, the
    consumption less those), the instrument (``instrument`` id, ``kind`` and the
    ``evidence`` it states), the factor as published (``factor``, ``gas``, ``value``,
    ``unit``, ``citation``), ``gwp``, ``share`` and the result: ``amount`` x ``value``
    (in t per ``activity_unit``) x ``share`` x ``gwp`` = ``co2e_t``. The rows' ``co2e_t``
    sum to the market-based Scope 2 total.
    """
    t = res.table.template
    if not (t.basis == 2).any():
        return []
    instrument: dict[int, tuple[str | None, str | None, str | None]] = {}
    sources = {p.index: p.source for p in res.plans}
    for s_i, cons, _residual in t.contracts:
        stated = _stated_contracts(sources[s_i])
        for name, what, _amount, lines in cons:
            c = stated.get(name)
            instrument.update({r: (name, what, c.evidence if c else None) for r in lines})
    activity = res.table.activity
    mask = res.group_masks["scope:2_market"]
    published: dict[tuple[str, str], tuple[float | None, str | None, str] | None] = {}
    consumption = res._stats.A if res._stats is not None else None
    rows = []
    for i in (int(k) for k in mask.nonzero()[0]):
        p = t.row_plan[i]
        label, kind, evidence = instrument.get(i, (None, None, None))
        if label is not None:
            part = MARKET_PARTS[0]
        elif t.basis[i] == 0:
            part = MARKET_PARTS[3]
        else:
            part = MARKET_PARTS[1] if p.source.market_factor is not None else MARKET_PARTS[2]
        value, unit, cite = _line_factor(res, i, published)
        rows.append(
            {
                "source": p.source.id,
                "part": part,
                "instrument": label,
                "kind": kind,
                "evidence": evidence,
                "activity": float(consumption[p.index]) if consumption is not None else None,
                "amount": float(activity[i]),
                "activity_unit": p.base_unit,
                "factor": t.ref[i],
                "gas": t.gas[i],
                "value": value,
                "unit": unit,
                "citation": cite,
                "gwp": float(t.gwp[i]),
                "share": float(t.share[i]),
                "co2e_t": float(res.table.co2e[i]),
            }
        )
    return rows


def _contract_rows(
    res: Result, entered: dict[int, list[dict[str, Any]]]
) -> dict[int, list[dict[str, Any]]]:
    """Market-based lines of sources with contracts, by line row.

    A contract line's amount is the instrument's as stated (a contract covers MWh, not
    records); the residual line's is the source's activity as entered less each contract
    (an entry with a negative amount and ``covered_by``, the contract's label).
    """
    t = res.table.template
    out: dict[int, list[dict[str, Any]]] = {}
    for s_i, cons, residual in t.contracts:
        covered = []
        plan = next(p for p in res.plans if p.index == s_i)
        stated = _stated_contracts(plan.source)
        for label, _kind, amount, rows in cons:
            c = stated.get(label)
            if c is None:  # pragma: no cover - labels come from these contracts
                continue
            entry = [
                {
                    "amount": c.amount,
                    "unit": c.unit,
                    "to_activity_unit": amount / c.amount if c.amount else None,
                    "conversions": [],
                    "covered_by": None,
                }
            ]
            for r in rows:
                out[r] = entry
            covered.append({**entry[0], "amount": -c.amount, "covered_by": label})
        for r in residual:
            out[r] = [*entered.get(s_i, []), *covered]
    return out


def _stated_contracts(src: Source) -> dict[str, Contract]:
    """A source's contracts by the label the plan gives them (their id, else ``source#contractN``)."""
    from .contracts import _label

    return {_label(src, j, c): c for j, c in enumerate(src.contracts)}


def _published_factor(res: Result, ref: str, gas: str) -> tuple[float | None, str | None, str] | None:
    """A pack or inventory factor's value, unit and citation for *gas* (None: not one)."""
    f = res.factors_used.get(ref)
    if f is not None:
        gv = (f.entry.gases or {}).get(gas)
        if gv is not None:
            return gv.value, gv.unit, f.citation_text(gas)
        if f.entry.co2e is not None:
            c = f.entry.co2e
            return c.value, c.unit, f.citation_text("CO2e")
    return None


def _factor_of(
    res: Result, p: SourcePlan, ref: str, gas: str, row: int
) -> tuple[float | None, str | None, str]:
    """The factor of line *row* when it is no published factor: value, unit and citation."""
    zero, per, text = _own_factor(p, ref)
    return (0.0 if zero else float(res.table.template.coef[row])), per, text


def _own_factor(p: SourcePlan, ref: str) -> tuple[bool, str, str]:
    """A factor that is no published one: (whether it is zero, its unit, what it is).

    Its value is the line's coefficient unless it is zero (a contractual instrument).
    """
    per = f"t/{p.base_unit}" if p.base_unit != "t" else "t/t"
    if ref.startswith("contract:"):
        return True, per, "contractual instrument with zero emissions (its evidence on the source)"
    if p.method == "carbon_content":
        return False, per, (
            f"carbon-content method: NCV x carbon content x oxidation x 44/12 ({ref}; the "
            "parameters are listed with the factors)"
        )
    if p.method == "release" and p.source.gas is not None:
        cat = _gas_catalogue()
        blend = cat.blends.get(p.source.gas)
        if blend is not None:
            return False, per, f"{blend.id} mass fraction: {citation_line(cat.pack.citation(blend.reference))}"
    return False, per, "the gas mass itself (measured or released)"


def _gwp_text(res: Result, gas: str, t: Any, row: int, texts: dict[tuple[str, str | None], str]) -> str:
    """Where the line's GWP comes from (*texts*: the citations already written, by gas and origin)."""
    if gas == "CO2e":
        return "factor given as CO2e; applied as published (GWP 1)"
    group = str(t.group[row])
    if group in ("non_kyoto", "unspecified"):
        return "outside the Kyoto basket: counted as 0"
    plan = t.row_plan[row]
    origin = next((term.origin for term in plan.terms if term.gas == gas), None)
    text = texts.get((gas, origin))
    if text is None:
        text = texts[(gas, origin)] = citation_line(gwp_citation(gas, res.gwp_set, origin))
    return text
