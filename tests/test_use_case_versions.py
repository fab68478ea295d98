"""Optimistic concurrency at the application boundary: every versioned use case, one table.

A writer gives the version it read (the API's If-Match, the console's hidden field); when
someone changed the thing meanwhile the use case refuses (412), and where a version is required
a write without one is refused too (428). The API and the console only translate these.
"""

from collections.abc import Callable
from dataclasses import dataclass

import pytest
from sqlalchemy.orm import Session

from hotline.auth.models import User
from hotline.composer import service as composer
from hotline.composer.schemas import ReplyTemplateCreate, ReplyTemplateUpdate
from hotline.config import Settings
from hotline.errors import PreconditionFailed, PreconditionRequired
from hotline.kit.versions import revision_version
from hotline.knowledge import service as knowledge
from hotline.knowledge.models import OverrideMode
from hotline.knowledge.schemas import ArticleCreate, OverrideWrite
from hotline.letterheads import service as letterheads
from hotline.letterheads.schemas import ThemeUpdate
from hotline.municipalities.service import get_municipality
from tests.knowledge.conftest import AARHUS, kb  # noqa: F401 - the knowledge base acted on

# (session, settings, actor) -> the version the caller read, after arranging what it needs
Read = Callable[[Session, Settings, User], str]
# (session, settings, actor, expected version, n) -> a change that differs for every n
Write = Callable[[Session, Settings, User, str | None, int], object]


@dataclass(frozen=True)
class Versioned:
    name: str
    account: str
    read: Read
    write: Write
    required: bool = True  # False: a write without a version is taken as "whatever is there"


def _override(s: Session, u: User) -> str:
    append = OverrideWrite(mode=OverrideMode.APPEND, body="Lokalt.")
    override, _ = knowledge.save_override(s, u, AARHUS, "pas", append, expected=None)
    return knowledge.override_version(override)


def _local_article(s: Session, u: User) -> str:
    data = ArticleCreate(slug="lokal", title="Lokal", category="Test", body="Tekst.")
    return revision_version(knowledge.add_local_article(s, u, AARHUS, data).revision)


def _template(s: Session, u: User) -> str:
    data = ReplyTemplateCreate(key="tak", title="Tak", body_markdown="Tak for din henvendelse.")
    return composer.template_etag(composer.create_template(s, data, u))


def _letterhead(s: Session, st: Settings) -> str:
    return letterheads.letterhead_for(s, st, get_municipality(s, AARHUS)).etag


VERSIONED = [
    Versioned(
        "knowledge.edit_article",
        "editor",
        lambda s, st, u: revision_version(knowledge.get_article(s, "pas").revision),
        lambda s, st, u, v, n: knowledge.edit_article(
            s, u, "pas", {"title": f"Pas {n}"}, expected=v
        ),
    ),
    Versioned(
        "knowledge.edit_fact",
        "editor",
        lambda s, st, u: revision_version(knowledge.get_fact(s, "telefon").revision),
        lambda s, st, u, v, n: knowledge.edit_fact(
            s, u, "telefon", {"description": f"Telefon {n}"}, expected=v
        ),
    ),
    Versioned(
        "knowledge.write_fact_value",
        "admin.aarhus",
        lambda s, st, u: revision_version(
            knowledge.fact_value_for(s, u, AARHUS, "telefon")[0].revision or 0
        ),
        lambda s, st, u, v, n: knowledge.write_fact_value(
            s, u, AARHUS, "telefon", f"+45 89 40 20 0{n}", expected=v
        ),
    ),
    Versioned(
        "knowledge.save_override",
        "admin.aarhus",
        lambda s, st, u: _override(s, u),
        lambda s, st, u, v, n: knowledge.save_override(
            s, u, AARHUS, "pas", OverrideWrite(mode=OverrideMode.APPEND, body=f"{n}."), expected=v
        ),
    ),
    Versioned(
        "knowledge.edit_local_article",
        "admin.aarhus",
        lambda s, st, u: _local_article(s, u),
        lambda s, st, u, v, n: knowledge.edit_local_article(
            s, u, AARHUS, "lokal", {"body": f"Tekst {n}."}, expected=v
        ),
    ),
    Versioned(
        "letterheads.update_theme",
        "admin.aarhus",
        lambda s, st, u: _letterhead(s, st),
        lambda s, st, u, v, n: letterheads.update_theme(
            s, st, get_municipality(s, AARHUS), ThemeUpdate(closing=f"Hilsen {n}"), u, if_match=v
        ),
        required=False,
    ),
    Versioned(
        "composer.update_template",
        "editor",
        lambda s, st, u: _template(s, u),
        lambda s, st, u, v, n: composer.update_template(
            s,
            composer.find_template(s, "tak", AARHUS),
            ReplyTemplateUpdate(title=f"Tak {n}"),
            u,
            if_match=v,
        ),
        required=False,
    ),
]


@pytest.mark.parametrize("case", VERSIONED, ids=lambda case: case.name)
def test_a_write_on_a_version_someone_else_replaced_is_refused(
    case: Versioned,
    kb: Session,  # noqa: F811 - the fixture imported above
    settings: Settings,
    demo_users: dict[str, User],
) -> None:
    actor = kb.get_one(User, demo_users[case.account].id)
    seen = case.read(kb, settings, actor)
    case.write(kb, settings, actor, seen, 1)  # the first writer wins
    with pytest.raises(PreconditionFailed):
        case.write(kb, settings, actor, seen, 2)  # the second had read the same version
    if case.required:
        with pytest.raises(PreconditionRequired):
            case.write(kb, settings, actor, None, 3)
