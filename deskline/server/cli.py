"""Handlers of `deskline serve`, `deskline token …` and `deskline customer add`.

Whoever holds the database (a file, or a PostgreSQL URL) administers it, as for `deskline
agent add`: these commands need no login. FastAPI and uvicorn are imported only by `serve`.
Which database: `cli_options.database`, as for every command.
"""

from __future__ import annotations

import argparse

from deskline.cli_options import database, open_database

MAIL_EVERY = 10.0  # seconds between deliveries of the outbox
MAINTENANCE_EVERY = 300.0  # seconds between rounds of `deskline maintenance`'s work
WEBHOOKS_EVERY = 2.0  # seconds between deliveries of webhook events


def add_serve_arguments(serve: argparse.ArgumentParser) -> None:
    """The options of `deskline serve` for its processes and its background jobs
    (`server/jobs.py`); --db and --database are every command's."""
    serve.add_argument("--workers", type=int, default=1, metavar="N",
                       help="serve from N processes sharing the port (default 1); on "
                            "PostgreSQL several hosts may serve one database too")
    add_job_arguments(serve)


def add_job_arguments(serve: argparse.ArgumentParser) -> None:
    """The options of `deskline serve` for its background jobs (`server/jobs.py`)."""
    serve.add_argument("--no-mail", action="store_true",
                       help="do not deliver the outbox (e.g. `deskline mail send` does)")
    serve.add_argument("--mail-every", type=float, default=MAIL_EVERY, metavar="S",
                       help=f"deliver the outbox every S seconds (default {MAIL_EVERY:g}), "
                            "while outbound mail is configured (`deskline mail settings`)")
    serve.add_argument("--no-maintenance", action="store_true",
                       help="do not close inactive tickets nor fail overdue SLAs (e.g. cron "
                            "runs `deskline maintenance`)")
    serve.add_argument("--maintenance-every", type=float, default=MAINTENANCE_EVERY,
                       metavar="S", help="do `deskline maintenance`'s work every S seconds "
                                         f"(default {MAINTENANCE_EVERY:g})")
    serve.add_argument("--no-webhooks", action="store_true",
                       help="do not deliver webhook events (e.g. `deskline webhook deliver` "
                            "does)")
    serve.add_argument("--webhooks-every", type=float, default=WEBHOOKS_EVERY, metavar="S",
                       help=f"deliver webhook events every S seconds (default "
                            f"{WEBHOOKS_EVERY:g})")


def serve(args: argparse.Namespace, cli_error: type[Exception]) -> int:
    from deskline.errors import ValidationFailed
    from deskline.server.run import serve as run_server

    db = database(args)
    for name in ("mail_every", "maintenance_every", "webhooks_every"):
        if getattr(args, name) <= 0:
            raise cli_error(f"--{name.replace('_', '-')} must be more than 0 seconds")
    try:
        run_server(db, args.host, args.port, tls_cert=args.tls_cert, tls_key=args.tls_key,
                   insecure=args.insecure, max_body=args.max_body,
                   mail_every=None if args.no_mail else args.mail_every,
                   maintenance_every=None if args.no_maintenance else args.maintenance_every,
                   log_format=args.log_format,
                   webhooks_every=None if args.no_webhooks else args.webhooks_every,
                   workers=args.workers)
    except ValidationFailed as exc:
        raise cli_error(exc.message) from None
    return 0


def token(args: argparse.Namespace, cli_error: type[Exception]) -> int:
    from deskline.clock import to_db, utcnow
    from deskline.text import plain

    store = open_database(args)
    if args.token_command == "list":
        for t in store.api_tokens():
            state = "revoked" if t.revoked_at else \
                f"expires {t.expires_at:%Y-%m-%d %H:%M}" if t.expires_at else "no expiry"
            fields = (str(t.id), t.agent_email, t.prefix + "…", state, t.label)
            print("\t".join(plain(v, one_line=True) for v in fields))
        return 0
    if args.token_command == "create":
        agent = _account(store, args.agent, cli_error)
        if args.expires is not None and args.expires < 1:
            raise cli_error("--expires must be at least 1 day")
        with store.transaction():
            tid, secret, expires = store.create_api_token(agent.id, label=args.label,
                                                          expires_days=args.expires)
        until = f"until {expires:%Y-%m-%d %H:%M} UTC" if expires else "until revoked"
        print(f"Token {tid} for {agent.email} ({agent.role.value}), valid {until}.")
        print("It is shown only this once; keep it in DESKLINE_TOKEN or the config file:")
        print(secret)
        return 0
    # revoke
    if (args.id is None) == (args.agent is None):
        raise cli_error("name a token id, or --agent EMAIL to revoke all of an account's")
    with store.transaction():
        if args.id is not None:
            if not store.revoke_api_token(args.id, to_db(utcnow())):
                raise cli_error(f"token {args.id} does not exist")
            print(f"Revoked token {args.id}.")
        else:
            agent = _account(store, args.agent, cli_error)
            count = store.revoke_agent_tokens(agent.id, to_db(utcnow()))
            print(f"Revoked {count} token(s) of {agent.email}.")
    return 0


def _account(store, email: str, cli_error: type[Exception]):  # -> Agent
    agent = store.agent_by_email(email)
    if agent is None:
        raise cli_error(f"no account with the email {email}")
    return agent


def customer(args: argparse.Namespace, cli_error: type[Exception]) -> int:
    from pydantic import ValidationError

    from deskline.clock import to_db, utcnow
    from deskline.models import CustomerCreate, Role

    store = open_database(args)
    try:
        data = CustomerCreate(email=args.email, name=args.name)
    except ValidationError as exc:
        raise cli_error(exc.errors()[0]["msg"].removeprefix("Value error, ")) from None
    existing = store.customer_by_email(data.email)
    if existing is not None and not args.portal:
        raise cli_error(f"a customer with the email {data.email} exists")
    if args.portal and store.agent_by_email(data.email):
        raise cli_error(f"an account with the email {data.email} exists")
    with store.transaction():
        cid = existing.id if existing else store.insert_customer(
            data.email, data.name, None, None, to_db(utcnow()), [])
        if args.portal:
            aid = store.insert_agent(data.email, data.name or data.email.split("@")[0],
                                     Role.portal.value, cid)
    if existing is None:
        print(f"Added customer {data.email} (id {cid}).")
    if args.portal:
        print(f"Added a portal account for {data.email} (id {aid}); give it a token with "
              f"`deskline token create --agent {data.email}`.")
    return 0
