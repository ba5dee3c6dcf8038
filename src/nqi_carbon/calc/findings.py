"""Findings: what a reader or verifier should know about a result (not input errors)."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    pass

__all__ = ["Finding"]

@dataclass(frozen=True)
class Finding:
    """Something a reader or verifier should know about the result (not an input error)."""

    code: str
    severity: Literal["info", "warning", "error"]
    subject: str
    message: str

    def to_dict(self) -> dict[str, str]:
        """Return the finding in the ``result@1`` shape."""
        return dataclasses.asdict(self)
