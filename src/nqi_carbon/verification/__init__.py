"""Verification in the style of ISO 14064-3: recompute, compare, weigh, give an opinion.

:func:`~nqi_carbon.verification.run.verify` reads the claim
(:mod:`~nqi_carbon.verification.claim`), compares its figures
(:mod:`~nqi_carbon.verification.compare`), weighs them against materiality
(:mod:`~nqi_carbon.verification.materiality`) with the evidence checks
(:mod:`~nqi_carbon.verification.evidence`), and returns a
:class:`~nqi_carbon.verification.result.VerificationResult` with its statement
(:mod:`~nqi_carbon.verification.statement`). The evidence log
(:mod:`~nqi_carbon.verification.log`), the verification plan
(:mod:`~nqi_carbon.verification.sampling`) and the opinion's four types and their
criteria (:mod:`~nqi_carbon.verification.opinion`) feed the opinion and the report's
sections (:mod:`~nqi_carbon.verification.sections`).
"""
