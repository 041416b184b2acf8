"""`deskline canned add|edit|list|delete|show`: canned replies, personal (`--as EMAIL`) or a
team's (`--team`, admins), through the service like the console's. argparse only at import
time; the handlers import the engine when they run."""

from __future__ import annotations

import argparse

from deskline.cli_admin import _action, _json


def add_parsers(sub, db_arg) -> None:
    canned = sub.add_parser(
        "canned", help="canned replies: add, edit, list, delete, show",
        description="Canned replies: personal ones of the agent named by --as, or a team's "
                    "with --team (admins change those). The body is a template with the "
                    "mail templates' placeholders, e.g. {{ customer.first_name or \"there\" }}.")
    actions = canned.add_subparsers(dest="canned_action", metavar="ACTION", required=True)
    add = _action(actions, "add", db_arg, "add a canned reply")
    add.add_argument("name")
    _team(add)
    _body_options(add)
    edit = _action(actions, "edit", db_arg, "change a canned reply")
    _reply(edit)
    edit.add_argument("--name", help="a new name")
    _body_options(edit)
    listing = _action(actions, "list", db_arg, "list canned replies: your own and your teams'")
    _team(listing, "only this team's (name or id)")
    _json(listing)
    delete = _action(actions, "delete", db_arg, "delete a canned reply")
    _reply(delete)
    show = _action(actions, "show", db_arg, "show a canned reply, or render it for a ticket")
    _reply(show)
    show.add_argument("--ticket", type=int, metavar="NUMBER",
                      help="render it for this ticket, as the composer inserts it")


def _team(parser: argparse.ArgumentParser, help: str = "a team's reply (name or id); "
          "without it, a personal one") -> None:
    parser.add_argument("--team", metavar="TEAM", help=help)


def _reply(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("reply", metavar="REPLY", help="name or id")
    _team(parser, "the reply is this team's (name or id); without it, one of your own")


def _body_options(parser: argparse.ArgumentParser) -> None:
    body = parser.add_mutually_exclusive_group()
    body.add_argument("--body", help="the text (a template)")
    body.add_argument("--body-file", metavar="FILE", help="read the text from FILE ('-': stdin)")


def run(args: argparse.Namespace, open_service, error) -> int:
    from deskline.cli_admin.common import refusals

    svc = open_service(args)
    handler = globals()[f"_{args.canned_action}"]
    with refusals(error, {"name": "NAME" if args.canned_action == "add" else "--name"}):
        return handler(svc, args, error)


def _team_id(svc, args) -> int | None:
    from deskline.cli_admin.common import find

    if args.team is None:
        return None
    return find(svc.list_teams(), args.team, "team", "--team").id


def _find(svc, args):
    """The reply named: by id among all the agent sees, else by name among the team's
    (--team) or the agent's own."""
    from deskline.cli_admin.common import find

    team_id = _team_id(svc, args)
    replies = svc.list_canned_replies()
    if args.reply.isdigit():
        return find(replies, args.reply, "canned reply", "REPLY")
    if team_id is None:
        mine = [r for r in replies if r.agent_id is not None]
        return find(mine, args.reply, "canned reply of yours (--team for a team's)", "REPLY")
    return find(svc.list_canned_replies(team_id=team_id), args.reply, "canned reply", "REPLY")


def _add(svc, args, error) -> int:
    from deskline.cli_admin.common import say
    from deskline.cli_admin.setup import _body as read_body  # --body or --body-file
    from deskline.models import CannedReplyCreate

    body = read_body(args, error)
    if body is None:
        raise error("--body: a canned reply needs a text (--body or --body-file)")
    made = svc.create_canned_reply(CannedReplyCreate(name=args.name, body=body,
                                                     team_id=_team_id(svc, args)))
    owner = f"team {made.team_name}" if made.team_id else "you"
    say(f"Added canned reply {made.name} for {owner} (id {made.id}).")
    return 0


def _edit(svc, args, error) -> int:
    from deskline.cli_admin.common import changed_fields, say_changes
    from deskline.cli_admin.setup import _body as read_body  # --body or --body-file
    from deskline.models import CannedReplyUpdate

    reply = _find(svc, args)
    values = {"name": args.name, "body": read_body(args, error)}
    after = svc.update_canned_reply(reply.id, CannedReplyUpdate(
        **{k: v for k, v in values.items() if v is not None}))
    say_changes("canned reply", after.name, changed_fields(reply, after))
    return 0


def _list(svc, args, error) -> int:
    from deskline.cli_admin.common import print_list, row

    replies = svc.list_canned_replies(team_id=_team_id(svc, args))
    return print_list(replies, args.json, lambda r: row(
        r.id, r.name, r.team_name or "personal", next(iter(r.body.splitlines()), "")))


def _delete(svc, args, error) -> int:
    from deskline.cli_admin.common import say

    reply = _find(svc, args)
    svc.delete_canned_reply(reply.id)
    say(f"Deleted canned reply {reply.name}.")
    return 0


def _show(svc, args, error) -> int:
    from deskline.cli_admin.common import say
    from deskline.errors import NotFound

    reply = _find(svc, args)
    if args.ticket is None:
        say(reply.body)
        return 0
    try:
        ticket = svc.get_ticket_by_number(args.ticket)
    except NotFound as exc:
        raise error(f"--ticket: {exc.message}") from None
    rendered = svc.render_canned_reply(reply.id, ticket.id)
    if rendered.problem:
        say(f"(shown as written: {rendered.problem})")
    say(rendered.text)
    return 0
