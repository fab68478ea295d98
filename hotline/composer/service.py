"""Composing a reply: the citizen's municipality's letterhead, safe text, facts, excerpts.

``compose_reply`` is all that decides what a citizen receives; the preview endpoint shows its
result and the delivery package stores and sends exactly the same ``ComposedReply``.
"""

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from email.headerregistry import Address
from pathlib import Path

import yaml
from pydantic import ValidationError
from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from hotline.auth.models import User
from hotline.auth.permissions import Action, Principal, require
from hotline.composer.cpr import CprNumberInReply, refuse_cpr_numbers
from hotline.composer.models import ReplyTemplate
from hotline.composer.rendering import (
    TemplateProblem,
    check_template,
    markdown_to_html,
    render_markdown_template,
    render_text_template,
    visible_text,
)
from hotline.composer.schemas import (
    ReplyPreview,
    ReplyRequest,
    ReplyTemplateCreate,
    ReplyTemplateUpdate,
    no_control_characters,
)
from hotline.config import PROJECT_ROOT, Settings
from hotline.errors import Conflict, InvalidInput, NotFound, PreconditionFailed
from hotline.etags import check_if_match
from hotline.knowledge.resolve import ResolvedArticle, fact_values, resolve
from hotline.knowledge.resolve import today as danish_today
from hotline.letterheads.render import Excerpt, LetterContent, danish_date, render_letter
from hotline.letterheads.service import Letterhead, letterhead_for
from hotline.municipalities.service import get_municipality
from hotline.sync import KindReport, SourceError, SourceErrors

__all__ = [
    "ComposedReply",
    "CprNumberInReply",
    "InlineImage",
    "compose_reply",
    "preview_of",
    "seed_shared_templates",
]

SHARED_TEMPLATES_FILE = PROJECT_ROOT / "templates" / "reply_templates" / "shared.yaml"
NEUTRAL_GREETING = "Goddag"
EXCERPT_CHARS = 1200


class MissingFacts(InvalidInput):
    slug = "missing-facts"
    title = "The article lacks facts for this municipality"


@dataclass(frozen=True)
class InlineImage:
    cid: str  # without angle brackets; the HTML refers to it as cid:<cid>
    content_type: str
    data: bytes = field(repr=False)
    filename: str


@dataclass(frozen=True)
class ComposedReply:
    municipality_code: str
    to: str
    subject: str
    from_name: str
    from_address: str
    reply_to: str | None
    sending_domain: str
    html: str
    text: str
    inline_images: list[InlineImage]
    article_slugs: list[str]


# ---------------------------------------------------------------------------- composing


def sender_for(settings: Settings, letterhead: Letterhead) -> tuple[str, str | None]:
    """(From address, Reply-To): the municipality's own address unless a shared one is set."""
    municipality = letterhead.municipality
    if letterhead.on_behalf:
        address = settings.mail_shared_sender or letterhead.theme.sender_email
        if address is None:
            raise InvalidInput("The hotline theme names no sender_email and none is configured.")
        return address, None
    if settings.mail_shared_sender:
        return settings.mail_shared_sender, municipality.sender_email
    return municipality.sender_email, None


def _excerpt(article: ResolvedArticle) -> Excerpt:
    """The article's first blocks (without its own top heading), cut at a block boundary."""
    blocks = [block for block in article.body_markdown.split("\n\n") if block.strip()]
    if blocks and blocks[0].lstrip().startswith("# "):
        blocks = blocks[1:]
    kept: list[str] = []
    for block in blocks:
        if kept and sum(map(len, kept)) + len(block) > EXCERPT_CHARS:
            kept.append("…")
            break
        kept.append(block)
    markdown = "\n\n".join(kept)
    return Excerpt(title=article.title, html=markdown_to_html(markdown), text=markdown)


def _resolve_articles(
    session: Session, slugs: Sequence[str], municipality_code: str, day: date
) -> list[ResolvedArticle]:
    articles = [resolve(session, slug, municipality_code, at=day) for slug in slugs]
    for article in articles:
        if article.missing_facts:
            raise MissingFacts(
                f"The article '{article.slug}' needs facts that {municipality_code} has not "
                f"filled in: {', '.join(article.missing_facts)}. Leave the article out or ask "
                "the municipality to add them.",
                missing_facts=article.missing_facts,
            )
    return articles


def _body_source(session: Session, request: ReplyRequest, municipality_code: str) -> str:
    """The agent's text; with a template, its body unless the agent sent an edited copy."""
    if request.template is None:
        return request.body_markdown
    template = find_template(session, request.template, municipality_code)  # 404 if unknown
    return request.body_markdown if request.body_markdown.strip() else template.body_markdown


def compose_reply(
    session: Session,
    settings: Settings,
    request: ReplyRequest,
    agent: User,
    *,
    today: date | None = None,
) -> ComposedReply:
    """Everything the citizen will receive. Raises CprNumberInReply before anything happens."""
    require(agent, Action.SEND_REPLY, request.municipality)
    refuse_cpr_numbers(request.to, request.citizen_name, request.subject, request.body_markdown)
    municipality = get_municipality(session, request.municipality)
    day = today or danish_today()
    letterhead = letterhead_for(session, settings, municipality)
    sender_address, reply_to = sender_for(settings, letterhead)
    source = _body_source(session, request, municipality.code)
    slugs = list(dict.fromkeys(request.article_slugs))
    titles: dict[str, str] = {}

    def article(slug: str) -> str:
        """``{{ article("slug") }}``: the title, with the article's excerpt added below."""
        if slug not in titles:
            titles[slug] = resolve(session, slug, municipality.code, at=day).title
            if slug not in slugs:
                slugs.append(slug)
        return f"»{titles[slug]}« (se nedenfor)"

    context = {
        **fact_values(session, municipality.code),
        "citizen_name": request.citizen_name or "",
        "municipality": municipality.name,
        "municipality_phone": municipality.phone,
        "municipality_website": municipality.website,
        "agent_first_name": agent.first_name,
        "today": danish_date(day),
        "article": article,
    }
    body_html, body_text = render_markdown_template(source, context)
    subject = render_text_template(request.subject, context)
    try:
        subject = no_control_characters(subject)
    except ValueError as exc:
        raise TemplateProblem("The subject must stay a single line.") from exc
    excerpts = tuple(_excerpt(a) for a in _resolve_articles(session, slugs, municipality.code, day))
    name = request.citizen_name
    letter = LetterContent(
        subject=subject,
        day=day,
        greeting=f"Kære {name}," if name else f"{NEUTRAL_GREETING},",
        body_html=body_html,
        body_text=body_text,
        excerpts=excerpts,
        agent_first_name=agent.first_name,
    )
    html, text = render_letter(settings, letterhead, letter, logo_src=f"cid:{letterhead.logo_cid}")
    # Templates, facts and excerpts may add text the request did not contain, and Markdown may
    # split a number that only joins up once rendered ("0101**90**1234").
    refuse_cpr_numbers(subject, text, visible_text(body_html))
    logo = letterhead.logo
    return ComposedReply(
        municipality_code=municipality.code,
        to=str(request.to),
        subject=subject,
        from_name=letterhead.sender_name,
        from_address=sender_address,
        reply_to=reply_to,
        sending_domain=sender_address.rsplit("@", 1)[1].lower(),
        html=html,
        text=text,
        inline_images=[]
        if logo is None
        else [InlineImage(letterhead.logo_cid, logo.content_type, logo.data, logo.filename)],
        article_slugs=slugs,
    )


def preview_of(composed: ComposedReply) -> ReplyPreview:
    """The headers as a mail client shows them; the display name is quoted, never parsed."""
    sender = Address(display_name=composed.from_name, addr_spec=composed.from_address)
    return ReplyPreview(
        subject=composed.subject,
        from_=str(sender),
        reply_to=composed.reply_to,
        html=composed.html,
        text=composed.text,
    )


# ---------------------------------------------------------------------------- templates


def require_template_edit(user: Principal, municipality_code: str | None) -> None:
    """Shared templates belong to the editors, a municipality's own to its admin."""
    if municipality_code is None:
        require(user, Action.EDIT_SHARED_TEMPLATES)
    else:
        require(user, Action.EDIT_LOCAL_KNOWLEDGE, municipality_code)


def template_etag(template: ReplyTemplate) -> str:
    return f'"template-{template.id}-{template.version}"'


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
    check_template(data.body_markdown)
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
    check_if_match(
        if_match, template_etag(template), what=f"the template '{template.key}'", required=False
    )
    values = changes.model_dump(exclude_unset=True)
    if values.get("body_markdown") is not None:
        check_template(values["body_markdown"])
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
    session: Session, template: ReplyTemplate, *, if_match: str | None = None
) -> None:
    check_if_match(
        if_match, template_etag(template), what=f"the template '{template.key}'", required=False
    )
    session.delete(template)
    session.flush()


def read_template_file(path: Path) -> list[ReplyTemplateCreate]:
    """Parse and check every template in the file; report all errors with their line."""
    text = path.read_text(encoding="utf-8")
    try:
        raw = yaml.safe_load(text) or []
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise SourceErrors([SourceError(path, mark.line + 1 if mark else 1, str(exc))]) from exc
    lines = text.splitlines()
    templates, errors = [], []
    for entry in raw if isinstance(raw, list) else [raw]:
        key = entry.get("key") if isinstance(entry, dict) else None
        line = next((n for n, row in enumerate(lines, 1) if key and f"key: {key}" in row), 1)
        try:
            template = ReplyTemplateCreate.model_validate(entry)
            check_template(template.body_markdown)
        except ValidationError as exc:
            errors += [
                SourceError(path, line, f"{key}: {e['loc']}: {e['msg']}") for e in exc.errors()
            ]
            continue
        except InvalidInput as exc:
            errors.append(SourceError(path, line, f"{key}: {exc.detail}"))
            continue
        templates.append(template)
    if errors:
        raise SourceErrors(errors)
    return templates


def seed_shared_templates(session: Session, path: Path = SHARED_TEMPLATES_FILE) -> KindReport:
    """Add the shipped shared templates that are missing; editors' changes are kept."""
    report = KindReport()
    existing = set(
        session.scalars(select(ReplyTemplate.key).where(ReplyTemplate.municipality_code.is_(None)))
    )
    for template in read_template_file(path):
        if template.key in existing:
            report.unchanged += 1
            continue
        session.add(ReplyTemplate(**template.model_dump()))
        report.created += 1
    session.flush()
    return report
