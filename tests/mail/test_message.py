"""The MIME message built from a composed reply: structure, inline logo, headers that can't lie."""

from dataclasses import replace
from datetime import UTC, datetime
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default

import pytest

from hotline.composer.service import ComposedReply, InlineImage
from hotline.mail.message import build_message, make_message_id, sent_headers

PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256))
COMPOSED = ComposedReply(
    municipality_code="0751",
    to="borger@example.dk",
    subject="Svar om affald – æøå",
    from_name="Aarhus Kommune",
    from_address="noreply@hotline.example",
    reply_to="borgerservice@aarhus.dk",
    sending_domain="hotline.example",
    html='<table><tr><td><img src="cid:logo-0751@letterhead"></td></tr></table><p>Hej</p>',
    text="Hej",
    inline_images=[InlineImage("logo-0751@letterhead", "image/png", PNG, "aarhus.png")],
    article_slugs=[],
)


def parsed(composed: ComposedReply) -> EmailMessage:
    message = build_message(
        composed, message_id=make_message_id(composed.sending_domain), date=datetime.now(UTC)
    )
    return message_from_bytes(message.as_bytes(), policy=default)  # type: ignore[return-value]


def test_text_and_html_are_alternatives_and_the_logo_is_inline_next_to_the_html() -> None:
    message = parsed(COMPOSED)
    assert message.get_content_type() == "multipart/alternative"
    text, related = message.iter_parts()
    assert text.get_content_type() == "text/plain"
    assert related.get_content_type() == "multipart/related"
    html, logo = related.iter_parts()
    assert html.get_content_type() == "text/html"
    assert "cid:logo-0751@letterhead" in html.get_content()
    assert logo.get_content_type() == "image/png"
    assert logo["Content-ID"] == "<logo-0751@letterhead>"
    assert logo.get_content_disposition() == "inline"
    assert logo.get_content() == PNG


def test_headers_name_the_sender_reply_to_and_a_message_id_on_the_sending_domain() -> None:
    message = parsed(COMPOSED)
    assert message["From"].addresses[0].display_name == "Aarhus Kommune"
    assert message["From"].addresses[0].addr_spec == "noreply@hotline.example"
    assert message["Reply-To"] == "borgerservice@aarhus.dk"
    assert message["To"] == "borger@example.dk"
    assert message["Subject"] == "Svar om affald – æøå"
    assert message["Message-ID"].endswith("@hotline.example>")
    assert message["Date"].datetime.tzinfo is not None


def test_without_a_shared_sender_there_is_no_reply_to() -> None:
    message = parsed(replace(COMPOSED, from_address="borgerservice@aarhus.dk", reply_to=None))
    assert message["Reply-To"] is None


@pytest.mark.parametrize(
    "field",
    [
        {"subject": "Hej\r\nBcc: victim@example.com"},
        {"from_name": "Aarhus\nBcc: victim@example.com"},
        {"to": "borger@example.dk\r\nBcc: victim@example.com"},
    ],
)
def test_no_value_can_add_a_header(field: dict[str, str]) -> None:
    with pytest.raises(ValueError):
        parsed(replace(COMPOSED, **field))


def test_a_display_name_with_specials_stays_a_display_name() -> None:
    message = parsed(replace(COMPOSED, from_name='Aarhus, "Kommune" <evil@example.com>'))
    (sender,) = message["From"].addresses
    assert sender.addr_spec == "noreply@hotline.example"
    assert sender.display_name == 'Aarhus, "Kommune" <evil@example.com>'


@pytest.mark.parametrize(
    "name",
    [
        'Aarhus Kommune Borgerservice og Ydelser til borgere i hele kommunen, "x" '
        "<ceo@evil.example>,",
        'Københavns Kommune, Borgerservice og Ydelser for hele kommunen, "x" <ceo@evil.example>,',
        "Aarhus " + "Kommune, " * 12 + "<ceo@evil.example>",
    ],
)
def test_a_long_display_name_with_commas_and_quotes_is_never_folded_into_more_mailboxes(
    name: str,
) -> None:
    message = parsed(replace(COMPOSED, from_name=name))
    [sender] = message["From"].addresses
    assert (sender.display_name, sender.addr_spec) == (name, "noreply@hotline.example")


def test_the_headers_a_receiver_reads_are_those_of_the_bytes_sent() -> None:
    name = 'Aarhus Kommune Borgerservice og Ydelser til borgere i hele kommunen, "x" <a@b.dk>,'
    headers = sent_headers(replace(COMPOSED, from_name=name), date=datetime.now(UTC))
    [sender] = headers["From"].addresses
    assert sender.addr_spec == "noreply@hotline.example"
    assert headers["Reply-To"].addresses[0].addr_spec == "borgerservice@aarhus.dk"


@pytest.mark.parametrize(
    "changes",
    [
        {},
        {"from_name": 'Aarhus Kommune Borgerservice og Ydelser, "x" <a@b.dk>,' * 3},
        {"subject": "Svar om " + "affaldssortering – æøå og genbrugspladsens åbningstider " * 6},
        {"reply_to": None, "from_name": "Ærø Kommune"},
        {"to": "første.borger@eksempel.dk"},
    ],
)
def test_the_header_block_alone_reads_back_as_the_whole_message_does(
    changes: dict[str, object],
) -> None:
    """The preview writes only the header block; a receiver of the whole letter (body, logo
    and all) reads each header the same (the Message-ID is new for each message)."""
    composed = replace(COMPOSED, **changes)  # type: ignore[arg-type]
    date = datetime.now(UTC)
    whole = build_message(composed, message_id="<fixed@hotline.example>", date=date)
    received = message_from_bytes(whole.as_bytes(), policy=default)
    previewed = sent_headers(composed, date=date)
    for name in ("From", "To", "Reply-To", "Subject", "Date"):
        assert str(previewed[name]) == str(received[name]), name
        assert previewed.get_all(name) is None or len(previewed.get_all(name)) == 1
