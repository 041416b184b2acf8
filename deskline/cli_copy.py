"""`deskline copy --from SRC --to DST`: a whole helpdesk from one database to another (a
SQLite file, a postgresql:// URL), verified; `--verify-only` compares two. argparse only at
import time; the copy itself is deskline/store/copying.py."""

from __future__ import annotations

import argparse
import sys
import time

COMMANDS = ("copy",)


def add_parsers(sub) -> None:
    copy = sub.add_parser(
        "copy", help="copy a whole helpdesk to another database (SQLite file or "
                     "postgresql:// URL) and verify it",
        description="Copies every table with its ids into an empty database, in one "
                    "transaction (an interrupted copy leaves nothing: run it again), then "
                    "compares each table's row count and checksum. Stop the server and "
                    "consoles on the source first.")
    copy.add_argument("--from", dest="source", required=True, metavar="SRC",
                      help="the helpdesk: a SQLite file or a postgresql://… URL")
    copy.add_argument("--to", dest="destination", required=True, metavar="DST",
                      help="an empty database: a new or empty SQLite file, or a "
                           "postgresql://… URL of an empty database")
    copy.add_argument("--verify-only", action="store_true",
                      help="copy nothing: compare each table's count and checksum")


def run(args: argparse.Namespace, error: type[Exception]) -> int:
    from deskline.store import copying

    began = time.perf_counter()
    try:
        source = copying.open_side(args.source, create=False)
        try:
            destination = copying.open_side(args.destination, create=not args.verify_only)
            try:
                if args.verify_only:
                    reports = copying.verify(source, destination)
                else:
                    reports = copying.copy_helpdesk(source, destination, _progress())
            finally:
                destination.close()
        finally:
            source.close()
    except copying.CopyRefused as exc:
        raise error(str(exc)) from exc
    except Exception as exc:
        if type(exc).__module__.startswith("psycopg"):
            raise error(f"PostgreSQL: {str(exc).strip()}") from exc
        raise
    if sys.stderr.isatty():
        print(file=sys.stderr)
    return _print(reports, args.verify_only, time.perf_counter() - began)


def _progress():
    if not sys.stderr.isatty():
        return None

    def show(table: str, rows: int) -> None:
        print(f"\r  {table}: {rows:,} rows\x1b[K", end="", file=sys.stderr, flush=True)

    return show


def _print(reports, verify_only: bool, seconds: float) -> int:
    for report in reports:
        mark = "ok" if report.equal else (
            f"DIFFERS: source {report.source.rows:,} rows {report.source.hex[:16]}")
        print(f"{report.name:<24}{report.destination.rows:>12,}  "
              f"{report.destination.hex[:16]}  {mark}")
        if report.replaced:
            shown = ", ".join(report.replaced[:5]) + (", …" if len(report.replaced) > 5 else "")
            print(f"  {len(report.replaced):,} texts held a NUL character, which PostgreSQL "
                  f"cannot hold: written as ␀ ({shown})")
    rows = sum(report.source.rows for report in reports)
    differ = [report.name for report in reports if not report.equal]
    done = "Compared" if verify_only else "Copied"
    print(f"{done} {rows:,} rows in {len(reports)} tables in {seconds:.1f} s: "
          + (f"{len(differ)} tables differ ({', '.join(differ)})." if differ
             else "every count and checksum equal."))
    return 1 if differ else 0
