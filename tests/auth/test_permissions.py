"""The decisions of hotline/auth/permissions.py, independent of any route."""

from dataclasses import dataclass

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.auth.models import User
from hotline.auth.permissions import Action, Role, can, scope_to_municipalities


@dataclass
class Someone:
    role: str
    municipality_code: str | None = None


def test_admin_acts_only_for_their_own_municipality() -> None:
    admin = Someone(Role.MUNICIPALITY_ADMIN, "0751")
    assert can(admin, Action.EDIT_LOCAL_KNOWLEDGE, "0751")
    assert not can(admin, Action.EDIT_LOCAL_KNOWLEDGE, "0461")
    assert not can(admin, Action.EDIT_LOCAL_KNOWLEDGE, None)
    assert not can(admin, Action.EDIT_SHARED_KNOWLEDGE)


def test_agent_replies_for_any_municipality_but_edits_nothing() -> None:
    agent = Someone(Role.AGENT, "0461")
    assert can(agent, Action.SEND_REPLY, "0751")
    assert not any(
        can(agent, action, "0461")
        for action in Action
        if action not in {Action.SEND_REPLY, Action.READ_KNOWLEDGE}
    )


def test_operator_runs_everything_but_does_not_answer_citizens() -> None:
    operator = Someone(Role.OPERATOR)
    assert all(can(operator, action, "0101") for action in Action if action != Action.SEND_REPLY)
    assert not can(operator, Action.SEND_REPLY, "0101")


@pytest.mark.parametrize(
    ("viewer", "expected"),
    [
        ("operator", {"operator", "editor", "agent.aarhus", "agent.odense", "admin.aarhus",
                      "admin.kobenhavn", "supervisor"}),
        ("admin.aarhus", {"agent.aarhus", "admin.aarhus"}),
        ("agent.aarhus", set()),
        ("editor", set()),
    ],
)  # fmt: skip
def test_account_lists_are_scoped_to_what_the_role_may_see(
    session: Session, demo_users: dict[str, User], viewer: str, expected: set[str]
) -> None:
    stmt = scope_to_municipalities(
        select(User.email), demo_users[viewer], Action.LIST_ACCOUNTS, User.municipality_code
    )
    assert {email.split("@")[0] for email in session.scalars(stmt)} == expected
