"""Satisfaction figures: CSAT (share of 4-5), average rating, "got an answer" share and the
response rate, by municipality, topic, channel, agent or month, with the comments.

The same reader sees the same contacts as in the contact reports: the authorisation and the
scope in the query are contacts' own (``authorise_report``, ``scoped_contacts``): supervisors
and operators every municipality, a municipality's admins their own, an agent the contacts
they handled. The base is the contacts that got a survey link (``survey_invitations``); the
answers join on the contact. Year-long reports by month or municipality read the satisfaction
rollup (per day and municipality, hotline/contacts/rollup.py), as the contact reports do.
"""

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, case, func, select, union
from sqlalchemy.orm import Session

from hotline.auth.models import User
from hotline.config import Settings
from hotline.contacts import rollup
from hotline.contacts.models import Contact
from hotline.contacts.reports import (
    GroupBy,
    ReportQuery,
    authorise_report,
    group_labels,
    key_label,
    rolled_up,
    rollup_for,
    scoped_contacts,
)
from hotline.contacts.rollup import Rollup
from hotline.errors import InvalidInput
from hotline.kit.danish_csv import danish_csv, danish_number
from hotline.satisfaction.models import (
    SATISFACTION_MEASURES,
    GotAnswer,
    SurveyInvitation,
    SurveyResponse,
    satisfaction_rollups,
)

GROUPINGS = {
    GroupBy.MUNICIPALITY: Contact.municipality_code,
    GroupBy.TOPIC: Contact.topic,
    GroupBy.CHANNEL: Contact.channel,
    GroupBy.AGENT: Contact.agent_id,
    GroupBy.MONTH: Contact.local_month,
}
COMMENTS_SHOWN = 200


@dataclass
class SatisfactionRow:
    key: tuple[Any, ...]
    invited: int
    answered: int
    rating_sum: int
    satisfied: int  # rated 4 or 5
    got_answer: int  # answered "ja"

    @property
    def csat(self) -> float | None:
        return self.satisfied / self.answered if self.answered else None

    @property
    def average(self) -> float | None:
        return self.rating_sum / self.answered if self.answered else None

    @property
    def got_answer_share(self) -> float | None:
        return self.got_answer / self.answered if self.answered else None

    @property
    def response_rate(self) -> float | None:
        return self.answered / self.invited if self.invited else None


@dataclass(frozen=True)
class SurveyComment:
    day: date
    municipality_code: str
    rating: int
    got_answer: str
    comment: str


@dataclass
class SatisfactionReport:
    query: ReportQuery
    rows: list[SatisfactionRow]
    total: SatisfactionRow
    comments: list[SurveyComment]
    labels: dict[Any, str] = field(default_factory=dict)

    def label(self, row: SatisfactionRow, *, personal: bool = True) -> str:
        if not row.key:
            return "i alt"
        # contacts' labels (months, channels, agents, municipalities) read the same here:
        # key_label reads only the query and the labels, which this report has too
        return key_label(self, row.key, personal=personal)  # type: ignore[arg-type]


def _count_if(condition: ColumnElement[bool]) -> ColumnElement[int]:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def _measures() -> list[ColumnElement[int]]:
    """SATISFACTION_MEASURES over contacts joined to their invitation and answer."""
    return [
        func.count(SurveyInvitation.contact_id),
        func.count(SurveyResponse.contact_id),
        func.coalesce(func.sum(SurveyResponse.rating), 0),
        _count_if(SurveyResponse.rating >= 4),
        _count_if(SurveyResponse.got_answer == GotAnswer.JA.value),
    ]


def _surveyed(stmt: Select) -> Select:
    return (
        stmt.select_from(Contact)
        .join(SurveyInvitation, SurveyInvitation.contact_id == Contact.id)
        .outerjoin(SurveyResponse, SurveyResponse.contact_id == Contact.id)
    )


def _rollup_rows(days: ColumnElement[bool]) -> Select:
    grain = (Contact.local_date, Contact.municipality_code, Contact.local_month)
    figures = zip(_measures(), SATISFACTION_MEASURES, strict=True)
    labelled = [figure.label(name) for figure, name in figures]
    return _surveyed(select(*grain, *labelled)).where(days).group_by(*grain)


def _changed_days(since: datetime) -> Select:
    """Contacts corrected, invited or answered (or an answer changed) after ``since``."""
    return union(
        select(Contact.local_date).where(Contact.updated_at > since),
        select(Contact.local_date)
        .join(SurveyInvitation, SurveyInvitation.contact_id == Contact.id)
        .where(SurveyInvitation.first_sent_at > since),
        select(Contact.local_date)
        .join(SurveyResponse, SurveyResponse.contact_id == Contact.id)
        .where(SurveyResponse.answered_at > since),
    )  # type: ignore[return-value]  # a compound select reads like a select here


SATISFACTION_ROLLUP = Rollup(
    "satisfaction",
    satisfaction_rollups,
    _rollup_rows,
    _changed_days,
    {GroupBy.MONTH: ("local_month",), GroupBy.MUNICIPALITY: ("municipality_code",)},
    per_municipality=True,
)


def refresh_satisfaction_rollup(session: Session, settings: Settings, now: datetime) -> int:
    """Housekeeping: the satisfaction rollup up to yesterday, changed days redone."""
    return rollup.refresh(session, SATISFACTION_ROLLUP, now)


def _grouped(session: Session, user: User, query: ReportQuery, live: bool) -> list[Sequence[Any]]:
    """(key, *SATISFACTION_MEASURES) per group: from the rollup for a long period grouped by
    month or municipality, else over the contacts."""
    chosen = None if live else rollup_for((SATISFACTION_ROLLUP,), user, query)
    if chosen is not None:
        return rolled_up(session, chosen, user, query, SATISFACTION_MEASURES)
    key = GROUPINGS[query.group_by]
    stmt = scoped_contacts(_surveyed(select(key, *_measures())), user, query)
    return list(session.execute(stmt.group_by(key).order_by(key)))


def satisfaction_report(
    session: Session, user: User, query: ReportQuery, *, live: bool = False
) -> SatisfactionReport:
    """CSAT and friends for ``query`` as ``user`` may see them, with the latest comments. A
    period longer than a month grouped by month or municipality reads the satisfaction rollup
    (``live=True`` forces the aggregation over the contacts)."""
    if query.group_by not in GROUPINGS:
        raise InvalidInput("Group satisfaction by " + ", ".join(g.value for g in GROUPINGS) + ".")
    authorise_report(session, user, query)
    rows = [
        SatisfactionRow((value,), *(int(n or 0) for n in counts))
        for value, *counts in _grouped(session, user, query, live)
    ]
    total = SatisfactionRow((), 0, 0, 0, 0, 0)
    for row in rows:
        for name in SATISFACTION_MEASURES:
            setattr(total, name, getattr(total, name) + getattr(row, name))
    comments_stmt = (
        scoped_contacts(
            select(
                Contact.local_date,
                Contact.municipality_code,
                SurveyResponse.rating,
                SurveyResponse.got_answer,
                SurveyResponse.comment,
            )
            .join(SurveyResponse, SurveyResponse.contact_id == Contact.id)
            .where(SurveyResponse.comment.is_not(None)),
            user,
            query,
        )
        .order_by(SurveyResponse.answered_at.desc())
        .limit(COMMENTS_SHOWN)
    )
    comments = [SurveyComment(*record) for record in session.execute(comments_stmt)]
    labels = group_labels(session, query.group_by, rows)  # type: ignore[arg-type]  # reads .key
    return SatisfactionReport(query, rows, total, comments, labels)


# The report's columns, in order: the figure each shows (its key in ``satisfaction_json``) and
# its Danish heading, the one the console's table (the chart's twin), its chart and the CSV for
# a Danish Excel all show. ``row_values`` gives the cells in this order.
COLUMNS = {
    "label": "Gruppe",
    "invited": "Inviterede",
    "answered": "Svar",
    "response_rate": "Svarprocent",
    "csat": "Tilfredse, CSAT (%)",
    "average": "Gennemsnit (1-5)",
    "got_answer_share": "Fik svar (%)",
}


def _pct(value: float | None) -> str:
    return danish_number(None if value is None else value * 100)


def row_values(report: SatisfactionReport, row: SatisfactionRow, *, personal: bool) -> list[str]:
    return [
        report.label(row, personal=personal),
        str(row.invited),
        str(row.answered),
        _pct(row.response_rate),
        _pct(row.csat),
        danish_number(row.average, 2),
        _pct(row.got_answer_share),
    ]


def satisfaction_csv(report: SatisfactionReport) -> bytes:
    """Rows and total for a Danish Excel; agents by account id (no names in exports)."""
    rows = [row_values(report, row, personal=False) for row in [*report.rows, report.total]]
    return danish_csv(list(COLUMNS.values()), rows)


def satisfaction_json(report: SatisfactionReport) -> dict[str, Any]:
    def row_json(row: SatisfactionRow) -> dict[str, Any]:
        return {
            "key": [v.isoformat() if isinstance(v, date) else v for v in row.key],
            "label": report.label(row, personal=False),
            "invited": row.invited,
            "answered": row.answered,
            "response_rate": row.response_rate,
            "csat": row.csat,
            "average": row.average,
            "got_answer_share": row.got_answer_share,
        }

    return {
        "from": report.query.date_from.isoformat(),
        "to": report.query.date_to.isoformat(),
        "group_by": report.query.group_by.value,
        "rows": [row_json(row) for row in report.rows],
        "total": row_json(report.total),
        "comments": [
            {
                "date": c.day.isoformat(),
                "municipality": c.municipality_code,
                "rating": c.rating,
                "got_answer": c.got_answer,
                "comment": c.comment,
            }
            for c in report.comments
        ],
    }
