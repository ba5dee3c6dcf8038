"""Every output of the bundled examples, byte for byte, against the files in tests/data/golden.

The files were written by the code before the package layout changed (issue 13), so a move
of code that changes any output byte fails here. They are not a correctness oracle (the
numbers are checked against published figures elsewhere); they pin what a refactoring must
not change. When an output changes on purpose, regenerate them and say why in the commit:

    NQI_REGENERATE_GOLDEN=1 pytest tests/test_golden_outputs.py
"""

from __future__ import annotations

import contextlib
import io
import os
from collections.abc import Callable
from pathlib import Path

import pytest

import nqi_carbon as nc
from nqi_carbon.cli import main as cli_main

ROOT = Path(__file__).resolve().parents[1]
GOLDEN = ROOT / "tests" / "data" / "golden"
EXAMPLES = ROOT / "examples"
REGENERATE = os.environ.get("NQI_REGENERATE_GOLDEN") == "1"


def _cli(*args: str) -> bytes:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        status = cli_main(list(args))
    assert status in (0, None), (args, status)
    return out.getvalue().encode("utf-8")


def _report_set(name: str, tmp: Path) -> dict[str, bytes]:
    res = nc.calculate(nc.load_inventory(EXAMPLES / name / "inventory.yaml"))
    rep = nc.inventory_report(res)
    written = rep.write(tmp / name)
    files = {f"{name}/{p.name}": p.read_bytes() for p in written}
    files[f"{name}/result.json"] = (res.to_json() + "\n").encode("utf-8")
    files[f"{name}/result_repr.html"] = res._repr_html_().encode("utf-8")
    files[f"{name}/report_repr.html"] = rep._repr_html_().encode("utf-8")
    files[f"{name}/inventory_repr.html"] = res.inventory._repr_html_().encode("utf-8")
    files[f"{name}/repr.txt"] = f"{res.inventory!r}\n{res!r}\n{rep!r}\n".encode()
    inv = str(EXAMPLES / name / "inventory.yaml")
    files[f"{name}/calculate.csv"] = _cli("calculate", inv, "--format", "csv")
    files[f"{name}/calculate.table.txt"] = _cli("calculate", inv, "--format", "table")
    files[f"{name}/calculate.mc.json"] = _cli(
        "calculate", inv, "--format", "json", "--uncertainty", "monte-carlo",
        "--iterations", "2000", "--seed", "7",
    )  # fmt: skip
    return files


def _verification(tmp: Path) -> dict[str, bytes]:
    inv = nc.load_inventory(EXAMPLES / "cement" / "inventory.yaml")
    ver = nc.verify(
        inv,
        "examples/cement/claimed.json",  # relative: the path is part of the output
        materiality=0.05,
        assurance="reasonable",
        verifier="A. Verifier",
        body="Example Verification Body",
        date="2025-04-30",
    )
    return {
        "verification/verification.md": ver.to_markdown().encode("utf-8"),
        "verification/verification.html": ver.to_html().encode("utf-8"),
        "verification/verification.json": (ver.to_json() + "\n").encode("utf-8"),
        "verification/repr.html": ver._repr_html_().encode("utf-8"),
        "verification/repr.txt": f"{ver!r}\n".encode(),
    }


def _trajectory(tmp: Path) -> dict[str, bytes]:
    from nqi_carbon.workflows import run_trajectory

    series, sectors = EXAMPLES / "trajectory" / "series.csv", EXAMPLES / "trajectory" / "sectors.csv"
    common = ("--target-year", "2030", "--method", "linear", "--target-reduction", "0.3")
    rep = run_trajectory(
        [str(series)], target_year=2030, method="linear", target_reduction=0.3, sectors=str(sectors)
    )
    return {
        "trajectory/repr.html": rep._repr_html_().encode("utf-8"),
        "trajectory/repr.txt": f"{rep!r}\n".encode(),
        "trajectory/trajectory.html": _cli(
            "trajectory", str(series), *common, "--sectors", str(sectors), "--format", "html"
        ),
        "trajectory/trajectory.json": _cli(
            "trajectory", str(series), *common, "--sectors", str(sectors), "--format", "json"
        ),
    }


def _cn_ets(name: str, tmp: Path, *claim: str) -> dict[str, bytes]:
    """The China ETS report set of an example as the command line writes it (and its 核查 report)."""
    out = tmp / name
    stdout = _cli("cn-ets", f"examples/{name}/plant.yaml", "--out", str(out), *claim)
    files = {f"{name}/{p.name}": p.read_bytes() for p in sorted(out.iterdir())}
    files[f"{name}/stdout.txt"] = stdout.replace(str(tmp).encode(), b"<out>")
    return files


def _neutrality(case: str, claim: str, tmp: Path) -> dict[str, bytes]:
    """The carbon-neutrality evaluation of an example claim, as the command line writes it."""
    out = tmp / case
    stdout = _cli("neutrality", f"examples/neutrality/{claim}", "--out", str(out))
    files = {f"{case}/{p.name}": p.read_bytes() for p in sorted(out.iterdir())}
    files[f"{case}/stdout.txt"] = stdout.replace(str(tmp).encode(), b"<out>")
    return files


def _cbam(tmp: Path) -> dict[str, bytes]:
    """The CBAM communication of the aluminium example, as the command line writes it."""
    out = tmp / "cbam-aluminium"
    stdout = _cli(
        "cbam", "examples/cbam-aluminium/installation.yaml", "--out", str(out),
        "--formats", "json,xlsx,md",
    )  # fmt: skip
    files = {f"cbam-aluminium/{p.name}": p.read_bytes() for p in sorted(out.iterdir())}
    files["cbam-aluminium/stdout.txt"] = stdout.replace(str(tmp).encode(), b"<out>")
    return files


_CN_CLAIM = (
    "--claimed", "examples/cn-power/claimed.yaml",
    "--verifier", "张三", "--body", "示范核查机构", "--date", "2025-04-20",
)  # fmt: skip

PRODUCERS: dict[str, Callable[[Path], dict[str, bytes]]] = {
    "cn-power": lambda tmp: _cn_ets("cn-power", tmp, *_CN_CLAIM),
    "cn-cement": lambda tmp: _cn_ets("cn-cement", tmp),
    "cn-steel": lambda tmp: _cn_ets("cn-steel", tmp),
    "cn-aluminium": lambda tmp: _cn_ets("cn-aluminium", tmp),
    "cement": lambda tmp: _report_set("cement", tmp),
    "multisite": lambda tmp: _report_set("multisite", tmp),
    "office": lambda tmp: _report_set("office", tmp),
    "uk-fleet": lambda tmp: _report_set("uk-fleet", tmp),
    "us-factory": lambda tmp: _report_set("us-factory", tmp),
    "de-office": lambda tmp: _report_set("de-office", tmp),
    "neutrality": lambda tmp: _neutrality("neutrality", "claim.yaml", tmp),
    "neutrality-event": lambda tmp: _neutrality("neutrality-event", "event-claim.yaml", tmp),
    "neutrality-building": lambda tmp: _neutrality(
        "neutrality-building", "building-claim.yaml", tmp
    ),
    "verification": _verification,
    "trajectory": _trajectory,
    "cbam-aluminium": _cbam,
}


@pytest.mark.excel
@pytest.mark.parametrize("case", sorted(PRODUCERS))
def test_outputs_are_byte_identical_to_the_golden_files(case, tmp_path, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1735689600")  # 2025-01-01T00:00:00Z
    monkeypatch.chdir(ROOT)
    files = PRODUCERS[case](tmp_path)
    folder = GOLDEN / case
    if REGENERATE:
        for old in folder.glob("*"):
            old.unlink()
        for rel, data in files.items():
            target = GOLDEN / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
    on_disk = sorted(p.name for p in folder.glob("*"))
    assert on_disk == sorted(Path(r).name for r in files), "outputs added or removed"
    changed = [rel for rel, data in files.items() if (GOLDEN / rel).read_bytes() != data]
    assert not changed, f"outputs differ from tests/data/golden: {changed}"
