"""Saved views: an agent's named ticket queries across the teams they may see, and the
paged list each one keeps. A view is its agent's alone: anyone else is told it does not
exist."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from deskline import access
from deskline.clock import to_db
from deskline.errors import ConflictError, NotFound, ValidationFailed
from deskline.models import (
    VIEW_COUNT_CAP,
    Page,
    Role,
    SavedView,
    SavedViewCreate,
    SavedViewUpdate,
    ViewFilter,
    ViewRow,
)
from deskline.service.base import ServiceBase, _limit, existing
from deskline.service.ticket_lists import sort_key
from deskline.store import keyset
from deskline.store.views import ViewCutoffs


class ViewUseCases(ServiceBase):

    def list_views(self, counts: bool = False) -> list[SavedView]:
        """The actor's views by name; with `counts`, each with how many tickets it keeps,
        counted up to VIEW_COUNT_CAP (a count stops there: cheap however broad)."""
        scope = self.scope()
        access.require_agent(scope, "keep views")
        views = self.store.views(self.actor.id)
        if counts and views:
            if any(v.filter.sla is not None for v in views):
                self.refresh_sla()
            for view in views:
                view.count = self.store.view_count(scope, view.filter,
                                                   self._cutoffs(view.filter),
                                                   VIEW_COUNT_CAP)
        return views

    def get_view(self, view_id: int) -> SavedView:
        access.require_agent(self.scope(), "keep views")
        return self._view(view_id)

    def create_view(self, data: SavedViewCreate) -> SavedView:
        access.require_agent(self.scope(), "keep views")
        with self.store.transaction():
            self._check_filter(data.filter)
            self._free_name(data.name, None)
            view_id = self.store.insert_view(self.actor.id, data.name,
                                             data.filter.model_dump_json(),
                                             to_db(self.clock()))
            return existing(self.store.view(self.actor.id, view_id))

    def update_view(self, view_id: int, data: SavedViewUpdate) -> SavedView:
        """Rename a view or change its filter (the fields given)."""
        access.require_agent(self.scope(), "keep views")
        with self.store.transaction():
            view = self._view(view_id)
            name = view.name if data.name is None else data.name
            f = view.filter if data.filter is None else data.filter
            if data.filter is not None:
                self._check_filter(f)
            if name != view.name:
                self._free_name(name, view.id)
            self.store.update_view(view.id, name, f.model_dump_json(), to_db(self.clock()))
            return existing(self.store.view(self.actor.id, view.id))

    def delete_view(self, view_id: int) -> None:
        access.require_agent(self.scope(), "keep views")
        with self.store.transaction():
            self.store.delete_view(self._view(view_id).id)

    def view_tickets(self, view_id: int, cursor: str | None = None,
                     limit: int = 50) -> Page[ViewRow]:
        """A page of the view's tickets across the actor's teams, newest change first."""
        scope = self.scope()
        access.require_agent(scope, "keep views")
        f = self._view(view_id).filter
        if f.sla is not None:  # deadlines passed since the last look count as failed
            self.refresh_sla()
        after = tuple(keyset.decode(cursor, 2)) if cursor else None
        items = self.store.view_page(scope, f, self._cutoffs(f), after, _limit(limit) + 1)
        return self._page(items, limit, sort_key("updated"))

    # --- helpers -------------------------------------------------------------------

    if TYPE_CHECKING:  # reading.py's, on the same Service
        def refresh_sla(self) -> int: ...

    def _cutoffs(self, f: ViewFilter) -> ViewCutoffs:
        now = self.clock()
        return ViewCutoffs(
            idle_before=to_db(now - timedelta(days=f.idle_days)) if f.idle_days else None,
            stage_before=to_db(now - timedelta(days=f.in_stage_days)) if f.in_stage_days
            else None,
            due_before=to_db(_end_of_day(now)))

    def _view(self, view_id: int) -> SavedView:
        view = self.store.view(self.actor.id, view_id)
        if view is None:  # another agent's view is as missing as one never made
            raise NotFound(f"view {view_id} does not exist")
        return view

    def _free_name(self, name: str, view_id: int | None) -> None:
        """Names are unique per agent (case-insensitive); checked in the write's
        transaction, and the table's UNIQUE catches a race lost anyway."""
        found = self.store.view_id_by_name(self.actor.id, name)
        if found is not None and found != view_id:
            raise ConflictError(f"you already have a view named {name!r}", field="name")

    def _check_filter(self, f: ViewFilter) -> None:
        """Each id the filter names must be one the actor may name."""
        scope = self.scope()
        for team_id in f.team_ids:
            self._team(scope, team_id, field="filter.team_ids")
        for stage_id in f.stage_ids:
            if self.store.stage(stage_id) is None:
                raise ValidationFailed(f"stage {stage_id} does not exist",
                                       field="filter.stage_ids")
        if f.assignee_id is not None:
            agent = self.store.agent(f.assignee_id)
            if agent is None or agent.role is Role.portal:
                raise ValidationFailed(f"agent {f.assignee_id} does not exist",
                                       field="filter.assignee_id")
        if f.project_id is not None and all(p.id != f.project_id
                                            for p in self.store.projects()):
            raise ValidationFailed(f"project {f.project_id} does not exist",
                                   field="filter.project_id")


def _end_of_day(now: datetime) -> datetime:
    """The end of `now`'s day (UTC): what "due today" counts up to."""
    return datetime.combine(now.date() + timedelta(days=1), datetime.min.time(),
                            tzinfo=now.tzinfo)
