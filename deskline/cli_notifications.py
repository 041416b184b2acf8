"""`deskline notifications`: an agent's inbox from the command line (`--as` names the
agent) — list it, mark read, choose what also comes by mail and the bell, follow a team's
tickets. Each is one use case of `service/notifications.py`; argparse only at import."""

from __future__ import annotations

import argparse

COMMANDS = ("notifications",)
KINDS = "mention, assigned, customer_wrote, sla_due, sla_failed, team_ticket"


def add_parsers(sub, db_arg) -> None:
    notif = sub.add_parser("notifications", help="an agent's notification inbox, its mail "
                                                 "and bell settings, followed teams")
    db_arg(notif)
    notif.add_argument("--as", dest="agent", metavar="EMAIL",
                       help="the agent (default: the config's, else the first admin)")
    verbs = notif.add_subparsers(dest="verb", metavar="{list,read,settings,follow}")
    listing = verbs.add_parser("list", help="the inbox, newest first (the default)")
    listing.add_argument("--unread", action="store_true", help="unread only")
    listing.add_argument("--unread-first", action="store_true", help="unread ones first")
    listing.add_argument("--limit", type=int, default=50, metavar="N",
                         help="at most N (default 50, at most 200)")
    listing.add_argument("--json", action="store_true", help="one JSON object per line")
    read = verbs.add_parser("read", help="mark notifications read")
    read.add_argument("ids", nargs="*", type=int, metavar="ID")
    read.add_argument("--all", action="store_true", help="every notification")
    settings = verbs.add_parser("settings", help="show or change what also comes by mail "
                                                 "and the bell")
    settings.add_argument("--mail", metavar="KINDS",
                          help=f"comma-separated kinds mailed to you ({KINDS}); '' for none")
    settings.add_argument("--bell", choices=("on", "off"))
    settings.add_argument("--json", action="store_true")
    follow = verbs.add_parser("follow", help="follow a team's tickets (new and changed "
                                             "ones come to the inbox)")
    follow.add_argument("team", metavar="TEAM", help="team name or id")
    follow.add_argument("--stop", action="store_true", help="stop following")
    for verb in (listing, read, settings, follow):  # `notifications list --db F` too
        db_arg(verb)
        verb.add_argument("--as", dest="agent", metavar="EMAIL", help="the agent")


def run(args: argparse.Namespace, open_service, error) -> int:
    from deskline.cli_admin.common import refusals

    svc = open_service(args)
    names = {"mail_kinds": "--mail", "ids": "ID", "team_id": "TEAM"}
    with refusals(error, names):
        verb = getattr(args, "verb", None) or "list"
        if verb == "read":
            return _read(svc, args, error)
        if verb == "settings":
            return _settings(svc, args)
        if verb == "follow":
            return _follow(svc, args)
        return _list(svc, args)


def _list(svc, args: argparse.Namespace) -> int:
    from deskline.cli_admin.common import print_list, row

    page = svc.notifications(unread=getattr(args, "unread", False),
                             order="unread" if getattr(args, "unread_first", False)
                             else "newest", limit=getattr(args, "limit", 50))
    as_json = getattr(args, "json", False)
    print_list(page.items, as_json, lambda n: row(
        n.id, "unread" if n.read_at is None else "read", f"{n.created_at:%Y-%m-%d %H:%M}",
        n.kind.value, f"#{n.ticket_number}", n.text))
    if as_json:
        return 0
    count = svc.unread_notifications().unread
    print(f"{count} unread" + (" (more: raise --limit)" if page.next_cursor else ""))
    return 0


def _read(svc, args: argparse.Namespace, error) -> int:
    if args.all == bool(args.ids):
        raise error("ID: name the notifications to mark read, or --all")
    count = svc.mark_all_notifications_read() if args.all else \
        svc.mark_notifications_read(args.ids)
    print(f"{count.unread} unread")
    return 0


def _settings(svc, args: argparse.Namespace) -> int:
    from deskline.cli_admin.common import items, json_lines
    from deskline.models import NotificationSettings

    current = svc.notification_settings()
    if args.mail is not None or args.bell is not None:
        current = svc.update_notification_settings(NotificationSettings(
            mail_kinds=items(args.mail) if args.mail is not None else current.mail_kinds,
            bell=current.bell if args.bell is None else args.bell == "on"))
    if args.json:
        json_lines([current])
        return 0
    print("mail: " + (", ".join(k.value for k in current.mail_kinds) or "none"))
    print("bell: " + ("on" if current.bell else "off"))
    return 0


def _follow(svc, args: argparse.Namespace) -> int:
    from deskline.cli_admin.common import find, say

    team = find(svc.list_teams(), args.team, "team", "TEAM")
    team = svc.follow_team(team.id, not args.stop)
    say(("No longer following" if args.stop else "Following") +
        f" the tickets of {team.name}.")
    return 0
