"""Where the tests and the benchmarks find PostgreSQL: the cluster that
$DESKLINE_TEST_DATABASE_URL names (`scripts/postgres run …` starts a throwaway one), and the
URL of another database in it."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit, urlunsplit

URL_VARIABLE = "DESKLINE_TEST_DATABASE_URL"


def database_url(url: str, name: str) -> str:
    """The URL of another database of the same cluster."""
    return urlunsplit(urlsplit(url)._replace(path=f"/{name}"))


# --- a database kept for a session and put back between tests ------------------------


class PristineCopy:
    """A database whose rows are saved once (in the schema `pristine`) and put back by
    `reset()`. Servers started once for many tests stay connected to one database, which
    so cannot be dropped and copied again from a template for each test; and putting back
    only the tables a test changed costs less than that copy.

    A table is changed when it holds a row version that the last `reset` did not write
    (an insert or an update; its `xmin`), or fewer rows (a delete)."""

    SCHEMA = "pristine"
    # The change log's ids are not given again: a server's event poller has read past
    # them and would miss new rows with lower ids.
    ONWARD = "change_log_id_seq"
    # Nor is the directory's version (migration 0019): a server's kept reads are of one
    # version, so a version given again could mean other rows. Moved on instead.
    VERSION = "directory_version"

    def __init__(self, conn: Any) -> None:
        """`conn`: an autocommit connection to the database, kept for `reset`."""
        self.conn = conn
        with conn.transaction():
            conn.execute(f"CREATE SCHEMA {self.SCHEMA}")
            self.tables = [row[0] for row in conn.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public'"
                " AND tablename <> %s ORDER BY tablename", (self.VERSION,))]
            # each table's columns but those computed from the others (stored words)
            self.columns = {table: ", ".join(f'"{row[0]}"' for row in conn.execute(
                "SELECT column_name FROM information_schema.columns WHERE table_schema ="
                " 'public' AND table_name = %s AND is_generated = 'NEVER'"
                " ORDER BY ordinal_position", (table,))) for table in self.tables}
            for table in self.tables:
                conn.execute(f"CREATE TABLE {self.SCHEMA}.{table} AS"
                             f" SELECT {self.columns[table]} FROM public.{table}")
            conn.execute(f"CREATE TABLE {self.SCHEMA}.sequences (name, last_value) AS"
                         f" SELECT sequencename, last_value FROM pg_sequences"
                         f" WHERE schemaname = 'public'")
        self.rows = {table: conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
                     for table in self.tables}
        self.written: dict[str, str] = {}  # table -> the xid of the reset that wrote it
        self.reset()

    def changed(self) -> list[str]:
        if not self.written:
            return self.tables
        checks = " UNION ALL ".join(
            f"SELECT %s WHERE EXISTS (SELECT FROM {table} WHERE xmin::text <> %s)"
            f" OR (SELECT count(*) FROM {table}) <> %s" for table in self.tables)
        args = [value for table in self.tables
                for value in (table, self.written[table], self.rows[table])]
        return [row[0] for row in self.conn.execute(checks, args)]

    def reset(self) -> None:
        """Every table as it was saved, in one transaction."""
        conn = self.conn
        with conn.transaction():
            changed = self.changed()
            xid = conn.execute("SELECT pg_current_xact_id()::text").fetchone()[0]
            # no triggers (change log, counters), no foreign key checks while putting back;
            # DELETE rather than TRUNCATE, which makes new files for every table and index
            conn.execute("SET LOCAL session_replication_role = replica")
            for table in changed:
                conn.execute(f"DELETE FROM {table}")
                conn.execute(f"INSERT INTO {table} ({self.columns[table]}) OVERRIDING SYSTEM"
                             f" VALUE SELECT * FROM {self.SCHEMA}.{table}")
                self.written[table] = str(int(xid) % 2**32)  # xmin: without the epoch
            if changed:
                conn.execute(f"UPDATE {self.VERSION} SET version = version + 1")
            conn.execute(
                f"SELECT setval(seq, CASE WHEN name = %s"
                f" THEN greatest(last_value, pg_sequence_last_value(seq), 1)"
                f" ELSE coalesce(last_value, 1) END, last_value IS NOT NULL OR name = %s)"
                f" FROM (SELECT name, last_value, format('public.%%I', name)::regclass AS seq"
                f" FROM {self.SCHEMA}.sequences) saved", (self.ONWARD, self.ONWARD))
