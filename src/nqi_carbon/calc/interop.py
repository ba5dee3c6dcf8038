"""Results for other libraries: pint Quantities and correlated ``uncertainties`` values.

:func:`group_ufloat` gives a group total (a category, a scope, a facility, the total) as a
value of the ``uncertainties`` package built on one ``uncertainties`` variable per
uncertain input of the result, made once per result: each source's activity, each
instrument, each factor and fuel parameter (tagged as in the contribution table,
``activity:<source>``, ``instrument:<id>``, ``factor:<pack/id>:<gas>``, ``fuel:...``).
A group is its value plus its signed Approach 1 sensitivities to those inputs
(:func:`~nqi_carbon.calc.uncertainty.group_variance_terms` squares them), so every
value taken from one result is correlated with every other exactly as Approach 1
correlates them: two groups that share a factor move together, and any sum has the
variance Approach 1 gives the union. Standard deviations are the 95 % half-widths divided
by 1.96 (the normal approximation of Approach 1); ``error_components()`` of a value names
the inputs it comes from.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from ..errors import InvalidInputError, Issue
from .uncertainty import Z95, Sensitivities

if TYPE_CHECKING:
    from .result import Result

__all__ = ["group_ufloat", "market_based_flag", "tonnes"]


def _coefficients(
    result: Result, sens: Sensitivities, mask: npt.NDArray[np.bool_]
) -> npt.NDArray[np.float64]:
    """Signed 95 % half-width contribution of every uncertain input to group *mask*.

    Per source (its activity stated per record), per instrument, per parameter (factor or
    fuel parameter), in that order; their squares are the terms of
    :func:`~nqi_carbon.calc.uncertainty.group_variance_terms`.
    """
    stats = result._stats
    n_src = stats.A.size
    sj = np.bincount(sens.src[mask], sens.rho[mask], minlength=n_src)
    act = np.sqrt(np.maximum(stats.Q, 0.0)) * sj
    ins = result._ins_u95 * (stats.B.T @ sj) if stats.B.size else np.zeros(0)
    u_par = np.array([p.u95 for p in result.params], dtype=float)
    tmask = mask[sens.l_idx]
    sp = np.bincount(sens.p_idx[tmask], sens.coef[tmask], minlength=u_par.size)
    out: npt.NDArray[np.float64] = np.concatenate([act, ins, u_par * sp])
    return out


class _Inputs:
    """The result's uncertain inputs as standard ``uncertainties`` variables, and its sensitivities."""

    def __init__(self, result: Result) -> None:
        from uncertainties import ufloat

        self.sens = Sensitivities.of(result.table, result._stats)
        inv = result.inventory
        n_src = result._stats.A.size
        n_ins = result._stats.B.shape[1] if result._stats.B.size else 0
        tags = [f"activity:{s.id}" for s in inv.sources[:n_src]]
        tags += [f"activity:#{i}" for i in range(len(tags), n_src)]
        tags += [f"instrument:{i.id}" for i in inv.instruments[:n_ins]]
        tags += [p.key for p in result.params]
        self.variables = [ufloat(0.0, 1.0, tag) for tag in tags]


def group_ufloat(result: Result, group: str) -> Any:
    """The total of *group* (a name of ``result.group_masks``) as an ``uncertainties`` value.

    Raises
    ------
    InvalidInputError
        ``result_magnitude`` when a standard deviation overflows double precision.
    """
    from uncertainties.core import AffineScalarFunc, LinearCombination

    inputs = result._ufloat_inputs
    if inputs is None:
        inputs = result._ufloat_inputs = _Inputs(result)
    mask = result.group_masks[group]
    value = result._sum(mask)
    with np.errstate(over="ignore", invalid="ignore"):
        coefs = _coefficients(result, inputs.sens, mask) / Z95
    if not np.isfinite(coefs).all() or not np.isfinite(np.sqrt(np.sum(coefs**2))):
        raise InvalidInputError(
            [
                Issue(
                    "result_magnitude",
                    f"the standard deviation of {group!r} overflows double precision",
                    allowed="uncertainties whose squares stay below 1e308",
                )
            ],
            source=result.inventory.source_path,
        )
    # value + Σ coef·input, as uncertainties builds it (an exact group has no inputs)
    terms = {inputs.variables[k]: float(coefs[k]) for k in np.flatnonzero(coefs).tolist()}
    return AffineScalarFunc(value, LinearCombination(terms))


def market_based_flag(value: Any, where: str) -> bool:
    """The ``market_based`` argument: True or False, nothing else (``argument_type``)."""
    from ..errors import expect_type

    flag: bool = expect_type(value, bool, field="market_based", where=where, allowed="True or False")
    return flag


def tonnes(value: Any) -> Any:
    """*value* [t] as a pint Quantity of the nqi-carbon registry."""
    from ..units import registry

    return registry().Quantity(value, "t")
