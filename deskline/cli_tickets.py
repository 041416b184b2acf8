"""`deskline tickets`: the filtered ticket list (`list_tickets`), for scripts and pipes, from
the local file or a server (`cli_server.py`). argparse only at import time."""

from __future__ import annotations

import argparse
import sys

from deskline.cli_options import add_server_option, json_line, named, option_date

COMMANDS = ("tickets",)
PAGE = 200


def add_parsers(sub, db_arg) -> argparse.ArgumentParser:
    """Add `tickets`; answers its parser, for its subcommands (`tickets bulk`)."""
    tickets = sub.add_parser("tickets", help="list tickets, for scripts and pipes",
                             description="List the tickets you may see, newest activity "
                                         "first (--sort), tab-separated or as JSON lines.")
    db_arg(tickets)
    tickets.add_argument("--as", dest="agent", metavar="EMAIL")
    add_server_option(tickets)
    tickets.add_argument("--team", metavar="T", help="team name or id")
    tickets.add_argument("--stage", metavar="S", help="stage name or id (needs --team)")
    tickets.add_argument("--assignee", metavar="A",
                         help="an agent's email, name or id; me; or none (unassigned)")
    tickets.add_argument("--customer", metavar="EMAIL", help="customer email or id")
    tickets.add_argument("--organization", metavar="O", help="organization name or id")
    tickets.add_argument("--project", metavar="P", help="project name or id (its customers)")
    tickets.add_argument("--tag", metavar="TAG")
    tickets.add_argument("--priority", metavar="P", help="low, medium, high, urgent or 0-3")
    tickets.add_argument("--status", choices=["open", "closed", "archived"])
    for name, what in (("created-since", "created at or after"),
                       ("created-until", "created before"),
                       ("updated-since", "changed at or after"),
                       ("updated-until", "changed before")):
        tickets.add_argument(f"--{name}", metavar="DATE", help=f"tickets {what} DATE")
    tickets.add_argument("--text", metavar="WORDS", help="words of the subject or thread, or "
                                                         "a ticket number")
    tickets.add_argument("--sort", choices=["updated", "created", "priority"],
                         default="updated", help="newest change (default), newest, or most "
                                                 "urgent first")
    tickets.add_argument("--limit", type=int, default=200, metavar="N",
                         help="at most N tickets (default 200; 0 for all)")
    tickets.add_argument("--json", action="store_true", help="one JSON object per line")
    return tickets


def _priority(value: str, error) -> int:
    from deskline.models import PRIORITY_LABELS

    for number, label in PRIORITY_LABELS.items():
        if value.strip().lower() in (label, str(number)):
            return number
    raise error(f"--priority: {value!r} is not one of low, medium, high, urgent or 0-3")


def _assignee(calls, value: str, error) -> int | str:
    if value.strip().lower() in ("me", "none"):
        return value.strip().lower()
    for agent in calls.list_agents():
        if value.casefold() in (agent.email.casefold(), agent.name.casefold()) or \
                value.isdigit() and agent.id == int(value):
            return agent.id
    raise error(f"--assignee: no agent {value!r}")


def _customer(calls, value: str, error) -> int:
    if value.isdigit():
        return int(value)
    found = [c for c in calls.list_customers(text=value, limit=50).items
             if c.email.casefold() == value.strip().casefold()]
    if not found:
        raise error(f"--customer: no customer with the email {value!r}")
    return found[0].id


def build_filter(calls, args: argparse.Namespace, error):
    """The `TicketListFilter` the options ask for, names looked up through `calls`."""
    from deskline.models import TicketListFilter

    if args.stage and not args.team:
        raise error("--stage needs --team: stages are shared between teams")
    teams = calls.list_teams()
    team = named(teams, args.team, "team", error) if args.team else None
    stage = named(calls.list_stages(team.id), args.stage, "stage", error) \
        if args.stage and team else None
    values = {
        "team_id": team.id if team else None, "stage_id": stage.id if stage else None,
        "assignee": _assignee(calls, args.assignee, error) if args.assignee else None,
        "customer_id": _customer(calls, args.customer, error) if args.customer else None,
        "organization_id": named(calls.list_organizations(), args.organization,
                                 "organization", error).id if args.organization else None,
        "project_id": named(calls.list_projects(), args.project, "project", error).id
        if args.project else None,
        "tag": args.tag, "status": args.status, "text": args.text, "sort": args.sort,
        "priority": _priority(args.priority, error) if args.priority else None,
    }
    for name in ("created_since", "created_until", "updated_since", "updated_until"):
        option = "--" + name.replace("_", "-")
        values[name] = option_date(getattr(args, name), error, option)
    return TicketListFilter(**values)


def run(args: argparse.Namespace, calls, error) -> int:
    """Print the tickets; `calls` is a Service or `cli_server.RemoteCalls`."""
    f = build_filter(calls, args, error)
    team_names = {t.id: t.name for t in calls.list_teams()}
    stage_names = {s.id: s.name for s in calls.list_stages()}
    limit = args.limit if args.limit > 0 else None
    shown, cursor = 0, None
    out = sys.stdout  # a closed pipe (`| head`) is cli.main's to end quietly
    while limit is None or shown < limit:
        size = PAGE if limit is None else max(1, min(PAGE, limit - shown))
        page = calls.list_tickets(f, cursor, size)
        for ticket in page.items:
            shown += 1
            team, stage = team_names.get(ticket.team_id, ""), \
                stage_names.get(ticket.stage_id, "")
            if args.json:
                out.write(json_line(ticket.model_dump(mode="json")
                                    | {"team": team, "stage": stage}))
            else:
                out.write(_text_line(ticket, team, stage))
        if page.next_cursor is None:
            break
        cursor = page.next_cursor
    out.flush()
    return 0


def _text_line(ticket, team: str, stage: str) -> str:
    from deskline.cli_admin.common import row
    from deskline.models import PRIORITY_LABELS

    return row(f"#{ticket.number}", team, stage, PRIORITY_LABELS[ticket.priority],
               ticket.assignee_name or "-", ticket.customer_name or "-", ticket.subject,
               blank="") + "\n"
