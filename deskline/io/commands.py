"""`deskline import` and `export`: argparse only at import time; every handler imports the
engine when it runs (`deskline --help` stays fast)."""

from __future__ import annotations

import argparse
import sys

from deskline.cli_options import add_server_option, agent_named, named, option_date
from deskline.text import json_text, plain


def add_parsers(sub, db_arg) -> None:
    imp = sub.add_parser(
        "import", help="import customers or tickets from a CSV file",
        description="Import a CSV file (UTF-8 with or without BOM, cp1252/Latin-1; comma, "
                    "semicolon or tab separated). Every row is checked first; by default a "
                    "file with any bad row writes nothing and exits with status 1.")
    db_arg(imp)
    imp.add_argument("--as", dest="agent", metavar="EMAIL")
    imp.add_argument("kind", choices=["customers", "tickets"])
    imp.add_argument("file", metavar="FILE")
    imp.add_argument("--map", action="append", default=[], metavar="COLUMN=FIELD",
                     help="map a column to a field (FIELD empty or 'ignore' skips the column);"
                          " repeatable")
    imp.add_argument("--mapping", metavar="NAME", help="start from a saved mapping")
    imp.add_argument("--save-mapping", metavar="NAME", help="save the mapping used under NAME")
    imp.add_argument("--dry-run", action="store_true",
                     help="check every row and report; write nothing")
    imp.add_argument("--skip-bad", action="store_true",
                     help="import the good rows and report the bad ones")
    imp.add_argument("--team", metavar="TEAM", help="tickets: team for rows without one")
    imp.add_argument("--json", action="store_true", help="print the report as JSON")
    imp.add_argument("--fields", action="store_true",
                     help="list the fields of KIND and the file's columns with their guesses, "
                          "then stop")

    exp = sub.add_parser("export", help="export tickets or customers as CSV or JSON lines")
    db_arg(exp)
    exp.add_argument("--as", dest="agent", metavar="EMAIL")
    add_server_option(exp)
    exp.add_argument("kind", choices=["tickets", "customers"])
    exp.add_argument("--format", choices=["csv", "json"], default="csv")
    exp.add_argument("--output", "-o", metavar="FILE", help="write here (default: stdout)")
    exp.add_argument("--team", metavar="T", help="tickets: team name or id")
    exp.add_argument("--stage", metavar="S", help="tickets: stage name or id")
    exp.add_argument("--agent", dest="assignee", metavar="EMAIL", help="tickets: assignee")
    exp.add_argument("--since", metavar="DATE", help="tickets created at or after DATE")
    exp.add_argument("--until", metavar="DATE", help="tickets created before DATE")
    state = exp.add_mutually_exclusive_group()
    state.add_argument("--open", action="store_true", help="tickets: open only")
    state.add_argument("--closed", action="store_true", help="tickets: closed only")
    exp.add_argument("--archived", action="store_true", help="tickets: include archived")
    exp.add_argument("--organization", metavar="O", help="organization name or id")
    exp.add_argument("--project", metavar="P", help="project name or id")
    exp.add_argument("--unassigned", action="store_true",
                     help="customers: only those without an organization")
    exp.add_argument("--excel-safe", action="store_true",
                     help="CSV: prefix cells that start like a formula (= + - @) with ' so "
                          "a spreadsheet shows them as text")


COMMANDS = ("import", "export")


def run(args: argparse.Namespace, open_service, error) -> int:
    return {"import": _import, "export": _export}[args.command](args, open_service, error)


def _progress():
    if not sys.stderr.isatty():
        return None

    def show(phase: str, done: int, total: int) -> None:
        end = "\n" if done >= total else ""
        print(f"\r  {phase} {done:,} / {total:,} rows", end=end, file=sys.stderr, flush=True)

    return show


def _import(args, open_service, error) -> int:
    from pathlib import Path

    from deskline.io import importer
    from deskline.io.mapping import parse_map_args
    from deskline.models import ImportKind

    path = Path(args.file)
    if not path.is_file():
        raise error(f"no file at {path}")
    svc = open_service(args)
    chosen = parse_map_args(args.map)
    if args.fields:
        preview = importer.preview_file(path, args.kind, store=svc.store, chosen=chosen,
                                        saved=args.mapping)
        print(f"Fields of {args.kind}: {', '.join(ImportKind(args.kind).fields)}")
        print(f"File: {preview.encoding}, {preview.delimiter!r}, {preview.rows} rows")
        for column in preview.columns:
            # Cells are the file's text: stand-ins for control, never raw to the terminal.
            print(f"  {plain(column.name, one_line=True)} → {column.field or '(ignored)'}"
                  "   e.g. " + " | ".join(plain(s, one_line=True) for s in column.samples))
        return 0
    report = importer.run_import(
        svc, path, args.kind, chosen=chosen, saved=args.mapping, save_as=args.save_mapping,
        dry_run=args.dry_run, skip_bad=args.skip_bad, default_team=args.team,
        progress=_progress(), source_name=path.name)
    if args.json:
        print(json_text(report.model_dump(mode="json"), indent=2))
    else:
        for line in report.describe():
            print(plain(line))
        if args.save_mapping:
            print(f"Mapping saved as {args.save_mapping!r}; reuse it with --mapping "
                  f"{args.save_mapping!r}.")
    return 0 if report.bad == 0 or (args.skip_bad and not args.dry_run) else 1


def _export(args, open_service, error) -> int:
    from collections.abc import Callable
    from typing import TextIO, cast

    from deskline.io import export
    from deskline.models import CustomerExportFilter, TicketExportFilter

    svc = open_service(args)
    org = project = None
    flt: TicketExportFilter | CustomerExportFilter
    if args.organization:
        org = named(svc.list_organizations(), args.organization, "organization", error)
    if args.project:
        project = named(svc.list_projects(), args.project, "project", error)
    if args.kind == "tickets":
        team = named(svc.list_teams(), args.team, "team", error) if args.team else None
        stage = None
        if args.stage:
            stage = named(svc.list_stages(team.id if team else None), args.stage, "stage", error)
        flt = TicketExportFilter(
            team_id=team.id if team else None, stage_id=stage.id if stage else None,
            assignee_id=agent_named(svc, args.assignee, error).id if args.assignee else None,
            organization_id=org.id if org else None, project_id=project.id if project else None,
            since=option_date(args.since, error, "--since"),
            until=option_date(args.until, error, "--until"),
            open=True if args.open else False if args.closed else None,
            include_archived=args.archived)
    else:
        flt = CustomerExportFilter(organization_id=org.id if org else None,
                                   project_id=project.id if project else None,
                                   unassigned=args.unassigned)
    # Each takes the filter of its kind, which `flt` is.
    run: Callable[..., int] = export.export_tickets if args.kind == "tickets" \
        else export.export_customers
    if getattr(svc, "remote", False):  # `--server` (cli_server.RemoteCalls): through the lists

        def run(calls, out, fmt, flt, excel_safe=False) -> int:
            return export.export_listed(calls, args.kind, out, fmt, flt, excel_safe)
    out: TextIO
    if args.output:
        with open(args.output, "w", encoding="utf-8", newline="") as out:
            count = run(svc, out, args.format, flt, excel_safe=args.excel_safe)
        print(f"Exported {count} {args.kind} to {args.output}.", file=sys.stderr)
        return 0
    out = sys.stdout
    if out.isatty():  # customer text is data: no terminal control reaches a terminal
        # it writes and flushes: all the export asks of a TextIO
        out = cast(TextIO, _SafeTerminal(out))
    run(svc, out, args.format, flt, excel_safe=args.excel_safe)
    out.flush()  # a closed pipe (`| head`) is cli.main's to end quietly
    return 0


class _SafeTerminal:
    def __init__(self, out) -> None:
        self._out, self._plain = out, plain

    def write(self, text: str) -> int:
        return self._out.write(self._plain(text.replace("\r\n", "\n")))

    def flush(self) -> None:
        self._out.flush()
