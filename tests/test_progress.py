"""Progress where a person waits: Monte Carlo and report files (issue 14).

``progress=None`` shows a tqdm bar only when stderr is a terminal (or in a notebook),
``True`` always, ``False`` never, a function is called instead; the bar goes to stderr,
never stdout, and never changes a result.
"""

from __future__ import annotations

import json
import os
import pty
import subprocess
import sys
from pathlib import Path

import pytest

import nqi_carbon as nc
from nqi_carbon.report.inventory import inventory_report

ROOT = Path(__file__).resolve().parents[1]
CEMENT = ROOT / "examples" / "cement" / "inventory.yaml"


def _mc(progress: object) -> nc.Result:
    return nc.calculate(
        CEMENT, uncertainty="monte_carlo", iterations=300, seed=7, progress=progress  # type: ignore[arg-type]
    )


def test_progress_true_draws_a_bar_on_stderr_and_the_same_draws(capsys):
    quiet = _mc(False)
    assert capsys.readouterr() == ("", "")
    shown = _mc(True)
    out, err = capsys.readouterr()
    assert out == ""
    assert "Monte Carlo" in err and "300/300" in err
    # the bar is updated per chunk of iterations and changes no draw
    assert shown.group_uncertainty == quiet.group_uncertainty
    assert shown.seed == quiet.seed == 7


def test_progress_none_is_silent_when_stderr_is_not_a_terminal(capsys):
    res = _mc(None)
    assert capsys.readouterr() == ("", "")
    assert res.group_uncertainty == _mc(False).group_uncertainty


def test_a_bar_shows_the_activity_files_and_a_function_hears_of_monte_carlo_only(capsys):
    office = ROOT / "examples" / "office-factory" / "inventory.yaml"  # two activity files
    seen: list[tuple[int, int]] = []
    kw = {"uncertainty": "monte_carlo", "iterations": 300, "seed": 3}
    heard = nc.calculate(office, progress=lambda done, total: seen.append((done, total)), **kw)
    assert seen[-1] == (300, 300) and all(total == 300 for _, total in seen)
    shown = nc.calculate(office, progress=True, **kw)
    out, err = capsys.readouterr()
    assert out == "" and "activity files" in err and "2/2" in err and "300/300" in err
    assert shown.group_uncertainty == heard.group_uncertainty


def test_progress_of_another_type_is_a_typed_error():
    with pytest.raises(nc.InvalidInputError, match="progress") as info:
        _mc("yes")
    assert info.value.issues[0].field == "progress"


def test_report_files_show_progress_per_file_and_write_the_same_bytes(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    rep = inventory_report(nc.calculate(CEMENT, uncertainty="analytical"))
    capsys.readouterr()
    quiet = rep.write(tmp_path / "quiet", ["html", "md", "json"], progress=False)
    assert capsys.readouterr() == ("", "")
    shown = rep.write(tmp_path / "shown", ["html", "md", "json"], progress=True)
    out, err = capsys.readouterr()
    assert out == "" and "report files" in err and "3/3" in err
    assert [p.read_bytes() for p in shown] == [p.read_bytes() for p in quiet]


def _cli(*args: str, stderr_tty: bool = False) -> tuple[str, str]:
    """Run the CLI with stdout a pipe and stderr a pipe or a terminal: (stdout, stderr)."""
    cmd = [sys.executable, "-m", "nqi_carbon.cli", *args]
    if not stderr_tty:
        run = subprocess.run(cmd, capture_output=True, text=True, timeout=120, check=True)
        return run.stdout, run.stderr
    parent, child = pty.openpty()
    try:
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=child, text=True)
        os.close(child)
        out, _ = proc.communicate(timeout=120)
        err = b""
        while True:
            try:
                chunk = os.read(parent, 65536)
            except OSError:  # the terminal is closed once the process has exited
                break
            if not chunk:
                break
            err += chunk
    finally:
        os.close(parent)
    assert proc.returncode == 0
    return out, err.decode("utf-8", "replace")


MC_JSON = ["calculate", str(CEMENT), "--uncertainty", "monte-carlo", "--iterations", "300",
           "--seed", "7", "--format", "json"]  # fmt: skip


@pytest.mark.timeout(300)
def test_cli_quiet_prints_nothing_on_stderr_and_json_parses():
    out, err = _cli(*MC_JSON, "--quiet")
    assert err == ""
    assert json.loads(out)["uncertainty"]["seed"] == 7


@pytest.mark.timeout(300)
def test_cli_shows_no_bar_when_stderr_is_a_pipe():
    out, err = _cli(*MC_JSON)
    assert err == ""
    json.loads(out)


@pytest.mark.skipif(sys.platform == "win32", reason="pseudo-terminals are POSIX")
@pytest.mark.timeout(300)
def test_cli_bar_goes_to_a_terminal_stderr_and_stdout_stays_clean_json():
    out, err = _cli(*MC_JSON, stderr_tty=True)
    assert "Monte Carlo" in err and "300/300" in err
    doc = json.loads(out)  # nothing of the bar on stdout
    assert doc["uncertainty"]["seed"] == 7
    out, err = _cli(*MC_JSON, "--quiet", stderr_tty=True)
    assert err == ""
    assert json.loads(out) == doc


def test_none_shows_a_bar_in_a_jupyter_kernel_only(monkeypatch, capsys):
    import types

    from nqi_carbon._progress import progress_callback

    shell = types.SimpleNamespace(config={"IPKernelApp": {}})
    kernel = types.SimpleNamespace(get_ipython=lambda: shell)
    console = types.SimpleNamespace(get_ipython=lambda: None)  # IPython imported, no kernel
    monkeypatch.setitem(sys.modules, "ipykernel", types.ModuleType("ipykernel"))
    monkeypatch.setitem(sys.modules, "IPython", console)
    assert progress_callback(None, "x") is None
    monkeypatch.setitem(sys.modules, "IPython", kernel)
    monkeypatch.setitem(sys.modules, "ipywidgets", None)  # no widgets: the text bar on stderr
    bar = progress_callback(None, "in a notebook")
    assert bar is not None
    bar(1, 1)
    assert "in a notebook" in capsys.readouterr().err
