"""`deskline mail import|serve|fetch|send|settings`.

Imported when the parser is built, so only argparse and pathlib at the top: everything
else is imported by the handler that needs it.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable
from pathlib import Path

from deskline.text import json_text


def add_mail_parser(sub: argparse._SubParsersAction,
                    db_arg: Callable[[argparse.ArgumentParser], None]) -> None:
    mail = sub.add_parser("mail", help="mail intake and delivery")
    mail_sub = mail.add_subparsers(dest="mail_command", metavar="ACTION", required=True)

    imp = mail_sub.add_parser(
        "import", help="take mail from .eml files, mbox files or Maildir folders",
        description="Take mail from files: each becomes a ticket, a reply in its ticket, a "
                    "duplicate (same Message-ID) or is kept as rejected/failed. Exit status "
                    "1 when a mail failed (it is kept, the others are taken).")
    db_arg(imp)
    imp.add_argument("files", nargs="+", type=Path, metavar="FILE",
                     help=".eml file, mbox file, Maildir folder or folder of .eml files")
    imp.add_argument("--team", metavar="NAME", help="every new ticket to this team")
    imp.add_argument("--json", action="store_true", help="a JSON report, one entry per mail")
    imp.add_argument("--no-confirmations", action="store_true",
                     help="mail no confirmation for the new tickets (old mail, exports)")
    imp.add_argument("--workers", type=int, metavar="N",
                     help="processes that parse ahead (default: CPUs - 1, at most 3; "
                          "0: parse here)")

    serve = mail_sub.add_parser("serve", help="receive mail over SMTP (aiosmtpd)")
    db_arg(serve)
    serve.add_argument("--host", default="127.0.0.1",
                       help="address to listen on (default 127.0.0.1, loopback only)")
    serve.add_argument("--port", type=int, default=2525, help="port (default 2525)")
    serve.add_argument("--team", metavar="NAME", help="every new ticket to this team")
    serve.add_argument("--relay", metavar="HOST[:PORT]",
                       help="also deliver the outbox through this SMTP server meanwhile")
    serve.add_argument("--every", type=float, default=10.0, metavar="S",
                       help="with --relay: deliver every S seconds (default 10)")
    _smtp_security(serve)

    fetch = mail_sub.add_parser(
        "fetch", help="take mail from an IMAP mailbox over TLS",
        description="Password from $DESKLINE_IMAP_PASSWORD. What is taken is marked "
                    "($DesklineTaken and \\Seen).")
    db_arg(fetch)
    fetch.add_argument("--host", help="IMAP server (default: the imap_host mail setting)")
    fetch.add_argument("--port", type=int, help="port (default 993; 143 with --starttls)")
    fetch.add_argument("--user", help="login (default: the imap_user mail setting)")
    fetch.add_argument("--mailbox", help="mailbox (default: the imap_mailbox setting, INBOX)")
    fetch.add_argument("--starttls", action="store_true", help="plain port, then STARTTLS")
    fetch.add_argument("--team", metavar="NAME", help="every new ticket to this team")
    fetch.add_argument("--limit", type=int, metavar="N", help="take at most N mails")
    fetch.add_argument("--json", action="store_true", help="a JSON report, one entry per mail")

    send = mail_sub.add_parser(
        "send", help="deliver the outbox over SMTP",
        description="Deliver due mail once (or keep at it with --watch). Password from "
                    "$DESKLINE_SMTP_PASSWORD. Rows left 'sending' by a crash are marked "
                    "failed, never sent again on their own: --requeue sends one again.")
    db_arg(send)
    send.add_argument("--smtp", metavar="HOST[:PORT]",
                      help="SMTP server (default: $DESKLINE_SMTP_HOST, the smtp_host mail "
                           "setting, else 127.0.0.1:25)")
    _smtp_security(send)
    send.add_argument("--limit", type=int, metavar="N", help="send at most N mails")
    send.add_argument("--connections", type=int, default=4, metavar="N",
                      help="SMTP connections used side by side (default 4)")
    send.add_argument("--watch", type=float, metavar="S",
                      help="keep delivering, every S seconds, until interrupted")
    send.add_argument("--requeue", type=int, nargs="+", metavar="ID",
                      help="put these failed mails back in the queue (same Message-ID)")
    send.add_argument("--json", action="store_true", help="the report as JSON")

    status = mail_sub.add_parser(
        "status", help="what intake kept and what the outbox could not send",
        description="Counts of mail taken and queued, the mails kept as failed or rejected "
                    "(with why), and the outbox rows that failed or are being sent.")
    db_arg(status)
    status.add_argument("--limit", type=int, default=20, metavar="N",
                        help="list at most N of each (default 20)")
    status.add_argument("--json", action="store_true", help="as JSON")

    retake = mail_sub.add_parser(
        "retake", help="take kept mails again (after adding a team alias or default team)")
    db_arg(retake)
    retake.add_argument("ids", type=int, nargs="+", metavar="ID",
                        help="ids from `deskline mail status`")
    retake.add_argument("--team", metavar="NAME", help="every new ticket to this team")
    retake.add_argument("--json", action="store_true", help="a JSON report")

    settings = mail_sub.add_parser("settings", help="show or change the intake settings")
    db_arg(settings)
    settings.add_argument("--default-team", metavar="NAME",
                          help="team for mail to unknown addresses ('none': keep it rejected)")
    settings.add_argument("--from", dest="from_address", metavar="ADDR",
                          help="sender of mail from teams without an email alias")
    settings.add_argument("--smtp", metavar="HOST[:PORT]",
                          help="SMTP server `mail send` uses by default ('none' to clear)")
    settings.add_argument("--imap", metavar="HOST[:PORT]",
                          help="IMAP server `mail fetch` uses by default ('none' to clear)")
    settings.add_argument("--imap-user", metavar="USER", help="its login")
    settings.add_argument("--imap-mailbox", metavar="NAME", help="its mailbox (INBOX)")


def _smtp_security(parser: argparse.ArgumentParser) -> None:
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--starttls", action="store_true", help="SMTP with STARTTLS")
    group.add_argument("--ssl", action="store_true", help="SMTP over TLS (port 465)")
    parser.add_argument("--user", dest="smtp_user", metavar="USER", help="SMTP login")


def run(args: argparse.Namespace,
        database: Callable[[argparse.Namespace], str | Path]) -> int:
    """`database(args)`: the file or PostgreSQL URL the command works on
    (`cli_options.database`)."""
    from deskline.errors import CliError
    from deskline.store.opening import open_store

    target = database(args)
    store = open_store(target)
    try:
        handler = {"import": _import, "serve": _serve, "fetch": _fetch, "send": _send,
                   "settings": _settings, "status": _status,
                   "retake": _retake}[args.mail_command]
        try:
            return handler(args, store, target)
        except ValueError as exc:
            raise CliError(str(exc)) from None
    finally:
        store.close()


def _intake(args: argparse.Namespace, store):
    from deskline.mail.intake import Intake

    return Intake(store, team=getattr(args, "team", None),
                  confirm=not getattr(args, "no_confirmations", False))


def _report(results: list, as_json: bool, out=None) -> int:
    from deskline.text import json_text

    out = out or sys.stdout
    counts: dict[str, int] = {}
    for r in results:
        counts[r.status] = counts.get(r.status, 0) + 1
    if as_json:
        out.write(json_text({"summary": counts, "messages": [r.as_dict() for r in results]},
                            indent=1) + "\n")
    else:
        from deskline.text import plain

        order = ["ticket", "threaded", "duplicate", "bounce", "rejected", "failed"]
        words = {"ticket": "new tickets", "threaded": "threaded into tickets",
                 "duplicate": "duplicates", "bounce": "bounces", "rejected": "kept as rejected",
                 "failed": "kept as failed"}
        parts = [f"{counts[k]} {words[k]}" for k in order if counts.get(k)]
        out.write(f"Took {len(results)} mail(s): {', '.join(parts) or 'nothing'}.\n")
        for r in results:
            if r.status in ("rejected", "failed"):
                out.write(plain(f"  {r.status}: {r.source}: {r.reason}", one_line=True) + "\n")
    return 1 if counts.get("failed") else 0


def _import(args: argparse.Namespace, store, path: str | Path) -> int:
    from deskline.mail import sources
    from deskline.mail.intake import IntakeResult

    intake = _intake(args, store)
    missing = [f for f in args.files if not f.exists()]

    def items():
        for file in args.files:
            if file not in missing:
                yield from sources.read(file)

    workers = args.workers if args.workers is not None else min(3, (os.cpu_count() or 1) - 1)
    with intake.bulk():
        results = list(intake.take_all(items(), workers=max(0, workers)))
    results += [IntakeResult(status="failed", source=str(f), reason="no such file")
                for f in missing]
    return _report(results, args.json)


def _smtp_config(args: argparse.Namespace, server: str):
    from deskline.mail.outbox import SmtpConfig

    host, _, port = server.rpartition(":") if ":" in server else (server, "", "")
    security = "starttls" if args.starttls else "tls" if args.ssl else "none"
    default_port = 465 if security == "tls" else 587 if security == "starttls" else 25
    if port and not port.isdigit():
        raise ValueError(f"not a port: {port!r}")
    return SmtpConfig(host=host or "127.0.0.1", port=int(port) if port else default_port,
                      security=security, user=args.smtp_user,
                      password=os.environ.get("DESKLINE_SMTP_PASSWORD"))


def _send(args: argparse.Namespace, store, path: str | Path) -> int:
    import time

    from deskline.mail.outbox import Outbox

    server = args.smtp or os.environ.get("DESKLINE_SMTP_HOST") or \
        store.mail_setting("smtp_host") or "127.0.0.1:25"
    outbox = Outbox(store, _smtp_config(args, server))
    if args.requeue:
        done = outbox.requeue(args.requeue)
        print(f"Requeued {len(done)} mail(s): {', '.join(map(str, done)) or 'none'} "
              "(only failed mails can be requeued).")
        return 0
    recovered = outbox.recover()
    total_failed = 0
    try:
        while True:
            report = outbox.deliver(limit=args.limit, connections=max(1, args.connections))
            report.recovered = len(recovered)
            recovered = []
            total_failed += report.failed
            if args.json:
                print(json_text(report.as_dict()))
            else:
                print(f"Sent {report.sent}, deferred {report.deferred}, failed {report.failed}"
                      + (f", {report.recovered} interrupted earlier marked failed"
                         if report.recovered else "") + ".")
                for oid, error in report.errors:
                    from deskline.text import plain

                    print(plain(f"  outbox {oid}: {error}", one_line=True))
            if not args.watch:
                break
            time.sleep(args.watch)
            outbox.recover()
    except KeyboardInterrupt:
        pass
    finally:
        outbox.close()
    return 1 if total_failed else 0


def _serve(args: argparse.Namespace, store, path: str | Path) -> int:
    import threading

    from deskline.mail.smtpd import Receiver, serve_forever

    if args.team:
        _intake(args, store)  # refuse an unknown team before listening
    sender = None
    if args.relay:
        from deskline.mail.outbox import BackgroundSender

        def reported(report) -> None:
            print(f"outbox: sent {report.sent}, deferred {report.deferred}, failed "
                  f"{report.failed}", flush=True)

        sender = BackgroundSender(path, _smtp_config(args, args.relay), every=args.every,
                                  on_report=reported)

    def show(result) -> None:
        from deskline.text import plain

        what = f"#{result.ticket_number}" if result.ticket_number else result.reason or ""
        print(plain(f"{result.status}: {result.sender or '?'}: {result.subject or ''} {what}",
                    one_line=True), flush=True)

    receiver = Receiver(path, args.host, args.port, team=args.team, on_result=show)

    def ready() -> None:
        from deskline.store.opening import shown_url

        print(f"Receiving mail on {args.host}:{args.port} into {shown_url(str(path))}"
              + (f", delivering through {args.relay}" if args.relay else "")
              + "; ctrl+c stops.", flush=True)

    stop = threading.Event()
    if sender is not None:
        sender.start()
    try:
        serve_forever(receiver, stop, on_ready=ready)
    except KeyboardInterrupt:
        stop.set()
    finally:
        if sender is not None:
            sender.stop()
    return 0


def _fetch(args: argparse.Namespace, store, path: str | Path) -> int:
    from deskline.mail import imap

    host = args.host or store.mail_setting("imap_host")
    user = args.user or store.mail_setting("imap_user")
    if not host or not user:
        raise ValueError("name the IMAP account: --host and --user, or "
                         "`deskline mail settings --imap HOST --imap-user USER`")
    password = os.environ.get("DESKLINE_IMAP_PASSWORD")
    if password is None:
        raise ValueError("set the IMAP password in $DESKLINE_IMAP_PASSWORD")
    host, _, port = host.partition(":")
    if port and not port.isdigit():
        raise ValueError(f"not a port: {port!r}")
    config = imap.ImapConfig(host=host, user=user, password=password,
                             port=args.port or (int(port) if port else
                                                143 if args.starttls else 993),
                             mailbox=args.mailbox or store.mail_setting("imap_mailbox")
                             or "INBOX",
                             security="starttls" if args.starttls else "tls")
    intake = _intake(args, store)
    client = imap.connect(config)
    try:
        results = imap.fetch(intake, client, config.mailbox, args.limit)
    finally:
        try:
            client.logout()
        except Exception:
            pass
    return _report(results, args.json)


def _settings(args: argparse.Namespace, store, path: str | Path) -> int:
    from deskline.mail.intake import Intake

    def set_setting(key: str, value: str | None) -> None:
        with store.transaction():
            store.set_mail_setting(key, value)

    if args.default_team is not None:
        if args.default_team.lower() == "none":
            set_setting("default_team_id", None)
        else:
            set_setting("default_team_id",
                        str(Intake(store, team=args.default_team).forced_team_id))
    if args.from_address is not None:
        from deskline.models import normalize_email

        set_setting("from_address", normalize_email(args.from_address))
    for key, value in (("smtp_host", args.smtp), ("imap_host", args.imap),
                       ("imap_user", args.imap_user), ("imap_mailbox", args.imap_mailbox)):
        if value is not None:
            set_setting(key, None if value.lower() == "none" else value)
    team_id = store.mail_setting("default_team_id")
    team = store.team(int(team_id)) if team_id else None
    unknown = "none (mail to unknown addresses is kept as rejected)"
    print(f"default team: {team.name if team else unknown}")
    sender = store.mail_setting("from_address") or "none (deskline@localhost.localdomain)"
    print(f"from address: {sender}")
    print(f"smtp server: {store.mail_setting('smtp_host') or 'none (127.0.0.1:25)'}")
    imap_host = store.mail_setting("imap_host")
    print(f"imap account: {store.mail_setting('imap_user')}@{imap_host}/"
          f"{store.mail_setting('imap_mailbox') or 'INBOX'}" if imap_host else
          "imap account: none (the password is never stored: $DESKLINE_IMAP_PASSWORD)")
    for t in store.teams():
        print(f"  team {t.name}: {t.email_alias or '(no alias)'}")
    return 0


def _status(args: argparse.Namespace, store, path: str | Path) -> int:
    from deskline.text import plain

    inbound = store.inbound_counts()
    outbox = store.outbox_counts()
    kept = store.kept_mails(args.limit)
    stuck = store.outbox_problems(args.limit)
    if args.json:
        print(json_text({"inbound": inbound, "outbox": outbox, "kept": kept,
                         "outbox_problems": stuck}, indent=1))
        return 0
    print("inbound: " + (", ".join(f"{n} {k}" for k, n in sorted(inbound.items())) or "none"))
    print("outbox: " + (", ".join(f"{n} {k}" for k, n in sorted(outbox.items())) or "empty"))
    if kept:
        print("kept mails (deskline mail retake ID takes one again):")
        for k in kept:
            print(plain(f"  {k['id']}  {k['received_at'][:19]}  {k['status']}  "
                        f"{k['sender'] or '?'}  {k['subject'] or ''}  ({k['reason']})",
                        one_line=True))
    if stuck:
        print("outbox problems (deskline mail send --requeue ID sends one again):")
        for o in stuck:
            print(plain(f"  {o['id']}  {o['status']}  {o['kind']} to {o['to']}  "
                        f"after {o['attempts']} attempt(s): {o['error'] or ''}",
                        one_line=True))
    return 0


def _retake(args: argparse.Namespace, store, path: str | Path) -> int:
    from deskline.mail.intake import IntakeResult

    intake = _intake(args, store)
    results = []
    for inbound_id in args.ids:
        kept = store.kept_mail(inbound_id)
        if kept is None:
            results.append(IntakeResult(status="failed", source=f"kept mail {inbound_id}",
                                        reason="no kept mail with this id"))
            continue
        raw, recipients, source = kept
        result = intake.take(raw, envelope_to=recipients,
                             source=f"retake of {inbound_id} ({source})")
        if result.status not in ("failed", "rejected"):  # placed now: the raw copy can go
            with store.transaction():
                store.mark_mail_retaken(inbound_id, f"taken again as {result.inbound_id}")
        results.append(result)
    return _report(results, args.json)
