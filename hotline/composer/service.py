"""Composing a reply: the citizen's municipality's letterhead, safe text, facts, excerpts.

``compose_reply`` is all that decides what a citizen receives; the preview endpoint shows its
result and the delivery package stores and sends exactly the same ``ComposedReply``.
"""

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache

from markupsafe import Markup
from sqlalchemy.orm import Session

from hotline.auth.models import User
from hotline.auth.permissions import Action, require
from hotline.composer.rendering import (
    TemplateProblem,
    render_markdown_template,
    render_text_template,
    visible_text,
)
from hotline.composer.schemas import (
    ReplyPreview,
    ReplyRequest,
)

# Template CRUD and seeding live beside composing; their names stay importable from here.
from hotline.composer.seeding import (
    SHARED_TEMPLATES_FILE,
    read_template_file,
    seed_shared_templates,
)
from hotline.composer.templates import (
    create_template,
    delete_template,
    find_template,
    get_template,
    list_templates,
    require_template_edit,
    template_etag,
    template_version,
    update_template,
)
from hotline.config import Settings
from hotline.errors import Conflict, InvalidInput
from hotline.kit.cpr import CprNumberInReply, refuse_cpr_numbers
from hotline.kit.email_domains import in_email_domain
from hotline.kit.markdown import first_link, html_to_text, markdown_to_html
from hotline.kit.text import no_control_characters
from hotline.kit.time import today as danish_today
from hotline.kit.time import utcnow
from hotline.knowledge.resolve import ResolvedArticle, municipality_facts, resolve
from hotline.letterheads.render import Excerpt, LetterContent, danish_date, render_letter
from hotline.letterheads.service import (
    Letterhead,
    letterhead_for,
    refuse_cpr_numbers_in_letterhead,
)
from hotline.mail.message import sent_headers
from hotline.municipalities.service import get_municipality

__all__ = [
    "SHARED_TEMPLATES_FILE",
    "ComposedReply",
    "CprNumberInReply",
    "InlineImage",
    "UnfilledPlaceholder",
    "compose_reply",
    "create_template",
    "delete_template",
    "find_template",
    "get_template",
    "list_templates",
    "preview_of",
    "read_template_file",
    "refuse_unfilled_placeholders",
    "require_template_edit",
    "seed_shared_templates",
    "template_etag",
    "template_version",
    "unfilled_placeholders",
    "update_template",
]

NEUTRAL_GREETING = "Goddag"
EXCERPT_CHARS = 1200


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
    reference: str | None = None  # "HL-7K3Q9": the citizen quotes it; in subject and footer


# ---------------------------------------------------------------------------- composing


class SenderOutsideDomain(Conflict):
    slug = "sender-outside-domain"
    title = "The sender address is not in the municipality's domain"


def letter_sender(settings: Settings, letterhead: Letterhead) -> tuple[str, str | None]:
    """(From address, Reply-To): the municipality's own address unless a shared one is set.

    A municipality sends only from its own ``email_domain`` (which operators set), so neither
    its From nor its Message-ID nor the DKIM key chosen for it can be another municipality's.
    """
    municipality = letterhead.municipality
    if not letterhead.on_behalf and not in_email_domain(
        municipality.sender_email, municipality.email_domain
    ):
        raise SenderOutsideDomain(
            f"{municipality.name}'s sender address is not in its email domain "
            f"{municipality.email_domain}; an operator must correct it before replies can be sent."
        )
    if letterhead.on_behalf:
        address = settings.mail_shared_sender or letterhead.theme.sender_email
        if address is None:
            raise InvalidInput("The hotline theme names no sender_email and none is configured.")
        return address, None
    if settings.mail_shared_sender:
        return settings.mail_shared_sender, municipality.sender_email
    return municipality.sender_email, None


def _excerpt(article: ResolvedArticle, fallback_link: str) -> Excerpt:
    """The article's first blocks (without its own top heading line), cut at a block boundary.

    Only the heading line goes: a body whose first block starts with ``# `` and goes on (a text
    without blank lines) keeps the rest. A cut excerpt links the full text: the first web
    address the article itself gives (its municipality page or borger.dk), else
    ``fallback_link`` (the municipality's website).
    """
    blocks = [block for block in article.body_markdown.split("\n\n") if block.strip()]
    if blocks and blocks[0].lstrip().startswith("# "):
        rest = blocks[0].lstrip().partition("\n")[2]
        blocks = ([rest] if rest.strip() else []) + blocks[1:]
    kept: list[str] = []
    for block in blocks:
        if kept and sum(map(len, kept)) + len(block) > EXCERPT_CHARS:
            link = first_link(article.body_markdown) or fallback_link
            kept.append(f"…\n\n[Læs hele teksten]({link})")
            break
        kept.append(block)
    html, text = _rendered_excerpt("\n\n".join(kept))
    return Excerpt(title=article.title, html=html, text=text)


@lru_cache(maxsize=1024)
def _rendered_excerpt(markdown: str) -> tuple[Markup, str]:
    """An excerpt's HTML and plain text, cached by its Markdown: agents attach the same few
    articles of a municipality to reply after reply (rendering both is ~3 ms per preview and
    send), and a new revision or fact value makes a new text, so nothing needs forgetting."""
    html = markdown_to_html(markdown)
    return html, html_to_text(html)


def _resolve_articles(
    session: Session, slugs: Sequence[str], municipality_code: str, day: date
) -> list[ResolvedArticle]:
    """A value the municipality has not given reads as a pointer to its website (the words of
    ``hotline.knowledge.gaps``), so an article with a gap can still be sent."""
    return [resolve(session, slug, municipality_code, at=day) for slug in slugs]


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
    survey_link: str | None = None,
    reference: str | None = None,
) -> ComposedReply:
    """Everything the citizen will receive. Raises CprNumberInReply before anything happens.
    ``survey_link`` (hotline/satisfaction) is printed under the signature when given;
    ``reference`` (given when sending) ends the subject and stands in the footer."""
    require(agent, Action.SEND_REPLY, request.municipality)
    refuse_cpr_numbers(
        request.to,
        request.citizen_name,
        request.subject,
        request.body_markdown,
        problem=CprNumberInReply,
    )
    municipality = get_municipality(session, request.municipality)
    day = today or danish_today()
    letterhead = letterhead_for(session, settings, municipality)
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
        **municipality_facts(session, municipality.code).values,
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
    if reference is not None:
        subject = f"{subject} [{reference}]"
    excerpts = tuple(
        _excerpt(a, municipality.website)
        for a in _resolve_articles(session, slugs, municipality.code, day)
    )
    name = request.citizen_name
    letter = LetterContent(
        subject=subject,
        day=day,
        greeting=f"Kære {name}," if name else f"{NEUTRAL_GREETING},",
        body_html=body_html,
        body_text=body_text,
        excerpts=excerpts,
        agent_first_name=agent.first_name,
        survey_link=survey_link,
        reference=reference,
    )
    # Templates, facts and excerpts may add text the request did not contain, and Markdown may
    # split a number that only joins up once rendered ("0101**90**1234").
    return letter_on_letterhead(
        settings,
        letterhead,
        municipality.code,
        str(request.to),
        letter,
        article_slugs=slugs,
        reference=reference,
        also_checked=(visible_text(body_html),),
    )


def letter_on_letterhead(
    settings: Settings,
    letterhead: Letterhead,
    municipality_code: str,
    to: str,
    letter: LetterContent,
    *,
    article_slugs: Sequence[str] = (),
    reference: str | None = None,
    also_checked: Sequence[str] = (),
) -> ComposedReply:
    """A letter as every mail to a citizen leaves: rendered on the municipality's letterhead in
    HTML and plain text, refused if a CPR number shows in its subject, its text or
    ``also_checked``, and sent from the letterhead's sender with its logo inline. Agents'
    replies and the system's letters (meeting confirmations, reminders, cancellations) are
    built here alike, so a rule about what leaves the building is kept in one place.

    The letterhead's own texts are checked first and apart: ``logo_alt`` stands in an
    attribute the visible text lacks, and a letterhead saved with a CPR number is refused as
    the letterhead's, never as the reply's (the agent cannot change it)."""
    refuse_cpr_numbers_in_letterhead(letterhead.theme)
    html, text = render_letter(settings, letterhead, letter, logo_src=f"cid:{letterhead.logo_cid}")
    refuse_cpr_numbers(letter.subject, text, *also_checked, problem=CprNumberInReply)
    sender_address, reply_to = letter_sender(settings, letterhead)
    logo = letterhead.logo
    return ComposedReply(
        municipality_code=municipality_code,
        to=to,
        subject=letter.subject,
        from_name=letterhead.sender_name,
        from_address=sender_address,
        reply_to=reply_to,
        sending_domain=sender_address.rsplit("@", 1)[1].lower(),
        html=html,
        text=text,
        inline_images=[]
        if logo is None
        else [InlineImage(letterhead.logo_cid, logo.content_type, logo.data, logo.filename)],
        article_slugs=list(article_slugs),
        reference=reference,
    )


# A template's instruction to the agent: "[Skriv svaret her.]". Not a link "[text](url)" or
# "[text][ref]", not a reference definition "[ref]: url".
TEMPLATE_PLACEHOLDER = re.compile(r"\[[^\[\]\n]+\](?![(\[:])")


class UnfilledPlaceholder(InvalidInput):
    slug = "unfilled-placeholder"
    title = "A template placeholder is still in the reply"


def unfilled_placeholders(session: Session, request: ReplyRequest) -> list[tuple[str, int]]:
    """(placeholder, line) of every template placeholder still in the reply's text: of the
    template the request names, else of any template the municipality has."""
    if request.template is not None:
        templates = [find_template(session, request.template, request.municipality)]
    else:
        templates = list(list_templates(session, request.municipality))
    source = _body_source(session, request, request.municipality)
    placeholders = dict.fromkeys(
        match.group(0)
        for template in templates
        for match in TEMPLATE_PLACEHOLDER.finditer(template.body_markdown)
    )
    found = []
    for placeholder in placeholders:
        position = source.find(placeholder)
        if position >= 0:
            found.append((placeholder, source.count("\n", 0, position) + 1))
    return sorted(found, key=lambda item: item[1])


def refuse_unfilled_placeholders(session: Session, request: ReplyRequest) -> None:
    """A template's "[Skriv svaret her.]" must never reach a citizen: name it and its line."""
    found = unfilled_placeholders(session, request)
    if found:
        where = "; ".join(f"»{text}« i linje {line}" for text, line in found)
        raise UnfilledPlaceholder(
            f"Skabelonens pladsholder står stadig i svaret: {where}. "
            "Skriv din egen tekst i stedet, før du sender.",
            placeholders=[{"text": text, "line": line} for text, line in found],
        )


def preview_of(composed: ComposedReply) -> ReplyPreview:
    """The headers as a mail client reads them from the very bytes that would be sent, so the
    preview cannot show one sender while the message names another."""
    try:
        headers = sent_headers(composed, date=utcnow())
    except ValueError as exc:
        raise InvalidInput(f"This reply cannot be sent as an email: {exc}") from exc
    reply_to = headers["Reply-To"]
    return ReplyPreview(
        subject=str(headers["Subject"]),
        from_=str(headers["From"]),
        reply_to=None if reply_to is None else str(reply_to),
        html=composed.html,
        text=composed.text,
    )
