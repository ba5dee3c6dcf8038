"""Lean numpy references for Monte Carlo: a pooled sampler and raw random-number rates."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from baseline import SLOTS, Baseline


class PooledSampler:
    """Monte Carlo of the same inputs as the library, written lean in numpy.

    Per iteration: one normal draw per source (its pooled activity error), one per
    uncertain factor, the lines as products, and every roll-up (total, category, facility,
    gas group) by ``np.add.reduceat`` over lines sorted by group: no lines x groups matrix.
    Percentiles 2.5 / 97.5 of each group.
    """

    def __init__(self, base: Baseline, table: pd.DataFrame) -> None:
        src, unit = base.codes(table)
        x = table["amount"].to_numpy() * base.scale[src, unit]
        xu = x * table["uncertainty"].to_numpy()
        A = np.bincount(src, x, minlength=base.n_src)
        Q = np.bincount(src, xu * xu, minlength=base.n_src)
        self.rel = np.divide(np.sqrt(Q), A, out=np.zeros_like(A), where=A > 0) / 1.96
        E = base.coef * A  # (slots, sources)
        k_idx, s_idx = np.nonzero(E)
        self.E = E[k_idx, s_idx]
        self.src = s_idx
        n_par = len(base.u_par)
        par = base.par_of[k_idx, s_idx]
        self.par = np.where(par >= 0, par, n_par)  # the last column is exact (1)
        self.u = np.append(np.array([v[1] for v in sorted(base.u_par.values())]), 0.0) / 1.96
        self.families = []
        for key in (base.facility[s_idx], base.category[s_idx] - 1, base.group[k_idx, s_idx]):
            order = np.argsort(key, kind="stable")
            ks = key[order]
            starts = np.flatnonzero(np.r_[True, ks[1:] != ks[:-1]])
            self.families.append((order, starts))
        assert SLOTS >= 1

    def __call__(self, iterations: int, seed: int, chunk: int = 64) -> dict[str, Any]:
        rng = np.random.default_rng(seed)
        totals = np.empty(iterations)
        groups: list[list[np.ndarray]] = [[] for _ in self.families]
        for k0 in range(0, iterations, chunk):
            k = min(chunk, iterations - k0)
            m_src = 1.0 + rng.standard_normal((k, self.rel.size)) * self.rel
            m_par = 1.0 + rng.standard_normal((k, self.u.size)) * self.u
            vals = self.E * m_src[:, self.src] * m_par[:, self.par]
            totals[k0 : k0 + k] = vals.sum(axis=1)
            for f, (order, starts) in enumerate(self.families):
                groups[f].append(np.add.reduceat(vals[:, order], starts, axis=1))
        out = {"total": np.percentile(totals, [2.5, 97.5])}
        for f, parts in enumerate(groups):
            out[f"family{f}"] = np.percentile(np.concatenate(parts), [2.5, 97.5], axis=0)
        return out


def raw_uniform(n: int, iterations: int, seed: int = 0, block: int = 10_000_000) -> float:
    """Draw *n* x *iterations* uniforms in blocks (the raw generator rate's reference)."""
    rng = np.random.default_rng(seed)
    total = n * iterations
    buf = np.empty(min(block, total))
    acc = 0.0
    for k0 in range(0, total, buf.size):
        part = buf[: min(buf.size, total - k0)]
        rng.random(out=part)
        acc += part[0]
    return acc
