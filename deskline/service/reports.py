"""Reports: the figures of the reports screen and `deskline report`."""

from __future__ import annotations

from deskline import access
from deskline.errors import ValidationFailed
from deskline.models import Report, ReportFilter, Role
from deskline.service.base import ServiceBase


class ReportUseCases(ServiceBase):

    def report(self, filter: ReportFilter | None = None) -> Report:
        """The figures of the reports screen and `deskline report` over visible tickets."""
        from deskline.reports import build_report

        scope = self.scope()
        access.require_agent(scope, "see reports")
        filter = filter or ReportFilter()
        if filter.team_id is not None:
            self._team(scope, filter.team_id, field="team_id")
        if filter.agent_id is not None:
            agent = self.store.agent(filter.agent_id)
            if agent is None or agent.role is Role.portal:
                raise ValidationFailed(f"agent {filter.agent_id} does not exist",
                                       field="agent_id")
        if filter.since and filter.until and filter.until <= filter.since:
            raise ValidationFailed("the period must end after it starts", field="until")
        return build_report(self.store, scope, filter, self.clock())
