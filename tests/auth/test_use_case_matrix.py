"""The permission matrix at the application boundary: use case x role x own/foreign municipality.

Both front ends (the API and the console) reach the application only through these service use
cases, so one table here covers both. ``test_permission_matrix.py`` keeps the route-level sweep
that fails when an API route has no case, and checks that the API turns a refusal into a 403.
"""

from collections.abc import Callable
from dataclasses import dataclass

import pytest
from sqlalchemy.orm import Session

from hotline.auth.models import User
from hotline.auth.service import edit_municipality
from hotline.composer import service as composer
from hotline.composer.schemas import ReplyTemplateCreate
from hotline.config import Settings
from hotline.contacts import service as contacts
from hotline.contacts.schemas import ContactOpen
from hotline.errors import Forbidden
from hotline.knowledge import service as knowledge
from hotline.knowledge.models import OverrideMode
from hotline.knowledge.schemas import ArticleCreate, OverrideWrite
from hotline.letterheads import service as letterheads
from hotline.letterheads.schemas import ThemeUpdate
from hotline.municipalities.schemas import MunicipalityUpdate
from hotline.municipalities.service import get_municipality
from hotline.search import service as search
from tests.authz import ACCOUNT_FOR_ROLE, FOREIGN_MUNICIPALITY, OWN_MUNICIPALITY, Role, roles
from tests.knowledge.conftest import kb  # noqa: F401 - the knowledge base the cases act on
from tests.letterheads.images import png

Act = Callable[[Session, Settings, User, str], object]  # (session, settings, actor, code)


@dataclass(frozen=True)
class UseCase:
    name: str
    act: Act
    allowed_anywhere: frozenset[Role]
    allowed_in_own: frozenset[Role] = frozenset()

    def allowed(self, role: Role, own: bool) -> bool:
        return role in self.allowed_anywhere or (own and role in self.allowed_in_own)


EVERY_ROLE = frozenset(Role)
OPERATOR = roles(Role.OPERATOR)
EDITORS = roles(Role.OPERATOR, Role.EDITOR)
OWN_ADMIN = roles(Role.MUNICIPALITY_ADMIN)


def _article(slug: str) -> ArticleCreate:
    return ArticleCreate(slug=slug, title="Ny", category="Test", body="Tekst.")


def _template(key: str, code: str | None) -> ReplyTemplateCreate:
    return ReplyTemplateCreate(key=key, municipality_code=code, title="Tak", body_markdown="Tak.")


USE_CASES = [
    # knowledge: the shared articles, a municipality's overrides, facts, local articles
    UseCase(
        "knowledge.add_article",
        lambda s, _, u, c: knowledge.add_article(s, u, _article("ny-artikel")),
        EDITORS,
    ),
    UseCase(
        "knowledge.save_override",
        lambda s, _, u, c: knowledge.save_override(
            s, u, c, "pas", OverrideWrite(mode=OverrideMode.HIDE), expected=None
        ),
        OPERATOR,
        OWN_ADMIN,
    ),
    UseCase(
        "knowledge.write_fact_value",
        lambda s, _, u, c: (
            knowledge.write_fact_value(s, u, c, "telefon", "+45 11 22 33 44", expected=None)
            if knowledge.get_fact_value(s, c, "telefon") is None
            else knowledge.write_fact_value(s, u, c, "kommune_navn", "Ny", expected='"1"')
        ),
        OPERATOR,
        OWN_ADMIN,
    ),
    UseCase(
        "knowledge.write_fact_values",
        lambda s, _, u, c: knowledge.write_fact_values(s, u, c, []),
        OPERATOR,
        OWN_ADMIN,
    ),
    UseCase(
        "knowledge.add_local_article",
        lambda s, _, u, c: knowledge.add_local_article(s, u, c, _article("lokal")),
        OPERATOR,
        OWN_ADMIN,
    ),
    UseCase("knowledge.facts_for", lambda s, _, u, c: knowledge.facts_for(s, u), EVERY_ROLE),
    UseCase(
        "knowledge.overrides_for",
        lambda s, _, u, c: knowledge.overrides_for(s, u, c),
        EVERY_ROLE,
    ),
    UseCase(
        "knowledge.resolved_articles_for (drafts)",
        lambda s, _, u, c: knowledge.resolved_articles_for(s, u, c, drafts=True),
        EDITORS,
        OWN_ADMIN,
    ),
    UseCase(
        "knowledge.coverage_for",
        lambda s, _, u, c: knowledge.coverage_for(s, u, c),
        OPERATOR,
        OWN_ADMIN,
    ),
    # letterheads
    UseCase(
        "letterheads.update_theme",
        lambda s, st, u, c: letterheads.update_theme(
            s, st, get_municipality(s, c), ThemeUpdate(closing="Venlig hilsen"), u
        ),
        OPERATOR,
        OWN_ADMIN,
    ),
    UseCase(
        "letterheads.set_logo",
        lambda s, st, u, c: letterheads.set_logo(s, st, get_municipality(s, c), png(120, 40), u),
        OPERATOR,
        OWN_ADMIN,
    ),
    UseCase(
        "letterheads.reset_letterhead",
        lambda s, st, u, c: letterheads.reset_letterhead(s, st, get_municipality(s, c), u),
        OPERATOR,
        OWN_ADMIN,
    ),
    # municipalities (the use case lives with the accounts; see its docstring)
    UseCase(
        "edit_municipality (contact columns)",
        lambda s, _, u, c: edit_municipality(s, u, c, MunicipalityUpdate(phone="+45 70 10 20 30")),
        OPERATOR,
        OWN_ADMIN,
    ),
    UseCase(
        "edit_municipality (hotline columns)",
        lambda s, _, u, c: edit_municipality(s, u, c, MunicipalityUpdate(locale="da")),
        OPERATOR,
    ),
    # search
    UseCase("search.search_for", lambda s, _, u, c: search.search_for(s, u, "pas", c), EVERY_ROLE),
    UseCase("search.gaps_for", lambda s, _, u, c: search.gaps_for(s, u), EDITORS),
    # reply templates
    UseCase(
        "composer.create_template (shared)",
        lambda s, _, u, c: composer.create_template(s, _template("tak", None), u),
        EDITORS,
    ),
    UseCase(
        "composer.create_template (own)",
        lambda s, _, u, c: composer.create_template(s, _template("tak-lokal", c), u),
        OPERATOR,
        OWN_ADMIN,
    ),
    # contacts
    UseCase(
        "contacts.open_contact",
        lambda s, _, u, c: contacts.open_contact(s, u, ContactOpen(municipality=c)),
        roles(Role.AGENT),
    ),
    UseCase(
        "contacts.shift_view",
        lambda s, _, u, c: contacts.shift_view(s, u),
        roles(Role.OPERATOR, Role.SUPERVISOR),
    ),
]


@pytest.mark.parametrize("case", USE_CASES, ids=lambda case: case.name)
def test_each_use_case_allows_exactly_the_roles_of_the_matrix(
    case: UseCase,
    kb: Session,  # noqa: F811 - the fixture imported above
    settings: Settings,
    demo_users: dict[str, User],
) -> None:
    wrong = []
    for role in Role:
        actor = kb.get_one(User, demo_users[ACCOUNT_FOR_ROLE[role]].id)
        for own in (True, False):
            code = OWN_MUNICIPALITY if own else FOREIGN_MUNICIPALITY
            attempt = kb.begin_nested()
            try:
                case.act(kb, settings, actor, code)
                refused = False
            except Forbidden:
                refused = True
            finally:
                attempt.rollback()
            if refused == case.allowed(role, own):
                where = "own" if own else "foreign"
                wrong.append(f"{role.value} ({where}): {'refused' if refused else 'allowed'}")
    assert wrong == [], f"{case.name} disagrees with the matrix"
