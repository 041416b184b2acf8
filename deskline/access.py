"""Who may see what: the one authorization rule of the engine.

Every ticket query the store runs is narrowed by a `Scope`, so lists, gets, counts, search
and thread reads cannot disagree about visibility. An invisible ticket is reported exactly
like a missing one.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from deskline.errors import PermissionDenied
from deskline.models import Agent, Role, Team, Visibility


@dataclass(frozen=True)
class Scope:
    agent_id: int
    role: Role
    all_teams: bool  # admins see every team
    team_ids: frozenset[int]  # teams whose every ticket is visible
    public_team_ids: frozenset[int]  # for portal accounts
    customer_id: int | None  # the customer a portal account acts as

    @property
    def internal(self) -> bool:
        """May see internal comments and tracked changes."""
        return self.role is not Role.portal

    @property
    def portal(self) -> bool:
        return self.role is Role.portal


def scope_for(actor: Agent, teams: Iterable[Team]) -> Scope:
    teams = list(teams)
    visible: set[int] = set()
    public: set[int] = set()
    for team in teams:
        if team.visibility is Visibility.public:
            public.add(team.id)
        if actor.role is Role.portal:
            continue
        if team.visibility is not Visibility.private:
            visible.add(team.id)
        elif actor.id in team.member_ids or actor.id in team.follower_ids:
            visible.add(team.id)
    return Scope(
        agent_id=actor.id,
        role=actor.role,
        all_teams=actor.role is Role.admin,
        team_ids=frozenset(visible),
        public_team_ids=frozenset(public),
        customer_id=actor.customer_id,
    )


def team_visible(scope: Scope, team_id: int) -> bool:
    if scope.portal:
        return team_id in scope.public_team_ids
    return scope.all_teams or team_id in scope.team_ids


def require_admin(scope: Scope, what: str) -> None:
    if scope.role is not Role.admin:
        raise PermissionDenied(f"only an admin can {what}")


def require_agent(scope: Scope, what: str) -> None:
    if scope.portal:
        raise PermissionDenied(f"a customer account cannot {what}")
