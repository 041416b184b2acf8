"""Queries over the helpdesk's setup: agents, organizations, projects, teams, stages,
templates, SLA policies and tags."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable
from typing import Protocol

from deskline.clock import to_db
from deskline.models import (
    Agent,
    Calendar,
    MailTemplate,
    Organization,
    Project,
    SlaPolicy,
    Stage,
    Team,
    TimeOff,
)
from deskline.store.db import inserted_id
from deskline.store.memo import DataVersionMemo


class DirectoryQueries:
    conn: sqlite3.Connection
    memo: DataVersionMemo

    # --- agents -------------------------------------------------------------------------

    def agents(self, ids: Iterable[int] | None = None) -> list[Agent]:
        sql = "SELECT id, email, name, role, active, customer_id FROM agents"
        params: list = []
        if ids is not None:
            ids = list(ids)
            sql += f" WHERE id IN ({','.join('?' * len(ids))})"
            params = ids
        rows = self.conn.execute(sql + " ORDER BY id", params).fetchall()
        off: dict[int, list[TimeOff]] = {}
        for agent_id, start, end, period_id in self.conn.execute(
            "SELECT agent_id, start_at, end_at, id FROM agent_time_off ORDER BY start_at"
        ):
            off.setdefault(agent_id, []).append(TimeOff(start=start, end=end, id=period_id))
        return [
            Agent(id=r[0], email=r[1], name=r[2], role=r[3], active=bool(r[4]),
                  customer_id=r[5], time_off=off.get(r[0], []))
            for r in rows
        ]

    def agent(self, agent_id: int) -> Agent | None:
        found = self.agents([agent_id])
        return found[0] if found else None

    def agent_by_email(self, email: str) -> Agent | None:
        row = self.conn.execute("SELECT id FROM agents WHERE email = ?", (email,)).fetchone()
        return self.agent(row[0]) if row else None

    def insert_agent(self, email: str, name: str, role: str, customer_id: int | None) -> int:
        return inserted_id(self.conn.execute(
            "INSERT INTO agents (email, name, role, customer_id) VALUES (?, ?, ?, ?)",
            (email, name, role, customer_id),
        ))

    def add_inactive_admin(self, email: str, name: str) -> None:
        """The inactive admin an automatic job acts as, unless that email exists already."""
        self.conn.execute("INSERT OR IGNORE INTO agents (email, name, role, active)"
                          " VALUES (?, ?, 'admin', 0)", (email, name))

    def set_time_off(self, agent_id: int, periods: Iterable[TimeOff]) -> None:
        self.conn.execute("DELETE FROM agent_time_off WHERE agent_id = ?", (agent_id,))
        self.conn.executemany(
            "INSERT INTO agent_time_off (agent_id, start_at, end_at) VALUES (?, ?, ?)",
            [(agent_id, to_db(p.start), to_db(p.end)) for p in periods],
        )

    # --- organizations -------------------------------------------------------------------

    def organizations(self) -> list[Organization]:
        return [
            Organization(id=r[0], name=r[1], domain=r[2])
            for r in self.conn.execute("SELECT id, name, domain FROM organizations ORDER BY name")
        ]

    def organization(self, org_id: int) -> Organization | None:
        row = self.conn.execute(
            "SELECT id, name, domain FROM organizations WHERE id = ?", (org_id,)
        ).fetchone()
        return Organization(id=row[0], name=row[1], domain=row[2]) if row else None

    def insert_organization(self, name: str, domain: str | None) -> int:
        return inserted_id(self.conn.execute(
            "INSERT INTO organizations (name, domain) VALUES (?, ?)", (name, domain)
        ))

    def projects(self) -> list[Project]:
        return [
            Project(id=r[0], name=r[1], organization_id=r[2])
            for r in self.conn.execute("SELECT id, name, organization_id FROM projects ORDER BY id")
        ]

    def insert_project(self, name: str, organization_id: int | None) -> int:
        return inserted_id(self.conn.execute(
            "INSERT INTO projects (name, organization_id) VALUES (?, ?)", (name, organization_id)
        ))

    # --- teams and stages ----------------------------------------------------------------

    def teams(self) -> list[Team]:
        """Every team, kept until this or another connection writes anything.

        Every call narrows by the actor's scope, which needs the teams; reading them costs
        more than a board page, and they rarely change.
        """
        return list(self.memo.get("teams", self._read_teams))

    def agent_now(self, agent_id: int) -> Agent | None:
        """The agent as stored now, re-read only when something was written since (the
        actor of a long-lived service: a role or an account changed under it counts at
        once)."""
        return self.memo.get(("agent", agent_id), lambda: self.agent(agent_id))

    def _read_teams(self) -> list[Team]:
        members: dict[int, list[int]] = {}
        followers: dict[int, list[int]] = {}
        stages: dict[int, list[int]] = {}
        for tid, aid in self.conn.execute("SELECT team_id, agent_id FROM team_members"):
            members.setdefault(tid, []).append(aid)
        for tid, aid in self.conn.execute("SELECT team_id, agent_id FROM team_followers"):
            followers.setdefault(tid, []).append(aid)
        for tid, sid in self.conn.execute(
            "SELECT ts.team_id, ts.stage_id FROM team_stages ts JOIN stages s ON s.id = ts.stage_id"
            " ORDER BY s.sequence, s.id"
        ):
            stages.setdefault(tid, []).append(sid)
        return [
            Team(id=r[0], name=r[1], description=r[2], email_alias=r[3], visibility=r[4],
                 assignment=r[5], calendar=Calendar.model_validate_json(r[6]),
                 auto_close_days=r[7], customers_may_close=bool(r[8]), ratings=bool(r[9]),
                 auto_close_stage_ids=json.loads(r[10] or "[]"),
                 archived=bool(r[11]), version=r[12],
                 member_ids=members.get(r[0], []), follower_ids=followers.get(r[0], []),
                 stage_ids=stages.get(r[0], []))
            for r in self.conn.execute(
                "SELECT id, name, description, email_alias, visibility, assignment, calendar,"
                " auto_close_days, customers_may_close, ratings, auto_close_stage_ids,"
                " archived, version FROM teams ORDER BY name"
            )
        ]

    def team(self, team_id: int) -> Team | None:
        return next((t for t in self.teams() if t.id == team_id), None)

    def save_team(self, team_id: int | None, values: dict) -> int:
        """Insert (team_id None) or update a team's columns and its member/follower/stage sets."""
        columns = {
            k: v for k, v in values.items()
            if k in ("name", "description", "email_alias", "visibility", "assignment",
                     "calendar", "auto_close_days", "customers_may_close", "ratings",
                     "auto_close_stage_ids", "archived")
        }
        if columns.get("auto_close_stage_ids") is not None:
            columns["auto_close_stage_ids"] = json.dumps(list(columns["auto_close_stage_ids"]))
        elif "auto_close_stage_ids" in columns:
            columns["auto_close_stage_ids"] = "[]"
        if "calendar" in columns:
            columns["calendar"] = Calendar.model_validate(columns["calendar"]).model_dump_json()
        if team_id is None:
            columns.setdefault("calendar", Calendar().model_dump_json())
            names = ", ".join(columns)
            team_id = inserted_id(self.conn.execute(
                f"INSERT INTO teams ({names}) VALUES ({', '.join('?' * len(columns))})",
                list(columns.values()),
            ))
        else:
            sets = "".join(f"{k} = ?, " for k in columns)
            self.conn.execute(f"UPDATE teams SET {sets}version = version + 1 WHERE id = ?",
                              [*columns.values(), team_id])
        for key, table, column in (("member_ids", "team_members", "agent_id"),
                                   ("follower_ids", "team_followers", "agent_id"),
                                   ("stage_ids", "team_stages", "stage_id")):
            if values.get(key) is not None:
                self.conn.execute(f"DELETE FROM {table} WHERE team_id = ?", (team_id,))
                self.conn.executemany(
                    f"INSERT INTO {table} (team_id, {column}) VALUES (?, ?)",
                    [(team_id, i) for i in dict.fromkeys(values[key])],
                )
        return team_id

    def stages(self, team_id: int | None = None) -> list[Stage]:
        teams_of: dict[int, list[int]] = {}
        for tid, sid in self.conn.execute("SELECT team_id, stage_id FROM team_stages ORDER BY 1"):
            teams_of.setdefault(sid, []).append(tid)
        sql = "SELECT id, name, sequence, closing, template_id, version FROM stages"
        params: tuple = ()
        if team_id is not None:
            sql += " WHERE id IN (SELECT stage_id FROM team_stages WHERE team_id = ?)"
            params = (team_id,)
        return [
            Stage(id=r[0], name=r[1], sequence=r[2], closing=bool(r[3]), template_id=r[4],
                  version=r[5], team_ids=teams_of.get(r[0], []))
            for r in self.conn.execute(sql + " ORDER BY sequence, id", params)
        ]

    def stage(self, stage_id: int) -> Stage | None:
        return next((s for s in self.stages() if s.id == stage_id), None)

    def insert_stage(self, name: str, sequence: int, closing: bool,
                     template_id: int | None) -> int:
        return inserted_id(self.conn.execute(
            "INSERT INTO stages (name, sequence, closing, template_id) VALUES (?, ?, ?, ?)",
            (name, sequence, int(closing), template_id),
        ))

    def update_stage(self, stage_id: int, values: dict) -> None:
        columns = {k: v for k, v in values.items() if k in ("name", "closing", "template_id",
                                                            "sequence")}
        sets = "".join(f"{k} = ?, " for k in columns)
        self.conn.execute(f"UPDATE stages SET {sets}version = version + 1 WHERE id = ?",
                          [*columns.values(), stage_id])
        if values.get("team_ids") is not None:
            self.set_stage_teams(stage_id, values["team_ids"])

    def set_stage_teams(self, stage_id: int, team_ids: Iterable[int]) -> None:
        self.conn.execute("DELETE FROM team_stages WHERE stage_id = ?", (stage_id,))
        self.conn.executemany(
            "INSERT INTO team_stages (team_id, stage_id) VALUES (?, ?)",
            [(tid, stage_id) for tid in dict.fromkeys(team_ids)],
        )

    def next_stage_sequence(self) -> int:
        return self.conn.execute("SELECT coalesce(max(sequence), 0) + 10 FROM stages").fetchone()[0]

    def stage_ticket_count(self, stage_id: int) -> int:
        return self.conn.execute(
            "SELECT count(*) FROM tickets WHERE stage_id = ?", (stage_id,)
        ).fetchone()[0]

    # --- templates and SLA policies --------------------------------------------------

    def templates(self) -> list[MailTemplate]:
        return [
            MailTemplate(id=r[0], name=r[1], subject=r[2], body=r[3], version=r[4])
            for r in self.conn.execute(
                "SELECT id, name, subject, body, version FROM mail_templates ORDER BY name")
        ]

    def template(self, template_id: int) -> MailTemplate | None:
        return next((t for t in self.templates() if t.id == template_id), None)

    def insert_template(self, name: str, subject: str, body: str) -> int:
        return inserted_id(self.conn.execute(
            "INSERT INTO mail_templates (name, subject, body) VALUES (?, ?, ?)",
            (name, subject, body),
        ))

    def sla_policies(self, team_id: int | None = None) -> list[SlaPolicy]:
        sql = ("SELECT id, team_id, name, priorities, tags, customer_ids, target_stage_id, hours,"
               " excluded_stage_ids, version FROM sla_policies")
        params: tuple = ()
        if team_id is not None:
            sql += " WHERE team_id = ?"
            params = (team_id,)
        return [
            SlaPolicy(id=r[0], team_id=r[1], name=r[2], priorities=json.loads(r[3]),
                      tags=json.loads(r[4]), customer_ids=json.loads(r[5]),
                      target_stage_id=r[6], hours=r[7], excluded_stage_ids=json.loads(r[8]),
                      version=r[9])
            for r in self.conn.execute(sql + " ORDER BY id", params)
        ]

    def insert_sla_policy(self, p: dict) -> int:
        return inserted_id(self.conn.execute(
            "INSERT INTO sla_policies (team_id, name, priorities, tags, customer_ids,"
            " target_stage_id, hours, excluded_stage_ids) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (p["team_id"], p["name"], json.dumps(p["priorities"]), json.dumps(p["tags"]),
             json.dumps(p["customer_ids"]), p["target_stage_id"], p["hours"],
             json.dumps(p["excluded_stage_ids"])),
        ))

    # --- tags ----------------------------------------------------------------------------

    def tag_ids(self, names: Iterable[str]) -> list[int]:
        """Ids of the named tags, creating the missing ones."""
        out = []
        for name in names:
            self.conn.execute("INSERT OR IGNORE INTO tags (name) VALUES (?)", (name,))
            row = self.conn.execute("SELECT id FROM tags WHERE name = ?", (name,)).fetchone()
            out.append(row[0])
        return out

    def tag_names(self) -> list[str]:
        return [row[0] for row in self.conn.execute("SELECT name FROM tags ORDER BY name")]


class DirectoryStore(Protocol):
    """Agents, organizations, projects, teams, stages, templates, SLA policies and tags."""

    def agents(self, ids: Iterable[int] | None = None) -> list[Agent]: ...
    def agent(self, agent_id: int) -> Agent | None: ...
    def agent_by_email(self, email: str) -> Agent | None: ...
    def insert_agent(self, email: str, name: str, role: str, customer_id: int | None) -> int: ...
    def set_time_off(self, agent_id: int, periods: Iterable[TimeOff]) -> None: ...
    def organizations(self) -> list[Organization]: ...
    def organization(self, org_id: int) -> Organization | None: ...
    def insert_organization(self, name: str, domain: str | None) -> int: ...
    def projects(self) -> list[Project]: ...
    def insert_project(self, name: str, organization_id: int | None) -> int: ...
    def teams(self) -> list[Team]: ...
    def agent_now(self, agent_id: int) -> Agent | None: ...
    def team(self, team_id: int) -> Team | None: ...
    def save_team(self, team_id: int | None, values: dict) -> int: ...
    def stages(self, team_id: int | None = None) -> list[Stage]: ...
    def stage(self, stage_id: int) -> Stage | None: ...
    def insert_stage(self, name: str, sequence: int, closing: bool,
                     template_id: int | None) -> int: ...
    def update_stage(self, stage_id: int, values: dict) -> None: ...
    def set_stage_teams(self, stage_id: int, team_ids: Iterable[int]) -> None: ...
    def next_stage_sequence(self) -> int: ...
    def stage_ticket_count(self, stage_id: int) -> int: ...
    def templates(self) -> list[MailTemplate]: ...
    def template(self, template_id: int) -> MailTemplate | None: ...
    def insert_template(self, name: str, subject: str, body: str) -> int: ...
    def sla_policies(self, team_id: int | None = None) -> list[SlaPolicy]: ...
    def insert_sla_policy(self, p: dict) -> int: ...
    def tag_ids(self, names: Iterable[str]) -> list[int]: ...
    def tag_names(self) -> list[str]: ...
