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

import datetime as _dt
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from .model import Claim
from .report import NeutralityEvaluation

if TYPE_CHECKING:
    from ..pages.labels import Language

__all__ = [
    "Claim",
    "NeutralityEvaluation",
    "evaluate_neutrality",
    "evaluate_neutrality_claims",
    "verify_neutrality",
    "verify_neutrality_claims",
]

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
    from .evaluate import evaluate_claims

    _check_choice("language", language, (None, "en", "zh", "en+zh"), "evaluate_neutrality()")
    return [NeutralityEvaluation(e, language=language) for e in evaluate_claims(list(claims))]


def verify_neutrality(
    claim: Source,
    *,
    materiality: float | str,
    assurance: Literal["reasonable", "limited"],
    alongside: tuple[Source, ...] | list[Source] = (),
    verifier: str | None = None,
    body: str | None = None,
    date: str | _dt.date | None = None,
    language: Language | None = None,
) -> NeutralityEvaluation:
    """Verify a carbon-neutrality claim: recompute, re-check every credit and rule, an opinion.

    The footprint is recomputed from the claim's inventory and every rule of its criteria
    re-checked (as :func:`evaluate_neutrality`); the figures the claim states (the
    residual, the base year's emissions) are weighed against *materiality* — a share of the
    recomputed footprint — in place of the evaluation's 0.5 t tolerance; the opinion is
    **disclaimer** for a stated footprint (nothing to recompute), **adverse** when a rule
    fails or a misstatement reaches twice materiality, **modified** when one reaches
    materiality, else **unmodified** (see :mod:`nqi_carbon.neutrality.verify`).

    Parameters
    ----------
    claim, alongside, language
        As :func:`evaluate_neutrality`.
    materiality : float or str
        A fraction (``0.05``) or a percentage (``"5%"``) of the recomputed footprint.
    assurance : {"reasonable", "limited"}
        The level of assurance, stated with the opinion.
    verifier, body : str, optional
        The verifier and the verification body, stated with the opinion.
    date : date or ISO text, optional
        The date of the opinion.

    Returns
    -------
    NeutralityEvaluation
        The evaluation with ``opinion`` set (a
        :class:`~nqi_carbon.neutrality.verify.ClaimOpinion`): its report and JSON carry the
        opinion, the materiality and each misstatement.

    Raises
    ------
    InvalidInputError
        As :func:`evaluate_neutrality`; ``materiality`` for a materiality outside (0, 1);
        ``argument_value`` for an unknown assurance or a date that is not a date.
    """
    from ..errors import argument_error

    if not isinstance(alongside, list | tuple):
        raise argument_error(
            "alongside", alongside, "a list or tuple of claims", where="verify_neutrality()"
        )
    return verify_neutrality_claims(
        [claim, *alongside],
        materiality=materiality,
        assurance=assurance,
        verifier=verifier,
        body=body,
        date=date,
        language=language,
    )[0]


def verify_neutrality_claims(
    claims: list[Source] | tuple[Source, ...],
    *,
    materiality: float | str,
    assurance: Literal["reasonable", "limited"],
    verifier: str | None = None,
    body: str | None = None,
    date: str | _dt.date | None = None,
    language: Language | None = None,
) -> list[NeutralityEvaluation]:
    """Verify several claims together (serials checked across all), one evaluation each."""
    from ..errors import argument_error
    from .evaluate import evaluate_claims
    from .verify import claim_opinion, materiality_fraction

    fraction = materiality_fraction(materiality)
    _check_choice("assurance", assurance, ("reasonable", "limited"), "verify_neutrality()")
    when = _date(date)
    _check_choice("language", language, (None, "en", "zh", "en+zh"), "verify_neutrality()")
    for name, value in (("verifier", verifier), ("body", body)):
        if value is not None and not isinstance(value, str):
            raise argument_error(name, value, "text or None", where="verify_neutrality()")
    out = []
    for ev in evaluate_claims(list(claims)):
        opinion = claim_opinion(
            ev, materiality=fraction, assurance=assurance, verifier=verifier, body=body, date=when
        )
        out.append(NeutralityEvaluation(ev, language=language, opinion=opinion))
    return out


def _check_choice(name: str, value: object, allowed: tuple[str | None, ...], where: str) -> None:
    """Refuse *value* unless it is one of *allowed* (compared only when it is text or None).

    Comparing first would call ``__eq__`` of whatever was passed (an array, a quantity),
    which may raise or answer with an array; the type is checked before.
    """
    from ..errors import argument_error

    if not (value is None or isinstance(value, str)) or value not in allowed:
        words = ", ".join(str(a) for a in allowed if a is not None)
        raise argument_error(name, value, f"one of {words}", where=where)


def _date(value: str | _dt.date | None) -> _dt.date | None:
    from ..errors import argument_error

    if value is None or (isinstance(value, _dt.date) and not isinstance(value, _dt.datetime)):
        return value
    if isinstance(value, str):
        try:
            return _dt.date.fromisoformat(value)
        except ValueError:
            pass
    raise argument_error(
        "date", value, "an ISO date such as 2025-04-30", where="verify_neutrality()"
    )
