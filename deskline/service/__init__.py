"""Use cases of the helpdesk, each one transaction with its chatter event and outbox mail.

A `Service` acts for one actor (an agent, an admin or a portal account); every read and
write is narrowed by that actor's `Scope`. The SQLite backend and the HTTP server both go
through this class, so a rule is written once. The use cases are grouped by subject in
the modules of this package and put together here.
"""

from deskline.errors import NotFound
from deskline.models import Agent, Role
from deskline.service.base import MAX_PAGE, ServiceBase, snippet
from deskline.service.bulk_actions import BulkActionUseCases
from deskline.service.canned import CannedUseCases
from deskline.service.clocks import ClockUseCases
from deskline.service.closing import ClosingUseCases
from deskline.service.customers import CustomerUseCases
from deskline.service.directory import DirectoryUseCases
from deskline.service.imports import ImportUseCases
from deskline.service.merging import MergeUseCases
from deskline.service.notifications import NotificationUseCases
from deskline.service.ratings import RatingUseCases
from deskline.service.reading import ReadingUseCases
from deskline.service.reports import ReportUseCases
from deskline.service.setup import SetupUseCases
from deskline.service.staff import StaffUseCases
from deskline.service.ticket_lists import TicketListUseCases
from deskline.service.tickets import TicketUseCases
from deskline.service.views import ViewUseCases
from deskline.service.webhooks import WebhookUseCases
from deskline.store.interface import Store


# Bulk actions first: they build on the single-ticket use cases mixed in after them.
class Service(BulkActionUseCases,
              DirectoryUseCases, SetupUseCases, StaffUseCases, ReadingUseCases,
              TicketUseCases, ClockUseCases, MergeUseCases, CustomerUseCases, ClosingUseCases,
              RatingUseCases, ReportUseCases, ImportUseCases,
              CannedUseCases, NotificationUseCases, TicketListUseCases,
              ViewUseCases, WebhookUseCases, ServiceBase):
    """Every use case, for one actor."""


def resolve_agent(store: Store, email: str | None) -> Agent:
    """The named agent, else the first admin: who a console or a command acts as."""
    if email:
        agent = store.agent_by_email(email)
        if agent is None:
            raise NotFound(f"no agent with the email {email} in this database")
        return agent
    admins = [a for a in store.agents() if a.role is Role.admin and a.active]
    if not admins:
        raise NotFound("this database has no active admin; add one with `deskline agent add "
                       "--role admin EMAIL`")
    return admins[0]


__all__ = ["MAX_PAGE", "Service", "resolve_agent", "snippet"]
