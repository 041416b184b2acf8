"""`deskline webhook add|list|edit|delete|log|redeliver|deliver` and `deskline ticket
hand-off`. argparse only at import time; the handlers import the engine when they run.
Everything but `deliver` is a use case of `service/webhooks.py` as `--as` (default the
first admin); `deliver` runs the deliverer on the file (for a helpdesk without a server)."""

from __future__ import annotations

import argparse
import sys

from deskline.cli_admin.common import print_list, refusals, row
from deskline.cli_options import json_line

COMMANDS = ("webhook", "ticket")
EVENTS_HELP = ("an event type (repeat the option), or `all`: ticket.created, ticket.updated, "
               "ticket.closed, ticket.reopened, ticket.merged, ticket.deleted, reply.created, "
               "comment.created, rating.received, sla.failed, ticket.handed_off")
_NAMES = {"url": "URL", "events": "--event", "description": "--description",
          "note": "--note", "ticket_id": "NUMBER"}


def add_parsers(sub, db_arg) -> None:
    hook = sub.add_parser("webhook", help="webhook endpoints, their delivery log, delivery")
    actions = hook.add_subparsers(dest="action", metavar="ACTION", required=True)

    def common(p: argparse.ArgumentParser, json: bool = True) -> argparse.ArgumentParser:
        db_arg(p)
        p.add_argument("--as", dest="agent", metavar="EMAIL")
        if json:
            p.add_argument("--json", action="store_true", help="JSON lines")
        return p

    add = common(actions.add_parser("add", help="register an endpoint; its secret is shown "
                                                "once"))
    add.add_argument("url", metavar="URL")
    add.add_argument("--event", dest="events", action="append", metavar="TYPE",
                     help=EVENTS_HELP)
    add.add_argument("--description", default="")
    add.add_argument("--allow-internal", action="store_true",
                     help="internal comments (comment.created) may be sent there")
    add.add_argument("--allow-private", action="store_true",
                     help="loopback, private and link-local addresses may be delivered to")
    add.add_argument("--disabled", action="store_true", help="registered but not delivered")
    common(actions.add_parser("list", help="the endpoints"))
    edit = common(actions.add_parser("edit", help="change an endpoint"))
    edit.add_argument("id", type=int, metavar="ID")
    edit.add_argument("--url")
    edit.add_argument("--event", dest="events", action="append", metavar="TYPE",
                      help=EVENTS_HELP + " (replaces the list)")
    edit.add_argument("--description")
    for flag in ("allow-internal", "allow-private"):
        edit.add_argument(f"--{flag}", action=argparse.BooleanOptionalAction, default=None)
    edit.add_argument("--enable", dest="active", action="store_true", default=None)
    edit.add_argument("--disable", dest="active", action="store_false")
    delete = common(actions.add_parser("delete", help="delete an endpoint and its log"), False)
    delete.add_argument("id", type=int, metavar="ID")
    log = common(actions.add_parser("log", help="an endpoint's deliveries, newest first"))
    log.add_argument("id", type=int, metavar="ID")
    log.add_argument("--limit", type=int, default=50, metavar="N")
    again = common(actions.add_parser("redeliver", help="send a delivery again (same "
                                                         "delivery id)"))
    again.add_argument("id", type=int, metavar="DELIVERY")
    deliver = common(actions.add_parser("deliver", help="deliver the due events now (a "
                                                         "helpdesk without a server)"))
    deliver.add_argument("--timeout", type=float, default=10.0, metavar="S",
                         help="seconds a receiver has to answer (default 10)")

    ticket = sub.add_parser("ticket", help="actions on one ticket")
    ticket_actions = ticket.add_subparsers(dest="action", metavar="ACTION", required=True)
    hand = common(ticket_actions.add_parser(
        "hand-off", help="hand a ticket to sales: the ticket.handed_off webhook event, the "
                         "hand-off in the chatter, the ticket archived"))
    hand.add_argument("number", type=int, metavar="NUMBER", help="the ticket's number")
    hand.add_argument("--note", required=True, help="what sales should know")


def run(args: argparse.Namespace, open_service, open_database, error) -> int:
    if args.command == "ticket":
        return _hand_off(args, open_service, error)
    if args.action == "deliver":
        return _deliver(args, open_database)
    svc = open_service(args)
    with refusals(error, _NAMES):
        return _ACTIONS[args.action](svc, args, error)


def _events(values: list[str] | None, error) -> list[str] | None:
    from deskline.models import WebhookEvent

    if values is None:
        return None
    if "all" in values:
        return [e.value for e in WebhookEvent]
    known = {e.value for e in WebhookEvent}
    for value in values:
        if value not in known:
            raise error(f"--event: unknown event type {value!r}; one of {', '.join(known)}")
    return values


def _row(endpoint) -> str:
    flags = [name for name, on in (("internal", endpoint.allow_internal),
                                   ("private", endpoint.allow_private),
                                   ("disabled", not endpoint.active)) if on]
    return row(endpoint.id, endpoint.url, ",".join(e.value for e in endpoint.events),
               ",".join(flags) or "-", f"{endpoint.queued} queued",
               f"{endpoint.failed} failed", endpoint.description, blank="")


def _add(svc, args, error) -> int:
    from deskline.models import WebhookEndpointCreate

    events = _events(args.events, error)
    if not events:
        raise error("--event: name at least one event type, or `all`")
    created = svc.create_webhook(WebhookEndpointCreate(
        url=args.url, events=events, description=args.description,
        allow_internal=args.allow_internal, allow_private=args.allow_private,
        active=not args.disabled))
    print_list([created], args.json, _row)
    if not args.json:
        print(f"Signing secret (shown only now; keep it where the receiver can read it): "
              f"{created.secret}")
    return 0


def _list(svc, args, _error) -> int:
    return print_list(svc.list_webhooks(), args.json, _row)


def _edit(svc, args, error) -> int:
    from deskline.models import WebhookEndpointUpdate

    values = {"url": args.url, "events": _events(args.events, error),
              "description": args.description, "allow_internal": args.allow_internal,
              "allow_private": args.allow_private, "active": args.active}
    endpoint = svc.update_webhook(args.id, WebhookEndpointUpdate(
        **{k: v for k, v in values.items() if v is not None}))
    return print_list([endpoint], args.json, _row)


def _delete(svc, args, _error) -> int:
    svc.delete_webhook(args.id)
    print(f"Deleted webhook {args.id}.")
    return 0


def _delivery_row(d) -> str:
    when = d.last_attempt_at or d.created_at
    ticket = f"#{d.ticket_number}" if d.ticket_number else f"ticket {d.ticket_id} (deleted)"
    return row(d.id, d.delivery_id, d.event, ticket, d.status.value, d.response_code or "-",
               f"{d.attempts} attempts", when.isoformat(timespec="seconds"), d.error,
               blank="")


def _log(svc, args, _error) -> int:
    page = svc.webhook_deliveries(args.id, limit=args.limit)
    return print_list(page.items, args.json, _delivery_row)


def _redeliver(svc, args, _error) -> int:
    return print_list([svc.redeliver_webhook(args.id)], args.json, _delivery_row)


_ACTIONS = {"add": _add, "list": _list, "edit": _edit, "delete": _delete, "log": _log,
            "redeliver": _redeliver}


def _deliver(args, open_database) -> int:
    from deskline.webhooks.delivery import Deliverer

    store = open_database(args, create=False)
    try:
        with Deliverer(store, timeout=args.timeout) as deliverer:
            report = deliverer.deliver()
    finally:
        store.close()
    if args.json:
        sys.stdout.write(json_line(report.as_dict()))
    else:
        print(report.line()[0].upper() + report.line()[1:] + ".")
        for delivery_id, why in report.errors:
            print(f"  {delivery_id}: {why}")
    return 0


def _hand_off(args, open_service, error) -> int:
    svc = open_service(args)
    with refusals(error, _NAMES):
        ticket = svc.get_ticket_by_number(args.number)
        ticket = svc.hand_off(ticket.id, ticket.version, args.note)
    return print_list([ticket], args.json,
                      lambda t: f"Handed #{t.number} to sales; the ticket is archived.")
