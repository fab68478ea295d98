"""Which municipal desk receives a forwarded contact: the knowledge base's pattern again.

A shared default routing (category -> desk name and mailbox local part) that every municipality
inherits; each municipality's admin overrides a category, or its default desk (``*``), with a
desk of its own. Resolution, most specific first: the municipality's row for the category, its
own default desk, the shared row for the category, the shared default, and finally
"Borgerservice" at borgerservice@<the municipality's mail domain>.
"""

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.auth.models import User
from hotline.auth.permissions import Action, Principal, require
from hotline.contacts.models import DEFAULT_DESK, LocalRoute, SharedRoute
from hotline.contacts.schemas import RouteRead, RouteWrite, SharedRouteWrite
from hotline.db import upsert_versioned, utcnow
from hotline.errors import InvalidInput, NotFound
from hotline.kit.cpr import CprNumberInText, refuse_cpr_numbers
from hotline.municipalities.models import Municipality

FALLBACK_DESK = ("Borgerservice", "borgerservice")


class CprNumberInDeskName(CprNumberInText):
    slug, title = "cpr-number-in-desk-name", "CPR number in a desk's name"
    danish = (
        "Afdelingens navn indeholder et CPR-nummer. Navnet står i hver videresendelse: skriv "
        "aldrig et CPR-nummer i det."
    )
    english = (
        "The desk's name contains a Danish personal identification number (CPR); it is printed "
        "in every forward, so never write one there."
    )


def _municipality(session: Session, code: str) -> Municipality:
    municipality = session.get(Municipality, code)
    if municipality is None:
        raise NotFound(f"No municipality {code}.")
    return municipality


def _shared_as_route(
    row: SharedRoute | None, category: str, municipality: Municipality
) -> RouteRead:
    desk_name, local_part = (row.desk_name, row.mailbox_local_part) if row else FALLBACK_DESK
    return RouteRead(
        category=category,
        desk_name=desk_name,
        mailbox=f"{local_part}@{municipality.email_domain}",
        source="shared",
    )


def _local_as_route(row: LocalRoute) -> RouteRead:
    return RouteRead(
        category=row.category, desk_name=row.desk_name, mailbox=row.mailbox, source="local"
    )


def resolve_desk(session: Session, municipality: Municipality, category: str | None) -> RouteRead:
    """The desk a contact about ``category`` is forwarded to in ``municipality``."""
    wanted = [c for c in (category, DEFAULT_DESK) if c]
    local_rows = {
        row.category: row
        for row in session.scalars(
            select(LocalRoute).where(
                LocalRoute.municipality_code == municipality.code, LocalRoute.category.in_(wanted)
            )
        )
    }
    for key in wanted:
        if key in local_rows:
            return _local_as_route(local_rows[key])
    shared_rows = {
        row.category: row
        for row in session.scalars(select(SharedRoute).where(SharedRoute.category.in_(wanted)))
    }
    for key in wanted:
        if key in shared_rows:
            return _shared_as_route(shared_rows[key], key, municipality)
    return _shared_as_route(None, DEFAULT_DESK, municipality)


def routing_table(session: Session, user: Principal, code: str) -> list[RouteRead]:
    """The municipality's effective table: every shared category and its own, local winning."""
    require(user, Action.READ_KNOWLEDGE, code)
    municipality = _municipality(session, code)
    routes = {
        row.category: _shared_as_route(row, row.category, municipality)
        for row in session.scalars(select(SharedRoute))
    }
    routes.setdefault(DEFAULT_DESK, _shared_as_route(None, DEFAULT_DESK, municipality))
    for row in session.scalars(select(LocalRoute).where(LocalRoute.municipality_code == code)):
        routes[row.category] = _local_as_route(row)
    return [routes[key] for key in sorted(routes, key=lambda c: (c != DEFAULT_DESK, c))]


def set_local_route(
    session: Session, user: User, code: str, category: str, data: RouteWrite
) -> RouteRead:
    """The admin's own desk for a category (``*``: the default desk); replaces an earlier one."""
    require(user, Action.EDIT_ROUTING, code)
    _municipality(session, code)
    category = category.strip()
    if not category or len(category) > 80:
        raise InvalidInput("A category is 1 to 80 characters ('*' for the default desk).")
    refuse_cpr_numbers(data.desk_name, problem=CprNumberInDeskName)
    row = session.get(LocalRoute, (code, category))
    if row is None:
        row = LocalRoute(municipality_code=code, category=category)
        session.add(row)
    row.desk_name = data.desk_name
    row.mailbox = str(data.mailbox)
    row.updated_by = user.email
    session.flush()
    return _local_as_route(row)


def remove_local_route(session: Session, user: User, code: str, category: str) -> None:
    """Back to the shared routing for that category."""
    require(user, Action.EDIT_ROUTING, code)
    row = session.get(LocalRoute, (code, category))
    if row is None:
        raise NotFound(f"Municipality {code} has no desk of its own for {category!r}.")
    session.delete(row)
    session.flush()


def shared_routes(session: Session, user: User) -> list[SharedRoute]:
    """The shared default routing, as its editors see it (``*`` first)."""
    require(user, Action.EDIT_SHARED_ROUTING)
    rows = session.scalars(select(SharedRoute))
    return sorted(rows, key=lambda row: (row.category != DEFAULT_DESK, row.category))


def set_shared_route(
    session: Session,
    user: User,
    category: str,
    data: SharedRouteWrite,
    expected_version: str | None = None,
) -> SharedRoute:
    """Set the shared desk of a category; ``expected_version`` (the version the editor read,
    ``revision_version``) refuses to overwrite a change made since. Without one, the same
    desk set twice at once (a double click) is saved once each, the later one winning."""
    require(user, Action.EDIT_SHARED_ROUTING)
    category = category.strip()
    if not category or len(category) > 80:
        raise InvalidInput("A category is 1 to 80 characters ('*' for the default desk).")
    refuse_cpr_numbers(data.desk_name, problem=CprNumberInDeskName)
    what = f"the shared desk for {category!r}"
    values = {
        "category": category,
        "desk_name": data.desk_name,
        "mailbox_local_part": data.mailbox_local_part,
        "updated_at": utcnow(),
    }
    return upsert_versioned(
        session, SharedRoute, values, expected_version=expected_version, what=what
    )
