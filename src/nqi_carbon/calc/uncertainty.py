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
from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np
import numpy.typing as npt

from ..data.fields import Distribution
from . import fused
from .ingest import ActivityColumns
from .kernel import LineTable, SourceStats
from .plan import Parameter
from .rollup import group_approach1

__all__ = ["Z95", "GroupUncertainty", "approach1", "monte_carlo", "sample_multipliers"]

Z95 = 1.959963984540054  # two-sided 95 % quantile of the standard normal


FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.intp]


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

    Iterations (rows) × sources; see :class:`_RecordBlocks`.
    """
    return _RecordBlocks.of(stats, k, budget).draw(stats, n_src, rng).T


_CACHE_BYTES = 1 << 20
"""Working block of the per-record sampler: drawn, scaled and summed while in cache."""


class _Block(NamedTuple):
    """Rows *start* to *stop* of the non-normal records, drawn and summed together."""

    start: int
    stop: int
    runs: list[tuple[int, int, int]]  # (distribution code, first row, end row) in the block
    first: IntArray  # the block's row where each source's records start
    sources: IntArray  # those sources
    fixed: FloatArray | None  # per source, Σ of the part that is the same in every draw


class _UniformSpan(NamedTuple):
    """Consecutive blocks whose records are all uniform, for the compiled loop.

    Their sources' runs of records, cut where a block ends (a source's records in two
    blocks are two sums, as the blocks give them), with each run's part that is the same
    in every draw (``has_fixed`` False: the block had none, nothing is added).
    """

    w: FloatArray  # x (b - a) per record
    starts: IntArray  # where each run of a source's records starts (within the span)
    sources: IntArray
    fixed: FloatArray
    has_fixed: npt.NDArray[np.bool_]


@dataclass(frozen=True)
class _RecordBlocks:
    """How the records with non-normal errors are drawn k at a time, laid out once.

    The records are sorted by source, then by distribution (``kernel._non_normal_records``)
    and drawn in that order, k draws a record, one call of the generator per run of
    records with the same distribution: the same draws as one source at a time. They are
    processed in blocks of rows (working arrays within the budget, and small enough to
    stay in the processor's cache), and each source's x_r (m_r - 1) are added in record
    order (``np.add.reduceat``), with no Python loop over sources. What does not change
    from one chunk of iterations to the next — the blocks, their runs, where each source
    starts, and the part of x (m - 1) that is the same in every draw — is worked out once
    per chunk size (a Monte Carlo run has at most two).
    """

    k: int
    blocks: list[_Block | _UniformSpan]  # spans only when compiled (calc/fused.py)

    @classmethod
    def of(cls, stats: SourceStats, k: int, budget: int, compiled: bool = False) -> _RecordBlocks:
        """The blocks of *stats*' non-normal records for chunks of *k* iterations.

        With *compiled*, blocks whose records are all uniform are drawn by
        ``_numba_kernels.draw_uniform_sums`` (the same draws and sums, one pass).
        """
        assert stats.nn_x is not None
        assert stats.nn_src is not None
        assert stats.nn_dist is not None
        assert stats.nn_lower is not None
        n = stats.nn_x.size
        rows_per_block = max(1, min(budget, _CACHE_BYTES) // (8 * max(k, 1)))
        blocks: list[_Block] = []
        for start in range(0, n, rows_per_block):
            stop = min(n, start + rows_per_block)
            src, codes = stats.nn_src[start:stop], stats.nn_dist[start:stop]
            cuts = np.flatnonzero(codes[1:] != codes[:-1]) + 1
            bounds = [0, *cuts.tolist(), stop - start]
            runs = [(int(codes[lo]), lo, hi) for lo, hi in itertools.pairwise(bounds)]
            first = np.flatnonzero(np.r_[True, src[1:] != src[:-1]])
            part = np.zeros(stop - start)  # the part of x (m - 1) that is the same in every draw
            for code, lo, hi in runs:
                x, av = stats.nn_x[start + lo : start + hi], stats.nn_lower[start + lo : start + hi]
                part[lo:hi] = _fixed_part(code, x, av)
            fixed = np.add.reduceat(part, first) if part.any() else None
            blocks.append(_Block(start, stop, runs, first, src[first], fixed))
        return cls(k, _uniform_spans(stats, blocks) if compiled else list(blocks))

    def draw(self, stats: SourceStats, n_src: int, rng: np.random.Generator) -> FloatArray:
        """Σ x_r (m_r - 1) per source (rows) for k draws (columns)."""
        assert stats.nn_x is not None
        assert stats.nn_lower is not None
        assert stats.nn_upper is not None
        k = self.k
        out = np.zeros((n_src, k))  # by source: each block adds whole rows
        for block in self.blocks:
            if isinstance(block, _UniformSpan):
                fused.kernels().draw_uniform_sums(rng, *block, out)
                continue
            start, stop, runs, first, sources, fixed = block
            m = np.empty((stop - start, k))
            for code, lo, hi in runs:
                _record_contributions(
                    code,
                    stats.nn_x[start + lo : start + hi],
                    stats.nn_lower[start + lo : start + hi],
                    stats.nn_upper[start + lo : start + hi],
                    m[lo:hi],
                    rng,
                )
            sums = np.add.reduceat(m, first, axis=0)
            if fixed is not None:
                sums += fixed[:, None]
            out[sources] += sums
        return out


def _uniform_spans(stats: SourceStats, blocks: list[_Block]) -> list[_Block | _UniformSpan]:
    """*blocks* with each run of all-uniform blocks made one :class:`_UniformSpan`."""
    assert stats.nn_x is not None
    assert stats.nn_lower is not None
    assert stats.nn_upper is not None
    out: list[_Block | _UniformSpan] = []
    for uniform, group in itertools.groupby(
        blocks, key=lambda b: len(b.runs) == 1 and b.runs[0][0] == 4
    ):
        members = list(group)
        if not uniform:
            out += members
            continue
        lo, hi = members[0].start, members[-1].stop
        x, av, bv = stats.nn_x[lo:hi], stats.nn_lower[lo:hi], stats.nn_upper[lo:hi]
        none = np.zeros(0)
        out.append(
            _UniformSpan(
                np.ascontiguousarray(x * (bv - av)),
                np.concatenate([b.first + (b.start - lo) for b in members]),
                np.concatenate([b.sources for b in members]),
                np.concatenate([none if b.fixed is None else b.fixed for b in members]),
                np.concatenate([np.full(b.first.size, b.fixed is not None) for b in members]),
            )
        )
    return out


def _fixed_part(code: int, x: FloatArray, av: FloatArray) -> FloatArray:
    """The part of x (m - 1) that is the same in every draw: x (a - 1) for uniform, else 0."""
    return np.asarray(x * (av - 1.0)) if code == 4 else np.zeros(x.size)


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
        return _fixed_part(code, x, av)
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
    return _fixed_part(code, x, av)


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
    sampler = _Sampler.of(lines, stats, groups, mult, par_order, ins_mult, ins_perm, iterations)
    src_rng = np.random.Generator(np.random.PCG64(s_src))
    rec_rng = np.random.Generator(np.random.PCG64(s_rec))
    n_cols = len(lines) + stats.A.size
    chunk = max(1, min(iterations, chunk_budget_bytes // (8 * max(n_cols, 1) * 4)))
    group_samples = np.empty((len(names), iterations))
    for start in range(0, iterations, chunk):
        stop = min(iterations, start + chunk)
        group_samples[:, start:stop] = sampler.chunk_totals(
            start, stop, src_rng, rec_rng, chunk_budget_bytes
        )
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
class _Rollup:
    """Sums of line values to group totals, without a lines × groups matrix.

    Lines that belong to exactly the same groups (an *atom*: say one facility's scope 1
    CO2 of category 1) are summed first, then every group sums its atoms: 23,000 lines in
    233 groups are 1,200 atoms, so an iteration costs about 23,000 + 7,600 additions
    instead of a 23,000 × 233 product. Both sums add one after another in a canonical
    order — lines by source id, atoms by their first line — so that a group's total
    depends neither on the order of the inventory or of the groups nor on the BLAS
    library or the processor.
    """

    order: IntArray  # the lines, atom after atom (canonical order inside an atom)
    atom_starts: IntArray  # where each atom starts in ``order``
    group_atoms: IntArray  # the atoms of every group with lines, group after group
    group_starts: IntArray  # where each of those groups starts in ``group_atoms``
    filled: IntArray  # the groups with lines (the others total 0)
    n_groups: int

    @classmethod
    def of(cls, masks: Sequence[npt.NDArray[np.bool_]], canonical: IntArray) -> _Rollup:
        """The roll-up of lines to the groups *masks*, lines summed in *canonical* order."""
        none = np.zeros(0, dtype=np.intp)
        if not masks or not canonical.size:
            return cls(canonical, none, none, none, none, len(masks))
        member = np.array(masks)[:, canonical]  # groups × lines (canonical order)
        packed = np.ascontiguousarray(np.packbits(member, axis=0).T)
        signature = packed.view(np.dtype((np.void, packed.shape[1]))).ravel()
        _, first, inverse = np.unique(signature, return_index=True, return_inverse=True)
        rank = np.empty(first.size, dtype=np.intp)
        rank[np.argsort(first)] = np.arange(first.size)
        atom = rank[inverse.ravel()]  # atoms numbered by their first line
        by_atom = np.argsort(atom, kind="stable")
        atom_starts = np.searchsorted(atom[by_atom], np.arange(first.size))
        g_idx, a_idx = np.nonzero(member[:, np.sort(first)])  # groups × atoms, row by row
        filled, group_starts = np.unique(g_idx, return_index=True)
        return cls(canonical[by_atom], atom_starts, a_idx, group_starts, filled, len(masks))

    def totals(self, vals: FloatArray) -> FloatArray:
        """Group totals (groups × iterations) of *vals* (lines in ``order`` × iterations)."""
        if not self.atom_starts.size:
            return np.zeros((self.n_groups, vals.shape[1]))
        return self.group_sums(np.add.reduceat(vals, self.atom_starts, axis=0))

    def group_sums(self, atoms: FloatArray, *, compiled: bool = False) -> FloatArray:
        """Group totals (groups × iterations) of the atoms' sums (atoms × iterations).

        *compiled*: by ``_numba_kernels.group_sums`` (the same additions, no gather).
        """
        out = np.zeros((self.n_groups, atoms.shape[1]))
        if compiled:
            fused.kernels().group_sums(atoms, self.group_atoms, self.group_starts, self.filled, out)
        elif self.filled.size:
            out[self.filled] = np.add.reduceat(atoms[self.group_atoms], self.group_starts, axis=0)
        return out

    def blocks(self, rows: int) -> list[tuple[int, int, int, int]]:
        """Runs of whole atoms of about *rows* lines: (first line, end, first atom, end)."""
        n_l, n_a = self.order.size, self.atom_starts.size
        cuts = np.unique(np.r_[np.searchsorted(self.atom_starts, np.arange(0, n_l, rows)), n_a])
        ends = np.r_[self.atom_starts, n_l]
        return [(int(ends[i]), int(ends[j]), int(i), int(j)) for i, j in itertools.pairwise(cuts)]


@dataclass(frozen=True)
class _Terms:
    """Per line, the sum of terms ``coef · row[par]`` over the parameters it depends on.

    Sparse (most lines depend on no parameter, few on more than one): ``lines`` are the
    positions of the lines with terms, ``par`` the parameter (row of the key-ordered
    multipliers) of each term, terms line after line in key order, ``starts`` where each
    line's terms start (None: one term a line), ``coef`` None when every coefficient is 1.
    A repeated (parameter, line) pair is one term whose coefficients are added, as a
    dense matrix built with ``np.add.at`` would hold it.
    """

    lines: IntArray
    par: IntArray
    starts: IntArray | None
    coef: FloatArray | None

    @classmethod
    def of(cls, par: IntArray, line: IntArray, coef: FloatArray, n_par: int) -> _Terms | None:
        """Terms of parameters *par* (key rank) in lines *line* (position), or None."""
        if not par.size:
            return None
        uniq, inverse = np.unique(line * n_par + par, return_inverse=True)
        merged = np.zeros(uniq.size)
        np.add.at(merged, inverse.ravel(), coef)
        lines, starts = np.unique(uniq // n_par, return_index=True)
        return cls(
            lines,
            uniq % n_par,
            None if lines.size == uniq.size else starts,
            None if bool(np.all(merged == 1.0)) else merged,
        )

    def sums(self, rows: FloatArray) -> FloatArray:
        """Σ coef · rows[par] of every line with terms (those lines × the columns of *rows*)."""
        t = rows[self.par]
        if self.coef is not None:
            t *= self.coef[:, None]
        return t if self.starts is None else np.add.reduceat(t, self.starts, axis=0)


@dataclass(frozen=True)
class _Sampler:
    """What one chunk of Monte Carlo iterations needs, laid out in a canonical order.

    Parameters are in key order, instruments in id order and lines by source id (then
    grouped for the roll-up, :class:`_Rollup`), so that float rounding, too, is the same
    whatever the inventory's order. A line's value in an iteration is its drawn activity
    × ρ, plus its NCV-chain terms A_chain·ρ·(m - 1) (``chain``), times the product of the
    multipliers of the parameters it is proportional to, exp(Σ log m) (``scale``).
    """

    lines: LineTable
    stats: SourceStats
    sigma_src: FloatArray  # σ of each source's pooled normal activity
    pooled: bool  # some source has a pooled normal activity error
    src_perm: IntArray  # column j of a draw belongs to source src_perm[j]
    rollup: _Rollup
    line_src: IntArray  # the source of each line, lines in ``rollup.order``
    line_offset: FloatArray | None  # and its offset, when any is not 0
    line_rho: FloatArray
    mult_p: FloatArray
    log_mult: FloatArray
    chain: _Terms | None
    scale: _Terms | None
    ins_mult_p: FloatArray
    B_t: FloatArray
    fixed_pos: IntArray  # contract lines (a fixed amount, not measured), as positions
    fixed_amount: FloatArray
    contracts: list[tuple[int, list[tuple[float, IntArray]], IntArray]]  # positions
    records: dict[int, _RecordBlocks]  # the non-normal records' blocks per chunk size
    # numba (calc/fused.py): records drawn and summed, lines made and summed, in one loop
    draws_compiled: bool = False
    rollup_compiled: bool = False
    layout: dict[str, list[IntArray]] = field(default_factory=dict)  # worked out once

    @classmethod
    def of(
        cls,
        lines: LineTable,
        stats: SourceStats,
        groups: Mapping[str, npt.NDArray[np.bool_]],
        mult: FloatArray,
        par_order: list[int],
        ins_mult: FloatArray,
        ins_perm: IntArray,
        iterations: int = 0,
    ) -> _Sampler:
        """Lay out the sampler of *lines* with the drawn parameter and instrument multipliers.

        *iterations* (the run's) decides whether the compiled loops are worth it.
        """
        n_l = len(lines)
        n_src = stats.A.size
        src_ids = {p.index: p.source.id for p in lines.template.plans}
        ids = [src_ids.get(i, "") for i in range(n_src)]
        src_perm = np.array(sorted(range(n_src), key=ids.__getitem__), dtype=np.intp)
        sigma_src = _pooled_sigma(stats)
        sens = Sensitivities.of(lines, stats)
        src_rank = np.empty(n_src, dtype=np.intp)
        src_rank[src_perm] = np.arange(n_src)
        canonical = (
            np.lexsort((np.arange(n_l), src_rank[sens.src])) if n_l else np.zeros(0, np.intp)
        )
        rollup = _Rollup.of([groups[g] for g in groups], canonical)
        order = rollup.order
        pos = np.empty(n_l, dtype=np.intp)
        pos[order] = np.arange(n_l)
        n_par = mult.shape[0]
        par_rank = np.empty(n_par, dtype=np.intp)
        par_rank[np.asarray(par_order, dtype=np.intp)] = np.arange(n_par)
        p_rank, l_pos = par_rank[sens.p_idx], pos[sens.l_idx]
        ch = sens.chain
        with np.errstate(divide="ignore"):
            log_mult = np.log(mult)[par_order]
        fixed_cols = np.flatnonzero(~np.isnan(sens.fixed))
        offset = sens.offset[order]
        return cls(
            lines,
            stats,
            sigma_src,
            bool(np.any(sigma_src != 0)),
            src_perm,
            rollup,
            sens.src[order],
            offset if bool(np.any(offset != 0)) else None,
            sens.rho_unit[order],
            mult[par_order],
            log_mult,
            _Terms.of(p_rank[ch], l_pos[ch], sens.coef[ch], n_par),
            _Terms.of(p_rank[~ch], l_pos[~ch], np.ones(int((~ch).sum())), n_par),
            ins_mult[ins_perm],
            stats.B.T[ins_perm] if ins_mult.shape[0] else stats.B.T,
            pos[fixed_cols],
            sens.fixed[fixed_cols],
            [
                (s_i, [(amount, pos[rows]) for *_, amount, rows in cons], pos[residual])
                for s_i, cons, residual in lines.template.contracts
            ],
            {},
            stats.nn_x is not None
            and fused.wanted(stats.nn_x.size * iterations, "values"),
            not fixed_cols.size and n_l > 0 and fused.wanted(n_l * iterations, "values"),
        )

    def chunk_totals(
        self,
        start: int,
        stop: int,
        src_rng: np.random.Generator,
        rec_rng: np.random.Generator,
        budget: int,
    ) -> FloatArray:
        """The totals of every group (rows) in iterations *start* to *stop* (columns).

        :meth:`activity`, then :meth:`group_totals`; when the activity is only A plus the
        records' draws and the lines are made compiled, A + d and its floor at 0 are
        made as each line reads them (the same numbers, no activity array).
        """
        stats = self.stats
        if not (
            self.rollup_compiled
            and stats.nn_x is not None
            and not self.pooled
            and not self.ins_mult_p.shape[0]
        ):
            return self.group_totals(
                self.activity(start, stop, src_rng, rec_rng, budget), start, stop
            )
        drawn = self._record_draws(stop - start, rec_rng, budget)
        return self.group_totals(drawn, start, stop, base=stats.A)

    def group_totals(
        self, act: FloatArray, start: int, stop: int, *, base: FloatArray | None = None
    ) -> FloatArray:
        """The totals of every group (rows) in iterations *start* to *stop* (columns).

        *act* is the drawn activity of these iterations (:meth:`activity`); the values of
        the lines are laid out like it, a line's iterations side by side, and made and
        summed to atoms a cache-sized block of lines at a time. With *base* (compiled
        lines only), the activity is ``np.maximum(base + act, 0)``, made line by line.
        """
        k = stop - start
        terms = self._line_terms(start, stop)
        atoms = np.empty((self.rollup.atom_starts.size, k))
        if self.rollup_compiled:
            self._fused_atoms(act, terms, atoms, base)
            return self.rollup.group_sums(atoms, compiled=True)
        # contracts share out a source's drawn activity over lines anywhere: one block then
        rows = self.line_src.size if self.fixed_pos.size else _CACHE_BYTES // (8 * k)
        for a, b, i0, i1 in self.rollup.blocks(max(rows, 1)):
            vals = act[self.line_src[a:b]]
            if self.line_offset is not None:
                vals -= self.line_offset[a:b, None]
            if self.fixed_pos.size:
                self._cover_contracts(act, vals)
            vals *= self.line_rho[a:b, None]
            for lines, values, multiply in terms:
                t0, t1 = np.searchsorted(lines, [a, b]).tolist()
                if multiply:
                    vals[lines[t0:t1] - a] *= values[t0:t1]
                else:
                    vals[lines[t0:t1] - a] += values[t0:t1]
            np.add.reduceat(vals, self.rollup.atom_starts[i0:i1] - a, axis=0, out=atoms[i0:i1])
        return self.rollup.group_sums(atoms)

    def _fused_atoms(
        self,
        act: FloatArray,
        terms: list[tuple[IntArray, FloatArray, bool]],
        atoms: FloatArray,
        base: FloatArray | None = None,
    ) -> None:
        """:meth:`group_totals`' atoms in one compiled loop (no contract lines): same bits."""
        k = atoms.shape[1]
        rows, vals = self._term_rows(), [np.zeros((0, k)), np.zeros((0, k))]
        for _, values, multiply in terms:  # the NCV-chain terms, then the multipliers
            vals[int(multiply)] = np.ascontiguousarray(values)
        offset = self.line_offset
        fused.kernels().line_atoms(
            act,
            self.line_rho if base is None else base,
            base is not None,
            self.line_src,
            self.line_rho if offset is None else offset,
            offset is not None,
            self.line_rho,
            rows[0],
            vals[0],
            rows[1],
            vals[1],
            self.rollup.atom_starts,
            atoms,
        )

    def _term_rows(self) -> list[IntArray]:
        """Per line, its row of the NCV-chain terms and of the multipliers (-1: none)."""
        if "rows" not in self.layout:
            n_l = self.line_src.size
            rows = []
            for terms in (self.chain, self.scale):
                row = np.full(n_l, -1, dtype=np.intp)
                if terms is not None:
                    row[terms.lines] = np.arange(terms.lines.size)
                rows.append(row)
            self.layout["rows"] = rows
        return self.layout["rows"]

    def _line_terms(self, start: int, stop: int) -> list[tuple[IntArray, FloatArray, bool]]:
        """The lines with parameter terms in these iterations: (lines, values, multiply?).

        The NCV-chain terms A_chain·ρ·(m - 1) are added, then the product of the
        multipliers, exp(Σ log m), multiplies.
        """
        out = []
        if self.chain is not None:
            out.append((self.chain.lines, self.chain.sums(self.mult_p[:, start:stop] - 1.0), False))
        if self.scale is not None:
            out.append(
                (self.scale.lines, np.exp(self.scale.sums(self.log_mult[:, start:stop])), True)
            )
        return out

    def activity(
        self,
        start: int,
        stop: int,
        src_rng: np.random.Generator,
        rec_rng: np.random.Generator,
        budget: int,
    ) -> FloatArray:
        """Drawn activity per source (rows) and iteration (columns), never below 0.

        Pooled normal errors per source (drawn iteration by iteration in source-id order,
        and only when some source has one: A + 0·z is A), instrument errors shared by
        their readings, and records with non-normal errors one by one.
        """
        stats = self.stats
        k = stop - start
        n_src = stats.A.size
        drawn = None
        if stats.nn_x is not None:  # the records' own draws (their stream alone)
            drawn = self._record_draws(k, rec_rng, budget)
        if self.pooled:
            z = np.empty((n_src, k))
            z[self.src_perm] = src_rng.standard_normal((k, n_src)).T
            z *= self.sigma_src[:, None]
            act = stats.A[:, None] + z
        elif drawn is not None and not self.ins_mult_p.shape[0]:
            # A + d, as A repeated and then d added, without the repeated copy
            act, drawn = np.add(stats.A[:, None], drawn, out=drawn), None
        else:
            act = np.repeat(stats.A[:, None], k, axis=1)
        if self.ins_mult_p.shape[0]:
            act += ((self.ins_mult_p[:, start:stop] - 1.0).T @ self.B_t).T
        if drawn is not None:
            act += drawn
        np.maximum(act, 0.0, out=act)
        return act

    def _record_draws(self, k: int, rng: np.random.Generator, budget: int) -> FloatArray:
        """Σ x_r (m_r - 1) per source (rows) of the non-normal records, k iterations."""
        if k not in self.records:
            self.records[k] = _RecordBlocks.of(self.stats, k, budget, self.draws_compiled)
        return self.records[k].draw(self.stats, self.stats.A.size, rng)

    def _cover_contracts(self, act: FloatArray, vals: FloatArray) -> None:
        """Contract rows cover the drawn consumption in their order, as in build_lines.

        Never more than was consumed, and the residual never below 0.
        """
        vals[self.fixed_pos] = self.fixed_amount[:, None]
        for s_i, cons, residual in self.contracts:
            remaining = act[s_i].copy()
            for amount, rows in cons:
                covered = np.minimum(amount, remaining)
                vals[rows] = covered[None, :]
                remaining -= covered
            vals[residual] = remaining[None, :]


def _pooled_sigma(stats: SourceStats) -> FloatArray:
    """σ of each source's pooled normal activity error: 0 where every record is non-normal.

    ``Q_normal`` is Q less the records drawn one by one; where those are all of a
    source's records, the subtraction can leave a rounding residue, which is no error.
    """
    q = stats.Q if stats.Q_normal is None else stats.Q_normal
    sigma = np.sqrt(q) / Z95
    if stats.Q_normal is not None and stats.nn_src is not None:
        drawn_alone = np.bincount(stats.nn_src, minlength=sigma.size)[: sigma.size]
        sigma[drawn_alone >= stats.n_records] = 0.0
    return np.asarray(sigma)


def _summarise(
    group_samples: FloatArray,
    names: Sequence[str],
    co2e: FloatArray,
    groups: Mapping[str, npt.NDArray[np.bool_]],
) -> dict[str, GroupUncertainty]:
    """Each group's samples as its 95 % interval, median, mean and standard deviation.

    All groups at once (each row is summarised as on its own: the same numbers).
    """
    if not names:
        return {}
    lows, meds, highs = np.percentile(group_samples, [2.5, 50.0, 97.5], axis=1).tolist()
    means = group_samples.mean(axis=1).tolist()
    stds = group_samples.std(axis=1, ddof=1).tolist()
    out = {}
    for j, g in enumerate(names):
        lo, hi = lows[j], highs[j]
        out[g] = GroupUncertainty(
            math.fsum(co2e[groups[g]].tolist()),
            (hi - lo) / 2.0,
            lo,
            hi,
            mean=means[j],
            median=meds[j],
            std=stds[j],
        )
    return out
