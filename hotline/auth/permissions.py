"""Every authorisation decision of hotline, in one place.

Routes and services ask ``require(user, Action.X, municipality_code)``; list queries a role may
only partly see go through ``scope_to_municipalities``. The matrix test enumerates both.
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
        }
    ),
    Role.MUNICIPALITY_ADMIN: frozenset({Action.READ_KNOWLEDGE}),
    Role.AGENT: frozenset({Action.READ_KNOWLEDGE, Action.SEND_REPLY}),
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
        }
    ),
}


def can(user: Principal, action: Action, municipality_code: str | None = None) -> bool:
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
