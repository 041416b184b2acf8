"""`deskline tickets bulk`: one action on many tickets — named by number, or all that match
a board's filter — previewed with `--dry-run`, and `undo` of the agent's last one. The
service's bulk use cases (`service/bulk_actions.py`) do the work; argparse only here
until a command runs."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from typing import Any

ACTIONS = ("assign", "move", "priority", "add-tag", "remove-tag", "close", "archive", "merge",
           "undo")
# The service's fields as the options that set them, for refusals.
OPTIONS = {"agent_id": "--to", "stage_id": "--to", "priority": "--to", "tag": "--to",
           "target_id": "--into", "match": "--team", "tickets": "NUMBER", "": "NUMBER"}


def add_parser(tickets: argparse.ArgumentParser, db_arg: Callable[[Any], None]) -> None:
    sub = tickets.add_subparsers(dest="tickets_command", metavar="COMMAND")
    bulk = sub.add_parser(
        "bulk", help="one action on many tickets (see what it would do with --dry-run), or "
                     "undo your last one")
    db_arg(bulk)
    bulk.add_argument("--as", dest="agent", metavar="EMAIL")
    bulk.add_argument("action", choices=ACTIONS)
    bulk.add_argument("numbers", nargs="*", metavar="NUMBER",
                      help="tickets by number; none: all that match --team and the filters")
    bulk.add_argument("--to", metavar="VALUE",
                      help="assign: an agent's email or 'nobody'; move: a stage; priority: "
                           "low, medium, high, urgent or 0-3; add-tag, remove-tag: the tag")
    bulk.add_argument("--into", type=int, metavar="NUMBER",
                      help="merge: the ticket to keep (default: the oldest)")
    bulk.add_argument("--team", metavar="T", help="all that match in this team (name or id)")
    bulk.add_argument("--stage", metavar="S", help="with --team: only this stage")
    bulk.add_argument("--mine", action="store_true", help="with --team: only mine")
    bulk.add_argument("--unassigned", action="store_true", help="with --team: only unassigned")
    bulk.add_argument("--tag", metavar="TAG", help="with --team: only with this tag")
    bulk.add_argument("--priority", metavar="P", help="with --team: only this priority")
    bulk.add_argument("--text", metavar="WORDS", help="with --team: only these words")
    bulk.add_argument("--dry-run", action="store_true",
                      help="say what would change and what would be left out; change nothing")
    bulk.add_argument("--json", action="store_true", help="the outcome as one JSON object")


def run(args: argparse.Namespace, open_service: Callable[[argparse.Namespace], Any],
        error: type[Exception]) -> int:
    from deskline.cli_admin.common import refusals
    from deskline.cli_options import json_line
    from deskline.text import plain

    svc = open_service(args)
    with refusals(error, OPTIONS):
        if args.action == "undo":
            outcome = svc.undo_last_bulk()
        else:
            request = _request(svc, args, error)
            outcome = svc.bulk_preview(request) if args.dry_run else svc.bulk_apply(request)
    if args.json:
        sys.stdout.write(json_line(outcome.model_dump(mode="json")))
        return 0
    head = "Would change" if args.dry_run else "Undone" if args.action == "undo" else "Changed"
    print(f"{head}: {len(outcome.changed):,} of {outcome.total:,} tickets "
          f"({len(outcome.unchanged):,} already so, {len(outcome.skipped):,} left out)")
    for skip in outcome.skipped:
        print("  " + plain(skip.detail, one_line=True))
    if outcome.note:
        print(plain(outcome.note, one_line=True))
    return 0


def _request(svc: Any, args: argparse.Namespace, error: type[Exception]) -> Any:
    from deskline.cli_options import agent_named, named
    from deskline.models import PRIORITY_LABELS, BoardFilter, BulkItem, BulkMatch, BulkRequest

    def priority(text: str, flag: str) -> int:
        by_label = {label: p for p, label in PRIORITY_LABELS.items()}
        if text.isdigit() and int(text) in PRIORITY_LABELS:
            return int(text)
        if text.casefold() in by_label:
            return by_label[text.casefold()]
        raise error(f"{flag}: a priority is low, medium, high, urgent or 0-3, not {text!r}")

    def number(text: str) -> int:
        if not text.lstrip("#").isdigit():
            raise error(f"NUMBER: {text!r} is not a ticket number")
        return int(text.lstrip("#"))

    action = args.action.replace("-", "_")
    argument: dict[str, Any] = {}
    team = named(svc.list_teams(), args.team, "team", error) if args.team else None
    if action not in ("close", "archive", "merge") and args.to is None:
        raise error(f"--to: say what to {args.action} (see --help)")
    if action == "assign":
        argument["agent_id"] = None if args.to.casefold() == "nobody" else \
            agent_named(svc, args.to, error).id
    elif action == "move":
        stages = svc.list_stages(team.id if team else None)
        argument["stage_id"] = named(stages, args.to, "stage", error).id
    elif action == "priority":
        argument["priority"] = priority(args.to, "--to")
    elif action in ("add_tag", "remove_tag"):
        argument["tag"] = args.to
    elif action == "merge" and args.into is not None:
        argument["target_id"] = svc.get_ticket_by_number(args.into).id
    if args.numbers:
        if team is not None:
            raise error("--team: name tickets by number or choose them by --team, not both")
        tickets = [svc.get_ticket_by_number(number(n)) for n in args.numbers]
        return BulkRequest(action=action, **argument, tickets=[
            BulkItem(ticket_id=t.id, version=t.version) for t in tickets])
    if team is None:
        raise error("NUMBER: name the tickets by number, or all that match with --team")
    stage = named(svc.list_stages(team.id), args.stage, "stage", error) if args.stage else None
    board = BoardFilter(mine=args.mine, unassigned=args.unassigned, tag=args.tag,
                        priority=priority(args.priority, "--priority") if args.priority
                        else None, text=args.text)
    return BulkRequest(action=action, **argument, match=BulkMatch(
        team_id=team.id, stage_id=stage.id if stage else None, filter=board))
