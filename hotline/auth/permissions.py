"""Every authorisation decision of hotline, in one place.

Service use cases ask ``require(user, Action.X, municipality_code)``; list queries a role may
only partly see go through ``scope_to_municipalities``. Front ends never import this module
(an import-linter contract); the console asks which pages and controls to show through
``hotline.console.access``. ``tests/auth/test_use_case_matrix.py`` enumerates the use cases.
"""

from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Protocol, TypeVar

from sqlalchemy import Select, SQLColumnExpression, false

from hotline.errors import Forbidden


class Role(StrEnum):
    OPERATOR = "operator"
    EDITOR = "editor"
    MUNICIPALITY_ADMIN = "municipality_admin"
    AGENT = "agent"
    SUPERVISOR = "supervisor"  # the hotline's shift lead: sees every contact, edits no knowledge


ROLES_WITH_MUNICIPALITY = frozenset({Role.MUNICIPALITY_ADMIN, Role.AGENT})


class Action(StrEnum):
    READ_KNOWLEDGE = "read_knowledge"
    MANAGE_ACCOUNTS = "manage_accounts"
    LIST_ACCOUNTS = "list_accounts"
    EDIT_MUNICIPALITY_HOTLINE_COLUMNS = "edit_municipality_hotline_columns"
    EDIT_MUNICIPALITY_CONTACT = "edit_municipality_contact"
    EDIT_SHARED_KNOWLEDGE = "edit_shared_knowledge"
    EDIT_LOCAL_KNOWLEDGE = "edit_local_knowledge"
    READ_LOCAL_ADMIN = "read_local_admin"
    EDIT_LETTERHEAD = "edit_letterhead"
    EDIT_SHARED_TEMPLATES = "edit_shared_templates"
    SEND_REPLY = "send_reply"
    READ_SEARCH_GAPS = "read_search_gaps"
    READ_ALL_REPLIES = "read_all_replies"  # everyone's replies; a sender sees their own
    # Contacts (hotline/contacts): an agent registers contacts under SEND_REPLY (answering
    # citizens) and sees their own; these grant the wider views and the routing tables.
    READ_ALL_CONTACTS = "read_all_contacts"  # every contact, with the citizen's details
    READ_SHIFT = "read_shift"  # the live view of the shift
    READ_CONTACT_REPORTS = "read_contact_reports"  # the numbers (admins: their municipality)
    COMPARE_MUNICIPALITIES = "compare_municipalities"  # reports across municipalities
    EDIT_ROUTING = "edit_routing"  # a municipality's desks for forwarded contacts
    EDIT_SHARED_ROUTING = "edit_shared_routing"  # the default routing every municipality inherits
    SET_CONTACT_PRICE = "set_contact_price"  # the hotline's price per contact
    MARK_FORWARD_HANDLED = "mark_forward_handled"  # the desk, through its signed link
    # Satisfaction (hotline/satisfaction): satisfaction reports are contact reports
    # (READ_CONTACT_REPORTS, scoped the same way); these are the new acts.
    ANSWER_SURVEY = "answer_survey"  # the citizen, through the survey link of one contact
    OPEN_FEEDBACK_ROUND = "open_feedback_round"  # ask the member municipalities
    ANSWER_FEEDBACK_ROUND = "answer_feedback_round"  # a municipality's admin, for their own
    READ_FEEDBACK_ROUNDS = "read_feedback_rounds"  # the answers (admins: their own)
    # Meetings (hotline/meetings): citizens book through the public page (a signed form) and
    # cancel or move through the signed link in their confirmation. Agents hold meetings
    # under SEND_REPLY (answering citizens), as they register contacts.
    EDIT_MEETING_TYPES = "edit_meeting_types"  # the shared meeting types (editors)
    EDIT_LOCAL_MEETINGS = "edit_local_meetings"  # a municipality's override of a type
    BOOK_MEETING = "book_meeting"  # the public booking form, for one municipality
    MANAGE_BOOKING = "manage_booking"  # cancel or move, through the citizen's signed link


class Principal(Protocol):
    @property
    def role(self) -> str: ...
    @property
    def municipality_code(self) -> str | None: ...


class Author(Principal, Protocol):
    """A principal whose changes are signed with a name (``updated_by``) in the change log."""

    @property
    def email(self) -> str: ...


@dataclass(frozen=True)
class SignedLinkActor:
    """Whoever holds a valid signed link (a municipal desk, no account): exactly one action,
    for the one municipality the link was issued for."""

    grants: "Action"
    municipality_code: str | None
    role: str = "signed_link"


@dataclass(frozen=True)
class SystemActor:
    """Who runs a CLI command: shell access to the server sees what an operator sees."""

    role: str = Role.OPERATOR.value
    municipality_code: str | None = None
    email: str = "system"


# Actions any holder of the role may take, for any municipality.
_GLOBAL: dict[Role, frozenset[Action]] = {
    Role.OPERATOR: frozenset(Action) - {Action.SEND_REPLY},
    Role.EDITOR: frozenset(
        {
            Action.READ_KNOWLEDGE,
            Action.EDIT_SHARED_KNOWLEDGE,
            Action.EDIT_SHARED_TEMPLATES,
            Action.READ_SEARCH_GAPS,
            Action.EDIT_MEETING_TYPES,
        }
    ),
    Role.MUNICIPALITY_ADMIN: frozenset({Action.READ_KNOWLEDGE}),
    Role.AGENT: frozenset({Action.READ_KNOWLEDGE, Action.SEND_REPLY}),
    Role.SUPERVISOR: frozenset(
        {
            Action.READ_KNOWLEDGE,
            Action.READ_ALL_CONTACTS,
            Action.READ_SHIFT,
            Action.READ_CONTACT_REPORTS,
            Action.COMPARE_MUNICIPALITIES,
            Action.READ_FEEDBACK_ROUNDS,
        }
    ),
}

# Actions the role may take only for its own municipality.
_OWN_MUNICIPALITY: dict[Role, frozenset[Action]] = {
    Role.MUNICIPALITY_ADMIN: frozenset(
        {
            Action.EDIT_MUNICIPALITY_CONTACT,
            Action.EDIT_LOCAL_KNOWLEDGE,
            Action.READ_LOCAL_ADMIN,
            Action.EDIT_LETTERHEAD,
            Action.LIST_ACCOUNTS,
            Action.READ_CONTACT_REPORTS,
            Action.EDIT_ROUTING,
            Action.ANSWER_FEEDBACK_ROUND,
            Action.READ_FEEDBACK_ROUNDS,
            Action.EDIT_LOCAL_MEETINGS,
        }
    ),
}


def can(user: Principal, action: Action, municipality_code: str | None = None) -> bool:
    if isinstance(user, SignedLinkActor):
        return action is user.grants and municipality_code == user.municipality_code
    role = Role(user.role)
    if action in _GLOBAL.get(role, frozenset()):
        return True
    if action in _OWN_MUNICIPALITY.get(role, frozenset()):
        return municipality_code is not None and municipality_code == user.municipality_code
    return False


def require(user: Principal, action: Action, municipality_code: str | None = None) -> None:
    if not can(user, action, municipality_code):
        where = f" for municipality {municipality_code}" if municipality_code else ""
        raise Forbidden(f"Your role ({user.role}) may not {action.value.replace('_', ' ')}{where}.")


S = TypeVar("S", bound=Select)  # type: ignore[type-arg]


def scope_to_municipalities(
    stmt: S, user: Principal, action: Action, column: SQLColumnExpression[Any]
) -> S:
    """Restrict a list query to the rows of the municipalities the user may see for ``action``."""
    role = Role(user.role)
    if action in _GLOBAL.get(role, frozenset()):
        return stmt
    if action in _OWN_MUNICIPALITY.get(role, frozenset()) and user.municipality_code:
        return stmt.where(column == user.municipality_code)
    return stmt.where(false())


class Owned(Protocol):
    @property
    def id(self) -> int: ...
    @property
    def role(self) -> str: ...
    @property
    def municipality_code(self) -> str | None: ...


def scope_contacts(
    stmt: S,
    user: Owned,
    action: Action,
    municipality_column: SQLColumnExpression[str],
    agent_column: SQLColumnExpression[int],
) -> S:
    """Contacts and their numbers: everything where ``action`` is global to the role, the own
    municipality's where it is granted there, and otherwise the agent's own contacts (an
    agent answers for every municipality, so "own" means the contacts they handled)."""
    role = Role(user.role)
    if action in _GLOBAL.get(role, frozenset()):
        return stmt
    if action in _OWN_MUNICIPALITY.get(role, frozenset()) and user.municipality_code:
        return stmt.where(municipality_column == user.municipality_code)
    if can(user, Action.SEND_REPLY):
        return stmt.where(agent_column == user.id)
    return stmt.where(false())
