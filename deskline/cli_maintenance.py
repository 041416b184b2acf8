"""`deskline maintenance`: close inactive tickets and fail overdue SLA clocks (from cron).
argparse only at import time; the handler imports the engine when it runs."""

from __future__ import annotations

import argparse

from deskline.text import json_text

COMMANDS = ("maintenance",)


def add_parsers(sub, db_arg) -> None:
    maint = sub.add_parser("maintenance", help="close inactive tickets and fail overdue SLAs "
                                               "(run it from cron)")
    db_arg(maint)
    maint.add_argument("--as", dest="agent", metavar="EMAIL")
    maint.add_argument("--json", action="store_true")


def run(args: argparse.Namespace, open_service, error) -> int:
    svc = open_service(args)
    sla_failed = svc.refresh_sla()
    result = svc.auto_close()
    trimmed = svc.trim_tombstones()  # the change feed's, older than 90 days
    if args.json:
        print(json_text({"sla_failed": sla_failed, "closed": len(result.closed),
                         "closed_ids": result.closed, "skipped": result.skipped,
                         "rating_requests": result.rating_requests,
                         "tombstones_trimmed": trimmed}))
    else:
        print(f"Closed {len(result.closed)} inactive tickets ({result.rating_requests} rating "
              f"requests queued, {result.skipped} skipped as changed meanwhile); "
              f"{sla_failed} tickets had an SLA fail; {trimmed} tombstones of deleted tickets "
              "trimmed.")
    return 0
