"""A check of an inventory's content: what a reader or verifier must know (not an input error).

The completeness judgement (:mod:`.completeness`) and the base-year assessment
(:mod:`.base_year`) report their results as :class:`Check` records; the inventory report
shows them and a verification turns them into findings.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

__all__ = ["Check"]


@dataclass(frozen=True)
class Check:
    """A stable reason ``code``, its severity, what it is about, and the t CO2e at stake.

    ``severity`` ``"error"`` marks a non-conformity (a category not addressed, a failed
    significance test, a recalculation the policy requires); ``size_t`` is ``None`` when
    the amount is not known.
    """

    code: str
    severity: Literal["info", "warning", "error"]
    subject: str
    message: str
    size_t: float | None = None
