"""Transports against a real SMTP server on loopback, and the .eml directory."""

import asyncio
from pathlib import Path

import pytest

from hotline.mail.transport import DeliveryError, FileTransport, SmtpConfig, SmtpTransport
from tests.mail.sink import REFUSED_FOR_NOW, REFUSED_PERMANENTLY, SmtpSink

MESSAGE = (
    b"From: a@aarhus.dk\r\nTo: b@example.dk\r\nSubject: Hej\r\nMessage-ID: <1@x>\r\n\r\nHej\r\n"
)


def test_smtp_url_with_starttls_and_login() -> None:
    config = SmtpConfig.from_url("smtp://hotline:p%40ss%2Fword@mail.example:587?starttls=true")
    assert (config.hostname, config.port) == ("mail.example", 587)
    assert (config.use_tls, config.start_tls) == (False, True)
    assert (config.username, config.password) == ("hotline", "p@ss/word")


def test_smtps_url_is_implicit_tls_on_465() -> None:
    config = SmtpConfig.from_url("smtps://relay.example?timeout=5")
    assert (config.port, config.use_tls, config.start_tls, config.timeout) == (465, True, False, 5)


@pytest.mark.parametrize(
    "url",
    [
        "http://mail.example",
        "smtp://",
        "smtp://mail.example?starttls=maybe",
        "smtp://mail.example?tls=true",
        "smtps://mail.example?starttls=true",
        "smtp://mail.example:notaport",
    ],
)
def test_a_bad_smtp_url_is_refused_up_front(url: str) -> None:
    with pytest.raises(ValueError, match="HOTLINE_SMTP_URL"):
        SmtpConfig.from_url(url)


def send(transport: SmtpTransport | FileTransport, recipient: str = "b@example.dk") -> None:
    async def go() -> None:
        try:
            await transport.send("a@aarhus.dk", recipient, MESSAGE, "<1@x>")
        finally:
            await transport.close()

    asyncio.run(go())


def test_smtp_delivers_the_bytes_as_given(smtp_sink: SmtpSink) -> None:
    send(SmtpTransport(SmtpConfig.from_url(smtp_sink.url)))
    assert smtp_sink.envelopes == [("a@aarhus.dk", ["b@example.dk"])]
    assert smtp_sink.messages[0]["Subject"] == "Hej"


def test_a_5xx_refusal_is_permanent_with_the_servers_reason(smtp_sink: SmtpSink) -> None:
    with pytest.raises(DeliveryError) as refused:
        send(SmtpTransport(SmtpConfig.from_url(smtp_sink.url)), f"{REFUSED_PERMANENTLY}x.dk")
    assert refused.value.permanent
    assert refused.value.reason == "550 5.1.1 Mailbox unknown"


def test_a_4xx_refusal_is_transient(smtp_sink: SmtpSink) -> None:
    with pytest.raises(DeliveryError) as refused:
        send(SmtpTransport(SmtpConfig.from_url(smtp_sink.url)), f"{REFUSED_FOR_NOW}x.dk")
    assert not refused.value.permanent
    assert refused.value.reason.startswith("451")


def test_a_server_that_is_down_is_transient(smtp_sink: SmtpSink) -> None:
    smtp_sink.stop()
    with pytest.raises(DeliveryError) as refused:
        send(SmtpTransport(SmtpConfig.from_url(smtp_sink.url)))
    assert not refused.value.permanent


def test_eml_files_are_named_by_message_id_so_a_repeat_is_one_file(tmp_path: Path) -> None:
    transport = FileTransport(tmp_path / "mail")
    send(transport)
    send(transport)
    files = list((tmp_path / "mail").iterdir())
    assert [file.name for file in files] == ["1@x.eml"]
    assert files[0].read_bytes() == MESSAGE
