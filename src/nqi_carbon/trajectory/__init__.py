"""Trajectories: base year, peak, forecasts, roadmaps, LMDI decomposition, intensity.

Base-year recalculation, peak detection, trend forecasts, reduction roadmaps with
progress, LMDI decomposition and intensity indicators.

Every method's parameters are explicit arguments; none is fixed by a source (the
guideline defines a carbon peak as the historic maximum, followed by a plateau and a
sustained decline, without numbers — DOMAIN.md §1, §10).
"""

from __future__ import annotations

from .build import build_trajectory
from .forecast import PeakResult, detect_peak, forecast_driver, forecast_loglinear
from .lmdi import intensity, lmdi
from .page import TrajectoryReport
from .recalculation import Change, RecalculationDecision, assess_recalculation
from .roadmap import progress, roadmap
from .series import annual_series, regional_totals

__all__ = [
    "Change",
    "PeakResult",
    "RecalculationDecision",
    "TrajectoryReport",
    "annual_series",
    "assess_recalculation",
    "build_trajectory",
    "detect_peak",
    "forecast_driver",
    "forecast_loglinear",
    "intensity",
    "lmdi",
    "progress",
    "regional_totals",
    "roadmap",
]
