"""Uncertainty of inventory results: IPCC Approach 1 and Approach 2 (Monte Carlo).

Both work on the per-source sufficient statistics of :mod:`nqi_carbon.calc` and never
per record, except Monte Carlo for records whose own distribution is not normal.

Approach 1 (IPCC 2006 Vol. 1 Ch. 3, Eq. 3.1 for products and 3.2 for sums, first order)
----------------------------------------------------------------------------------
With U the half-width of the 95 % interval, for any group G of lines (a category, a
scope, a facility, the total)::

    U_G² = Σ_s Q_s (Σ_{l∈G, l from s} ρ_l)²                  activity, stated per record
         + Σ_i u_i² (Σ_{l∈G} B_{s(l),i} ρ_l)²                 activity, per instrument
         + Σ_p u_p² (Σ_{l∈G, l depends on p} c_l,p)²          factors and fuel parameters

ρ_l is line l's t CO2e per base unit of its source's activity, Q_s = Σ (x·U_x)² over
records with their own uncertainty, B_{s,i} the activity measured by instrument i, and
c_l,p the part of line l proportional to parameter p. Inputs that share a factor (or a
fuel's NCV, or an instrument) therefore combine *linearly* inside the group — a shared
error does not average out — and different inputs combine in quadrature. Activity
errors of one record are fully correlated across the gases of that record.

Approach 2 (Monte Carlo, IPCC 2006 Vol. 1 Ch. 3 §3.2.3.2)
-----------------------------------------------------
Each parameter is drawn once per iteration from its stated distribution and shared by
every line that uses it; each instrument's error likewise. Independent normal activity
errors of a source are pooled exactly (their sum is normal with variance Σσ²), so the
cost grows with the number of distinct uncertain inputs, not with the number of records.
Iterations are processed in chunks, so memory does not grow with the iteration count.
The seed is always reported; the same seed gives the same result in any process.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from ..data.fields import Distribution
from .ingest import ActivityColumns
from .kernel import LineTable, SourceStats
from .plan import Parameter
from .rollup import group_approach1

__all__ = ["Z95", "GroupUncertainty", "approach1", "monte_carlo", "sample_multipliers"]

Z95 = 1.959963984540054  # two-sided 95 % quantile of the standard normal


FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True)
class GroupUncertainty:
    """Uncertainty of one group total."""

    value: float
    half95: float  # absolute half-width of the 95 % interval [t CO2e]
    low: float
    high: float
    mean: float | None = None
    median: float | None = None
    std: float | None = None

    @property
    def relative_95(self) -> float:
        """Half-width of the 95 % interval as a fraction of the value (IPCC U)."""
        return (
            self.half95 / abs(self.value) if self.value else (0.0 if self.half95 == 0 else math.inf)
        )


@dataclass(frozen=True)
class Sensitivities:
    """Sparse sensitivities of the lines to every uncertain input.

    ``rho[l]`` t CO2e per base unit of line l's source activity (consolidated);
    ``src[l]`` its source; parameter triplets ``(p_idx, l_idx, coef)`` give the part of
    line l proportional to parameter p, with ``chain`` marking NCV-chain terms.
    """

    rho: FloatArray
    rho_unit: FloatArray
    fixed: FloatArray
    offset: FloatArray
    src: npt.NDArray[np.intp]
    co2e: FloatArray
    p_idx: npt.NDArray[np.intp]
    l_idx: npt.NDArray[np.intp]
    coef: FloatArray
    chain: npt.NDArray[np.bool_]

    @classmethod
    def of(cls, table: LineTable, stats: SourceStats) -> Sensitivities:
        """Build the sensitivities of the lines of *table* (vectorised over rows)."""
        t = table.template
        rho_unit = t.rho_unit
        rho = np.where(np.isnan(table.fixed), rho_unit, 0.0)  # contract MWh carry no activity error
        # where contracts cover more than the consumption, the residual does not move with
        # the activity (it stays 0) and the contract that binds takes the activity's error.
        # Contracts that cover it exactly leave a kink: more consumption goes to the
        # residual, less to the contract; Approach 1 is symmetric, so it takes the side that
        # moves the market-based total (the residual), as Monte Carlo's upper tail does
        for s_i, cons, residual in t.contracts:
            if residual and table.activity[residual[0]] == 0:
                stated = math.fsum(amount for *_, amount, _rows in cons)
                if stated == float(stats.A[s_i]):
                    continue  # exact cover: the residual keeps the activity's error
                rho[residual] = 0.0
                binding = [rows for *_, rows in cons if rows and table.activity[rows[0]] > 0]
                if binding:
                    rho[binding[-1]] = rho_unit[binding[-1]]
        coef = np.where(
            t.chain,
            rho_unit[t.l_idx] * stats.A_chain[t.src[t.l_idx]],  # only the fuel-chain activity
            table.co2e[t.l_idx],
        )
        return cls(
            rho,
            rho_unit,
            table.fixed,
            table.offset,
            t.src,
            table.co2e,
            t.p_idx,
            t.l_idx,
            coef,
            t.chain,
        )


def group_variance_terms(
    sens: Sensitivities,
    stats: SourceStats,
    u_par: FloatArray,
    instrument_u95: FloatArray,
    mask: npt.NDArray[np.bool_],
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Squared 95 % half-width contributions of one group, per input.

    Returns ``(per_source_activity, per_instrument, per_parameter)``; their sum is U_G².
    """
    n_src = stats.A.size
    sj = np.bincount(sens.src[mask], sens.rho[mask], minlength=n_src)
    act = stats.Q * sj**2
    ins = (instrument_u95 * (stats.B.T @ sj)) ** 2 if stats.B.size else np.zeros(0)
    tmask = mask[sens.l_idx]
    sp = np.bincount(sens.p_idx[tmask], sens.coef[tmask], minlength=u_par.size)
    par = (u_par * sp) ** 2
    return act, ins, par


def approach1(
    lines: LineTable,
    stats: SourceStats,
    params: Sequence[Parameter],
    instrument_u95: FloatArray,
    groups: Mapping[str, npt.NDArray[np.bool_]],
    *,
    sens: Sensitivities | None = None,
) -> tuple[dict[str, GroupUncertainty], FloatArray]:
    """IPCC Approach 1 for every group (a boolean mask over the rows of ``lines``) and every line.

    Returns
    -------
    (groups, line_half95)
        Group name -> :class:`GroupUncertainty`, and the absolute 95 % half-width of
        every line [t CO2e].
    """
    sens = sens if sens is not None else Sensitivities.of(lines, stats)
    u_par = np.array([p.u95 for p in params], dtype=float)
    out = {}
    # every group at once, the same sums as group_variance_terms one group at a time
    values, variances = group_approach1(sens, stats, u_par, instrument_u95, groups)
    for g, value, variance in zip(groups, values, variances.tolist(), strict=True):
        half = math.sqrt(max(variance, 0.0))
        # emissions cannot be negative: a symmetric interval wider than the value is cut
        # at 0 (its half-width is still reported; Monte Carlo shows the skew itself)
        low = value - half if value < 0 or value - half >= 0 else 0.0
        out[g] = GroupUncertainty(value, half, low, value + half)
    # per line: activity (record and instrument) and its own parameter terms
    w_src = stats.Q + ((stats.B**2) @ (instrument_u95**2) if stats.B.size else 0.0)
    var_line = w_src[sens.src] * sens.rho**2
    if sens.p_idx.size:
        var_line = var_line + np.bincount(
            sens.l_idx, (u_par[sens.p_idx] * sens.coef) ** 2, minlength=len(lines)
        )
    return out, np.sqrt(np.maximum(var_line, 0.0))


def sample_multipliers(
    spec: float | Distribution | None, nominal: float, size: int, rng: np.random.Generator
) -> FloatArray:
    """Draw ``size`` multipliers X/nominal of one uncertain input (truncated at zero).

    * relative number u or ``normal``: normal with mean 1 and σ = U/1.96 (U from the
      bounds' half-width), negative draws redrawn (truncation at zero);
    * ``lognormal``: ln X normal with the 2.5/97.5 % points at ``lower``/``upper``;
    * ``uniform``: between ``lower`` and ``upper``;
    * ``triangular``: ``lower``, ``mode`` (default: the nominal value), ``upper``.
    """
    if spec is None or nominal == 0:
        return np.ones(size)
    if isinstance(spec, Distribution):
        if spec.distribution == "lognormal":
            mu = 0.5 * (math.log(spec.lower) + math.log(spec.upper))
            sigma = (math.log(spec.upper) - math.log(spec.lower)) / (2 * Z95)
            # X itself may overflow near the float range: then X/nominal in log space
            if nominal > 0 and mu + 10 * sigma > 700:
                with np.errstate(over="ignore"):
                    return np.asarray(np.exp(rng.normal(mu - math.log(nominal), sigma, size)))
            return np.asarray(np.exp(rng.normal(mu, sigma, size)) / nominal)
        if spec.distribution == "uniform":
            return np.asarray(rng.uniform(spec.lower, spec.upper, size) / nominal)
        if spec.distribution == "triangular":
            mode = spec.mode if spec.mode is not None else min(max(nominal, spec.lower), spec.upper)
            if spec.lower == spec.upper:
                return np.full(size, spec.lower / nominal)
            return np.asarray(rng.triangular(spec.lower, mode, spec.upper, size) / nominal)
        sigma = (spec.upper - spec.lower) / (2 * Z95) / abs(nominal)
    else:
        sigma = float(spec) / Z95
    return _truncated_normal(1.0, sigma, size, rng)


def _truncated_normal(mean: float, sigma: float, size: int, rng: np.random.Generator) -> FloatArray:
    out = rng.normal(mean, sigma, size)
    bad = out < 0
    for _ in range(1000):
        n = int(bad.sum())
        if not n:
            break
        out[bad] = rng.normal(mean, sigma, n)
        bad = out < 0
    return np.asarray(np.maximum(out, 0.0))


def _non_normal_activity(
    stats: SourceStats, k: int, n_src: int, rng: np.random.Generator, budget: int
) -> FloatArray:
    """Σ x_r (m_r - 1) per source for records with non-normal errors, k draws each.

    The records are sorted by source, then by distribution (``kernel._non_normal_records``)
    and drawn in that order, k draws a record, one call of the generator per run of
    records with the same distribution: the same draws as one source at a time. They are
    processed in blocks of rows (working arrays within *budget* bytes, and small enough
    to stay in the processor's cache), and each source's x_r (m_r - 1) are added in
    record order (``np.add.reduceat``), with no Python loop over sources.
    """
    assert stats.nn_x is not None
    assert stats.nn_src is not None
    assert stats.nn_dist is not None
    assert stats.nn_lower is not None
    assert stats.nn_upper is not None
    out = np.zeros((n_src, k))  # by source: each block adds whole rows
    n = stats.nn_x.size
    rows_per_block = max(1, min(budget, _CACHE_BYTES) // (8 * max(k, 1)))
    for start in range(0, n, rows_per_block):
        stop = min(n, start + rows_per_block)
        src, codes = stats.nn_src[start:stop], stats.nn_dist[start:stop]
        m = np.empty((stop - start, k))
        fixed = np.zeros(stop - start)  # the part of x (m - 1) that is the same in every draw
        runs = np.flatnonzero(np.r_[True, codes[1:] != codes[:-1], True]).tolist()
        for lo, hi in itertools.pairwise(runs):
            fixed[lo:hi] = _record_contributions(
                int(codes[lo]),
                stats.nn_x[start + lo : start + hi],
                stats.nn_lower[start + lo : start + hi],
                stats.nn_upper[start + lo : start + hi],
                m[lo:hi],
                rng,
            )
        first = np.flatnonzero(np.r_[True, src[1:] != src[:-1]])
        sums = np.add.reduceat(m, first, axis=0)
        sums += np.add.reduceat(fixed, first)[:, None]
        out[src[first]] += sums
    return out.T


_CACHE_BYTES = 1 << 20
"""Working block of the per-record sampler: drawn, scaled and summed while in cache."""


def _record_contributions(
    code: int,
    x: FloatArray,
    av: FloatArray,
    bv: FloatArray,
    m: FloatArray,
    rng: np.random.Generator,
) -> FloatArray:
    """Fill *m* (records × draws) with x (m - 1) of records of one distribution *code*.

    *x*: each record's activity; *av*, *bv*: its bounds as multiples of its amount.
    Uniform between them (x (m - 1) = x (b - a) U + x (a - 1): *m* holds the first term,
    the second, the same in every draw, is returned); lognormal with its 2.5/97.5 %
    points at them; triangular with the mode at the amount (returned: zeros).
    """
    if code == 4:  # uniform
        rng.random(out=m)
        m *= (x * (bv - av))[:, None]
        return np.asarray(x * (av - 1.0))
    if code == 2:  # lognormal: 2.5/97.5 % points at the bounds
        la, lb = np.log(av), np.log(bv)
        rng.standard_normal(out=m)
        m *= ((lb - la) / (2 * Z95))[:, None]
        m += (0.5 * (la + lb))[:, None]
        with np.errstate(over="ignore"):  # inf is refused as result_magnitude
            np.exp(m, out=m)
    else:  # triangular, mode at the stated amount
        r, k = m.shape
        width = np.where(bv > av, bv - av, 1.0)
        mode = np.clip(1.0, av, bv)
        t = rng.triangular(
            np.zeros(r)[:, None], ((mode - av) / width)[:, None], np.ones(r)[:, None], (r, k)
        )
        np.multiply((bv - av)[:, None], t, out=m)
        m += av[:, None]
    m -= 1.0
    m *= x[:, None]
    return np.zeros(x.size)


@dataclass(frozen=True)
class MonteCarloResult:
    """Per-group samples summarised; ``seed`` and ``iterations`` reproduce them."""

    groups: dict[str, GroupUncertainty]
    seed: int
    iterations: int
    samples_total: FloatArray


def monte_carlo(
    lines: LineTable,
    stats: SourceStats,
    params: Sequence[Parameter],
    instrument_u95: FloatArray,
    groups: Mapping[str, npt.NDArray[np.bool_]],
    *,
    iterations: int,
    seed: int,
    cols: ActivityColumns | None = None,
    total_group: str = "total",
    chunk_budget_bytes: int = 32 * 1024 * 1024,
    progress: Callable[[int, int], None] | None = None,
) -> MonteCarloResult:
    """IPCC Approach 2: seeded Monte Carlo over shared parameters and pooled activity.

    Parameters
    ----------
    lines, stats, params, instrument_u95
        As for :func:`approach1`.
    groups : mapping
        Group name -> boolean mask over ``lines``.
    iterations : int
        Number of draws K (>= 100).
    seed : int
        Seed of :class:`numpy.random.SeedSequence`; reported in the result.
    cols : ActivityColumns, optional
        The activity columns (reserved for per-record sampling of non-normal activity).
    total_group : str
        The group whose samples are returned in full.
    chunk_budget_bytes : int
        Iterations are processed in chunks whose working arrays stay under this size.
    progress : callable, optional
        Called as ``progress(done, total)`` after each chunk of iterations.

    Notes
    -----
    The seed is split into four streams: parameters (:func:`_parameter_draws`),
    instruments (:func:`_instrument_draws`), pooled per-source activity and per-record
    non-normal activity (drawn chunk by chunk by :class:`_Sampler`).
    """
    if iterations < 100:
        raise ValueError("Monte Carlo needs at least 100 iterations")
    names = list(groups)
    s_par, s_ins, s_src, s_rec = np.random.SeedSequence(seed).spawn(4)
    mult, par_order = _parameter_draws(params, s_par, iterations)
    ins_ids = list(cols.instrument_ids) if cols is not None else []
    ins_mult, ins_perm = _instrument_draws(instrument_u95, ins_ids, s_ins, iterations)
    sampler = _Sampler.of(lines, stats, groups, mult, par_order, ins_mult, ins_perm)
    src_rng = np.random.Generator(np.random.PCG64(s_src))
    rec_rng = np.random.Generator(np.random.PCG64(s_rec))
    n_cols = len(lines) + stats.A.size
    chunk = max(1, min(iterations, chunk_budget_bytes // (8 * max(n_cols, 1) * 4)))
    group_samples = np.empty((len(names), iterations))
    for start in range(0, iterations, chunk):
        stop = min(iterations, start + chunk)
        act = sampler.activity(start, stop, src_rng, rec_rng, chunk_budget_bytes)
        group_samples[:, start:stop] = sampler.group_totals(act, start, stop)
        if progress is not None:
            progress(stop, iterations)
    out = _summarise(group_samples, names, lines.co2e, groups)
    total = group_samples[names.index(total_group)] if total_group in names else np.zeros(0)
    return MonteCarloResult(out, seed, iterations, total)


def _parameter_draws(
    params: Sequence[Parameter], seeds: np.random.SeedSequence, iterations: int
) -> tuple[FloatArray, list[int]]:
    """Multipliers of every parameter (rows) per iteration, and the parameters in key order.

    Each parameter has its own stream, handed out in key order, so that the order of the
    sources does not change the draws.
    """
    order = sorted(range(len(params)), key=lambda i: params[i].key)
    par_rngs = [np.random.Generator(np.random.PCG64(c)) for c in seeds.spawn(len(params))]
    mult = np.ones((len(params), iterations))
    for rank, i in enumerate(order):
        mult[i] = sample_multipliers(params[i].spec, params[i].nominal, iterations, par_rngs[rank])
    return mult, order


def _instrument_draws(
    instrument_u95: FloatArray,
    ins_ids: Sequence[str],
    seeds: np.random.SeedSequence,
    iterations: int,
) -> tuple[FloatArray, npt.NDArray[np.intp]]:
    """Multipliers of every instrument (rows) per iteration, and the instruments in id order.

    Instruments are drawn in id order (when their ids are given), so that the order in
    which the inventory lists them does not change the result for a given seed.
    """
    n_ins = instrument_u95.size
    ins_rng = np.random.Generator(np.random.PCG64(seeds))
    ins_mult = np.ones((n_ins, iterations))
    ins_order = (
        sorted(range(n_ins), key=lambda i: ins_ids[i]) if len(ins_ids) == n_ins else range(n_ins)
    )
    for i in ins_order:
        ins_mult[i] = _truncated_normal(1.0, instrument_u95[i] / Z95, iterations, ins_rng)
    return ins_mult, np.asarray(list(ins_order), dtype=np.intp)


@dataclass(frozen=True)
class _Sampler:
    """What one chunk of Monte Carlo iterations needs, laid out in a canonical order.

    Matrix products sum in a canonical order (parameters by key, instruments and lines by
    source id), so that float rounding, too, is the same whatever the inventory's order.
    ``T`` (parameters × lines) says which "all" parameters each line is proportional to
    (line multiplier exp(Tᵀ log m)); ``C`` holds the NCV-chain terms, which add
    A_chain·ρ·(m - 1).
    """

    lines: LineTable
    stats: SourceStats
    sens: Sensitivities
    sigma_src: FloatArray  # σ of each source's pooled normal activity
    src_perm: npt.NDArray[np.intp]  # column j of a draw belongs to source src_perm[j]
    line_perm: npt.NDArray[np.intp]
    mult_p: FloatArray
    log_mult: FloatArray
    T: FloatArray
    C: FloatArray
    ins_mult_p: FloatArray
    B_t: FloatArray
    M_p: FloatArray  # group masks (lines × groups), lines in canonical order
    fixed_cols: npt.NDArray[np.intp]  # contract lines (a fixed amount, not measured)
    has_all: bool  # some line is proportional to a parameter
    has_chain: bool  # some line depends on a fuel NCV through its activity

    @classmethod
    def of(
        cls,
        lines: LineTable,
        stats: SourceStats,
        groups: Mapping[str, npt.NDArray[np.bool_]],
        mult: FloatArray,
        par_order: list[int],
        ins_mult: FloatArray,
        ins_perm: npt.NDArray[np.intp],
    ) -> _Sampler:
        """Lay out the sampler of *lines* with the drawn parameter and instrument multipliers."""
        n_l = len(lines)
        n_src = stats.A.size
        names = list(groups)
        M = np.column_stack([groups[g] for g in names]).astype(float) if names else np.zeros((n_l, 0))
        src_ids = {p.index: p.source.id for p in lines.template.plans}
        src_perm = np.array(sorted(range(n_src), key=lambda i: src_ids.get(i, "")), dtype=np.intp)
        sigma_src = np.sqrt(stats.Q if stats.Q_normal is None else stats.Q_normal) / Z95
        sens = Sensitivities.of(lines, stats)
        n_par = mult.shape[0]
        par_perm = np.asarray(par_order, dtype=np.intp)
        src_rank = np.empty(n_src, dtype=np.intp)
        src_rank[src_perm] = np.arange(n_src)
        line_perm = (
            np.lexsort((np.arange(n_l), src_rank[sens.src])) if n_l else np.zeros(0, np.intp)
        )
        all_t = ~sens.chain
        T = np.zeros((n_par, n_l))
        np.add.at(T, (sens.p_idx[all_t], sens.l_idx[all_t]), 1.0)
        C = np.zeros((n_par, n_l))
        np.add.at(C, (sens.p_idx[sens.chain], sens.l_idx[sens.chain]), sens.coef[sens.chain])
        with np.errstate(divide="ignore"):
            log_mult = np.log(mult)[par_perm]
        n_ins = ins_mult.shape[0]
        return cls(
            lines,
            stats,
            sens,
            sigma_src,
            src_perm,
            line_perm,
            mult[par_perm],
            log_mult,
            T[par_perm],
            C[par_perm],
            ins_mult[ins_perm],
            stats.B.T[ins_perm] if n_ins else stats.B.T,
            M[line_perm],
            np.flatnonzero(~np.isnan(sens.fixed)),
            bool(all_t.any()),
            bool(sens.chain.any()),
        )

    def group_totals(self, act: FloatArray, start: int, stop: int) -> FloatArray:
        """The totals of every group (rows) in iterations *start* to *stop* (columns).

        *act* is the drawn activity of these iterations (:meth:`activity`).
        """
        sens = self.sens
        line_act = act[:, sens.src] - sens.offset[None, :]
        if self.fixed_cols.size:
            self._cover_contracts(act, line_act)
        vals = line_act * sens.rho_unit[None, :]
        if self.has_chain:
            vals += (self.mult_p[:, start:stop] - 1.0).T @ self.C
        if self.has_all:
            vals *= np.exp(self.log_mult[:, start:stop].T @ self.T)
        out: FloatArray = (vals[:, self.line_perm] @ self.M_p).T
        return out

    def activity(
        self,
        start: int,
        stop: int,
        src_rng: np.random.Generator,
        rec_rng: np.random.Generator,
        budget: int,
    ) -> FloatArray:
        """Drawn activity per iteration (rows) and source (columns), never below 0.

        Pooled normal errors per source (drawn in source-id order), instrument errors
        shared by their readings, and records with non-normal errors one by one.
        """
        stats = self.stats
        k = stop - start
        n_src = stats.A.size
        z = np.empty((k, n_src))
        z[:, self.src_perm] = src_rng.standard_normal((k, n_src))
        act = stats.A[None, :] + z * self.sigma_src[None, :]
        if self.ins_mult_p.shape[0]:
            act = act + (self.ins_mult_p[:, start:stop] - 1.0).T @ self.B_t
        if stats.nn_x is not None:
            act += _non_normal_activity(stats, k, n_src, rec_rng, budget)
        np.maximum(act, 0.0, out=act)
        return act

    def _cover_contracts(self, act: FloatArray, line_act: FloatArray) -> None:
        """Contract rows cover the drawn consumption in their order, as in build_lines.

        Never more than was consumed, and the residual never below 0.
        """
        sens = self.sens
        line_act[:, self.fixed_cols] = sens.fixed[self.fixed_cols][None, :]
        for s_i, cons, residual in self.lines.template.contracts:
            remaining = act[:, s_i].copy()
            for *_, amount, rows in cons:
                covered = np.minimum(amount, remaining)
                line_act[:, rows] = covered[:, None]
                remaining -= covered
            line_act[:, residual] = remaining[:, None]


def _summarise(
    group_samples: FloatArray,
    names: Sequence[str],
    co2e: FloatArray,
    groups: Mapping[str, npt.NDArray[np.bool_]],
) -> dict[str, GroupUncertainty]:
    """Each group's samples as its 95 % interval, median, mean and standard deviation."""
    out = {}
    for j, g in enumerate(names):
        s = group_samples[j]
        lo, med, hi = np.percentile(s, [2.5, 50.0, 97.5])
        value = math.fsum(co2e[groups[g]].tolist())
        out[g] = GroupUncertainty(
            value,
            float(hi - lo) / 2.0,
            float(lo),
            float(hi),
            mean=float(s.mean()),
            median=float(med),
            std=float(s.std(ddof=1)),
        )
    return out
