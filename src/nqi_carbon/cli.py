"""The ``nqi-carbon`` command line.

Exit status: 0 success; 1 invalid input (every problem is printed); 2 wrong usage;
``verify`` only: 3 a modified opinion or a material misstatement, 4 an adverse opinion,
5 a disclaimer of opinion (``--exit-zero`` gives 0 whatever the opinion); ``neutrality``
only: 3 a claim refused, and with ``--verify`` the opinion's status as for ``verify``
(the highest of the files). See
``docs/reference/cli.md``.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Literal, TextIO, TypeAlias

from . import __version__
from ._escape import csv_frame, term_line, term_text
from .errors import InvalidInputError, Issue, NqiCarbonError
from .summary import _print_table, _summary

if TYPE_CHECKING:
    from .calc.findings import Finding
    from .calc.result import Result
    from .inventory.models import Inventory

__all__ = [
    "EXIT_OPINION_ADVERSE",
    "EXIT_OPINION_DISCLAIMER",
    "EXIT_OPINION_MODIFIED",
    "main",
    "opinion_status",
]


class _TerminalSafe:
    """A text stream that passes everything written to it through :func:`term_text`.

    ``main`` puts it in front of ``sys.stdout`` and ``sys.stderr``: no control sequence
    from the input (an ESC in a name, a CR, a C1 control) reaches the terminal, whatever
    prints it (tables, messages, argparse errors, JSON, CSV). ``unfiltered`` is the
    stream behind it, for nqi-carbon's own control characters (the progress bar's CR).
    """

    def __init__(self, stream: TextIO) -> None:
        self.unfiltered = stream

    def write(self, text: str) -> int:
        return self.unfiltered.write(term_text(text))

    def __getattr__(self, name: str) -> object:
        return getattr(self.unfiltered, name)


EXIT_OPINION_MODIFIED = 3
"""``verify``: the opinion is modified (qualified), or a misstatement is material."""


EXIT_OPINION_ADVERSE = 4
"""``verify``: the opinion is adverse."""


EXIT_OPINION_DISCLAIMER = 5
"""``verify``: a disclaimer of opinion (the verifier could not form one)."""


EXIT_CLAIM_REFUSED = 3
"""``neutrality``: a carbon-neutrality claim is refused (a rule fails)."""


def _validation_json(issues: Sequence[Issue], warnings: Sequence[Finding] = ()) -> str:
    """The ``validation`` document (docs/reference/cli.md): valid, issues, warnings."""
    from ._escape import json_text

    doc = {
        "valid": not issues,
        "issues": [i.to_dict() for i in issues],
        "warnings": [f.to_dict() for f in warnings],
    }
    return json_text(json.dumps(doc, indent=2, ensure_ascii=False, allow_nan=False)) + "\n"


def _check_file(path: str) -> tuple[Inventory | None, list[Issue], list[Finding]]:
    """Every problem of inventory file *path*, of every stage, and the warnings of a valid one.

    The file is validated; when it has problems, the part of it that is valid on its own
    (:func:`~nqi_carbon.inventory.load.partial_inventory`) is still planned and its
    activity checked, so an unknown facility does not hide an unknown factor elsewhere.
    A valid inventory is calculated (without uncertainty): its warnings are what
    ``calculate`` would report.
    """
    from ._io.structured import read_structured
    from .calc.pipeline import calculate
    from .errors import unique_issues
    from .inventory.load import (
        STDIN,
        STDIN_NAME,
        partial_inventory,
        stdin_document,
        validate_inventory,
    )

    if path == STDIN:  # `validate -`: activity files are read from the current folder
        (data, digest), source, path = stdin_document(), None, STDIN_NAME
    else:
        (data, digest), source = read_structured(path, what="inventory"), path
    issues: list[Issue] = []
    inv: Inventory | None
    try:
        inv = validate_inventory(data, source=path)
        inv._source_path, inv._input_sha256 = source, digest
        where: Callable[[Issue], Issue] = lambda issue: issue  # noqa: E731
    except InvalidInputError as exc:
        issues += exc.issues
        inv, where = partial_inventory(data, source=path)
    warnings: list[Finding] = []
    if inv is not None:
        try:
            res = calculate(inv)
            warnings = [f for f in res.findings if f.severity != "info"]
        except InvalidInputError as exc:
            issues += [where(i) for i in exc.issues]
    if issues:
        return None, unique_issues(issues, by=("code", "field", "source", "message")), []
    return inv, [], warnings


def _inventory(file: str) -> Inventory:
    """The inventory *file*, or standard input for ``-``."""
    from .inventory.load import STDIN, load_inventory, load_inventory_stdin

    return load_inventory_stdin() if file == STDIN else load_inventory(file)


def _cmd_validate(args: argparse.Namespace) -> int:
    inv, issues, warnings = _check_file(args.file)
    if issues:
        exc = InvalidInputError(issues, source=args.file)
        if args.format == "json":
            sys.stdout.write(_validation_json(exc.issues))
        else:
            sys.stderr.write(str(exc) + "\n")
        return 1
    assert inv is not None
    if args.format == "json":
        sys.stdout.write(_validation_json([], warnings))
        return 0
    n = sum(len(s.records) for s in inv.sources)
    print(
        f"{term_line(args.file)}: valid ({len(inv.facilities)} facilities, {len(inv.sources)} sources, "
        f"{n} activity records"
        + (f" and {len(inv.activity_files)} activity files" if inv.activity_files else "")
        + f", GWP {inv.gwp})"
    )
    if warnings:
        print(f"{len(warnings)} warning(s):")
        for f in warnings:
            print(f"  - [{f.code}] {term_line(f.subject)}: {term_line(f.message)}")
    return 0


def _cmd_schema(args: argparse.Namespace) -> int:
    from .contracts.schemas import schema_text

    sys.stdout.write(schema_text(args.name))
    return 0


def _pint_without_dask() -> None:
    """Import pint without its optional Dask support, when neither is imported yet.

    pint imports ``dask.base`` whenever Dask is installed (0.07-0.16 s and 8 MB, with
    jinja2, psutil and toolz), for Quantities of Dask arrays, which nqi-carbon never
    makes (``--dask`` hands plain columns to Dask). Only the command line does this, in
    its own process; Dask itself stays importable (``--dask``, ``--activity``).
    """
    if "pint" in sys.modules or "dask" in sys.modules:
        return
    sys.modules["dask"] = None  # type: ignore[assignment]  # find_spec("dask") is None
    try:
        import pint  # noqa: F401
    finally:
        if "dask" in sys.modules and sys.modules["dask"] is None:
            del sys.modules["dask"]


def _cmd_calculate(args: argparse.Namespace) -> int:
    from ._io.tables import map_large_allocations

    map_large_allocations()  # this process's arrays go back to the system when freed
    _pint_without_dask()
    from .calc.pipeline import calculate

    inv = _inventory(args.file)
    method = None if args.uncertainty == "none" else args.uncertainty
    with _dask_client(args.dask, bool(args.activity)):
        activity = None
        if args.activity:
            from .calc.dask_engine import activity_partitions

            activity = activity_partitions(args.activity)
        res = calculate(
            inv,
            activity=activity,
            uncertainty=method,
            iterations=args.iterations,
            seed=args.seed,
            progress=False if args.quiet else None,
            engine="dask" if args.dask or args.activity else None,
        )
    if not args.activity and inv.activity_files:
        from ._io.tables import release_unused_memory

        # what reading and summing a million rows freed, handed back before the output
        # is made (the JSON of 10,000 sources adds ~80 MB over it): not kept as free heap
        release_unused_memory()
    if args.format == "json":
        _write_result_json(res)
    elif args.format == "csv":
        # text that would start a formula is prefixed with ' (OWASP); numbers stay numbers
        csv_frame(res.lines).to_csv(sys.stdout, index=False, lineterminator="\n")
    else:
        _summary(res, sys.stdout)
    return 0


def _write_result_json(res: Result) -> None:
    """``res.to_json()`` and a line feed on standard output, written as it is made.

    The text goes through a spool (:func:`~nqi_carbon._io.atomic.spooled_output`), so an
    error leaves standard output empty, and past the terminal filter: JSON text from
    :func:`~nqi_carbon._escape.write_json` holds no character that filter would change
    (``json`` escapes the C0 controls, ``json_text`` every other one).
    """
    from ._escape import write_json
    from ._io.atomic import spooled_output

    out = getattr(sys.stdout, "unfiltered", sys.stdout)
    doc = res.to_dict()
    with spooled_output(out) as write:
        write_json(doc, write)
        del doc  # the lines and their traces (40 MB at 10,000 sources) before the copy
        write("\n")


def _dask_client(scheduler: str | None, needed: bool) -> contextlib.AbstractContextManager[object]:
    """A Dask client for ``--dask`` (``local``: a cluster on this machine), else nothing.

    Raises NqiCarbonError when Dask is asked for (``--dask`` or ``--activity``) but the
    ``dask`` extra is not installed.
    """
    import importlib.util

    from .errors import NqiCarbonError

    if not (scheduler or needed):
        return contextlib.nullcontext()
    if importlib.util.find_spec("dask") is None or importlib.util.find_spec("distributed") is None:
        raise NqiCarbonError("--activity and --dask need Dask: pip install 'nqi-carbon[dask]'")
    if scheduler is None:
        return contextlib.nullcontext()
    from distributed import Client, LocalCluster

    stack = contextlib.ExitStack()
    if scheduler == "local":
        cluster = stack.enter_context(LocalCluster(dashboard_address=None))
        stack.enter_context(Client(cluster))
    else:
        stack.enter_context(Client(scheduler))
    return stack


def _uncertainty(u: object) -> object:
    """An uncertainty as JSON: a relative half-width (0.05) or its distribution mapping."""
    if u is None or isinstance(u, float | int):
        return u
    from .data.fields import Distribution

    assert isinstance(u, Distribution)
    return u.model_dump(exclude_none=True)


def _uncertainty_text(u: object, unit: str) -> str:
    if u is None:
        return "not stated"
    if isinstance(u, float | int):
        return f"±{100 * u:g}% (95 % interval)"
    assert isinstance(u, dict)
    what = "min/max" if u["distribution"] in ("uniform", "triangular") else "95 % bounds"
    mode = f", mode {u['mode']:g}" if "mode" in u else ""
    return f"{u['distribution']}, {what} {u['lower']:g} to {u['upper']:g} {unit}{mode}"


def _factor_dict(f: object) -> dict[str, object]:
    from .data.factors import Factor

    assert isinstance(f, Factor)
    e = f.entry
    gases = {
        g: {
            "value": v.value,
            "unit": v.unit,
            "uncertainty": _uncertainty(v.uncertainty),
            "citation": f.citation_text(g),
        }
        for g, v in (e.gases or {}).items()
    }
    out: dict[str, object] = {
        "id": f.ref,
        "kind": "factor",
        "name": e.name,
        "pack": f.pack_id,
        "pack_version": f.pack_version,
        "activity_unit": f.activity_unit,
        "basis": e.basis,
        "region": e.region,
        "valid": None if e.valid is None else {"from": e.valid.from_, "to": e.valid.to},
        "data_year": e.data_year,
        "biogenic": e.biogenic,
        "gases": gases,
        "citation": f.citation_text(),
    }
    if e.co2e is not None:
        out["co2e"] = {
            "value": e.co2e.value,
            "unit": e.co2e.unit,
            "gwp_set": e.co2e.gwp_set,
            "uncertainty": _uncertainty(e.co2e.uncertainty),
            "citation": f.citation_text("CO2e"),
        }
    if e.fuel:
        out["fuel"] = f"{f.pack_id}/fuel/{e.fuel}"
    if e.notes:
        out["notes"] = e.notes
    return out


def _fuel_dict(fuel: object, region: str | None = None) -> dict[str, object]:
    """A fuel as JSON; *region* is its pack's (fuels state none of their own)."""
    from .data.factors import Fuel

    assert isinstance(fuel, Fuel)
    e = fuel.entry
    params: dict[str, object] = {}
    for name, p in e.parameters().items():
        params[name] = {
            "value": p.value,
            "unit": p.unit,
            "uncertainty": _uncertainty(p.uncertainty),
            "citation": fuel.citation_text(name),
        }
        if p.notes:
            params[name]["notes"] = p.notes  # type: ignore[index]
    out: dict[str, object] = {
        "id": fuel.ref,
        "kind": "fuel",
        "name": e.name,
        "pack": fuel.pack_id,
        "pack_version": fuel.pack_version,
        "region": region,
        "biogenic": e.biogenic,
        "parameters": params,
    }
    if e.applies_to:
        out["applies_to"] = list(e.applies_to)
    if e.notes:
        out["notes"] = e.notes
    return out


def _write_show(d: dict[str, object], out: TextIO) -> None:
    for k, v in d.items():
        if k in ("gases", "parameters") and isinstance(v, dict):
            out.write(f"{k}:\n")
            for g, gv in v.items():
                out.write(
                    f"  {g}: {gv['value']:g} {gv['unit']}\n"
                    f"      uncertainty: {_uncertainty_text(gv['uncertainty'], gv['unit'])}\n"
                    + (f"      notes: {gv['notes']}\n" if gv.get("notes") else "")
                    + f"      source: {gv['citation'] or 'not cited'}\n"
                )
        elif k == "co2e" and isinstance(v, dict):
            out.write(
                f"co2e: {v['value']:g} {v['unit']} (GWP {v['gwp_set']})\n"
                f"      uncertainty: {_uncertainty_text(v['uncertainty'], v['unit'])}\n"
                f"      source: {v['citation']}\n"
            )
        elif k == "valid" and isinstance(v, dict):
            out.write(f"valid: {v['from']} to {v['to'] if v['to'] is not None else 'open'}\n")
        elif v is not None:
            out.write(f"{k}: {v}\n")


def _parameter_text(fuel: object, name: str) -> str:
    """A fuel parameter as '20.304 GJ/t' ('' when the fuel does not give it)."""
    from .data.factors import Fuel

    assert isinstance(fuel, Fuel)
    p = fuel.parameter(name)
    return "" if p is None else f"{p.value:g} {p.unit}"


def _cmd_factors(args: argparse.Namespace) -> int:
    from .data.factors import Factor, default_registry

    reg = default_registry()
    if args.action == "show":
        if not args.query:
            sys.stderr.write(
                "factors show needs a factor id (<pack>/<factor-id>) or a fuel id "
                "(<pack>/fuel/<fuel-id>)\n"
            )
            return 2
        item = reg.resolve_any(args.query)
        d = (
            _factor_dict(item)
            if isinstance(item, Factor)
            else _fuel_dict(item, reg.fuel_region(item))
        )
        # the terms the values are reproduced under, with every value shown
        d["licence"] = reg.pack(item.pack_id).pack.licence
        if args.format == "json":
            json.dump(d, sys.stdout, indent=2, ensure_ascii=False, allow_nan=False)
            sys.stdout.write("\n")
        else:
            _write_show(d, sys.stdout)
        return 0
    # list and search take the same filters; list without any prints every factor and fuel
    found = reg.search_all(
        args.query,
        gas=args.gas,
        region=args.region,
        year=args.year,
        unit=args.unit,
        category=args.category,
    )
    if args.format == "json":
        json.dump(
            [
                _factor_dict(f) if isinstance(f, Factor) else _fuel_dict(f, reg.fuel_region(f))
                for f in found
            ],
            sys.stdout,
            indent=2,
            ensure_ascii=False,
            allow_nan=False,
        )
        sys.stdout.write("\n")
    else:
        rows = []
        for f in found:
            if isinstance(f, Factor):
                rows.append(
                    [
                        f.ref,
                        "factor",
                        f.activity_unit,
                        ", ".join(f.gases),
                        f.entry.region,
                        "",
                        "",
                        (f.entry.name or "")[:60],
                    ]
                )
            else:
                carbon = _parameter_text(f, "carbon_content")
                rows.append(
                    [
                        f.ref,
                        "fuel",
                        "",
                        "CO2" if carbon else "",
                        reg.fuel_region(f),
                        _parameter_text(f, "ncv"),
                        carbon,
                        (f.entry.name or "")[:60],
                    ]
                )
        _print_table(
            ["id", "kind", "per", "gases", "region", "ncv", "carbon_content", "name"],
            rows,
            sys.stdout,
        )
        n_fuels = sum(1 for f in found if not isinstance(f, Factor))
        fuels = f", {n_fuels} fuel(s)" if n_fuels else ""
        sys.stdout.write(f"{len(found) - n_fuels} factor(s){fuels}\n")
    return 0


def _report_formats(text: str) -> tuple[str, ...] | None:
    """The report formats of ``--formats`` (comma-separated), or None after saying which are unknown."""
    formats = tuple(f.strip() for f in text.split(",") if f.strip())
    bad = [f for f in formats if f not in ("html", "md", "json", "xlsx")]
    if bad:
        sys.stderr.write(f"unknown format(s) {', '.join(bad)}; allowed: html, md, json, xlsx\n")
        return None
    return formats


def _cmd_report(args: argparse.Namespace) -> int:
    from .demo import write_report

    formats = _report_formats(args.formats)
    if formats is None:
        return 2
    method = (
        "monte_carlo" if args.uncertainty in ("monte-carlo", "monte_carlo") else args.uncertainty
    )
    return write_report(
        args.file,
        out_dir=args.out,
        stream=sys.stdout,
        formats=formats,
        uncertainty=method,
        progress=False if args.quiet else None,
    )


def _cmd_verify(args: argparse.Namespace) -> int:
    from .verification.run import verify

    inv = _inventory(args.file)
    ver = verify(
        inv,
        args.claimed,
        materiality=args.materiality,
        assurance=args.assurance,
        verifier=args.verifier,
        body=args.body,
        date=args.date,
        evidence=args.evidence,
        intended_users=args.intended_users,
    )
    if args.format == "json":
        sys.stdout.write(ver.to_json() + "\n")
    elif args.format == "html":
        sys.stdout.write(ver.to_html())
    else:
        sys.stdout.write(ver.to_markdown())
    return 0 if args.exit_zero else opinion_status(ver.opinion, material=ver.material)


def opinion_status(opinion: str, *, material: bool) -> int:
    """The exit status of ``verify`` for *opinion* (read as text) and the materiality.

    0 an unmodified opinion without material misstatement; 3 a modified (qualified)
    opinion, or a material misstatement; 4 an adverse opinion; 5 a disclaimer of opinion.
    An opinion word nqi-carbon does not know is treated as modified: never a silent 0.
    """
    word = str(opinion).strip().lower()
    if "disclaim" in word:
        return EXIT_OPINION_DISCLAIMER
    if "adverse" in word:
        return EXIT_OPINION_ADVERSE
    if word == "unmodified" and not material:
        return 0
    return EXIT_OPINION_MODIFIED


def _cmd_trajectory(args: argparse.Namespace) -> int:
    from .workflows import run_trajectory

    out = run_trajectory(
        args.files,
        target_year=args.target_year,
        method=args.method,
        target_reduction=args.target_reduction,
        target_t=args.target,
        budget_t=args.budget,
        base_year=args.base_year,
        plateau_band=args.plateau_band,
        decline_years=args.decline_years,
        sectors=args.sectors,
        fit_from=args.fit_from,
    )
    for note in out.notes:
        sys.stderr.write(f"note: {term_line(note)}\n")
    if args.format == "html":
        sys.stdout.write(out.to_html())
    else:
        sys.stdout.write(out.to_json() + "\n")
    return 0


def _cmd_demo(args: argparse.Namespace) -> int:
    from .demo import run_demo

    return run_demo(out_dir=args.out, stream=sys.stdout, progress=False if args.quiet else None)


def _limit_option(text: str) -> tuple[str, int]:
    """``--limit NAME=N``: one field of :class:`nqi_carbon.Limits`."""
    from dataclasses import fields

    from .limits import Limits

    names = [f.name for f in fields(Limits)]
    name, sep, value = text.partition("=")
    if not sep or name.strip() not in names:
        raise argparse.ArgumentTypeError(f"{text!r}: expected NAME=N with NAME one of {', '.join(names)}")
    try:
        number = int(value.replace("_", ""))
    except ValueError:
        number = 0
    if number < 1:
        raise argparse.ArgumentTypeError(f"{text!r}: N is a whole number >= 1")
    return name.strip(), number


def _reading_options(p: argparse.ArgumentParser) -> None:
    """Options confining and bounding what a command reads (a service's untrusted files)."""
    g = p.add_argument_group(
        "reading untrusted files", "see docs/guarantees.md, 'Untrusted input: limits and confinement'"
    )
    g.add_argument(
        "--base-dir",
        metavar="DIR",
        default=None,
        help="read only files inside DIR or an --allow folder, symbolic links resolved "
        "(the inventory, its activity files and packs, claims); default with --allow alone: "
        "the current folder",
    )
    g.add_argument(
        "--allow",
        metavar="DIR",
        action="append",
        default=[],
        help="a further folder files may be read from (repeatable)",
    )
    g.add_argument(
        "--limit",
        metavar="NAME=N",
        action="append",
        type=_limit_option,
        default=[],
        help="a reading limit of nqi_carbon.Limits, e.g. max_table_rows=5000000 (repeatable)",
    )


def _reading(args: argparse.Namespace) -> contextlib.AbstractContextManager[object]:
    """The sandbox or limits the command's options ask for (nothing when none are given)."""
    from .limits import Limits, Sandbox

    base, allow = getattr(args, "base_dir", None), getattr(args, "allow", [])
    given = dict(getattr(args, "limit", []))
    limits = Limits(**given) if given else None
    if base is not None or allow:
        return Sandbox(base if base is not None else os.getcwd(), allow=allow, limits=limits)
    return limits if limits is not None else contextlib.nullcontext()


if TYPE_CHECKING:
    from .inventory.models import Inventory

    _Subcommands: TypeAlias = argparse._SubParsersAction[argparse.ArgumentParser]


def _parser() -> argparse.ArgumentParser:
    """The command line's parser: one subcommand per ``_add_*`` function, in help order."""
    p = argparse.ArgumentParser(
        prog="nqi-carbon",
        description="Greenhouse-gas inventories (ISO 14064-1 style) with cited factors, units and uncertainty.",
    )
    p.add_argument("--version", action="version", version=f"nqi-carbon {__version__}")
    sub = p.add_subparsers(dest="command", metavar="COMMAND")
    for add in (
        _add_init,
        _add_validate,
        _add_calculate,
        _add_factors,
        _add_activity,
        _add_report,
        _add_verify,
        _add_trajectory,
        _add_cn_ets,
        _add_neutrality,
        _add_cbam,
        _add_footprint,
        _add_pact,
        _add_serve,
        _add_demo,
        _add_schema,
    ):
        add(sub)
    return p


def _add_init(sub: _Subcommands) -> None:
    """``init [FOLDER]``: a commented starter inventory and activity templates."""
    import datetime as dt

    i = sub.add_parser(
        "init",
        help="write a commented starter inventory and activity templates (CSV, Excel) that validate",
        description="Writes FOLDER/inventory.yaml (an organisation, one facility, one source of "
        "each common kind, every line commented), FOLDER/activity.csv and FOLDER/activity.xlsx "
        "(the activity-table template, the same rows). Existing files are never overwritten "
        "unless --force is given.",
    )
    i.add_argument("folder", nargs="?", default=".", help="where to write (default: here)")
    i.add_argument("--year", type=int, default=dt.date.today().year - 1,
                   help="the inventory year (default: last year)")  # fmt: skip
    i.add_argument("--force", action="store_true", help="overwrite the starter files if they exist")
    i.set_defaults(func=_cmd_init)


def _cmd_init(args: argparse.Namespace) -> int:
    from .starter import write_starter

    if not 1900 <= args.year <= 2200:
        sys.stderr.write(f"--year {args.year}: a year from 1900 to 2200\n")
        return 2
    return write_starter(args.folder, year=args.year, stream=sys.stdout, force=args.force)


def _add_validate(sub: _Subcommands) -> None:
    """``validate FILE``: check an inventory and list every problem."""
    v = sub.add_parser(
        "validate",
        help="check an inventory file and list every problem",
        description="Check an inventory: the file, its references (factors, fuels, units, "
        "facilities, instruments), its activity files and data gaps, every problem of every "
        "stage in one run (exit 1). A valid inventory is calculated without uncertainty and "
        "its warnings are listed.",
    )
    v.add_argument("file", help="the inventory (YAML or JSON, nqi-carbon/inventory@1); - reads it from standard input")
    v.add_argument(
        "--format",
        choices=("text", "json"),
        default="text",
        help="text (default) or json: the validation document (valid, issues, warnings)",
    )
    _reading_options(v)
    v.set_defaults(func=_cmd_validate)


def _add_calculate(sub: _Subcommands) -> None:
    """``calculate FILE``: totals, lines and uncertainty, as a table, JSON or CSV."""
    c = sub.add_parser("calculate", help="calculate an inventory: totals, lines, uncertainty")
    c.add_argument("file", help="the inventory (YAML or JSON, nqi-carbon/inventory@1); - reads it from standard input")
    c.add_argument(
        "--format",
        choices=("table", "json", "csv"),
        default="table",
        help="table (default: categories, totals, scopes, warnings), json (the result@1 "
        "document) or csv (one line per source and gas)",
    )
    c.add_argument(
        "--uncertainty",
        choices=("none", "analytical", "monte-carlo", "monte_carlo"),
        default="none",
        help="none (default), analytical (IPCC Approach 1) or monte-carlo (Approach 2)",
    )
    c.add_argument(
        "--iterations",
        type=int,
        default=10_000,
        help="Monte Carlo iterations, at least 100 (default 10000)",
    )
    c.add_argument(
        "--seed",
        type=int,
        default=None,
        help="Monte Carlo seed, an int >= 0 (default: one is drawn and reported)",
    )
    c.add_argument(
        "--activity",
        metavar="PATH",
        action="append",
        default=[],
        help="activity added to the inventory's, calculated on Dask partition by partition (the "
        "dask extra): a file, a folder of .csv/.parquet partitions (hive-style source=<id> "
        "folders fill the column) or a quoted glob such as 'meters/*.parquet' (repeatable)",
    )
    c.add_argument(
        "--dask",
        metavar="SCHEDULER",
        default=None,
        help="calculate on a Dask cluster: a scheduler address (tcp://host:8786) or 'local' "
        "for one on this machine (default with --activity: Dask's threads in this process)",
    )
    _reading_options(c)
    _quiet_option(c)
    c.set_defaults(func=_cmd_calculate)


def _add_factors(sub: _Subcommands) -> None:
    """``factors list|show|search``: the bundled factors and fuels, with filters."""
    f = sub.add_parser(
        "factors",
        help="list, show or search the bundled emission factors and fuels",
        description="list [TEXT] and search TEXT list factors and fuels (NCV, carbon content) "
        "and take the same filters (all must match; a fuel's region is its pack's); "
        "show ID prints one factor (<pack>/<factor-id>) or fuel (<pack>/fuel/<fuel-id>) "
        "with its uncertainty, citations and the pack's licence.",
    )
    f.add_argument(
        "action",
        choices=("list", "show", "search"),
        help="list [TEXT] or search TEXT (with the filters), or show ID",
    )
    f.add_argument(
        "query",
        nargs="?",
        default=None,
        metavar="ID|TEXT",
        help="show: a factor or fuel id; list/search: words matched in id, name and fuel "
        "(in the notes only when nothing matches there)",
    )
    f.add_argument("--gas", default=None, help="a gas the factor gives (CO2, CH4, SF6, CO2e...)")
    f.add_argument(
        "--region", default=None, help="region code; CN also matches subdivisions (CN-JS)"
    )
    f.add_argument(
        "--year",
        type=int,
        default=None,
        help="a year the factor's validity covers, or its data year",
    )
    f.add_argument(
        "--unit",
        default=None,
        help="an activity unit (L, gallon, night, MWh): factors whose activity unit it "
        "converts to, and fuels whose NCV turns it into energy",
    )
    f.add_argument(
        "--category",
        default=None,
        help="the leading parts of the id (hotel-stay, stationary, business-travel-air/flights, "
        "uk-desnz-2025/hotel-stay; fuel for the fuels)",
    )
    f.add_argument(
        "--format",
        choices=("table", "json"),
        default="table",
        help="table (default) or json (every value with its uncertainty and citation)",
    )
    f.set_defaults(func=_cmd_factors)


def _pair(text: str) -> tuple[str, str]:
    """``NAME=VALUE`` of ``--column`` and ``--constant``."""
    name, eq, value = text.partition("=")
    if not eq or not name.strip() or not value.strip():
        raise argparse.ArgumentTypeError(f"{text!r} is not NAME=VALUE (e.g. amount='Menge (kWh)')")
    return name.strip(), value.strip()


def _sheet(text: str) -> str | int:
    """A sheet by number (0 is the first) or by name."""
    return int(text) if text.isdigit() else text


def _add_activity(sub: _Subcommands) -> None:
    """``activity FILE``: read an activity table as exported, with the reading spec's options."""
    a = sub.add_parser(
        "activity",
        help="read an activity table as exported (CSV, Excel, Parquet) and print it as nqi-carbon reads it",
        description="Reads FILE with the options of an inventory's activity_files entry (its "
        "reading spec) and prints the table with nqi-carbon's columns, so that a spec can be "
        "tried before it goes into the inventory; --yaml prints that entry.",
    )
    a.add_argument("file", help="the CSV, Excel (.xlsx, .xlsm) or Parquet file")
    a.add_argument("--sheet", type=_sheet, default=None, help="Excel: the sheet's name or number (0 is the first)")
    a.add_argument("--header-row", type=int, default=None,
                   help="the row of the header (1 is the first); rows above are skipped")  # fmt: skip
    a.add_argument("--column", metavar="COLUMN=HEADER", type=_pair, action="append", default=[],
                   help="map a header of the file to a column, e.g. amount='Menge (kWh)' (repeatable)")  # fmt: skip
    a.add_argument("--ignore", metavar="HEADER", action="append", default=[],
                   help="a header of a column that is not activity data (repeatable)")  # fmt: skip
    a.add_argument("--constant", metavar="COLUMN=VALUE", type=_pair, action="append", default=[],
                   help="one value of a text column for every row, e.g. unit=kWh (repeatable)")  # fmt: skip
    a.add_argument("--decimal", default=None, help="decimal separator of numbers written as text: '.' (default) or ','")
    a.add_argument("--thousands", default=None, help="thousands separator: ',', '.', ' ' or \"'\" (default none)")
    a.add_argument("--delimiter", default=None, help="CSV delimiter: ',', ';', '|' or 'tab' (default sniffed)")
    a.add_argument("--encoding", default=None, help="CSV encoding: utf-8 (default), cp1252, latin-1, gb18030, utf-16")
    a.add_argument("--period-dates", choices=("month", "year"), default=None,
                   help="a date in the period column stands for its month or its year")  # fmt: skip
    a.add_argument("--format", choices=("csv", "json"), default="csv", help="how the table is printed")
    a.add_argument("--yaml", action="store_true", help="print the inventory's activity_files entry instead")
    _reading_options(a)
    a.set_defaults(func=_cmd_activity)


def _cmd_activity(args: argparse.Namespace) -> int:
    from ._io.tables import read_activity

    options: dict[str, object] = {
        "sheet": args.sheet,
        "header_row": args.header_row,
        "columns": dict(args.column) or None,
        "ignore": args.ignore or None,
        "constant": dict(args.constant) or None,
        "decimal": args.decimal,
        "thousands": args.thousands,
        "delimiter": "\t" if args.delimiter == "tab" else args.delimiter,
        "encoding": args.encoding,
        "period_dates": args.period_dates,
    }
    df = read_activity(args.file, **options)  # type: ignore[arg-type]
    from ._io.spec import missing_columns

    missing = missing_columns(df, args.file)
    if missing is not None:  # the table the spec reads has no source, amount or unit column
        raise InvalidInputError([missing], source=args.file)
    if args.yaml:
        from ._io.yaml import dump_yaml_text

        entry = {"path": args.file, **{k: v for k, v in options.items() if v is not None}}
        sys.stdout.write(dump_yaml_text({"activity_files": [entry]}))
    elif args.format == "json":
        records = json.loads(df.to_json(orient="records", force_ascii=False))
        json.dump(records, sys.stdout, indent=2, ensure_ascii=False, allow_nan=False)
        sys.stdout.write("\n")
    else:
        csv_frame(df).to_csv(sys.stdout, index=False, lineterminator="\n")
    return 0


def _quiet_option(p: argparse.ArgumentParser) -> None:
    """``--quiet``: no progress bar (it is drawn on stderr only when stderr is a terminal)."""
    p.add_argument(
        "-q", "--quiet", action="store_true",
        help="no progress bar on stderr (shown only when stderr is a terminal)",
    )


def _add_report(sub: _Subcommands) -> None:
    """``report FILE``: calculate and write the ISO 14064-1 report files."""
    r = sub.add_parser("report", help="calculate an inventory and write its ISO 14064-1 report")
    r.add_argument("file", help="the inventory (YAML or JSON, nqi-carbon/inventory@1); - reads it from standard input")
    r.add_argument("--out", default=None, help="output folder (default: a new folder here)")
    r.add_argument(
        "--formats",
        default="html,md,json,xlsx",
        help="comma-separated: html, md, json, xlsx (xlsx needs the excel extra); default all",
    )
    r.add_argument(
        "--uncertainty",
        choices=("analytical", "monte-carlo"),
        default="analytical",
        help="Approach 1 (default) or Monte Carlo (10000 iterations, seed drawn and reported)",
    )
    _reading_options(r)
    _quiet_option(r)
    r.set_defaults(func=_cmd_report)


def _add_verify(sub: _Subcommands) -> None:
    """``verify FILE --claimed ...``: recompute and compare with a claimed result."""
    v = sub.add_parser(
        "verify",
        help="recompute an inventory and compare it with a claimed one",
        description="Recompute an inventory, compare it with a claim and state an opinion. "
        "Exit status: 0 unmodified opinion, 3 modified opinion or material misstatement, "
        "4 adverse opinion, 5 disclaimer of opinion (1 invalid input, 2 wrong usage); the "
        "statement is printed in every case.",
    )
    v.add_argument("file", help="the inventory to recompute (YAML or JSON)")
    v.add_argument("--claimed", required=True, help="result@1 JSON, or a JSON/YAML with totals")
    v.add_argument(
        "--materiality",
        required=True,
        help="fraction (0.05), percentage (5%%) or preset (eu-ets-a, eu-ets-b, eu-ets-c)",
    )
    v.add_argument(
        "--assurance",
        choices=("reasonable", "limited"),
        required=True,
        help="the level of assurance of the verification",
    )
    v.add_argument(
        "--format",
        choices=("md", "json", "html"),
        default="md",
        help="md (default), json (the verification@1 document) or html (a self-contained page)",
    )
    v.add_argument(
        "--exit-zero",
        action="store_true",
        help="exit 0 whatever the opinion (default: 3 modified or material, 4 adverse, "
        "5 disclaimer)",
    )
    v.add_argument("--verifier", help="the verifier (lead verifier); 'not stated' when omitted")
    v.add_argument("--body", help="the verification body; 'not stated' when omitted")
    v.add_argument("--date", help="date of the verification statement (ISO, 2025-04-30)")
    v.add_argument(
        "--evidence", help="the evidence log (YAML/JSON) when it is not in the claim file"
    )
    v.add_argument("--intended-users", help="the intended users named in the statement")
    _reading_options(v)
    v.set_defaults(func=_cmd_verify)


def _add_trajectory(sub: _Subcommands) -> None:
    """``trajectory FILES --target-year ... --method ...``: peak, forecast, roadmap, progress."""
    tj = sub.add_parser(
        "trajectory", help="peak, forecast, roadmap and progress from yearly inventories"
    )
    tj.add_argument(
        "files",
        nargs="+",
        help="inventory files (one per year) or one CSV: year, gross_co2e_t[, removals_co2e_t]",
    )
    tj.add_argument("--target-year", type=int, required=True, help="the roadmap's last year")
    tj.add_argument(
        "--method",
        choices=("linear", "constant_rate", "budget"),
        required=True,
        help="the roadmap: a straight line, a constant yearly rate, or a cumulative budget",
    )
    tj.add_argument(
        "--target-reduction",
        type=float,
        default=None,
        help="fraction below the base year, e.g. 0.3",
    )
    tj.add_argument("--target", type=float, default=None, help="target-year emissions [t CO2e]")
    tj.add_argument(
        "--budget", type=float, default=None, help="cumulative budget base..target year [t CO2e]"
    )
    tj.add_argument(
        "--base-year", type=int, default=None, help="default: the first year of the series"
    )
    tj.add_argument(
        "--plateau-band",
        type=float,
        default=0.02,
        help="years within this fraction of the maximum are a plateau (default 0.02)",
    )
    tj.add_argument(
        "--decline-years",
        type=int,
        default=3,
        help="years of decline below the band that make a peak (default 3)",
    )
    tj.add_argument(
        "--fit-from", type=int, default=None, help="first year used by the trend forecast"
    )
    tj.add_argument(
        "--sectors",
        default=None,
        help="CSV (year, sector, output, energy, 'emissions [unit]' e.g. 'emissions [10^4 t]') for LMDI",
    )
    tj.add_argument(
        "--format",
        choices=("json", "html"),
        default="json",
        help="json (default, the trajectory@1 document) or html (a self-contained page)",
    )
    _reading_options(tj)
    tj.set_defaults(func=_cmd_trajectory)


def _add_cn_ets(sub: _Subcommands) -> None:
    """``cn-ets PLANT --out DIR``: China ETS annual report (and 核查 report with --claimed)."""
    c = sub.add_parser(
        "cn-ets",
        help="China national carbon market: annual emission report of a key emitting unit",
        description="Read a plant file (schema nqi-carbon/cn-ets@1: power, cement, steel or "
        "aluminium) and write its annual emission report; with --claimed, also the "
        "verification (核查) report of the figures the unit reported.",
    )
    c.add_argument("file", help="the plant file (YAML/JSON)")
    c.add_argument("--out", required=True, help="output folder")
    c.add_argument(
        "--formats", default="html,md,json,xlsx", help="comma-separated: html, md, json, xlsx"
    )
    c.add_argument(
        "--language", choices=("zh", "en", "en+zh"), default=None, help="default: the plant file's"
    )
    c.add_argument(
        "--claimed", default=None, help="the reported figures (cn-ets-claim@1 YAML/JSON)"
    )
    c.add_argument("--verifier", help="the verifier (核查人员)")
    c.add_argument("--body", help="the verification body (核查机构)")
    c.add_argument("--date", help="date of the verification report (ISO, 2025-04-30)")
    _reading_options(c)
    c.set_defaults(func=_cmd_cn_ets)


def _cmd_cn_ets(args: argparse.Namespace) -> int:
    from .cn_ets import annual_report, verification_report

    formats = _report_formats(args.formats)
    if formats is None:
        return 2
    rep = annual_report(args.file, language=args.language)
    written = rep.write(args.out, formats)
    if args.claimed is not None:
        ver = verification_report(
            rep, args.claimed, verifier=args.verifier, body=args.body, date=args.date
        )
        written += ver.write(args.out, formats)
        sys.stdout.write(f"{len(ver.nonconformities)} non-conformity(ies)\n")
    sys.stdout.write(f"{rep.total_t:,.3f} t CO2 ({len(rep.findings)} finding(s))\n")
    for p in written:
        sys.stdout.write(f"wrote {p}\n")
    return 0


def _add_neutrality(sub: _Subcommands) -> None:
    """``neutrality FILE... --out DIR``: evaluate carbon-neutrality claims (ISO 14068-1)."""
    n = sub.add_parser(
        "neutrality",
        help="evaluate carbon-neutrality claims (ISO 14068-1): the claim statement or the refusal",
        description="Read claim files (schema nqi-carbon/neutrality@1), compute each footprint "
        "and residual, check every rule of the claim's criteria (iso-14068-1, pas-2060, "
        "cn-large-event: coverage, serials counted once across all the files given, "
        "retirement, vintage, credit quality, management plan and 1.5 degC pathway...) and "
        "write neutrality.json, .md and .html with the clause checklist. With several files "
        "each is written to DIR/<n>-<file name>. Exit 0 when every claim can be made, 3 when "
        "one is refused; with --verify, the opinion's status as for verify (0, 3, 4, 5).",
    )
    n.add_argument("files", nargs="+", metavar="FILE", help="claim files (YAML/JSON)")
    n.add_argument(
        "--language", choices=("en", "zh", "en+zh"), default=None, help="default: each claim's"
    )
    n.add_argument("--out", required=True, help="output folder")
    n.add_argument(
        "--formats", default="json,md,html", help="comma-separated: json, md, html, xlsx"
    )
    n.add_argument(
        "--verify",
        action="store_true",
        help="verify the claims: weigh the stated figures against --materiality and state an "
        "opinion; exit 0 unmodified, 3 modified, 4 adverse, 5 disclaimer",
    )
    n.add_argument("--materiality", help="with --verify: a fraction (0.05) or percentage (5%%)")
    n.add_argument("--assurance", choices=("reasonable", "limited"), help="with --verify")
    n.add_argument("--verifier", help="with --verify: the verifier")
    n.add_argument("--body", help="with --verify: the verification body")
    n.add_argument("--date", help="with --verify: the date of the opinion (ISO)")
    _reading_options(n)
    n.set_defaults(func=_cmd_neutrality)


def _cmd_neutrality(args: argparse.Namespace) -> int:
    from pathlib import Path

    from .neutrality import evaluate_neutrality_claims

    formats = _report_formats(args.formats)
    if formats is None:
        return 2
    if args.verify != (args.materiality is not None) or args.verify != (args.assurance is not None):
        sys.stderr.write("nqi-carbon neutrality: --verify needs --materiality and --assurance\n")
        return 2
    if args.verify:
        from .neutrality import verify_neutrality_claims

        evaluations = verify_neutrality_claims(
            list(args.files),
            materiality=args.materiality,
            assurance=args.assurance,
            verifier=args.verifier,
            body=args.body,
            date=args.date,
            language=args.language,
        )
    else:
        evaluations = evaluate_neutrality_claims(list(args.files), language=args.language)
    single = len(evaluations) == 1
    for k, (path, ev) in enumerate(zip(args.files, evaluations, strict=True), 1):
        out = Path(args.out) if single else Path(args.out) / f"{k}-{Path(path).stem}"
        sys.stdout.write(f"{path}: {ev.status} ({len(ev.refusals)} refusal(s))\n")
        for issue in ev.refusals:
            sys.stdout.write(f"  {issue.describe()}\n")
        if ev.opinion is not None:
            sys.stdout.write(f"  opinion: {ev.opinion.opinion}: {term_text(ev.opinion.basis)}\n")
        for p in ev.write(out, formats):
            sys.stdout.write(f"wrote {p}\n")
    if args.verify:
        opinions = [ev.opinion.opinion for ev in evaluations if ev.opinion is not None]
        return max(opinion_status(o, material=False) for o in opinions)
    return 0 if all(ev.status == "claim" for ev in evaluations) else EXIT_CLAIM_REFUSED


def _add_cbam(sub: _Subcommands) -> None:
    """``cbam FILE --out DIR``: CBAM specific embedded emissions and the operator's communication."""
    c = sub.add_parser(
        "cbam",
        help="EU CBAM: specific embedded emissions of an installation's goods, as the EU "
        "communication template (Excel) and JSON",
        description="Read an installation file (schema nqi-carbon/cbam-installation@1), calculate "
        "the inventory it names, attribute its sources to the production processes and write "
        "the specific embedded emissions (direct and indirect, t CO2e per t of good) as "
        "cbam.xlsx (the sheets of the EU communication template for installations) and "
        "cbam.json, written as one set.",
    )
    c.add_argument("file", help="the installation file (YAML or JSON)")
    c.add_argument("--out", required=True, help="output folder")
    c.add_argument("--formats", default="json,xlsx", help="comma-separated: json, xlsx, md")
    _reading_options(c)
    c.set_defaults(func=_cmd_cbam)


def _cmd_cbam(args: argparse.Namespace) -> int:
    from .cbam import calculate_cbam

    formats = tuple(f.strip() for f in args.formats.split(",") if f.strip())
    bad = [f for f in formats if f not in ("json", "xlsx", "md")]
    if bad or not formats:
        sys.stderr.write(f"unknown format(s) {', '.join(bad)}; allowed: json, xlsx, md\n")
        return 2
    com = calculate_cbam(args.file)
    for f in com.processes:
        sys.stdout.write(
            term_line(
                f"{f.process.id} {f.category.name}: SEE direct {f.see_direct:.6f}, indirect "
                f"{f.see_indirect:.6f} t CO2e/{f.category.unit}"
            )
            + "\n"
        )
    for p in com.write(args.out, formats):
        sys.stdout.write(f"wrote {p}\n")
    return 0
def _add_footprint(sub: _Subcommands) -> None:
    """``footprint FILE --out DIR [--claimed CLAIM]``: a product footprint (ISO 14067)."""
    f = sub.add_parser(
        "footprint",
        help="calculate a product carbon footprint (ISO 14067) and write its CFP study report",
        description="Read a footprint file (schema nqi-carbon/footprint@1), calculate the "
        "footprint per declared unit (a plant inventory it names is calculated and allocated) "
        "and write footprint.json, .md and .html (and .xlsx). With --claimed, verify a claimed "
        "footprint (schema nqi-carbon/footprint-claim@1) against it and write "
        "footprint-verification.* too; the exit status is then verify's (0 unmodified, "
        "3 modified, 4 adverse, 5 disclaimer).",
    )
    f.add_argument("file", help="the footprint file (YAML or JSON, nqi-carbon/footprint@1)")
    f.add_argument("--out", required=True, help="output folder")
    f.add_argument("--formats", default="json,md,html", help="comma-separated: json, md, html, xlsx")
    f.add_argument("--language", choices=("en", "zh", "en+zh"), default=None, help="default: the study's")
    f.add_argument("--uncertainty", choices=("analytical", "monte-carlo"), default="analytical",
                   help="IPCC Approach 1 (default) or seeded Monte Carlo")  # fmt: skip
    f.add_argument("--iterations", type=int, default=10_000, help="Monte Carlo iterations")
    f.add_argument("--seed", type=int, default=None, help="Monte Carlo seed (reported)")
    f.add_argument("--claimed", default=None, help="a claimed footprint to verify (footprint-claim@1)")
    f.add_argument("--materiality", default="0.05", help="with --claimed: a fraction or '5%%'")
    f.add_argument("--assurance", choices=("reasonable", "limited"), default="reasonable",
                   help="with --claimed: the level of assurance (default reasonable)")  # fmt: skip
    f.add_argument("--verifier", help="with --claimed: the verifier")
    f.add_argument("--body", help="with --claimed: the verification body")
    f.add_argument("--date", help="with --claimed: date of the statement (ISO)")
    f.add_argument("--evidence", help="with --claimed: the verifier's evidence log "
                   "(YAML/JSON, nqi-carbon/footprint-evidence-log@1)")  # fmt: skip
    f.add_argument("--sampling-seed", type=int, default=None,
                   help="with --claimed: start the sampling plan's selection at a random point "
                   "drawn from this seed (reported); default half an interval in")  # fmt: skip
    _reading_options(f)
    f.set_defaults(func=_cmd_footprint)


def _cmd_footprint(args: argparse.Namespace) -> int:
    from ._io.atomic import write_set
    from .footprint.calculate import calculate_footprint
    from .footprint.report import footprint_report
    from .footprint.verify import verify_footprint

    formats = _report_formats(args.formats)
    if formats is None:
        return 2
    method: Literal["analytical", "monte_carlo"] = (
        "monte_carlo" if args.uncertainty == "monte-carlo" else "analytical"
    )
    result = calculate_footprint(
        args.file, uncertainty=method, iterations=args.iterations, seed=args.seed
    )
    du = result.declared_unit
    sys.stdout.write(
        f"{args.file}: {result.pcf_excluding_biogenic:,.4f} kg CO2e per {du['amount']:g} "
        f"{du['unit']} of {result.product['name']} (excluding biogenic)\n"
    )
    files = footprint_report(result, language=args.language)._render(formats)
    ver = None
    if args.claimed is not None:
        ver = verify_footprint(
            result,
            args.claimed,
            materiality=args.materiality,
            assurance=args.assurance,
            verifier=args.verifier,
            body=args.body,
            date=args.date,
            language=args.language,
            evidence=args.evidence,
            sampling_seed=args.sampling_seed,
        )
        sys.stdout.write(f"verification: {ver.opinion}\n")
        files.update(ver._render(formats))
    for p in write_set(args.out, files):  # the report and its verification: one set
        sys.stdout.write(f"wrote {p}\n")
    if ver is None:
        return 0
    return opinion_status(ver.opinion, material=ver.material)
def _add_pact(sub: _Subcommands) -> None:
    """``pact import FILE`` / ``pact export FOOTPRINT --with FILE``: PACT v3 exchange."""
    p = sub.add_parser(
        "pact",
        help="PACT v3 product footprints: import a supplier's, export a footprint",
        description="Exchange product carbon footprints in the WBCSD PACT Technical "
        "Specifications v3 format (ProductFootprint). See docs/how-to/pact-exchange.md.",
    )
    ps = p.add_subparsers(
        dest="pact_command", metavar="ACTION", required=True, help="import or export"
    )
    i = ps.add_parser(
        "import",
        help="print the supplier footprints of a PACT file, as footprint inputs",
        description="Read a PACT file (one ProductFootprint or an API response "
        '{"data": ...}), check it against the v3 data model and print each footprint as '
        "the supplier_footprint of a footprint input (YAML, or JSON).",
    )
    i.add_argument("file", metavar="FILE", help="the PACT JSON file")
    i.add_argument("--id", default=None, help="only the footprint with this id")
    i.add_argument("--format", choices=("yaml", "json"), default="yaml", help="default yaml")
    _reading_options(i)
    i.set_defaults(func=_cmd_pact_import)
    e = ps.add_parser(
        "export",
        help="calculate a footprint file and write it as a PACT ProductFootprint",
        description="Calculate FOOTPRINT (schema nqi-carbon/footprint@1) and write it as "
        "a PACT v3 ProductFootprint. What the footprint does not know (company name and "
        "URN ids, product URNs, fossil carbon content...) is taken from the --with file, "
        "a mapping of to_pact's keywords; a field PACT requires and nobody states is "
        "refused, never invented.",
    )
    e.add_argument("footprint", metavar="FOOTPRINT", help="the footprint file (YAML/JSON)")
    e.add_argument("--with", dest="with_", metavar="FILE", default=None,
                   help="YAML/JSON mapping of figures for what the footprint does not state")
    e.add_argument("--out", default=None, help="the JSON file to write (default: print it)")
    _reading_options(e)
    e.set_defaults(func=_cmd_pact_export)


def _cmd_pact_import(args: argparse.Namespace) -> int:
    import yaml

    from .footprint.pact import read_pact, select_footprint

    found = read_pact(args.file)
    if args.id is not None:
        found = [select_footprint(found, args.id, file=args.file, field="--id")]
    if args.format == "json":
        sys.stdout.write(json.dumps(found, indent=2, ensure_ascii=False, default=str) + "\n")
    else:
        sys.stdout.write(yaml.safe_dump(found, allow_unicode=True, sort_keys=False))
    return 0


def _cmd_pact_export(args: argparse.Namespace) -> int:
    from .footprint.calculate import calculate_footprint
    from .footprint.pact import to_pact, write_pact

    extra = {} if args.with_ is None else _mapping_file(args.with_, "PACT figures", "company_name: ...")
    pf = to_pact(calculate_footprint(args.footprint), defaults=extra)
    if args.out is None:
        sys.stdout.write(json.dumps(pf, indent=2, ensure_ascii=False) + "\n")
    else:
        sys.stdout.write(f"wrote {write_pact(pf, args.out)}\n")
    return 0


def _add_serve(sub: _Subcommands) -> None:
    """``serve FOOTPRINT... --clients FILE``: the PACT v3 API for the footprints computed."""
    s = sub.add_parser(
        "serve",
        help="host the PACT v3 API (auth/token, 3/footprints) for footprints it computes",
        description="Calculate each FOOTPRINT file, write it as a PACT v3 ProductFootprint "
        "(the unknowns from --with) and serve them over HTTP: POST /auth/token (OAuth 2.0 "
        "client credentials), GET /3/footprints, GET /3/footprints/{id}, POST /3/events "
        "(recorded to --events). Needs the serve "
        "extra: pip install 'nqi-carbon[serve]'.",
    )
    s.add_argument("footprints", nargs="*", metavar="FOOTPRINT", help="footprint files")
    s.add_argument("--pact", action="append", default=[], metavar="FILE",
                   help="a PACT file whose ProductFootprints are served as they are (repeatable)")
    s.add_argument("--with", dest="with_", metavar="FILE", default=None,
                   help="YAML/JSON mapping of figures for what a footprint does not state")
    s.add_argument("--clients", required=True, metavar="FILE",
                   help="YAML/JSON mapping of client id to client secret")
    s.add_argument("--host", default="127.0.0.1", help="default 127.0.0.1")
    s.add_argument("--port", type=int, default=8000, help="default 8000")
    s.add_argument("--token-lifetime", type=int, default=3600, help="seconds (default 3600)")
    s.add_argument("--events", metavar="FILE", default=None,
                   help="append each PACT event received (POST /3/events) to FILE, one JSON "
                   "line; without it requests for footprints are refused")
    s.add_argument("--events-max-bytes", type=int, default=None, metavar="N",
                   help="bytes the --events file may hold at most (default 256 MiB); beyond, "
                   "an event is answered 500 and not recorded")
    _reading_options(s)
    s.set_defaults(func=_cmd_serve)


def _mapping_file(path: str, what: str, example: str) -> dict[str, object]:
    """A YAML/JSON file that must hold a mapping with text keys (read bounded)."""
    from ._io.structured import read_structured

    data, _ = read_structured(path, what=what)
    if not isinstance(data, dict):
        raise InvalidInputError(
            [Issue("pact_option", f"the {what} file is a mapping", file=path, allowed=example)],
            source=path,
        )
    return {str(k): v for k, v in data.items()}


def _cmd_serve(args: argparse.Namespace) -> int:
    from .footprint.calculate import calculate_footprint
    from .footprint.pact import read_product_footprints, to_pact

    extra = {} if args.with_ is None else _mapping_file(args.with_, "PACT figures", "company_name: ...")
    clients = _mapping_file(args.clients, "PACT clients", "client-id: secret")
    bad = [k for k, v in clients.items() if not isinstance(v, str) or not v or not k]
    if bad or not clients:
        raise InvalidInputError(
            [Issue("pact_option", "every client has an id and a non-empty secret (text)",
                   file=args.clients, value=repr(bad[:5]), allowed="client-id: secret")],
            source=args.clients,
        )
    footprints = [
        to_pact(calculate_footprint(f, uncertainty=None), defaults=extra) for f in args.footprints
    ]
    footprints += [pf for f in args.pact for pf in read_product_footprints(f)]
    try:
        import uvicorn

        from .footprint.pact_api import create_app
    except ImportError as exc:
        sys.stderr.write(f"error: nqi-carbon serve needs the serve extra ({exc.name} is missing): "
                         "pip install 'nqi-carbon[serve]'\n")
        return 1
    cap = {} if args.events_max_bytes is None else {"events_log_max_bytes": args.events_max_bytes}
    app = create_app(footprints, clients={k: str(v) for k, v in clients.items()},
                     token_lifetime=args.token_lifetime, events_log=args.events, **cap)
    sys.stdout.write(f"serving {len(footprints)} footprint(s) on http://{args.host}:{args.port}\n")
    sys.stdout.flush()
    uvicorn.run(app, host=args.host, port=args.port, log_level="warning")
    return 0


def _add_demo(sub: _Subcommands) -> None:
    """``demo``: the bundled cement example end to end."""
    d = sub.add_parser(
        "demo",
        help="run the bundled cement-plant example end to end",
        description="Calculate the bundled cement example with Approach 1 uncertainty, print "
        "its summary and write report.html, report.md, report.json and report.xlsx "
        "(the last with the excel extra).",
    )
    d.add_argument("--out", default=None, help="output folder (default: a new folder here)")
    _quiet_option(d)
    d.set_defaults(func=_cmd_demo)


def _add_schema(sub: _Subcommands) -> None:
    """``schema [NAME]``: a JSON Schema (draft 2020-12), the inventory format's by default."""
    s = sub.add_parser(
        "schema",
        help="print a JSON Schema: the inventory format (default) or an output contract",
        description="Print the JSON Schema (draft 2020-12) of the inventory format or of an "
        "output contract. The same files ship in the package (nqi_carbon/contracts/schemas) "
        "and in docs/reference.",
    )
    s.add_argument(
        "name",
        nargs="?",
        default="inventory",
        help="inventory (the input, default); result (result@1, also report.json), "
        "verification, trajectory, validation (validate --format json and JSON errors), "
        "neutrality-evaluation (neutrality.json)",
    )
    s.set_defaults(func=_cmd_schema)


def main(argv: Sequence[str] | None = None) -> int:
    r"""Run the command line; return the exit status.

    Everything printed passes through :class:`_TerminalSafe` (control characters from
    the input are shown as ``\uXXXX``).
    """
    out, err = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = _TerminalSafe(out), _TerminalSafe(err)
    try:
        return _main(argv)
    finally:
        sys.stdout, sys.stderr = out, err


def _main(argv: Sequence[str] | None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help(sys.stderr)
        return 2
    try:
        with _reading(args):
            return int(args.func(args))
    except InvalidInputError as exc:
        if getattr(args, "format", None) == "json":  # the validation document, on stdout
            sys.stdout.write(_validation_json(exc.issues))
        sys.stderr.write(str(exc) + "\n")
        return 1
    except NqiCarbonError as exc:
        sys.stderr.write(f"error: {exc}\n")
        return 1
    except BrokenPipeError:  # `nqi-carbon factors list | head`: the reader has gone
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())  # no second error when Python flushes stdout
        return 0
    except OSError as exc:  # a folder that cannot be written, a file that vanished
        where = f" {exc.filename}" if exc.filename else ""
        sys.stderr.write(f"error:{where}: {exc.strerror or exc}\n")
        return 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
