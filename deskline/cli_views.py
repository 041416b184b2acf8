"""`deskline view add|list|show|delete`: the saved views of the agent `--as` names.
argparse only at import time; the handler imports the engine when it runs."""

from __future__ import annotations

import argparse

from deskline.cli_options import agent_named, named

COMMANDS = ("view",)
PRIORITIES = {"low": 0, "medium": 1, "high": 2, "urgent": 3}


def add_parsers(sub, db_arg) -> None:
    view = sub.add_parser("view", help="saved views: named ticket lists across teams")
    actions = view.add_subparsers(dest="view_command", metavar="ACTION", required=True)

    add = actions.add_parser("add", help="save a view (a query across your teams)")
    db_arg(add)
    add.add_argument("--as", dest="agent", metavar="EMAIL")
    add.add_argument("name")
    add.add_argument("--team", action="append", default=[], metavar="T",
                     help="team name or id (repeat; default: every team you see)")
    add.add_argument("--stage", action="append", default=[], metavar="S",
                     help="stage name or id (repeat; default: any stage)")
    add.add_argument("--closed-too", action="store_true",
                     help="closed tickets too (default: open ones only)")
    add.add_argument("--assignee", metavar="WHO",
                     help="me, none, or an agent's email, name or id")
    add.add_argument("--priority-at-least", choices=list(PRIORITIES), metavar="P",
                     help="low, medium, high or urgent")
    add.add_argument("--tag", action="append", default=[], metavar="TAG",
                     help="a tag every ticket carries (repeat)")
    add.add_argument("--project", metavar="P", help="project name or id")
    add.add_argument("--idle-days", type=int, metavar="N",
                     help="unchanged for more than N days")
    add.add_argument("--in-stage-days", type=int, metavar="N",
                     help="in its stage for more than N days (with --stage: waiting there)")
    add.add_argument("--sla", choices=("failed", "due_today"),
                     help="failed: the SLA failed; due_today: a deadline before tonight")
    add.add_argument("--text", help="words of the subject or description, or a number")

    listing = actions.add_parser("list", help="your views: id, name and how many tickets "
                                              "(counted up to 100)")
    db_arg(listing)
    listing.add_argument("--as", dest="agent", metavar="EMAIL")
    listing.add_argument("--json", action="store_true", help="one JSON object per line")

    show = actions.add_parser("show", help="the tickets of a view, newest change first")
    db_arg(show)
    show.add_argument("--as", dest="agent", metavar="EMAIL")
    show.add_argument("view", help="view name or id")
    show.add_argument("--limit", type=int, default=50, metavar="N",
                      help="at most N tickets (default 50)")
    show.add_argument("--json", action="store_true", help="one JSON object per line")

    delete = actions.add_parser("delete", help="delete a view")
    db_arg(delete)
    delete.add_argument("--as", dest="agent", metavar="EMAIL")
    delete.add_argument("view", help="view name or id")


# The fields of a refusal as the options that set them (a filter's field is "filter.x").
OPTIONS = {"name": "NAME", "filter.team_ids": "--team", "filter.stage_ids": "--stage",
           "filter.assignee_id": "--assignee", "filter.project_id": "--project",
           "filter": "", "team_ids": "--team", "stage_ids": "--stage",
           "idle_days": "--idle-days", "in_stage_days": "--in-stage-days",
           "priorities": "--priority-at-least", "text": "--text"}


def run(args: argparse.Namespace, open_service, error) -> int:
    from deskline.cli_admin.common import refusals

    svc = open_service(args)
    with refusals(error, OPTIONS):
        return _run(svc, args, error)


def _run(svc, args: argparse.Namespace, error) -> int:
    if args.view_command == "add":
        from deskline.models import SavedViewCreate

        view = svc.create_view(SavedViewCreate(name=args.name, filter=_filter(svc, args, error)))
        print(f"View {view.id} saved: {_one_line(view.name)}")
    elif args.view_command == "list":
        from deskline.cli_admin.common import print_list, row
        from deskline.models import VIEW_COUNT_CAP

        print_list(svc.list_views(counts=True), args.json, lambda v: row(
            v.id, v.name, f"{v.count}{'+' if (v.count or 0) >= VIEW_COUNT_CAP else ''}"))
    elif args.view_command == "show":
        _show(svc, named(svc.list_views(), args.view, "view", error), args)
    else:
        view = named(svc.list_views(), args.view, "view", error)
        svc.delete_view(view.id)
        print(f"View {view.id} deleted: {_one_line(view.name)}")
    return 0


def _filter(svc, args: argparse.Namespace, error):
    from deskline.models import ViewFilter

    teams = [named(svc.list_teams(), t, "team", error).id for t in args.team]
    stages = [named(svc.list_stages(), s, "stage", error).id for s in args.stage]
    assignee, assignee_id = "any", None
    if args.assignee in ("me", "none"):
        assignee = args.assignee
    elif args.assignee:
        assignee, assignee_id = "agent", agent_named(svc, args.assignee, error).id
    project = named(svc.list_projects(), args.project, "project", error).id \
        if args.project else None
    at_least = PRIORITIES[args.priority_at_least] if args.priority_at_least else None
    return ViewFilter(team_ids=teams, stage_ids=stages, open_only=not args.closed_too,
                      assignee=assignee, assignee_id=assignee_id,
                      priorities=[] if at_least is None else list(range(at_least, 4)),
                      tags=args.tag, project_id=project, idle_days=args.idle_days,
                      in_stage_days=args.in_stage_days,
                      sla=args.sla, text=args.text)


def _show(svc, view, args: argparse.Namespace) -> None:
    from deskline.cli_admin.common import print_list, row
    from deskline.models import PRIORITY_LABELS

    cursor, shown = None, 0
    while shown < args.limit:
        page = svc.view_tickets(view.id, cursor, min(200, args.limit - shown))
        shown += len(page.items)
        print_list(page.items, args.json, lambda r: row(
            f"#{r.number}", r.team_name, r.stage_name, PRIORITY_LABELS[r.priority],
            r.assignee_name, r.updated_at.strftime("%Y-%m-%d %H:%M"), r.subject))
        if page.next_cursor is None:
            break
        cursor = page.next_cursor


def _one_line(text: str) -> str:
    from deskline.text import plain

    return plain(text, one_line=True)
