"""Use cases of the helpdesk, each one transaction with its chatter event and outbox mail.

A `Service` acts for one actor (an agent, an admin or a portal account); every read and
write is narrowed by that actor's `Scope`. The SQLite backend and the HTTP server both go
through this class, so a rule is written once. The use cases are grouped by subject in
the modules of this package and put together here.
"""

from deskline.service.base import MAX_PAGE, ServiceBase, snippet
from deskline.service.clocks import ClockUseCases
from deskline.service.customers import CustomerUseCases
from deskline.service.directory import DirectoryUseCases
from deskline.service.merging import MergeUseCases
from deskline.service.reading import ReadingUseCases
from deskline.service.setup import SetupUseCases
from deskline.service.tickets import TicketUseCases


class Service(DirectoryUseCases, SetupUseCases, ReadingUseCases, TicketUseCases,
              ClockUseCases, MergeUseCases, CustomerUseCases, ServiceBase):
    """Every use case, for one actor."""


__all__ = ["MAX_PAGE", "Service", "snippet"]
