"""Queries over tickets, their chatter and SLA clocks (the outbox: `store/outbox.py`).

Every read that can return a ticket takes a `Scope` and narrows the SQL with it, so no
caller can forget the authorization rule.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Iterable, Sequence
from typing import Protocol

from deskline.access import Scope, team_visible
from deskline.models import (
    AttachmentFile,
    AttachmentInfo,
    BoardFilter,
    EventData,
    Message,
    Ticket,
    TicketCard,
    TicketSla,
)
from deskline.rules import sla
from deskline.store import counts
from deskline.store.db import inserted_id, rows_of, write_ahead

CARD_COLUMNS = (
    "t.id, t.number, t.subject, t.team_id, t.stage_id, t.priority, t.assignee_id, a.name,"
    " coalesce(nullif(c.name, ''), c.email), t.tags, t.sla_deadline, t.sla_status,"
    " t.created_at, t.closed_at, t.version"
)
CARD_FROM = (
    "tickets t LEFT JOIN agents a ON a.id = t.assignee_id"
    " LEFT JOIN customers c ON c.id = t.customer_id"
)


def split_tags(joined: str) -> list[str]:
    return joined.split(",") if joined else []


def card(row: Sequence) -> TicketCard:
    # Validation runs in pydantic-core and parses the ISO times there: quicker than
    # model_construct, which loops over the fields in Python.
    return TicketCard.model_validate(card_fields(row))


def card_fields(row: Sequence) -> dict:
    """The fields of a card from a row that starts with CARD_COLUMNS."""
    return {
        "id": row[0], "number": row[1], "subject": row[2], "team_id": row[3],
        "stage_id": row[4], "priority": row[5], "assignee_id": row[6], "assignee_name": row[7],
        "customer_name": row[8], "tags": split_tags(row[9]), "sla_deadline": row[10],
        "sla_status": row[11], "created_at": row[12], "closed": row[13] is not None,
        "version": row[14],
    }


def _int_list(ids: Iterable[int]) -> str:
    return ",".join(str(int(i)) for i in ids) or "NULL"


def scope_sql(scope: Scope, alias: str = "t", team_id: int | None = None, *,
              many: bool = False) -> str:
    """The WHERE fragment that keeps only tickets the scope may see.

    Ids are integers from the database, so they are inlined; nothing user-typed is.
    Whether the agent follows a ticket is looked up for each ticket read outside the
    agent's teams: `LIMIT 1 OFFSET 0` keeps PostgreSQL from first reading every ticket
    the agent follows into a hash, in each statement (10-25 ms at a million tickets, for
    a search's walk or a list's page of 0.2-1 ms). `many`: a statement that reads most of
    the visible tickets (a report's sums), where that hash is the cheaper way. SQLite
    looks up per ticket either way.
    """
    stop = "" if many else " LIMIT 1 OFFSET 0"
    followed = (f"EXISTS (SELECT 1 FROM ticket_followers tf WHERE tf.ticket_id = {alias}.id"
                f" AND tf.agent_id = {int(scope.agent_id)}{stop})")
    if scope.portal:
        own = f"{alias}.customer_id = {int(scope.customer_id)}" if scope.customer_id else "FALSE"
        return (f"({alias}.team_id IN ({_int_list(scope.public_team_ids)})"
                f" AND ({own} OR {followed}))")
    if team_id is not None and team_visible(scope, team_id):
        return "TRUE"
    if scope.all_teams:
        return "TRUE"
    return f"({alias}.team_id IN ({_int_list(scope.team_ids)}) OR {followed})"


def fts_query(text: str, prefix: bool = True) -> str | None:
    """Words typed by a person as an FTS5 query: every word required, the last a prefix
    (with `prefix`: subjects have a prefix index, messages match whole words)."""
    words = [w for w in "".join(ch if ch.isalnum() else " " for ch in text).split() if w]
    if not words:
        return None
    quoted = ['"' + w.replace('"', '""') + '"' for w in words]
    if prefix and not words[-1].isdigit():  # "50" should not find every "500"
        quoted[-1] += "*"
    return " ".join(quoted)


def text_filter_sql(text: str, params: list) -> str:
    """The clause of a ticket filter by text: its words (full text) or its number; the
    values are appended to `params`."""
    query = fts_query(text)
    number = text.strip().lstrip("#")
    found = []
    if query:
        found.append("SELECT rowid FROM tickets_fts WHERE tickets_fts MATCH ?")
        params.append(query)
    if number.isdigit():
        found.append("SELECT id FROM tickets WHERE number = ?")
        params.append(int(number))
    # One set of ids: "words OR number" made SQLite read the whole team (0.56 s for
    # "#4242" at a million tickets, 57 ms this way).
    return f"t.id IN ({' UNION ALL '.join(found)})" if found else "FALSE"


_ATTACHMENT_COLUMNS = "f.id, f.filename, f.content_type, f.size, f.inline"
# The files that came with the mail that opened a ticket.
_TICKET_ATTACHMENTS = (f"SELECT {_ATTACHMENT_COLUMNS} FROM mail_attachments f"
                       " WHERE f.ticket_id = ? AND f.chatter_id IS NULL ORDER BY f.id")


def _attachment(row: tuple) -> AttachmentInfo:
    return AttachmentInfo(id=row[0], filename=row[1], content_type=row[2], size=row[3],
                          inline=bool(row[4]))


class TicketQueries:
    conn: sqlite3.Connection
    # BulkQueries', on the same store: the one statement for each of these rows
    insert_ticket_tags: Callable[[Iterable[tuple[int, int]]], None]
    insert_followers: Callable[[Iterable[tuple[int, int]]], None]
    insert_mention_rows: Callable[[Iterable[tuple[int, int]]], None]
    insert_clock_rows: Callable[[Iterable[tuple]], None]
    # CountQueries': the counts the triggers keep
    kept_column_counts: Callable[[int, BoardFilter | None, int], dict[int, int]]
    kept_team_figures: Callable[[int, Sequence[int]], dict[int, tuple]]
    kept_team_loads: Callable[[int, Sequence[int]], dict[int, tuple[int, int]]]

    # --- reading -------------------------------------------------------------------------

    def ticket(self, scope: Scope, ticket_id: int) -> Ticket | None:
        # Read together (`db.rows_of`): the row, its followers, SLAs, files, and the
        # replies a portal account counts.
        statements: list[tuple[str, Sequence]] = [
            ("SELECT t.id, t.number, t.subject, t.description, t.team_id, tm.name, t.stage_id,"
             " s.name, t.assignee_id, a.name, t.customer_id, c.name, c.email,"
             " t.organization_id, t.priority, t.tags, t.channel, t.created_at, t.updated_at,"
             " t.closed_at, t.sla_deadline, t.sla_status, t.rating, t.version, t.merged_into,"
             " t.split_from, t.archived, t.message_count, o.name"
             " FROM tickets t JOIN teams tm ON tm.id = t.team_id"
             " JOIN stages s ON s.id = t.stage_id"
             " LEFT JOIN agents a ON a.id = t.assignee_id"
             " LEFT JOIN customers c ON c.id = t.customer_id"
             " LEFT JOIN organizations o ON o.id = t.organization_id"
             f" WHERE t.id = ? AND {scope_sql(scope)}", (ticket_id,)),
            ("SELECT agent_id FROM ticket_followers WHERE ticket_id = ? ORDER BY agent_id",
             (ticket_id,)),
            ("SELECT ts.policy_id, p.name, ts.status, ts.deadline, ts.reached_at"
             " FROM ticket_slas ts JOIN sla_policies p ON p.id = ts.policy_id"
             " WHERE ts.ticket_id = ? ORDER BY ts.deadline", (ticket_id,)),
            (_TICKET_ATTACHMENTS, (ticket_id,))]
        if not scope.internal:
            statements.append(("SELECT count(*) FROM messages"
                               " WHERE ticket_id = ? AND kind = 'reply'", (ticket_id,)))
        found, followers, slas, attachments, *replies = rows_of(self.conn, statements)
        if not found:
            return None
        row = found[0]
        return Ticket(
            id=row[0], number=row[1], subject=row[2], description=row[3], team_id=row[4],
            team_name=row[5], stage_id=row[6], stage_name=row[7], assignee_id=row[8],
            assignee_name=row[9], customer_id=row[10], customer_name=row[11],
            customer_email=row[12], organization_id=row[13], organization_name=row[28],
            priority=row[14],
            tags=split_tags(row[15]), channel=row[16], created_at=row[17], updated_at=row[18],
            closed_at=row[19], sla_deadline=row[20], sla_status=row[21], rating=row[22],
            version=row[23], merged_into=row[24], split_from=row[25], archived=bool(row[26]),
            message_count=replies[0][0][0] if replies else row[27],
            follower_ids=[r[0] for r in followers],
            slas=[TicketSla(policy_id=r[0], name=r[1], status=r[2], deadline=r[3],
                            reached_at=r[4]) for r in slas],
            attachments=[_attachment(r) for r in attachments],
        )

    def ticket_id_by_number(self, number: int) -> int | None:
        row = self.conn.execute("SELECT id FROM tickets WHERE number = ?", (number,)).fetchone()
        return row[0] if row else None

    def cards(self, scope: Scope, ids: Sequence[int]) -> list[TicketCard]:
        """Cards for the given ids that the scope may see, in the order given."""
        if not ids:
            return []
        rows = self.conn.execute(
            f"SELECT {CARD_COLUMNS} FROM {CARD_FROM}"
            f" WHERE t.id IN ({_int_list(ids)}) AND {scope_sql(scope)}"
        ).fetchall()
        by_id = {r[0]: card(r) for r in rows}
        return [by_id[i] for i in ids if i in by_id]

    def _filter_sql(self, scope: Scope, f: BoardFilter | None,
                    as_ids: bool = False) -> tuple[list[str], list]:
        """The board filter's clauses and values. `as_ids`: a tag or project as a set of
        ticket ids found once (by their own indexes), for walking whole columns of the
        board's index, which then checks each ticket's id without reading its row; a
        page, which stops at its first matches, checks each ticket instead."""
        where: list[str] = []
        params: list = []
        if f is None:
            return where, params
        if f.mine:
            where.append("t.assignee_id = ?")
            params.append(scope.agent_id)
        if f.unassigned:
            where.append("t.assignee_id IS NULL")
        if f.priority is not None:
            where.append("t.priority = ?")
            params.append(f.priority)
        if f.tag and as_ids:
            where.append("t.id IN (SELECT tt.ticket_id FROM ticket_tags tt"
                         " WHERE tt.tag_id = (SELECT id FROM tags WHERE name = ?))")
            params.append(f.tag)
        elif f.tag:
            where.append("EXISTS (SELECT 1 FROM ticket_tags tt JOIN tags g ON g.id = tt.tag_id"
                         " WHERE tt.ticket_id = t.id AND g.name = ?)")
            params.append(f.tag)
        projects = "SELECT customer_id FROM customer_projects WHERE project_id = ?"
        if f.project_id is not None and as_ids:
            where.append(f"t.id IN (SELECT p.id FROM tickets p WHERE p.customer_id IN"
                         f" ({projects}))")
            params.append(f.project_id)
        elif f.project_id is not None:
            where.append(f"t.customer_id IN ({projects})")
            params.append(f.project_id)
        if f.text:
            where.append(text_filter_sql(f.text, params))
        return where, params

    def column_counts(self, scope: Scope, team_id: int, f: BoardFilter | None,
                      cap: int) -> dict[int, tuple[int, bool]]:
        """stage id -> (tickets of the column the filter keeps, whether counting stopped
        at `cap`): exact when the kept counts answer, else counted up to `cap`."""
        # A team the scope sees is counted whole: the kept counts answer (store/counts.py).
        if not scope.portal and team_visible(scope, team_id) and counts.kept(f):
            kept = self.kept_column_counts(team_id, f, scope.agent_id)
            return {sid: (n, False) for sid, n in kept.items()}
        where, params = self._filter_sql(scope, f, as_ids=True)
        where += ["t.team_id = s.team_id", "t.stage_id = s.stage_id", "t.archived = 0",
                  scope_sql(scope, team_id=team_id)]
        # Each column counted with a LIMIT: a common word or tag stops after `cap` tickets
        # instead of counting the team's whole match (0.2 s at a million tickets); one
        # statement, so a word's (a tag's, a project's) set of ids is found once; one more
        # than `cap` tells a capped column from one of exactly `cap`.
        rows = self.conn.execute(
            "SELECT s.stage_id, (SELECT count(*) FROM (SELECT 1 FROM tickets t WHERE"
            f" {' AND '.join(where)} LIMIT ?) kept) FROM team_stages s WHERE s.team_id = ?",
            [*params, cap + 1, team_id]).fetchall()
        return {sid: (min(n, cap), n > cap) for sid, n in rows if n}

    def column_page(self, scope: Scope, team_id: int, stage_id: int, f: BoardFilter | None,
                    after: tuple[int, str, int] | None, limit: int) -> list[TicketCard]:
        """One page of a board column: priority first, then newest, by keyset."""
        where, params = self._filter_sql(scope, f)
        where += ["t.team_id = ?", "t.stage_id = ?", "t.archived = 0",
                  scope_sql(scope, team_id=team_id)]
        params += [team_id, stage_id]
        if after is not None:
            where.append("(t.priority, t.created_at, t.id) < (?, ?, ?)")
            params += list(after)
        rows = self.conn.execute(
            f"SELECT {CARD_COLUMNS} FROM {CARD_FROM} WHERE {' AND '.join(where)}"
            " ORDER BY t.priority DESC, t.created_at DESC, t.id DESC LIMIT ?", [*params, limit],
        ).fetchall()
        return [card(r) for r in rows]

    def assigned_page(self, scope: Scope, agent_id: int, open_only: bool,
                      after: tuple[str, int] | None, limit: int) -> list[TicketCard]:
        where = ["t.assignee_id = ?", "t.archived = 0", scope_sql(scope)]
        params: list = [agent_id]
        if open_only:
            where.append("t.is_open = 1")
        if after is not None:
            where.append("(t.created_at, t.id) < (?, ?)")
            params += list(after)
        rows = self.conn.execute(
            f"SELECT {CARD_COLUMNS} FROM {CARD_FROM} WHERE {' AND '.join(where)}"
            " ORDER BY t.created_at DESC, t.id DESC LIMIT ?", [*params, limit],
        ).fetchall()
        return [card(r) for r in rows]

    def team_figures(self, scope: Scope, team_ids: Sequence[int]) -> dict[int, tuple]:
        """team id -> (open, unassigned, mine, urgent, sla_failed) over open tickets."""
        return self.kept_team_figures(scope.agent_id, team_ids)

    def messages_page(self, scope: Scope, ticket_id: int, after_id: int | None,
                      limit: int) -> list[Message]:
        where = ["m.ticket_id = ?"]
        params: list = [ticket_id]
        if not scope.internal:
            where.append("m.kind = 'reply'")
        if after_id is not None:
            where.append("m.id > ?")
            params.append(after_id)
        rows = self.conn.execute(
            "SELECT m.id, m.ticket_id, m.kind, m.author_agent_id, m.author_customer_id,"
            " coalesce(a.name, nullif(c.name, ''), c.email, ''), m.body, m.created_at, m.events"
            " FROM messages m LEFT JOIN agents a ON a.id = m.author_agent_id"
            " LEFT JOIN customers c ON c.id = m.author_customer_id"
            f" WHERE {' AND '.join(where)} ORDER BY m.id LIMIT ?", [*params, limit],
        ).fetchall()
        return self._messages(rows)

    def _messages(self, rows: list[tuple]) -> list[Message]:
        mentions: dict[int, list[int]] = {}
        comment_ids = [r[0] for r in rows if r[2] == "comment"]
        if comment_ids:
            for mid, aid in self.conn.execute(
                "SELECT message_id, agent_id FROM message_mentions"
                f" WHERE message_id IN ({_int_list(comment_ids)})"
            ):
                mentions.setdefault(mid, []).append(aid)
        files: dict[int, list[AttachmentInfo]] = {}
        reply_ids = [r[0] for r in rows if r[2] == "reply"]
        if reply_ids:  # files come with replies: a customer's mail, or sent with an answer
            for row in self.conn.execute(
                f"SELECT f.chatter_id, {_ATTACHMENT_COLUMNS} FROM mail_attachments f"
                f" WHERE f.chatter_id IN ({_int_list(reply_ids)}) ORDER BY f.id"
            ):
                files.setdefault(row[0], []).append(_attachment(row[1:]))
        return [
            Message(id=r[0], ticket_id=r[1], kind=r[2], author_agent_id=r[3],
                    author_customer_id=r[4], author_name=r[5], body=r[6], created_at=r[7],
                    events=[EventData(**e) for e in json.loads(r[8])] if r[8] else [],
                    mention_ids=mentions.get(r[0], []), attachments=files.get(r[0], []))
            for r in rows
        ]

    def insert_files(self, ticket_id: int, message_id: int,
                     files: list[tuple[str, str, bytes]]) -> None:
        """(filename, content type, content) sent with the reply `message_id`."""
        self.conn.executemany(
            "INSERT INTO mail_attachments (ticket_id, chatter_id, filename, content_type, size,"
            " content) VALUES (?, ?, ?, ?, ?, ?)",
            [(ticket_id, message_id, name, kind, len(data), data) for name, kind, data in files])

    def message_files(self, message_id: int) -> list[tuple[str, str, bytes]]:
        """(filename, content type, content) of the files of a message, to mail them."""
        return self.conn.execute(
            "SELECT filename, content_type, content FROM mail_attachments"
            " WHERE chatter_id = ? AND inline = 0 ORDER BY id", (message_id,)).fetchall()

    def ticket_attachments(self, ticket_id: int) -> list[AttachmentInfo]:
        """The files that came with the mail that opened the ticket."""
        return [_attachment(row) for row in self.conn.execute(_TICKET_ATTACHMENTS,
                                                              (ticket_id,))]

    def attachment(self, attachment_id: int) -> tuple[int, int | None, AttachmentFile] | None:
        """(the ticket it belongs to now, its message id or None, the file). A message's
        file follows the message when a merge or a split moved it."""
        row = self.conn.execute(
            f"SELECT coalesce(m.ticket_id, f.ticket_id), f.chatter_id, {_ATTACHMENT_COLUMNS},"
            " f.content FROM mail_attachments f LEFT JOIN messages m ON m.id = f.chatter_id"
            " WHERE f.id = ?", (attachment_id,)).fetchone()
        if row is None or row[0] is None:
            return None
        return row[0], row[1], AttachmentFile(info=_attachment(row[2:7]), content=row[7])

    def message_rows(self, ticket_id: int, message_ids: Iterable[int]) -> list[int]:
        """Which of the ids are messages of the ticket."""
        return [r[0] for r in self.conn.execute(
            f"SELECT id FROM messages WHERE ticket_id = ? AND id IN ({_int_list(message_ids)})",
            (ticket_id,))]

    def replies_and_comments_besides(self, ticket_id: int, message_ids: Iterable[int]) -> int:
        """How many replies and comments of the ticket are not among `message_ids`: what a
        split would leave behind."""
        return self.conn.execute(
            "SELECT count(*) FROM messages WHERE ticket_id = ? AND kind != 'event'"
            f" AND id NOT IN ({_int_list(message_ids)})", (ticket_id,)).fetchone()[0]

    def ticket_number(self, ticket_id: int) -> int | None:
        row = self.conn.execute("SELECT number FROM tickets WHERE id = ?",
                                (ticket_id,)).fetchone()
        return row[0] if row else None

    def inactive_tickets(self, team_id: int, cutoff: str) -> list[tuple[int, int, int, str]]:
        """(id, version, stage_id, updated_at) of the team's open tickets untouched since
        `cutoff`, oldest first: the candidates of automatic closing."""
        return self.conn.execute(
            "SELECT id, version, stage_id, updated_at FROM tickets INDEXED BY"
            " ix_tickets_inactive WHERE team_id = ? AND is_open = 1 AND updated_at <= ?"
            " ORDER BY updated_at, id", (team_id, cutoff)).fetchall()

    # --- writing -------------------------------------------------------------------------

    def next_number(self) -> int:
        """The next ticket number, taken (call it inside the write's transaction): one
        above the highest ever given, so a deleted ticket's number is never reused."""
        return self.conn.execute(
            "UPDATE ticket_numbers SET last = max(last, (SELECT coalesce(max(number), 0)"
            " FROM tickets)) + 1 WHERE id = 1 RETURNING last").fetchone()[0]

    def insert_ticket(self, values: dict) -> int:
        names = ", ".join(values)
        return inserted_id(self.conn.execute(
            f"INSERT INTO tickets ({names}) VALUES ({', '.join('?' * len(values))})",
            list(values.values()),
        ))

    def update_ticket(self, ticket_id: int, version: int | None, values: dict) -> bool:
        """Set columns and bump the version; False when `version` is stale."""
        sets = ", ".join([f"{k} = ?" for k in values] + ["version = version + 1"])
        sql = f"UPDATE tickets SET {sets} WHERE id = ?"
        params = [*values.values(), ticket_id]
        if version is not None:
            sql += " AND version = ?"
            params.append(version)
        return self.conn.execute(sql, params).rowcount == 1

    def touch(self, ticket_id: int, updated_at: str, added_messages: int) -> None:
        """Record activity on a ticket without changing its fields (no version bump)."""
        write_ahead(
            self.conn,
            "UPDATE tickets SET updated_at = ?, message_count = message_count + ? WHERE id = ?",
            (updated_at, added_messages, ticket_id))

    def set_tags(self, ticket_id: int, tag_ids: Sequence[int], names: Sequence[str]) -> None:
        self.conn.execute("DELETE FROM ticket_tags WHERE ticket_id = ?", (ticket_id,))
        self.insert_ticket_tags([(ticket_id, t) for t in tag_ids])
        self.conn.execute("UPDATE tickets SET tags = ? WHERE id = ?", (",".join(names), ticket_id))

    def set_follower(self, ticket_id: int, agent_id: int, following: bool) -> None:
        if following:
            self.insert_followers([(ticket_id, agent_id)])
        else:
            self.conn.execute("DELETE FROM ticket_followers WHERE ticket_id = ? AND agent_id = ?",
                              (ticket_id, agent_id))

    def insert_message(self, ticket_id: int, kind: str, body: str, created_at: str, *,
                       agent_id: int | None = None, customer_id: int | None = None,
                       events: Sequence[EventData] = ()) -> int:
        payload = json.dumps([e.model_dump() for e in events]) if events else None
        return inserted_id(self.conn.execute(
            "INSERT INTO messages (ticket_id, kind, author_agent_id, author_customer_id, body,"
            " events, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (ticket_id, kind, agent_id, customer_id, body, payload, created_at),
        ))

    def insert_mentions(self, message_id: int, agent_ids: Iterable[int]) -> None:
        self.insert_mention_rows([(message_id, a) for a in agent_ids])

    def move_messages(self, message_ids: Sequence[int] | None, from_ids: Sequence[int],
                      to_id: int) -> int:
        """Move the named messages (or all messages of `from_ids`) to another ticket, with
        the files that came with them (which would otherwise go if their old ticket is
        deleted)."""
        sql = f"UPDATE messages SET ticket_id = ? WHERE ticket_id IN ({_int_list(from_ids)})"
        if message_ids is not None:
            sql += f" AND id IN ({_int_list(message_ids)})"
        moved = self.conn.execute(sql, (to_id,)).rowcount
        self.conn.execute(
            "UPDATE mail_attachments SET ticket_id = ?"
            f" WHERE ticket_id IN ({_int_list(from_ids)}) AND chatter_id IN"
            " (SELECT id FROM messages WHERE ticket_id = ?)", (to_id, to_id))
        return moved

    def recount_messages(self, ticket_ids: Iterable[int]) -> None:
        self.conn.execute(
            "UPDATE tickets SET message_count = (SELECT count(*) FROM messages m"
            f" WHERE m.ticket_id = tickets.id) WHERE id IN ({_int_list(ticket_ids)})")

    def delete_ticket(self, ticket_id: int) -> None:
        self.conn.execute("UPDATE tickets SET merged_into = NULL WHERE merged_into = ?",
                          (ticket_id,))
        self.conn.execute("UPDATE tickets SET split_from = NULL WHERE split_from = ?",
                          (ticket_id,))
        self.conn.execute("DELETE FROM tickets WHERE id = ?", (ticket_id,))

    def team_loads(self, team_id: int, agent_ids: Sequence[int]) -> dict[int, tuple[int, int]]:
        """agent id -> (total, open) tickets of the team assigned to them."""
        return self.kept_team_loads(team_id, agent_ids)

    # --- SLA clocks --------------------------------------------------------------------

    def sla_rows(self, ticket_id: int) -> list[tuple]:
        """(policy_id, status, deadline, spent_hours, running_since, reached_at)."""
        return self.conn.execute(
            "SELECT policy_id, status, deadline, spent_hours, running_since, reached_at"
            " FROM ticket_slas WHERE ticket_id = ?", (ticket_id,)).fetchall()

    def replace_sla_rows(self, ticket_id: int, rows: Iterable[tuple]) -> None:
        rows = list(rows)
        deleted = self.conn.execute("DELETE FROM ticket_slas WHERE ticket_id = ?",
                                    (ticket_id,)).rowcount
        if not rows and not deleted:
            return  # no clocks before or after: the summary columns stay NULL
        self.insert_clock_rows([(ticket_id, *r) for r in rows])
        self._write_sla_summaries({ticket_id: [r[:3] for r in rows]})  # no read back

    def summarize_sla(self, ticket_ids: Iterable[int]) -> None:
        """Copy the nearest deadline and the worst status (`rules.sla.summary`) onto the
        tickets (for the board)."""
        ids = sorted(set(ticket_ids))
        clocks: dict[int, list[tuple]] = {i: [] for i in ids}
        for row in self.conn.execute(
                "SELECT ticket_id, policy_id, status, deadline FROM ticket_slas"
                f" WHERE ticket_id IN ({_int_list(ids)})"):
            clocks[row[0]].append(row[1:])
        self._write_sla_summaries(clocks)

    def _write_sla_summaries(self, clocks: dict[int, list[tuple]]) -> None:
        """Each ticket's summary of its clocks ((policy_id, status, deadline) rows)."""
        self.conn.executemany("UPDATE tickets SET sla_deadline = ?, sla_status = ? WHERE id = ?",
                              [(*sla.summary(rows), i) for i, rows in sorted(clocks.items())])

    def has_overdue_slas(self, now: str) -> bool:
        """Whether an ongoing clock is past its deadline (a cheap check before failing)."""
        return self.conn.execute(
            "SELECT 1 FROM ticket_slas WHERE status = 'ongoing' AND deadline < ? LIMIT 1", (now,)
        ).fetchone() is not None

    def fail_overdue_slas(self, now: str) -> list[int]:
        """Mark ongoing clocks past their deadline as failed; the tickets touched."""
        ids = [r[0] for r in self.conn.execute(
            "SELECT DISTINCT ticket_id FROM ticket_slas WHERE status = 'ongoing'"
            " AND deadline IS NOT NULL AND deadline < ?", (now,))]
        if ids:
            self.conn.execute("UPDATE ticket_slas SET status = 'failed' WHERE status = 'ongoing'"
                              " AND deadline IS NOT NULL AND deadline < ?", (now,))
            self.summarize_sla(ids)
        return ids


class TicketStore(Protocol):
    """Tickets, their messages, files, tags, followers and SLA clocks."""

    def ticket(self, scope: Scope, ticket_id: int) -> Ticket | None: ...
    def ticket_id_by_number(self, number: int) -> int | None: ...
    def cards(self, scope: Scope, ids: Sequence[int]) -> list[TicketCard]: ...
    def column_counts(self, scope: Scope, team_id: int, f: BoardFilter | None,
                      cap: int) -> dict[int, tuple[int, bool]]: ...
    def column_page(self, scope: Scope, team_id: int, stage_id: int, f: BoardFilter | None,
                    after: tuple[int, str, int] | None, limit: int) -> list[TicketCard]: ...
    def assigned_page(self, scope: Scope, agent_id: int, open_only: bool,
                      after: tuple[str, int] | None, limit: int) -> list[TicketCard]: ...
    def team_figures(self, scope: Scope, team_ids: Sequence[int]) -> dict[int, tuple]: ...
    def messages_page(self, scope: Scope, ticket_id: int, after_id: int | None,
                      limit: int) -> list[Message]: ...
    def insert_files(self, ticket_id: int, message_id: int,
                     files: list[tuple[str, str, bytes]]) -> None: ...
    def message_files(self, message_id: int) -> list[tuple[str, str, bytes]]: ...
    def ticket_attachments(self, ticket_id: int) -> list[AttachmentInfo]: ...
    def attachment(self, attachment_id: int) -> tuple[int, int | None, AttachmentFile] | None: ...
    def message_rows(self, ticket_id: int, message_ids: Iterable[int]) -> list[int]: ...
    def replies_and_comments_besides(self, ticket_id: int, message_ids: Iterable[int]) -> int: ...
    def ticket_number(self, ticket_id: int) -> int | None: ...
    def inactive_tickets(self, team_id: int, cutoff: str) -> list[tuple[int, int, int, str]]: ...
    def next_number(self) -> int: ...
    def insert_ticket(self, values: dict) -> int: ...
    def update_ticket(self, ticket_id: int, version: int | None, values: dict) -> bool: ...
    def touch(self, ticket_id: int, updated_at: str, added_messages: int) -> None: ...
    def set_tags(self, ticket_id: int, tag_ids: Sequence[int], names: Sequence[str]) -> None: ...
    def set_follower(self, ticket_id: int, agent_id: int, following: bool) -> None: ...
    def insert_message(self, ticket_id: int, kind: str, body: str, created_at: str, *,
                       agent_id: int | None = None, customer_id: int | None = None,
                       events: Sequence[EventData] = ()) -> int: ...
    def insert_mentions(self, message_id: int, agent_ids: Iterable[int]) -> None: ...
    def move_messages(self, message_ids: Sequence[int] | None, from_ids: Sequence[int],
                      to_id: int) -> int: ...
    def recount_messages(self, ticket_ids: Iterable[int]) -> None: ...
    def delete_ticket(self, ticket_id: int) -> None: ...
    def team_loads(self, team_id: int, agent_ids: Sequence[int]) -> dict[int, tuple[int, int]]: ...
    def sla_rows(self, ticket_id: int) -> list[tuple]: ...
    def replace_sla_rows(self, ticket_id: int, rows: Iterable[tuple]) -> None: ...
    def summarize_sla(self, ticket_ids: Iterable[int]) -> None: ...
    def has_overdue_slas(self, now: str) -> bool: ...
    def fail_overdue_slas(self, now: str) -> list[int]: ...
