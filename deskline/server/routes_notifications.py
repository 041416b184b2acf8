"""Routes of the caller's notification inbox (`service/notifications.py`): the inbox in
cursor pages (`unread` filter, newest or unread first), the unread count, marking read
(some or all), the caller's settings (kinds by mail, the bell), and following a team's
tickets."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from pydantic import Field, model_validator

from deskline.models import (
    Input,
    Notification,
    NotificationCount,
    NotificationSettings,
    Page,
    Team,
)
from deskline.server.api import Api, router
from deskline.server.schemas import FollowBody


class MarkReadBody(Input):
    """`ids`: these notifications; or `all`: every one."""

    ids: list[int] | None = Field(None, max_length=1000)
    """These notifications"""
    all: bool = False
    """Every notification"""

    @model_validator(mode="after")
    def _one_of(self) -> MarkReadBody:
        if (self.ids is None) == (not self.all):
            raise ValueError("give either ids or all: true")
        return self


def routes(api: Api) -> APIRouter:
    r = router()
    run = api.run

    @r.get("/me/notifications", operation_id="listNotifications",
           response_model=Page[Notification], tags=["notifications"])
    async def notifications(request: Request, unread: bool = False,
                            order: Literal["newest", "unread"] = "newest",
                            cursor: str | None = Query(None, max_length=200),
                            limit: int = 50) -> Response:
        """List the caller's notifications

        Mentions, assignments, customer replies, SLA warnings and followed teams' tickets, in
        cursor pages; `unread` only unread ones, `order` newest or unread first."""
        return await run(request, lambda s: s.notifications(unread, order, cursor, limit))

    @r.get("/me/notifications/unread", operation_id="countUnreadNotifications",
           response_model=NotificationCount,
           tags=["notifications"])
    async def unread(request: Request) -> Response:
        """Count unread notifications

        The caller's unread notifications."""
        return await run(request, lambda s: s.unread_notifications())

    @r.post("/me/notifications/read", operation_id="markNotificationsRead",
            response_model=NotificationCount,
            tags=["notifications"])
    async def mark_read(request: Request, data: MarkReadBody) -> Response:
        """Mark notifications read

        `ids` these, or `all: true` every one of the caller's. Answers the unread count."""
        if data.all:
            return await run(request, lambda s: s.mark_all_notifications_read())
        ids = data.ids or []
        return await run(request, lambda s: s.mark_notifications_read(ids))

    @r.get("/me/notification-settings", operation_id="getNotificationSettings",
           response_model=NotificationSettings,
           tags=["notifications"])
    async def settings(request: Request) -> Response:
        """Get the caller's notification settings

        Which kinds are also mailed, and whether the console rings the bell."""
        return await run(request, lambda s: s.notification_settings())

    @r.put("/me/notification-settings", operation_id="updateNotificationSettings",
           response_model=NotificationSettings,
           tags=["notifications"])
    async def update_settings(request: Request, data: NotificationSettings) -> Response:
        """Change the caller's notification settings

        Replaces them. Answers the settings."""
        return await run(request, lambda s: s.update_notification_settings(data))

    @r.put("/teams/{team_id}/following", operation_id="followTeam",
           response_model=Team, tags=["notifications"])
    async def follow_team(request: Request, team_id: int, data: FollowBody) -> Response:
        """Follow or stop following a team

        The caller is notified of the team's tickets while following it. Answers the team."""
        return await run(request, lambda s: s.follow_team(team_id, data.following))

    return r
