"""`deskline report`: the report figures as JSON. argparse only at import time; the handler
imports the engine when it runs."""

from __future__ import annotations

import argparse

from deskline.cli_options import add_server_option, agent_named, named, option_date
from deskline.text import json_text

COMMANDS = ("report",)


def add_parsers(sub, db_arg) -> None:
    rep = sub.add_parser("report", help="report figures as JSON (opened, closed, backlog, "
                                        "SLA, response times, ratings)")
    db_arg(rep)
    rep.add_argument("--as", dest="agent", metavar="EMAIL")
    add_server_option(rep)
    rep.add_argument("--team", metavar="T", help="team name or id")
    rep.add_argument("--agent", dest="assignee", metavar="EMAIL", help="assignee email or name")
    rep.add_argument("--since", metavar="DATE", help="start of the period (default: 30 days "
                                                      "before --until)")
    rep.add_argument("--until", metavar="DATE", help="end of the period (default: now)")


def run(args: argparse.Namespace, open_service, error) -> int:
    from deskline.models import ReportFilter

    svc = open_service(args)
    team = named(svc.list_teams(), args.team, "team", error) if args.team else None
    agent = agent_named(svc, args.assignee, error) if args.assignee else None
    report = svc.report(ReportFilter(team_id=team.id if team else None,
                                     agent_id=agent.id if agent else None,
                                     since=option_date(args.since, error, "--since"),
                                     until=option_date(args.until, error, "--until")))
    print(json_text(report.model_dump(mode="json"), indent=2))
    return 0
