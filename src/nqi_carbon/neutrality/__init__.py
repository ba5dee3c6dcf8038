"""Carbon-neutrality claims (ISO 14068-1): reductions, credits and an honest claim.

:func:`evaluate_neutrality` reads a claim file (``schema: nqi-carbon/neutrality@1``),
computes the subject's footprint and its 95 % interval (an organisation's inventory is
calculated with IPCC Approach 1; a stated footprint gives its own), the residual the
retired credits must cover, and checks every rule of :data:`~nqi_carbon.neutrality.rules.RULES`:
coverage, serials counted once (across the claims evaluated together), retirement date
and window, vintage, beneficiary, removal share. A rule that fails refuses the claim.
See ``docs/how-to/neutrality-claims.md``.

>>> import nqi_carbon as nc
>>> ev = nc.evaluate_neutrality("examples/neutrality/claim.yaml")  # doctest: +SKIP
>>> ev.status, ev.write("out")  # doctest: +SKIP
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from .model import Claim
from .report import NeutralityEvaluation

if TYPE_CHECKING:
    from ..pages.labels import Language

__all__ = ["Claim", "NeutralityEvaluation", "evaluate_neutrality", "evaluate_neutrality_claims"]

Source = str | Path | dict[str, Any] | Claim


def evaluate_neutrality(
    claim: Source,
    *,
    alongside: tuple[Source, ...] | list[Source] = (),
    language: Language | None = None,
) -> NeutralityEvaluation:
    """Evaluate a carbon-neutrality claim: the claim statement, or why none can be made.

    Parameters
    ----------
    claim : path, mapping or Claim
        The claim file (``schema: nqi-carbon/neutrality@1``, YAML or JSON), read with
        the bounded, confined loader; an inventory it names is read from its folder.
    alongside : sequence of claims, optional
        Other claims of the same run (other subjects, other years): a serial retired in
        one of them and counted in *claim* refuses *claim*.
    language : {"en", "zh", "en+zh"}, optional
        The pages' language (default: the claim file's ``language``, else English); the
        JSON always holds ``statement`` and ``statement_zh``.

    Returns
    -------
    NeutralityEvaluation
        ``status`` ``claim`` or ``refused``, the ``refusals`` (reason codes), the
        ``statement`` and the figures; ``write(out_dir)`` writes JSON, Markdown and HTML.

    Raises
    ------
    InvalidInputError
        A claim (or inventory) that cannot be read or validated: every problem at once.
    """
    if not isinstance(alongside, list | tuple):
        from ..errors import argument_error

        raise argument_error(
            "alongside", alongside, "a list or tuple of claims", where="evaluate_neutrality()"
        )
    return evaluate_neutrality_claims([claim, *alongside], language=language)[0]


def evaluate_neutrality_claims(
    claims: list[Source] | tuple[Source, ...], *, language: Language | None = None
) -> list[NeutralityEvaluation]:
    """Evaluate several claims together (serials checked across all), one evaluation each."""
    from ..errors import argument_error
    from .evaluate import evaluate_claims

    if language not in (None, "en", "zh", "en+zh"):
        raise argument_error("language", language, "en, zh or en+zh", where="evaluate_neutrality()")
    return [NeutralityEvaluation(e, language=language) for e in evaluate_claims(list(claims))]
