"""The command line: exit codes, every problem listed, JSON output that parses."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from nqi_carbon import __version__
from nqi_carbon.cli import main

DATA = Path(__file__).resolve().parent / "data"


def test_version(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["--version"])
    assert exc.value.code == 0
    assert capsys.readouterr().out.strip() == f"nqi-carbon {__version__}"


def test_no_command_is_usage_error(capsys):
    assert main([]) == 2


def test_validate_broken_lists_every_problem_and_fails(capsys):
    code = main(["validate", str(DATA / "broken_inventory.yaml")])
    err = capsys.readouterr().err
    assert code == 1
    assert "16 problems found" in err  # one per "<-" line in the file
    for needle in ("equity_share", "plant-x", "M-9", "finite_number", "gas_known", "colour"):
        assert needle in err


def test_validate_json_output(capsys):
    code = main(["validate", str(DATA / "broken_inventory.yaml"), "--format", "json"])
    out = json.loads(capsys.readouterr().out)
    assert code == 1
    assert out["valid"] is False
    assert {"code", "message", "file", "row", "field", "value", "allowed", "severity"} <= set(out["issues"][0])


def test_validate_missing_file(capsys):
    assert main(["validate", str(DATA / "nope.yaml")]) == 1
    assert "file_unreadable" in capsys.readouterr().err


def test_console_script_runs():
    out = subprocess.run([sys.executable, "-m", "nqi_carbon.cli", "--version"], capture_output=True, text=True)
    assert out.returncode == 0
    assert __version__ in out.stdout


def test_schema_command_prints_json(capsys):
    assert main(["schema"]) == 0
    schema = json.loads(capsys.readouterr().out)
    assert schema["properties"]["schema"]["const"] == "nqi-carbon/inventory@1"
