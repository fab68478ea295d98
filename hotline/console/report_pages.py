"""What the console's report pages share (contacts' "Tal", satisfaction's "Tilfredshed"): the
period, grouping and municipality filter from the query string, the Danish page with the
chart and its table twin (``_report_page.html``), an error as a Danish message on the same
page, and the CSV link and download of the same report. Each page gives only its own report,
chart, columns and extras."""

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Annotated, Any

from fastapi import Depends, Query, Request
from starlette.responses import Response

from hotline.console.errors import danish_message
from hotline.console.templating import console_path, render, with_query
from hotline.contacts.calendar import local
from hotline.contacts.reports import GroupBy, ReportQuery
from hotline.db import utcnow
from hotline.deps import csv_download
from hotline.errors import Problem
from hotline.kit.time import Day

GROUP_NAMES = {
    GroupBy.DAY: "Dag",
    GroupBy.WEEK: "Uge",
    GroupBy.MONTH: "Måned",
    GroupBy.HOUR_WEEKDAY: "Ugedag og time",
    GroupBy.CHANNEL: "Kanal",
    GroupBy.TOPIC: "Emne",
    GroupBy.OUTCOME: "Udfald",
    GroupBy.AGENT: "Medarbejder",
    GroupBy.MUNICIPALITY: "Kommune (sammenligning)",
}


def local_today() -> date:
    return local(utcnow()).date()


@dataclass
class ReportFilter:
    """A report page's query string (and its CSV link's): ``?fra=&til=&gruppe=&kommune=``."""

    fra: Day | None = None
    til: Day | None = None
    gruppe: Annotated[str, Query(max_length=20)] = ""
    kommune: Annotated[str, Query(max_length=4)] = ""


Filter = Annotated[ReportFilter, Depends()]


@dataclass(frozen=True)
class ReportPage:
    template: str  # extends _report_page.html
    nav: str
    route: str  # the page's own route (the filter form posts back to it)
    csv_route: str
    csv_prefix: str  # the download's file name: <prefix>-<from>-<to>.csv
    groups: Mapping[GroupBy, str]  # the groupings offered, in Danish
    default_group: GroupBy

    def query(self, sent: ReportFilter) -> ReportQuery:
        """The query string's filter; this month so far, the default grouping, every
        municipality the reader may see, where it says nothing (or nothing valid)."""
        today = local_today()
        offered = {group.value: group for group in self.groups}
        return ReportQuery(
            sent.fra or today.replace(day=1),
            sent.til or today,
            offered.get(sent.gruppe, self.default_group),
            sent.kommune or None,
        )

    def render(
        self, request: Request, query: ReportQuery, figures: Callable[[], dict[str, Any]]
    ) -> Response:
        """The page: ``figures()`` gives the report, its chart, table ``values`` (the cells of
        each row, the total last) and ``columns``; a refusal is shown on the page in Danish."""
        context: dict[str, Any] = {"nav": self.nav, "query": query, "groups": self.groups}
        context["page_route"] = self.route
        try:
            context.update(figures())
        except Problem as exc:
            context["error"] = danish_message(exc.status, exc.slug)
            return render(request, self.template, context, status_code=exc.status)
        context["csv_link"] = with_query(
            console_path(request, self.csv_route),
            fra=query.date_from,
            til=query.date_to,
            gruppe=query.group_by.value,
            kommune=query.municipality,
        )
        return render(request, self.template, context)

    def download(self, query: ReportQuery, body: bytes) -> Response:
        return csv_download(body, f"{self.csv_prefix}-{query.date_from}-{query.date_to}.csv")
