"""Send til kommunen: the right desk, the message through the outbox, the desk's signed link."""

from datetime import UTC, datetime, timedelta

import jwt
import pytest
from sqlalchemy.orm import Session

from hotline.auth.models import User
from hotline.config import Settings
from hotline.contacts import forwarding, routing
from hotline.contacts.calendar import deadline_after, local
from hotline.contacts.forwarding import CprNumberInForward
from hotline.contacts.models import Channel, Contact, Forward
from hotline.contacts.reports import CHANNEL_NAMES
from hotline.contacts.schemas import ForwardRequest, RouteWrite, SharedRouteWrite
from hotline.contacts.service import contact_version
from hotline.errors import Forbidden
from hotline.municipalities.models import Municipality
from hotline.replies.models import Reply
from tests.contacts.conftest import OpenContact, user_in


def forward_request(**changes: object) -> ForwardRequest:
    fields: dict[str, object] = {
        "question": "Borgeren venter på svar om sin boligstøtte.",
        "action_taken": "Forklarede reglerne; sagen kræver sagsbehandler.",
        "citizen_name": "Karen Jensen",
        "citizen_phone": "+45 12 34 56 78",
        **changes,
    }
    return ForwardRequest.model_validate(fields)


def test_a_municipality_overrides_the_shared_routing_per_category(
    session: Session, demo_users: dict[str, User], municipalities: None
) -> None:
    aarhus = session.get_one(Municipality, "0751")
    operator = user_in(session, demo_users, "operator")
    admin = user_in(session, demo_users, "admin.aarhus")
    fallback = routing.resolve_desk(session, aarhus, "Bolig")
    assert (fallback.desk_name, fallback.mailbox) == (
        "Borgerservice",
        f"borgerservice@{aarhus.email_domain}",
    )
    routing.set_shared_route(
        session,
        operator,
        "Bolig",
        SharedRouteWrite(desk_name="Boligstøtte", mailbox_local_part="bolig"),
    )
    assert routing.resolve_desk(session, aarhus, "Bolig").mailbox == f"bolig@{aarhus.email_domain}"
    routing.set_local_route(
        session,
        admin,
        "0751",
        "*",
        RouteWrite(desk_name="Kontaktcenter", mailbox="kc@aarhus.example"),
    )
    assert (
        routing.resolve_desk(session, aarhus, "Bolig").desk_name == "Kontaktcenter"
    )  # own default wins
    routing.set_local_route(
        session,
        admin,
        "0751",
        "Bolig",
        RouteWrite(desk_name="Boligteamet", mailbox="bolig@aarhus.example"),
    )
    assert routing.resolve_desk(session, aarhus, "Bolig").mailbox == "bolig@aarhus.example"
    assert routing.resolve_desk(session, aarhus, "Pas").desk_name == "Kontaktcenter"
    with pytest.raises(Forbidden):
        routing.set_local_route(
            session, admin, "0461", "Bolig", RouteWrite(desk_name="X", mailbox="x@odense.example")
        )
    table = {r.category: r.source for r in routing.routing_table(session, admin, "0751")}
    assert table == {"*": "local", "Bolig": "local"}


def test_a_desk_name_holding_a_cpr_number_is_refused_as_the_desk_names(
    session: Session, demo_users: dict[str, User]
) -> None:
    admin = user_in(session, demo_users, "admin.aarhus")
    operator = user_in(session, demo_users, "operator")
    with pytest.raises(routing.CprNumberInDeskName):
        routing.set_local_route(
            session, admin, "0751", "Bolig",
            RouteWrite(desk_name="Sag 010190-1234", mailbox="bolig@aarhus.example"),
        )  # fmt: skip
    with pytest.raises(routing.CprNumberInDeskName):
        routing.set_shared_route(
            session, operator, "Bolig",
            SharedRouteWrite(desk_name="Sag 010190-1234", mailbox_local_part="bolig"),
        )  # fmt: skip


def test_the_promised_deadline_skips_weekends_and_danish_holidays() -> None:
    # Maundy Thursday 2 April 2026, 20:00: Good Friday, the weekend and Easter Monday are closed.
    evening = datetime(2026, 4, 2, 18, 0, tzinfo=UTC)
    due = local(deadline_after(evening, 1))
    assert due.date().isoformat() == "2026-04-07"
    assert (due.hour, due.minute) == (15, 0)
    # Friday evening 30 January 2026: the next working day is Monday.
    assert (
        local(deadline_after(datetime(2026, 1, 30, 19, 0, tzinfo=UTC), 1)).date().isoformat()
        == "2026-02-02"
    )


def test_forwarding_queues_the_desk_message_on_the_hotlines_sender(
    session: Session, settings: Settings, demo_users: dict[str, User], open_contact: OpenContact
) -> None:
    contact = open_contact(topic="Bolig")
    agent = user_in(session, demo_users, "agent.aarhus")
    forward = forwarding.forward_contact(
        session, settings, agent, contact.id, contact_version(1), forward_request()
    )
    reply = session.get_one(Reply, forward.reply_id)
    aarhus = session.get_one(Municipality, "0751")
    assert reply.to == f"borgerservice@{aarhus.email_domain}"
    assert reply.from_address == "svar@hotline.example"
    assert reply.contact_id == contact.id
    assert "Borgeren venter på svar om sin boligstøtte." in reply.text
    assert "Telefon: +45 12 34 56 78" in reply.text
    assert "E-mail" not in reply.text  # the citizen gave no address: none is invented
    assert "næste hverdag" in reply.text
    assert f"{settings.public_base_url}/console/afdeling/" in reply.text
    assert forward.due_at > forward.created_at


@pytest.mark.parametrize("channel", list(Channel), ids=str)
def test_the_desk_message_names_the_channel_in_danish(
    session: Session,
    settings: Settings,
    demo_users: dict[str, User],
    open_contact: OpenContact,
    channel: Channel,
) -> None:
    contact = open_contact(channel=channel.value)
    agent = user_in(session, demo_users, "agent.aarhus")
    forward = forwarding.forward_contact(
        session, settings, agent, contact.id, contact_version(1), forward_request()
    )
    text = session.get_one(Reply, forward.reply_id).text
    assert f"kanal: {CHANNEL_NAMES[channel]})" in text
    assert f"kanal: {channel.value})" not in text


def test_a_cpr_number_anywhere_in_a_forward_stops_it(
    session: Session, settings: Settings, demo_users: dict[str, User], open_contact: OpenContact
) -> None:
    contact = open_contact()
    agent = user_in(session, demo_users, "agent.aarhus")
    with pytest.raises(CprNumberInForward):
        forwarding.forward_contact(
            session,
            settings,
            agent,
            contact.id,
            contact_version(1),
            forward_request(action_taken="Slog 0101901234 op"),
        )
    session.rollback()
    assert session.query(Forward).count() == 0
    assert session.query(Reply).count() == 0


def test_a_contact_is_forwarded_once(
    session: Session, settings: Settings, demo_users: dict[str, User], open_contact: OpenContact
) -> None:
    contact = open_contact()
    agent = user_in(session, demo_users, "agent.aarhus")
    forwarding.forward_contact(
        session, settings, agent, contact.id, contact_version(1), forward_request()
    )
    with pytest.raises(forwarding.AlreadyForwarded):
        forwarding.forward_contact(session, settings, agent, contact.id, None, forward_request())


@pytest.fixture
def forward(
    session: Session, settings: Settings, demo_users: dict[str, User], open_contact: OpenContact
) -> Forward:
    contact = open_contact()
    agent = user_in(session, demo_users, "agent.aarhus")
    forward = forwarding.forward_contact(
        session, settings, agent, contact.id, contact_version(1), forward_request()
    )
    session.commit()
    return forward


def test_the_desk_marks_the_case_handled_once_with_its_link(
    session: Session, settings: Settings, forward: Forward
) -> None:
    token = forwarding.handled_link_token(settings, forward)
    handled = forwarding.mark_handled(session, settings, token)
    assert handled.handled_at is not None
    with pytest.raises(forwarding.AlreadyHandled):
        forwarding.mark_handled(session, settings, token)


def test_a_tampered_link_is_refused(session: Session, settings: Settings, forward: Forward) -> None:
    token = forwarding.handled_link_token(settings, forward)
    header, payload, signature = token.split(".")
    forged = jwt.encode(
        {"purpose": "forward-handled", "fwd": forward.id, "mun": "0751", "exp": 4102444800},
        "a-guessed-key-of-the-right-length-0123456789",
        algorithm="HS256",
    )
    for bad in (f"{header}.{payload}.{signature[:-2]}xx", forged, "not-a-token"):
        with pytest.raises(forwarding.LinkInvalid):
            forwarding.mark_handled(session, settings, bad)
    assert session.get_one(Forward, forward.id).handled_at is None


def test_a_link_for_another_municipality_grants_nothing(
    session: Session, settings: Settings, forward: Forward
) -> None:
    claims = {"purpose": "forward-handled", "fwd": forward.id, "mun": "0461", "exp": 4102444800}
    with pytest.raises(Forbidden):
        forwarding.mark_handled(
            session, settings, jwt.encode(claims, settings.signing_key, algorithm="HS256")
        )


def test_an_expired_link_is_refused(session: Session, settings: Settings, forward: Forward) -> None:
    forward.due_at = datetime.now(UTC) - forwarding.LINK_VALID_AFTER_DUE - timedelta(minutes=1)
    token = forwarding.handled_link_token(settings, forward)
    with pytest.raises(forwarding.LinkExpired):
        forwarding.mark_handled(session, settings, token)


def test_the_hotline_sees_open_handled_and_overdue_forwards(
    session: Session,
    settings: Settings,
    demo_users: dict[str, User],
    forward: Forward,
    open_contact: OpenContact,
) -> None:
    supervisor = user_in(session, demo_users, "supervisor")
    later = forward.due_at + timedelta(hours=1)
    assert [f.id for f in forwarding.list_forwards(session, supervisor, "overdue", now=later)] == [
        forward.id
    ]
    assert forwarding.list_forwards(session, supervisor, "overdue", now=forward.created_at) == []
    forwarding.mark_handled(session, settings, forwarding.handled_link_token(settings, forward))
    assert [f.id for f in forwarding.list_forwards(session, supervisor, "handled")] == [forward.id]
    assert forwarding.list_forwards(session, supervisor, "open") == []
    assert forwarding.list_forwards(session, user_in(session, demo_users, "agent.odense")) == []
    assert session.get_one(Contact, forward.contact_id).citizen_phone == "+45 12 34 56 78"


def test_handling_after_the_deadline_counts_as_late_and_keeps_the_agents_version(
    session: Session, settings: Settings, forward: Forward
) -> None:
    version = session.get_one(Contact, forward.contact_id).version
    token = forwarding.handled_link_token(settings, forward)
    forwarding.mark_handled(session, settings, token, now=forward.due_at + timedelta(minutes=1))
    session.commit()
    session.expire_all()
    contact = session.get_one(Contact, forward.contact_id)
    assert (contact.forward_state, contact.version) == ("late", version)
