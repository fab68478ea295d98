"""Reply templates: shared ones (editors) and each municipality's own (its admins)."""

from collections.abc import Sequence

from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from hotline.auth.models import User
from hotline.auth.permissions import Action, Principal, require
from hotline.composer.models import ReplyTemplate
from hotline.composer.rendering import (
    check_template,
)
from hotline.composer.schemas import (
    ReplyTemplateCreate,
    ReplyTemplateUpdate,
)
from hotline.errors import Conflict, InvalidInput, NotFound, PreconditionFailed
from hotline.kit.cpr import CprNumberInText, refuse_cpr_numbers
from hotline.kit.versions import check_version
from hotline.municipalities.service import get_municipality


def require_template_edit(user: Principal, municipality_code: str | None) -> None:
    """Shared templates belong to the editors, a municipality's own to its admin."""
    if municipality_code is None:
        require(user, Action.EDIT_SHARED_TEMPLATES)
    else:
        require(user, Action.EDIT_LOCAL_KNOWLEDGE, municipality_code)


def template_etag(template: ReplyTemplate) -> str:
    return template_version(template.id, template.version)


def template_version(template_id: int, version: int | str) -> str:
    """The version of a template as the services compare it; the console's form carries only
    the number, the API the whole ETag."""
    return f'"template-{template_id}-{version}"'


def list_templates(session: Session, municipality_code: str | None) -> Sequence[ReplyTemplate]:
    """Shared templates plus, given a municipality, its own (listed first)."""
    stmt = select(ReplyTemplate).order_by(
        ReplyTemplate.municipality_code.is_(None), ReplyTemplate.title
    )
    if municipality_code is None:
        stmt = stmt.where(ReplyTemplate.municipality_code.is_(None))
    else:
        stmt = stmt.where(
            or_(
                ReplyTemplate.municipality_code.is_(None),
                ReplyTemplate.municipality_code == municipality_code,
            )
        )
    return session.scalars(stmt).all()


def get_template(session: Session, template_id: int) -> ReplyTemplate:
    template = session.get(ReplyTemplate, template_id)
    if template is None:
        raise NotFound(f"No reply template has the id {template_id}.")
    return template


def find_template(session: Session, key: str, municipality_code: str) -> ReplyTemplate:
    """The municipality's own template of that key, else the shared one."""
    candidates = {
        template.municipality_code: template
        for template in session.scalars(
            select(ReplyTemplate).where(
                ReplyTemplate.key == key,
                or_(
                    ReplyTemplate.municipality_code.is_(None),
                    ReplyTemplate.municipality_code == municipality_code,
                ),
            )
        )
    }
    template = candidates.get(municipality_code) or candidates.get(None)
    if template is None:
        raise NotFound(f"No reply template '{key}' for municipality {municipality_code}.")
    return template


def create_template(session: Session, data: ReplyTemplateCreate, user: User) -> ReplyTemplate:
    require_template_edit(user, data.municipality_code)
    check_template(data.subject, data.body_markdown)
    refuse_cpr_numbers(data.title, data.subject, data.body_markdown, problem=CprNumberInText)
    if data.municipality_code is not None:
        get_municipality(session, data.municipality_code)
    exists = session.scalar(
        select(ReplyTemplate.id).where(
            ReplyTemplate.key == data.key,
            ReplyTemplate.municipality_code.is_(None)
            if data.municipality_code is None
            else ReplyTemplate.municipality_code == data.municipality_code,
        )
    )
    if exists is not None:
        raise Conflict(f"A reply template '{data.key}' already exists there.")
    template = ReplyTemplate(**data.model_dump(), updated_by_id=user.id)
    session.add(template)
    try:
        session.flush()
    except IntegrityError as exc:  # created by someone else at the same moment
        raise Conflict(f"A reply template '{data.key}' already exists there.") from exc
    return template


def update_template(
    session: Session,
    template: ReplyTemplate,
    changes: ReplyTemplateUpdate,
    user: User,
    *,
    if_match: str | None = None,
) -> ReplyTemplate:
    require_template_edit(user, template.municipality_code)
    check_version(
        if_match, template_etag(template), what=f"the template '{template.key}'", required=False
    )
    values = changes.model_dump(exclude_unset=True)
    check_template(values.get("subject"), values.get("body_markdown"))
    refuse_cpr_numbers(
        *(values.get(key) for key in ("title", "subject", "body_markdown")),
        problem=CprNumberInText,
    )
    for key in ("title", "body_markdown"):
        if key in values and values[key] is None:
            raise InvalidInput(f"{key} cannot be removed from a template.")
    for key, value in values.items():
        setattr(template, key, value)
    template.updated_by_id = user.id
    key = template.key  # a failed flush expires everything the session holds
    try:
        session.flush()
    except StaleDataError as exc:
        raise PreconditionFailed(f"The template '{key}' changed meanwhile.") from exc
    return template


def delete_template(
    session: Session, template: ReplyTemplate, user: Principal, *, if_match: str | None = None
) -> None:
    require_template_edit(user, template.municipality_code)
    check_version(
        if_match, template_etag(template), what=f"the template '{template.key}'", required=False
    )
    session.delete(template)
    session.flush()
