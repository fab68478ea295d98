"""Build the MIME message of a reply with the stdlib ``email`` API (never by string pasting)."""

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from email import message_from_bytes
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import SMTP, default
from email.utils import format_datetime
from typing import Protocol


@dataclass(frozen=True)
class Attachment:
    """A file attached to the whole message (e.g. a meeting's .ics), beside the letter."""

    filename: str
    content_type: str
    data: bytes = field(repr=False)


class InlineImagePart(Protocol):
    @property
    def cid(self) -> str: ...
    @property
    def content_type(self) -> str: ...
    @property
    def data(self) -> bytes: ...
    @property
    def filename(self) -> str: ...


class MailContent(Protocol):
    """What a message is built from: a composer ``ComposedReply`` or a stored reply."""

    @property
    def to(self) -> str | None: ...
    @property
    def subject(self) -> str: ...
    @property
    def from_name(self) -> str: ...
    @property
    def from_address(self) -> str: ...
    @property
    def reply_to(self) -> str | None: ...
    @property
    def sending_domain(self) -> str: ...
    @property
    def html(self) -> str | None: ...
    @property
    def text(self) -> str | None: ...
    @property
    def inline_images(self) -> Sequence[InlineImagePart]: ...


def make_message_id(sending_domain: str) -> str:
    """A globally unique Message-ID on the sending domain; fixed once, so retries keep it."""
    return f"<{uuid.uuid4().hex}@{sending_domain}>"


# RFC 5322's hard line limit. The stdlib folds address headers at 78 characters by splitting
# quoted display names, and a long name with commas and quotes then reads back as several
# mailboxes (one of them an attacker's); below 998 characters nothing is folded at all.
_POLICY = SMTP.clone(max_line_length=998)


class UnsafeAddressHeader(ValueError):
    """A serialised address header would not read back as exactly the mailbox meant."""


def _address(addr_spec: str, display_name: str = "") -> Address:
    """Parse through the header registry, which rejects CR/LF and malformed addresses."""
    username, _, domain = addr_spec.rpartition("@")
    return Address(display_name=display_name, username=username, domain=domain)


def _check_address_headers(message: EmailMessage, meant: dict[str, Address]) -> None:
    """Each address header, as a receiver parses the bytes, holds exactly the one mailbox."""
    head = message_from_bytes(message.as_bytes().split(b"\r\n\r\n", 1)[0], policy=default)
    for name, address in meant.items():
        values = head.get_all(name) or []
        mailboxes = [a for value in values for a in value.addresses]
        if len(values) != 1 or len(mailboxes) != 1:
            raise UnsafeAddressHeader(f"the {name} header would not be one mailbox")
        [mailbox] = mailboxes
        if (mailbox.display_name, mailbox.addr_spec) != (address.display_name, address.addr_spec):
            raise UnsafeAddressHeader(f"the {name} header would not read back as written")


def _headed(content: MailContent, *, message_id: str, date: datetime) -> EmailMessage:
    """The message's own headers, each address checked to read back as the mailbox meant."""
    if content.to is None or content.html is None or content.text is None:
        raise ValueError("the reply's content has been purged; it can no longer be sent")
    message = EmailMessage(policy=_POLICY)
    addresses = {"From": _address(content.from_address, content.from_name)}
    addresses["To"] = _address(content.to)
    if content.reply_to:
        addresses["Reply-To"] = _address(content.reply_to)
    for name, address in addresses.items():
        message[name] = address
    message["Subject"] = content.subject
    message["Date"] = format_datetime(date)
    message["Message-ID"] = message_id
    _check_address_headers(message, addresses)
    return message


def build_message(content: MailContent, *, message_id: str, date: datetime) -> EmailMessage:
    """multipart/alternative( text, multipart/related( html, inline CID images ) ).

    The stdlib's own layout: the images belong to the HTML version only, so plain-text
    clients never show the logo as a stray attachment.
    """
    message = _headed(content, message_id=message_id, date=date)
    message.set_content(content.text, subtype="plain", cte="quoted-printable")
    message.add_alternative(content.html, subtype="html", cte="quoted-printable")
    html_part = message.get_body(preferencelist=("html",))
    assert isinstance(html_part, EmailMessage)  # add_alternative has just made it
    for image in content.inline_images:
        maintype, _, subtype = image.content_type.partition("/")
        html_part.add_related(
            image.data,
            maintype=maintype,
            subtype=subtype,
            cid=f"<{image.cid}>",
            disposition="inline",
            filename=image.filename,
        )
    return message


def sent_headers(content: MailContent, *, date: datetime) -> EmailMessage:
    """The headers exactly as a receiver reads them from the bytes that would be sent. Only
    the header block is written: how a header is written does not depend on the body (writing
    the whole letter, its HTML and images encoded, to read these headers back was ~40 % of a
    reply's preview)."""
    message = _headed(content, message_id=make_message_id(content.sending_domain), date=date)
    return message_from_bytes(message.as_bytes(), policy=default)
