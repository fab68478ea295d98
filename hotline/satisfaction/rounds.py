"""Municipalities rate the hotline: feedback rounds.

An operator opens a round with a closing date; every active admin of every member municipality
gets an email with a signed link (valid until the round closes) naming the round and the admin.
The answer is the municipality's (quality of answers given in its name, quality of forwarded
cases, cooperation, 1-5 each, and free text): any of its admins may give or change it while the
round is open. The worker reminds the admins of municipalities that have not answered, once,
REMIND_DAYS_BEFORE_CLOSE days before the close, and closes the round after its date.
"""

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from html import escape

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from hotline.auth.models import User
from hotline.auth.permissions import (
    Action,
    Role,
    SignedLinkActor,
    require,
    scope_to_municipalities,
)
from hotline.composer.service import ComposedReply
from hotline.config import Settings
from hotline.contacts.calendar import local, local_day_start
from hotline.contacts.forwarding import hotline_sender
from hotline.db import each_on_its_own, utcnow
from hotline.errors import Conflict, Forbidden, InvalidInput, NotFound
from hotline.kit.cpr import CprNumberInText, refuse_cpr_numbers
from hotline.kit.danish_csv import danish_csv, danish_number
from hotline.kit.signed_links import INVALID_TEXT, SignedLinkInvalid
from hotline.municipalities.models import Municipality
from hotline.replies.service import enqueue
from hotline.satisfaction.links import partner_url, round_of_partner_token
from hotline.satisfaction.models import FeedbackRound, PartnerAnswer, PartnerInvitation
from hotline.satisfaction.schemas import PartnerAnswerWrite, RoundOpen

REMIND_DAYS_BEFORE_CLOSE = 3
QUESTIONS = (
    ("quality_of_answers", "Kvaliteten af de svar, hotlinen giver på kommunens vegne"),
    ("quality_of_forwards", "Kvaliteten af de sager, hotlinen sender videre til kommunen"),
    ("cooperation", "Samarbejdet med hotlinen"),
)


class RoundClosed(Conflict):
    slug, title = "feedback-round-closed", "The feedback round is closed"


class CprNumberInFeedbackAnswer(CprNumberInText):
    slug, title = "cpr-number-in-feedback-answer", "CPR number in the feedback answer"
    danish = (
        "Kommentaren til hotlinen indeholder et CPR-nummer. Skriv aldrig CPR-numre i "
        "kommunens svar: det gemmes og læses af hotlinen."
    )
    english = (
        "The comment to the hotline contains a Danish personal identification number (CPR); "
        "the municipality's answer is kept and read by the hotline, so never write one there."
    )


class CprNumberInFeedbackRound(CprNumberInText):
    slug, title = "cpr-number-in-feedback-round", "CPR number in the feedback round"
    danish = (
        "Rundens titel indeholder et CPR-nummer. Titlen sendes med e-mail til alle "
        "medlemskommuners administratorer: skriv aldrig CPR-numre i den."
    )
    english = (
        "The round's title contains a Danish personal identification number (CPR); it is "
        "mailed to every member municipality's admins, so never write one there."
    )


def round_end(feedback_round: FeedbackRound) -> datetime:
    """The end of the closing day in Copenhagen (the links expire then too)."""
    return local_day_start(feedback_round.closes_on + timedelta(days=1))


def is_open(feedback_round: FeedbackRound, now: datetime) -> bool:
    return feedback_round.closed_at is None and now < round_end(feedback_round)


def _admins_of_members(session: Session) -> list[User]:
    return list(
        session.scalars(
            select(User)
            .join(Municipality, Municipality.code == User.municipality_code)
            .where(
                User.role == Role.MUNICIPALITY_ADMIN.value,
                User.active.is_(True),
                Municipality.member.is_(True),
            )
            .order_by(User.municipality_code, User.id)
        )
    )


def _mail_admin(
    session: Session,
    settings: Settings,
    feedback_round: FeedbackRound,
    admin: User,
    operator: User,
    *,
    reminder: bool,
) -> None:
    link = partner_url(settings, feedback_round.id, admin.id, round_end(feedback_round))
    closes = f"{feedback_round.closes_on:%d.%m.%Y}"
    lead = "Påmindelse: " if reminder else ""
    subject = f"{lead}Hvordan vurderer I hotlinen? ({feedback_round.title})"
    lines = [
        f"Kære {admin.full_name},",
        "Kommunernes Fælles Hotline svarer borgerne på jeres vegne. Vi vil gerne høre, hvordan "
        "I vurderer arbejdet: tre spørgsmål (1-5) og plads til en kommentar.",
        f"Svar senest {closes}: {link}",
        "Linket gælder kun jer; I kan også svare i konsollen under Tilfredshed.",
    ]
    text = "\n\n".join(lines) + "\n"
    html = "\n".join(
        [f"<p>{escape(line)}</p>" for line in lines[:2]]
        + [
            f'<p><a href="{escape(link)}">Giv jeres vurdering</a> (senest {closes})</p>',
            f"<p>{escape(lines[3])}</p>",
        ]
    )
    sender = hotline_sender(settings)
    enqueue(
        session,
        settings,
        ComposedReply(
            municipality_code=admin.municipality_code or "",
            to=admin.email,
            subject=subject,
            from_name="Kommunernes Fælles Hotline",
            from_address=sender,
            reply_to=None,
            sending_domain=sender.rpartition("@")[2],
            html=html,
            text=text,
            inline_images=[],
            article_slugs=[],
        ),
        operator,
    )


def open_round(
    session: Session,
    settings: Settings,
    user: User,
    data: RoundOpen,
    *,
    now: datetime | None = None,
) -> FeedbackRound:
    """Open the round and mail every member municipality's admins (in the same transaction)."""
    require(user, Action.OPEN_FEEDBACK_ROUND)
    now = now or utcnow()
    if data.closes_on <= local(now).date():
        raise InvalidInput("The closing date must lie after today.")
    refuse_cpr_numbers(data.title, problem=CprNumberInFeedbackRound)  # it goes out in mails
    feedback_round = FeedbackRound(
        title=data.title, closes_on=data.closes_on, opened_by=user.id, opened_at=now
    )
    session.add(feedback_round)
    session.flush()
    for admin in _admins_of_members(session):
        session.add(
            PartnerInvitation(
                round_id=feedback_round.id,
                user_id=admin.id,
                municipality_code=admin.municipality_code,
                sent_at=now,
            )
        )
        _mail_admin(session, settings, feedback_round, admin, user, reminder=False)
    session.flush()
    return feedback_round


@dataclass(frozen=True)
class PartnerForm:
    feedback_round: FeedbackRound
    admin: User
    municipality: Municipality
    answer: PartnerAnswer | None


def _form(session: Session, feedback_round: FeedbackRound, admin: User) -> PartnerForm:
    municipality = session.get_one(Municipality, admin.municipality_code)
    answer = session.scalar(
        select(PartnerAnswer).where(
            PartnerAnswer.round_id == feedback_round.id,
            PartnerAnswer.municipality_code == municipality.code,
        )
    )
    return PartnerForm(feedback_round, admin, municipality, answer)


def form_for_link(
    session: Session, settings: Settings, token: str, *, now: datetime | None = None
) -> PartnerForm:
    """The round and admin a partner link names (the GET: reads only)."""
    round_id, user_id = round_of_partner_token(settings, token, now)
    feedback_round = session.get(FeedbackRound, round_id)
    admin = session.get(User, user_id)
    if feedback_round is None or admin is None or not admin.active:
        raise SignedLinkInvalid(INVALID_TEXT)
    actor = SignedLinkActor(Action.ANSWER_FEEDBACK_ROUND, admin.municipality_code)
    require(actor, Action.ANSWER_FEEDBACK_ROUND, admin.municipality_code)
    return _form(session, feedback_round, admin)


def answer_round(
    session: Session,
    user: User,
    round_id: int,
    data: PartnerAnswerWrite,
    *,
    now: datetime | None = None,
) -> PartnerAnswer:
    """The municipality's answer, given or changed by one of its admins while the round is open
    (the signed link resolves to the admin it was sent to)."""
    now = now or utcnow()
    if user.municipality_code is None:  # an operator may do much, but speaks for no municipality
        raise Forbidden("Only a municipality's admin answers for the municipality.")
    require(user, Action.ANSWER_FEEDBACK_ROUND, user.municipality_code)
    feedback_round = session.get(FeedbackRound, round_id)
    if feedback_round is None:
        raise NotFound(f"No feedback round {round_id}.")
    if not is_open(feedback_round, now):
        raise RoundClosed(f"Runden lukkede {feedback_round.closes_on:%d.%m.%Y}.")
    refuse_cpr_numbers(data.comment, problem=CprNumberInFeedbackAnswer)
    form = _form(session, feedback_round, user)
    answer = form.answer
    if answer is None:
        answer = PartnerAnswer(round_id=round_id, municipality_code=form.municipality.code)
        session.add(answer)
    answer.answered_by = user.id
    answer.quality_of_answers = data.quality_of_answers
    answer.quality_of_forwards = data.quality_of_forwards
    answer.cooperation = data.cooperation
    answer.comment = data.comment
    answer.answered_at = now
    session.flush()
    return answer


def answer_by_link(
    session: Session,
    settings: Settings,
    token: str,
    data: PartnerAnswerWrite,
    *,
    now: datetime | None = None,
) -> PartnerAnswer:
    form = form_for_link(session, settings, token, now=now)
    return answer_round(session, form.admin, form.feedback_round.id, data, now=now)


def remind_and_close(session: Session, settings: Settings, now: datetime) -> tuple[int, int]:
    """The worker: close rounds past their date; remind the admins of municipalities that
    have not answered, once, in the last REMIND_DAYS_BEFORE_CLOSE days. (reminded, closed)

    Each reminder is written on its own (``each_on_its_own``): one that cannot be mailed is
    logged and tried again at the next run, and the others go out."""
    closed = 0
    today = local(now).date()
    due: list[tuple[FeedbackRound, User, PartnerInvitation, User]] = []
    for feedback_round in session.scalars(
        select(FeedbackRound).where(FeedbackRound.closed_at.is_(None))
    ):
        if not is_open(feedback_round, now):
            feedback_round.closed_at = now
            closed += 1
            continue
        if (feedback_round.closes_on - today).days > REMIND_DAYS_BEFORE_CLOSE:
            continue
        answered = select(PartnerAnswer.municipality_code).where(
            PartnerAnswer.round_id == feedback_round.id
        )
        pending = session.execute(
            select(PartnerInvitation, User)
            .join(User, User.id == PartnerInvitation.user_id)
            .where(
                PartnerInvitation.round_id == feedback_round.id,
                PartnerInvitation.reminded_at.is_(None),
                PartnerInvitation.municipality_code.not_in(answered),
                User.active.is_(True),
            )
        ).all()
        operator = session.get_one(User, feedback_round.opened_by)
        due += [(feedback_round, operator, invitation, admin) for invitation, admin in pending]

    def remind(reminder: tuple[FeedbackRound, User, PartnerInvitation, User]) -> None:
        feedback_round, operator, invitation, admin = reminder
        _mail_admin(session, settings, feedback_round, admin, operator, reminder=True)
        invitation.reminded_at = now

    def describe(reminder: tuple[FeedbackRound, User, PartnerInvitation, User]) -> str:
        return f"The reminder of round {reminder[0].id} to user {reminder[3].id}"

    reminded = each_on_its_own(session, due, remind, describe=describe)
    session.flush()
    return reminded, closed


def list_rounds(session: Session, user: User) -> list[FeedbackRound]:
    require(user, Action.READ_FEEDBACK_ROUNDS, user.municipality_code)
    return list(session.scalars(select(FeedbackRound).order_by(FeedbackRound.closes_on.desc())))


# ---------------------------------------------------------------------------- report


@dataclass(frozen=True)
class RoundFigures:
    """One round, for one municipality or (``municipality_code`` None) across all answers."""

    round_id: int
    title: str
    closes_on: date
    municipality_code: str | None
    answers: int
    invited: int
    quality_of_answers: float | None
    quality_of_forwards: float | None
    cooperation: float | None
    comments: tuple[str, ...] = ()


def partner_report(session: Session, user: User) -> tuple[list[RoundFigures], list[RoundFigures]]:
    """(answers per municipality and round, the trend: averages per round), scoped in the query:
    supervisors and operators see every municipality, an admin their own."""
    require(user, Action.READ_FEEDBACK_ROUNDS, user.municipality_code)
    stmt: Select[tuple[FeedbackRound, PartnerAnswer]] = select(FeedbackRound, PartnerAnswer).join(
        PartnerAnswer, PartnerAnswer.round_id == FeedbackRound.id
    )
    stmt = scope_to_municipalities(
        stmt, user, Action.READ_FEEDBACK_ROUNDS, PartnerAnswer.municipality_code
    ).order_by(FeedbackRound.closes_on, PartnerAnswer.municipality_code)
    invited_stmt = scope_to_municipalities(
        select(
            PartnerInvitation.round_id,
            func.count(func.distinct(PartnerInvitation.municipality_code)),
        ).group_by(PartnerInvitation.round_id),
        user,
        Action.READ_FEEDBACK_ROUNDS,
        PartnerInvitation.municipality_code,
    )
    invited = {int(r): int(n) for r, n in session.execute(invited_stmt)}
    per_municipality: list[RoundFigures] = []
    by_round: dict[int, list[PartnerAnswer]] = {}
    rounds: dict[int, FeedbackRound] = {}
    for feedback_round, answer in session.execute(stmt).tuples():
        rounds[feedback_round.id] = feedback_round
        by_round.setdefault(feedback_round.id, []).append(answer)
        per_municipality.append(
            RoundFigures(
                feedback_round.id,
                feedback_round.title,
                feedback_round.closes_on,
                answer.municipality_code,
                1,
                1,
                answer.quality_of_answers,
                answer.quality_of_forwards,
                answer.cooperation,
                (answer.comment,) if answer.comment else (),
            )
        )
    trend = [
        RoundFigures(
            round_id,
            rounds[round_id].title,
            rounds[round_id].closes_on,
            None,
            len(answers),
            invited.get(round_id, 0),
            *(sum(getattr(a, name) for a in answers) / len(answers) for name, _ in QUESTIONS),
        )
        for round_id, answers in by_round.items()
    ]
    return per_municipality, trend


PARTNER_COLUMNS = (
    "runde",
    "lukker",
    "kommune",
    "svar",
    "inviterede",
    "svarkvalitet",
    "sagskvalitet",
    "samarbejde",
    "kommentar",
)


def partner_csv(per_municipality: list[RoundFigures], trend: list[RoundFigures]) -> bytes:
    """Each municipality's answer per round, then each round's averages ("alle")."""
    rows = [
        [
            f.title,
            f"{f.closes_on:%d.%m.%Y}",
            f.municipality_code or "alle",
            str(f.answers),
            str(f.invited),
            danish_number(f.quality_of_answers, 2),
            danish_number(f.quality_of_forwards, 2),
            danish_number(f.cooperation, 2),
            " / ".join(f.comments),
        ]
        for f in [*per_municipality, *trend]
    ]
    return danish_csv(PARTNER_COLUMNS, rows)
