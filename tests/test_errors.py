"""The exception tree: builtin bases, structured attributes, pickling, messages."""

from __future__ import annotations

import pickle

import pytest

from nqi_carbon import errors as E  # noqa: N812


@pytest.mark.parametrize(
    ("err", "builtin"),
    [
        (E.UnknownSpeciesError("HFC-999", matches=["HFC-134a"]), KeyError),
        (E.UnknownUnitError("ton", reason="ambiguous"), ValueError),
        (E.DimensionalityMismatchError("kg", "MWh"), ValueError),
        (E.UnknownGWPSetError("AR7", available=["AR4", "AR5", "AR6"]), KeyError),
        (E.MissingGWPError("NF3", "SAR"), KeyError),
        (E.GWPSetMismatchError("AR5", "AR6"), ValueError),
        (
            E.UnknownFactorError("ipcc-2006/natgas", matches=["ipcc-2006/stationary/natural_gas"]),
            KeyError,
        ),
        (
            E.InvalidInputError([E.Issue("finite_number", "not finite", file="f.yaml", field="x")]),
            ValueError,
        ),
        (E.PackError([E.Issue("missing", "required", file="p.yaml")]), ValueError),
    ],
)
def test_errors_are_builtin_too_and_pickle(err, builtin):
    assert isinstance(err, E.NqiCarbonError)
    assert isinstance(err, builtin)
    clone = pickle.loads(pickle.dumps(err))
    assert type(clone) is type(err)
    assert str(clone) == str(err)
    assert clone.details == err.details


def test_message_names_value_and_suggestion():
    err = E.UnknownFactorError("ipcc-2006/natgas", matches=["ipcc-2006/stationary/natural_gas"])
    assert "did you mean 'ipcc-2006/stationary/natural_gas'?" in str(err)
    err2 = E.UnknownGWPSetError("AR7", available=["AR4", "AR5", "AR6"])
    assert "available: AR4, AR5, AR6" in str(err2)


def test_invalid_input_lists_every_issue():
    issues = [
        E.Issue(
            "finite_number",
            "Input should be a finite number",
            file="inv.yaml",
            field="a",
            value="nan",
        ),
        E.Issue("ids_unique", "id 'x' is used more than once", file="inv.yaml", field="sources"),
    ]
    err = E.InvalidInputError(issues, source="inv.yaml")
    text = str(err)
    assert "2 problems found" in text
    assert "[finite_number]" in text and "[ids_unique]" in text
    assert err.issues == issues
