"""Partner feedback rounds: opened by an operator, every member municipality's admins mailed a
signed link, one answer per municipality (changeable while open), reminders once to those who
have not answered, closed after the date; answers and trend scoped by role."""

from datetime import UTC, date, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from hotline.auth.models import User
from hotline.config import Settings
from hotline.errors import Forbidden, InvalidInput
from hotline.kit.signed_links import SignedLinkExpired, SignedLinkInvalid
from hotline.replies.models import Reply
from hotline.satisfaction import rounds
from hotline.satisfaction.links import partner_token
from hotline.satisfaction.models import FeedbackRound, PartnerAnswer, PartnerInvitation
from hotline.satisfaction.schemas import PartnerAnswerWrite, RoundOpen
from tests.satisfaction.conftest import user

OPENED = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
Q1 = RoundOpen(title="4. kvartal 2026", closes_on=date(2026, 12, 15))
GOOD = PartnerAnswerWrite(quality_of_answers=4, quality_of_forwards=3, cooperation=5)


def _open(session: Session, settings: Settings, demo_users: dict[str, User]) -> FeedbackRound:
    operator = user(session, demo_users, "operator")
    feedback_round = rounds.open_round(session, settings, operator, Q1, now=OPENED)
    session.commit()
    return feedback_round


def _link_of(reply: Reply) -> str:
    assert reply.text is not None
    return reply.text.split("/partner/", 1)[1].split()[0]


def test_an_operator_opens_a_round_and_every_member_admin_gets_a_link(
    session: Session, settings: Settings, demo_users: dict[str, User]
) -> None:
    with pytest.raises(Forbidden):
        rounds.open_round(session, settings, user(session, demo_users, "supervisor"), Q1)
    with pytest.raises(InvalidInput):
        late = RoundOpen(title="for sent", closes_on=date(2026, 12, 1))
        rounds.open_round(
            session, settings, user(session, demo_users, "operator"), late, now=OPENED
        )
    session.rollback()
    feedback_round = _open(session, settings, demo_users)
    invited = session.scalars(select(PartnerInvitation.user_id)).all()
    assert set(invited) == {demo_users["admin.aarhus"].id, demo_users["admin.kobenhavn"].id}
    mails = {r.to: r for r in session.scalars(select(Reply))}
    assert set(mails) == {demo_users["admin.aarhus"].email, demo_users["admin.kobenhavn"].email}
    token = _link_of(next(iter(mails.values())))
    form = rounds.form_for_link(session, settings, token, now=OPENED)
    assert form.feedback_round.id == feedback_round.id and form.answer is None


def test_a_round_whose_title_holds_a_cpr_number_is_refused_and_mails_no_one(
    session: Session, settings: Settings, demo_users: dict[str, User]
) -> None:
    operator = user(session, demo_users, "operator")
    titled = RoundOpen(title="Runde for borger 0101901234", closes_on=date(2026, 12, 15))
    with pytest.raises(rounds.CprNumberInFeedbackRound):
        rounds.open_round(session, settings, operator, titled, now=OPENED)
    session.rollback()
    assert session.scalars(select(FeedbackRound)).all() == []
    assert session.scalars(select(Reply)).all() == []


def test_one_answer_per_municipality_changeable_until_the_round_closes(
    session: Session, settings: Settings, demo_users: dict[str, User]
) -> None:
    feedback_round = _open(session, settings, demo_users)
    admin = demo_users["admin.aarhus"]
    token = partner_token(settings, feedback_round.id, admin.id, rounds.round_end(feedback_round))
    rounds.answer_by_link(session, settings, token, GOOD, now=OPENED + timedelta(days=1))
    better = PartnerAnswerWrite(quality_of_answers=5, quality_of_forwards=5, cooperation=5,
                                comment="Godt samarbejde")  # fmt: skip
    rounds.answer_round(session, user(session, demo_users, "admin.aarhus"), feedback_round.id,
                        better, now=OPENED + timedelta(days=2))  # fmt: skip
    session.commit()
    answers = session.scalars(select(PartnerAnswer)).all()
    assert [(a.municipality_code, a.quality_of_answers, a.comment) for a in answers] == [
        ("0751", 5, "Godt samarbejde")
    ]
    with pytest.raises(rounds.RoundClosed):
        rounds.answer_round(session, user(session, demo_users, "admin.aarhus"), feedback_round.id,
                            GOOD, now=datetime(2026, 12, 15, 23, 30, tzinfo=UTC))  # fmt: skip
    with pytest.raises(SignedLinkExpired):
        rounds.form_for_link(session, settings, token, now=datetime(2026, 12, 16, tzinfo=UTC))
    with pytest.raises(Forbidden):  # an agent answers nothing for a municipality
        rounds.answer_round(session, user(session, demo_users, "agent.aarhus"), feedback_round.id,
                            GOOD, now=OPENED)  # fmt: skip
    with pytest.raises(SignedLinkInvalid):
        rounds.form_for_link(session, settings, token[:-3] + "abc", now=OPENED)


def test_reminders_go_once_to_those_who_have_not_answered_and_the_round_closes(
    session: Session, settings: Settings, demo_users: dict[str, User]
) -> None:
    feedback_round = _open(session, settings, demo_users)
    rounds.answer_round(session, user(session, demo_users, "admin.aarhus"), feedback_round.id,
                        GOOD, now=OPENED)  # fmt: skip
    mails_before = session.scalar(select(func.count()).select_from(Reply))
    assert rounds.remind_and_close(session, settings, OPENED + timedelta(days=2)) == (0, 0)
    three_days_before = datetime(2026, 12, 12, 9, 0, tzinfo=UTC)
    assert rounds.remind_and_close(session, settings, three_days_before) == (1, 0)
    assert rounds.remind_and_close(session, settings, three_days_before) == (0, 0)
    session.commit()
    reminder = session.scalars(select(Reply).order_by(Reply.id.desc())).first()
    assert reminder is not None and reminder.subject.startswith("Påmindelse")
    assert reminder.to == demo_users["admin.kobenhavn"].email
    assert session.scalar(select(func.count()).select_from(Reply)) == mails_before + 1
    after = datetime(2026, 12, 16, 0, 5, tzinfo=UTC)  # 01:05 on 16 December in Copenhagen
    assert rounds.remind_and_close(session, settings, after) == (0, 1)
    session.commit()
    assert session.get_one(FeedbackRound, feedback_round.id).closed_at is not None


def test_a_reminder_that_cannot_be_mailed_keeps_no_other_admin_waiting(
    session: Session, settings: Settings, demo_users: dict[str, User]
) -> None:
    """Aarhus's admin has an address no mail header takes (stored before addresses were
    checked): Copenhagen's admin is reminded all the same, and Aarhus's reminder waits for the
    next run."""
    feedback_round = _open(session, settings, demo_users)
    session.execute(
        update(User).where(User.id == demo_users["admin.aarhus"].id).values(email="aase\r\n@x.dk")
    )
    three_days_before = datetime(2026, 12, 12, 9, 0, tzinfo=UTC)
    assert rounds.remind_and_close(session, settings, three_days_before) == (1, 0)
    session.commit()
    reminded = session.scalars(
        select(PartnerInvitation.user_id).where(
            PartnerInvitation.round_id == feedback_round.id,
            PartnerInvitation.reminded_at.is_not(None),
        )
    ).all()
    assert reminded == [demo_users["admin.kobenhavn"].id]


def test_answers_and_trend_are_scoped_by_role(
    session: Session, settings: Settings, demo_users: dict[str, User]
) -> None:
    feedback_round = _open(session, settings, demo_users)
    for key, score in (("admin.aarhus", 4), ("admin.kobenhavn", 2)):
        answer = PartnerAnswerWrite(quality_of_answers=score, quality_of_forwards=score,
                                    cooperation=score)  # fmt: skip
        rounds.answer_round(session, user(session, demo_users, key), feedback_round.id, answer,
                            now=OPENED)  # fmt: skip
    session.commit()
    per_municipality, trend = rounds.partner_report(
        session, user(session, demo_users, "supervisor")
    )
    assert [(f.municipality_code, f.cooperation) for f in per_municipality] == [
        ("0101", 2), ("0751", 4),
    ]  # fmt: skip
    assert [(t.answers, t.invited, t.cooperation) for t in trend] == [(2, 2, 3.0)]
    mine, my_trend = rounds.partner_report(session, user(session, demo_users, "admin.aarhus"))
    assert [f.municipality_code for f in mine] == ["0751"]
    assert [(t.answers, t.invited, t.cooperation) for t in my_trend] == [(1, 1, 4.0)]
    with pytest.raises(Forbidden):
        rounds.partner_report(session, user(session, demo_users, "agent.aarhus"))
    body = rounds.partner_csv(per_municipality, trend)
    assert body.startswith(b"\xef\xbb\xbf") and b"3,00" in body


def test_the_partner_page_answers_on_post_only(
    client: TestClient, session: Session, settings: Settings, demo_users: dict[str, User]
) -> None:
    operator = user(session, demo_users, "operator")
    feedback_round = rounds.open_round(
        session, settings, operator,
        RoundOpen(title="Nu", closes_on=date.today() + timedelta(days=10)),
    )  # fmt: skip
    session.commit()
    admin = demo_users["admin.aarhus"]
    token = partner_token(settings, feedback_round.id, admin.id, rounds.round_end(feedback_round))
    page = client.get(f"/partner/{token}")
    assert page.status_code == 200 and "Hvordan vurderer I hotlinen?" in page.text
    assert session.scalar(select(func.count()).select_from(PartnerAnswer)) == 0
    assert client.post(f"/partner/{token}", data={"cooperation": "3"}).status_code == 422
    saved = client.post(
        f"/partner/{token}",
        data={"quality_of_answers": "4", "quality_of_forwards": "4", "cooperation": "5"},
        follow_redirects=False,
    )
    assert saved.status_code == 303
    assert session.scalar(select(PartnerAnswer.cooperation)) == 5


def test_a_comment_holding_a_cpr_number_is_refused_as_the_feedback_answers(
    client: TestClient, auth_headers: dict[str, dict[str, str]]
) -> None:
    closes = (date.today() + timedelta(days=14)).isoformat()
    opened = client.post(
        "/api/v1/feedback-rounds",
        headers=auth_headers["operator"],
        json={"title": "Runde", "closes_on": closes},
    )
    refused = client.put(
        f"/api/v1/feedback-rounds/{opened.json()['id']}/answer",
        headers=auth_headers["admin.aarhus"],
        json={**GOOD.model_dump(), "comment": "Sagen om 010190-1234 gik fint"},
    )
    assert refused.status_code == 422
    assert refused.json()["type"] == "/problems/cpr-number-in-feedback-answer"
    assert refused.json()["detail"].startswith("Kommentaren til hotlinen indeholder et CPR-nummer")
