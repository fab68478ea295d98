import uuid

from hotline.auth.permissions import Action, SignedLinkActor
from hotline.db import transaction
from hotline.meetings import service
from hotline.meetings.schemas import BookingIn
from tests.authz import Case, Role, Target, Visibility, roles
from tests.meetings.conftest import GOOD_ANSWERS, type_data


def _type_body() -> dict:
    return type_data(slug=f"type-{uuid.uuid4().hex[:8]}").model_dump(mode="json")


def _existing_type(target: Target) -> dict:
    body = _type_body()
    response = target.client.post(
        "/api/v1/meetings/types", json=body, headers=target.operator_headers
    )
    assert response.status_code == 201, response.text
    return {"id": response.json()["id"], "etag": response.headers["ETag"], "body": body}


def _create(target: Target) -> tuple[str, dict]:
    return "/api/v1/meetings/types", {"json": _type_body()}


def _update(target: Target) -> tuple[str, dict]:
    made = _existing_type(target)
    return f"/api/v1/meetings/types/{made['id']}", {
        "json": {**made["body"], "duration_minutes": 45},
        "headers": {"If-Match": made["etag"]},
    }


def _override(target: Target) -> tuple[str, dict]:
    made = _existing_type(target)
    return f"/api/v1/meetings/types/{made['id']}/municipalities/{target.municipality}", {
        "json": {"hidden": True}
    }


def _withdraw(target: Target) -> tuple[str, dict]:
    made = _existing_type(target)
    return f"/api/v1/meetings/types/{made['id']}/active", {
        "json": {"active": False},
        "headers": {"If-Match": made["etag"]},
    }


def _read_override(target: Target) -> tuple[str, dict]:
    path, request = _override(target)
    made = target.client.put(path, headers=target.operator_headers, **request)
    assert made.status_code == 204, made.text
    return path, {}


def _cancel(target: Target) -> tuple[str, dict]:
    """A booked meeting of the target municipality, booked as its citizens do."""
    made = _existing_type(target)
    with transaction(target.client.app.state.sessionmaker) as session:  # type: ignore[attr-defined]
        slot = service.available_slots(session, target.municipality, made["body"]["slug"])[0]
        booking = service.book_meeting(
            session,
            SignedLinkActor(Action.BOOK_MEETING, target.municipality),
            target.municipality,
            BookingIn(
                meeting_type=made["body"]["slug"], starts_at=slot.starts_at.isoformat(),
                answers=GOOD_ANSWERS, citizen_name="Birthe", citizen_phone="12345678",
                privacy_accepted=True,
            ),
        )  # fmt: skip
        booking_id = booking.id
    return f"/api/v1/meetings/bookings/{booking_id}/cancel", {}


def _report(path: str):  # type: ignore[no-untyped-def]
    def build(target: Target) -> tuple[str, dict]:
        return path, {"params": {"from": "2026-01", "to": "2026-12",
                                 "municipality": target.municipality}}  # fmt: skip

    build.__name__ = f"_report_{path.rsplit('/', 1)[-1]}"
    return build


EDITING = roles(Role.OPERATOR, Role.EDITOR)
COUNTING = roles(Role.OPERATOR, Role.SUPERVISOR)

CASES = [
    Case("POST", "/api/v1/meetings/types", allowed_anywhere=EDITING, build=_create),
    Case("PUT", "/api/v1/meetings/types/{type_id}", allowed_anywhere=EDITING, build=_update),
    Case(
        "PUT",
        "/api/v1/meetings/types/{type_id}/municipalities/{code}",
        allowed_anywhere=roles(Role.OPERATOR),
        allowed_in_own=roles(Role.MUNICIPALITY_ADMIN),
        build=_override,
    ),
    Case(
        "PUT",
        "/api/v1/meetings/types/{type_id}/active",
        allowed_anywhere=EDITING,
        build=_withdraw,
    ),
    Case(
        "GET",
        "/api/v1/meetings/types/{type_id}/municipalities/{code}",
        allowed_anywhere=roles(Role.OPERATOR),
        allowed_in_own=roles(Role.MUNICIPALITY_ADMIN),
        build=_read_override,
    ),
    Case(
        "POST",
        "/api/v1/meetings/bookings/{booking_id}/cancel",
        allowed_anywhere=roles(Role.OPERATOR),
        allowed_in_own=roles(Role.MUNICIPALITY_ADMIN),
        build=_cancel,
    ),
    Case(
        "GET",
        "/api/v1/meetings/reports",
        allowed_anywhere=COUNTING,
        allowed_in_own=roles(Role.MUNICIPALITY_ADMIN),
        build=_report("/api/v1/meetings/reports"),
    ),
    Case(
        "GET",
        "/api/v1/meetings/start-report",
        allowed_anywhere=COUNTING,
        allowed_in_own=roles(Role.MUNICIPALITY_ADMIN),
        build=_report("/api/v1/meetings/start-report"),
    ),
]

READS = {
    "/api/v1/meetings/types/{type_id}/municipalities/{code}": Visibility.RESTRICTED,
    "/api/v1/meetings/slots/{code}/{slug}": Visibility.EVERY_ROLE,  # public: no personal data
    "/api/v1/meetings/reports": Visibility.RESTRICTED,
    "/api/v1/meetings/start-report": Visibility.RESTRICTED,
}
