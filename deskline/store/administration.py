"""Queries behind administration: the audit trail, agents' roles and time off, stage
removal, template and SLA policy edits, organizations, projects and tags (API tokens are
in tokens.py)."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Sequence
from typing import Protocol

from deskline.models import AuditEntry, EventData, Tag
from deskline.store.db import inserted_id


class AdministrationQueries:
    conn: sqlite3.Connection

    # --- the audit trail ----------------------------------------------------------------

    def insert_audit(self, *, at: str, actor_id: int | None, actor_name: str, kind: str,
                     object_id: int | None, object_name: str, action: str,
                     changes: Sequence[EventData] = ()) -> int:
        return inserted_id(self.conn.execute(
            "INSERT INTO audit_log (at, actor_id, actor_name, kind, object_id, object_name,"
            " action, changes) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (at, actor_id, actor_name, kind, object_id, object_name, action,
             json.dumps([c.model_dump() for c in changes])),
        ))

    def audit_page(self, kind: str | None, before_id: int | None, limit: int) -> list[AuditEntry]:
        """Newest first, by keyset on id."""
        where: list[str] = ["TRUE"]
        params: list = []
        if kind:
            where.append("kind = ?")
            params.append(kind)
        if before_id is not None:
            where.append("id < ?")
            params.append(before_id)
        rows = self.conn.execute(
            "SELECT id, at, actor_id, actor_name, kind, object_id, object_name, action, changes"
            f" FROM audit_log WHERE {' AND '.join(where)} ORDER BY id DESC LIMIT ?",
            [*params, limit]).fetchall()
        return [
            AuditEntry(id=r[0], at=r[1], actor_id=r[2], actor_name=r[3], kind=r[4],
                       object_id=r[5], object_name=r[6], action=r[7],
                       changes=[EventData(**c) for c in json.loads(r[8])])
            for r in rows
        ]

    # --- agents -------------------------------------------------------------------------

    def active_admins(self) -> list[int]:
        return [r[0] for r in self.conn.execute(
            "SELECT id FROM agents WHERE role = 'admin' AND active = 1 ORDER BY id")]

    def update_agent(self, agent_id: int, values: dict) -> None:
        columns = {k: v for k, v in values.items() if k in ("email", "name", "role", "active")}
        if columns:
            sets = ", ".join(f"{k} = ?" for k in columns)
            self.conn.execute(f"UPDATE agents SET {sets} WHERE id = ?",
                              [*columns.values(), agent_id])

    def add_time_off(self, agent_id: int, start: str, end: str) -> int:
        return inserted_id(self.conn.execute(
            "INSERT INTO agent_time_off (agent_id, start_at, end_at) VALUES (?, ?, ?)",
            (agent_id, start, end)))

    def delete_time_off(self, agent_id: int, period_id: int) -> bool:
        return self.conn.execute(
            "DELETE FROM agent_time_off WHERE id = ? AND agent_id = ?",
            (period_id, agent_id)).rowcount == 1

    def set_agent_teams(self, agent_id: int, team_ids: Iterable[int]) -> None:
        self.conn.execute("DELETE FROM team_members WHERE agent_id = ?", (agent_id,))
        self.conn.executemany("INSERT INTO team_members (team_id, agent_id) VALUES (?, ?)",
                              [(tid, agent_id) for tid in dict.fromkeys(team_ids)])
        self.conn.execute("UPDATE teams SET version = version + 1 WHERE id IN"
                          " (SELECT team_id FROM team_members WHERE agent_id = ?)", (agent_id,))

    def open_ticket_ids(self, *, assignee_id: int | None = None, team_id: int | None = None,
                        limit: int | None = None) -> list[int]:
        where, params = ["is_open = 1"], []
        if assignee_id is not None:
            where.append("assignee_id = ?")
            params.append(assignee_id)
        if team_id is not None:
            where.append("team_id = ?")
            params.append(team_id)
        sql = f"SELECT id FROM tickets WHERE {' AND '.join(where)} ORDER BY id"
        if limit is not None:
            sql += f" LIMIT {int(limit)}"
        return [r[0] for r in self.conn.execute(sql, params)]

    # --- teams --------------------------------------------------------------------------

    def team_portal_followers(self, team_id: int) -> tuple[int, int]:
        """(portal accounts following the team, portal follows of the team's tickets)."""
        team = self.conn.execute(
            "SELECT count(*) FROM team_followers f JOIN agents a ON a.id = f.agent_id"
            " WHERE f.team_id = ? AND a.role = 'portal'", (team_id,)).fetchone()[0]
        tickets = self.conn.execute(
            "SELECT count(*) FROM ticket_followers f JOIN agents a ON a.id = f.agent_id"
            " JOIN tickets t ON t.id = f.ticket_id WHERE t.team_id = ? AND a.role = 'portal'",
            (team_id,)).fetchone()[0]
        return team, tickets

    def remove_portal_followers(self, team_id: int) -> None:
        self.conn.execute(
            "DELETE FROM team_followers WHERE team_id = ? AND agent_id IN"
            " (SELECT id FROM agents WHERE role = 'portal')", (team_id,))
        self.conn.execute(
            "DELETE FROM ticket_followers WHERE agent_id IN"
            " (SELECT id FROM agents WHERE role = 'portal')"
            " AND ticket_id IN (SELECT id FROM tickets WHERE team_id = ?)", (team_id,))

    def team_version(self, team_id: int) -> int | None:
        row = self.conn.execute("SELECT version FROM teams WHERE id = ?", (team_id,)).fetchone()
        return row[0] if row else None

    # --- stages -------------------------------------------------------------------------

    def stage_ticket_ids(self, stage_id: int) -> list[int]:
        return [r[0] for r in self.conn.execute(
            "SELECT id FROM tickets WHERE stage_id = ? ORDER BY id", (stage_id,))]

    def stage_ticket_teams(self, stage_id: int) -> list[int]:
        return [r[0] for r in self.conn.execute(
            "SELECT DISTINCT team_id FROM tickets WHERE stage_id = ?", (stage_id,))]

    def move_stage_tickets(self, from_stage: int, to_stage: int, closing: bool, now: str) -> None:
        """Every ticket of one stage into another, their versions bumped, closed or
        reopened as the new stage says."""
        if closing:
            self.conn.execute(
                "UPDATE tickets SET stage_id = ?, version = version + 1, updated_at = ?,"
                " closed_at = coalesce(closed_at, ?), is_open = 0 WHERE stage_id = ?",
                (to_stage, now, now, from_stage))
        else:
            self.conn.execute(
                "UPDATE tickets SET stage_id = ?, version = version + 1, updated_at = ?,"
                " closed_at = NULL,"
                " is_open = CASE WHEN archived = 0 AND merged_into IS NULL THEN 1 ELSE 0 END"
                " WHERE stage_id = ?", (to_stage, now, from_stage))

    def delete_stage(self, stage_id: int) -> None:
        for tid, raw in self.conn.execute(
                "SELECT id, auto_close_stage_ids FROM teams").fetchall():
            ids = json.loads(raw or "[]")
            if stage_id in ids:
                self.conn.execute("UPDATE teams SET auto_close_stage_ids = ? WHERE id = ?",
                                  (json.dumps([i for i in ids if i != stage_id]), tid))
        for pid, raw in self.conn.execute(
                "SELECT id, excluded_stage_ids FROM sla_policies").fetchall():
            ids = json.loads(raw or "[]")
            if stage_id in ids:
                self.conn.execute("UPDATE sla_policies SET excluded_stage_ids = ? WHERE id = ?",
                                  (json.dumps([i for i in ids if i != stage_id]), pid))
        self.conn.execute("DELETE FROM stages WHERE id = ?", (stage_id,))

    # --- templates and SLA policies -----------------------------------------------------

    def update_template(self, template_id: int, values: dict) -> None:
        columns = {k: v for k, v in values.items() if k in ("name", "subject", "body")}
        sets = "".join(f"{k} = ?, " for k in columns)
        self.conn.execute(f"UPDATE mail_templates SET {sets}version = version + 1 WHERE id = ?",
                          [*columns.values(), template_id])

    def template_by_name(self, name: str) -> int | None:
        row = self.conn.execute("SELECT id FROM mail_templates WHERE name = ?",
                                (name,)).fetchone()
        return row[0] if row else None

    def update_sla_policy(self, policy_id: int, values: dict) -> None:
        columns = {}
        for key, value in values.items():
            if key in ("priorities", "tags", "customer_ids", "excluded_stage_ids"):
                columns[key] = json.dumps(list(value))
            elif key in ("name", "target_stage_id", "hours"):
                columns[key] = value
        sets = "".join(f"{k} = ?, " for k in columns)
        self.conn.execute(f"UPDATE sla_policies SET {sets}version = version + 1 WHERE id = ?",
                          [*columns.values(), policy_id])

    def delete_sla_policy(self, policy_id: int) -> list[int]:
        """Delete a policy and its clocks; the tickets whose clocks went (to summarize)."""
        tickets = [r[0] for r in self.conn.execute(
            "SELECT ticket_id FROM ticket_slas WHERE policy_id = ?", (policy_id,))]
        self.conn.execute("DELETE FROM sla_policies WHERE id = ?", (policy_id,))
        return tickets

    # --- organizations and projects -----------------------------------------------------

    def update_organization(self, org_id: int, values: dict) -> None:
        columns = {k: v for k, v in values.items() if k in ("name", "domain")}
        if columns:
            sets = ", ".join(f"{k} = ?" for k in columns)
            self.conn.execute(f"UPDATE organizations SET {sets} WHERE id = ?",
                              [*columns.values(), org_id])

    def organization_usage(self, org_id: int) -> dict[str, int]:
        return {
            "customers": self.conn.execute(
                "SELECT count(*) FROM customers WHERE organization_id = ?", (org_id,)
            ).fetchone()[0],
            "tickets": self.conn.execute(
                "SELECT count(*) FROM tickets WHERE organization_id = ?", (org_id,)
            ).fetchone()[0],
            "projects": self.conn.execute(
                "SELECT count(*) FROM projects WHERE organization_id = ?", (org_id,)
            ).fetchone()[0],
        }

    def delete_organization(self, org_id: int) -> None:
        self.conn.execute("DELETE FROM organizations WHERE id = ?", (org_id,))

    def update_project(self, project_id: int, values: dict) -> None:
        columns = {k: v for k, v in values.items() if k in ("name", "organization_id")}
        if columns:
            sets = ", ".join(f"{k} = ?" for k in columns)
            self.conn.execute(f"UPDATE projects SET {sets} WHERE id = ?",
                              [*columns.values(), project_id])

    def project_usage(self, project_id: int) -> int:
        return self.conn.execute(
            "SELECT count(*) FROM customer_projects WHERE project_id = ?", (project_id,)
        ).fetchone()[0]

    def delete_project(self, project_id: int) -> None:
        self.conn.execute("DELETE FROM projects WHERE id = ?", (project_id,))

    # --- tags ---------------------------------------------------------------------------

    def tags(self) -> list[Tag]:
        return [
            Tag(id=r[0], name=r[1], ticket_count=r[2])
            for r in self.conn.execute(
                "SELECT g.id, g.name, (SELECT count(*) FROM ticket_tags x WHERE x.tag_id = g.id)"
                " FROM tags g ORDER BY g.name")
        ]

    def tag(self, tag_id: int) -> Tag | None:
        return next((t for t in self.tags() if t.id == tag_id), None)

    def tag_by_name(self, name: str) -> int | None:
        row = self.conn.execute("SELECT id FROM tags WHERE name = ?", (name,)).fetchone()
        return row[0] if row else None

    def tag_ticket_ids(self, tag_id: int) -> list[int]:
        return [r[0] for r in self.conn.execute(
            "SELECT ticket_id FROM ticket_tags WHERE tag_id = ?", (tag_id,))]

    def rename_tag(self, tag_id: int, name: str) -> None:
        self.conn.execute("UPDATE tags SET name = ? WHERE id = ?", (name, tag_id))

    def merge_tag(self, source_id: int, target_id: int) -> None:
        self.conn.execute(
            "INSERT OR IGNORE INTO ticket_tags (ticket_id, tag_id)"
            " SELECT ticket_id, ? FROM ticket_tags WHERE tag_id = ?", (target_id, source_id))
        self.conn.execute("DELETE FROM tags WHERE id = ?", (source_id,))

    def delete_tag(self, tag_id: int) -> None:
        self.conn.execute("DELETE FROM tags WHERE id = ?", (tag_id,))

    def refresh_ticket_tags(self, ticket_ids: Iterable[int]) -> None:
        """Rewrite the denormalized `tickets.tags` (display names) from `ticket_tags`."""
        self.conn.executemany(
            "UPDATE tickets SET tags = coalesce((SELECT group_concat(name, ',') FROM"
            " (SELECT g.name FROM ticket_tags x JOIN tags g ON g.id = x.tag_id"
            "  WHERE x.ticket_id = tickets.id ORDER BY g.name) named), '') WHERE id = ?",
            [(tid,) for tid in ticket_ids])


class AdministrationStore(Protocol):
    """Audit rows and the writes of administration."""

    def insert_audit(self, *, at: str, actor_id: int | None, actor_name: str, kind: str,
                     object_id: int | None, object_name: str, action: str,
                     changes: Sequence[EventData] = ()) -> int: ...
    def audit_page(self, kind: str | None, before_id: int | None,
                   limit: int) -> list[AuditEntry]: ...
    def active_admins(self) -> list[int]: ...
    def update_agent(self, agent_id: int, values: dict) -> None: ...
    def add_time_off(self, agent_id: int, start: str, end: str) -> int: ...
    def delete_time_off(self, agent_id: int, period_id: int) -> bool: ...
    def set_agent_teams(self, agent_id: int, team_ids: Iterable[int]) -> None: ...
    def open_ticket_ids(self, *, assignee_id: int | None = None, team_id: int | None = None,
                        limit: int | None = None) -> list[int]: ...
    def team_portal_followers(self, team_id: int) -> tuple[int, int]: ...
    def remove_portal_followers(self, team_id: int) -> None: ...
    def team_version(self, team_id: int) -> int | None: ...
    def stage_ticket_ids(self, stage_id: int) -> list[int]: ...
    def stage_ticket_teams(self, stage_id: int) -> list[int]: ...
    def move_stage_tickets(self, from_stage: int, to_stage: int, closing: bool,
                           now: str) -> None: ...
    def delete_stage(self, stage_id: int) -> None: ...
    def update_template(self, template_id: int, values: dict) -> None: ...
    def template_by_name(self, name: str) -> int | None: ...
    def update_sla_policy(self, policy_id: int, values: dict) -> None: ...
    def delete_sla_policy(self, policy_id: int) -> list[int]: ...
    def update_organization(self, org_id: int, values: dict) -> None: ...
    def organization_usage(self, org_id: int) -> dict[str, int]: ...
    def delete_organization(self, org_id: int) -> None: ...
    def update_project(self, project_id: int, values: dict) -> None: ...
    def project_usage(self, project_id: int) -> int: ...
    def delete_project(self, project_id: int) -> None: ...
    def tags(self) -> list[Tag]: ...
    def tag(self, tag_id: int) -> Tag | None: ...
    def tag_by_name(self, name: str) -> int | None: ...
    def tag_ticket_ids(self, tag_id: int) -> list[int]: ...
    def rename_tag(self, tag_id: int, name: str) -> None: ...
    def merge_tag(self, source_id: int, target_id: int) -> None: ...
    def delete_tag(self, tag_id: int) -> None: ...
    def refresh_ticket_tags(self, ticket_ids: Iterable[int]) -> None: ...
