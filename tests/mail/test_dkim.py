"""DKIM signatures made with the configured key verify against the published public key."""

import dkim

from hotline.mail.dkim import DkimSigner
from tests.mail.sink import DkimKeys

MESSAGE = (
    b"From: Aarhus Kommune <borgerservice@aarhus.dk>\r\n"
    b"To: borger@example.dk\r\n"
    b"Subject: Svar\r\n"
    b"Message-ID: <1@aarhus.dk>\r\n"
    b"\r\n"
    b"Hej\r\n"
)


def test_a_message_from_a_domain_with_a_key_is_signed_and_verifies(dkim_keys: DkimKeys) -> None:
    dkim_keys.add("aarhus.dk")
    signer = DkimSigner(dkim_keys.directory, dkim_keys.selector)
    signed = signer.sign(MESSAGE, "borgerservice@aarhus.dk", "aarhus.dk")
    assert signed.startswith(b"DKIM-Signature:")
    assert b"d=aarhus.dk" in signed and b"s=hotline" in signed
    assert dkim.verify(signed, dnsfunc=dkim_keys.dns)


def test_a_changed_body_no_longer_verifies(dkim_keys: DkimKeys) -> None:
    dkim_keys.add("aarhus.dk")
    signed = DkimSigner(dkim_keys.directory, "hotline").sign(
        MESSAGE, "borgerservice@aarhus.dk", "aarhus.dk"
    )
    assert not dkim.verify(signed.replace(b"Hej", b"Bank details"), dnsfunc=dkim_keys.dns)


def test_without_a_key_for_the_from_domain_the_shared_sending_domain_signs(
    dkim_keys: DkimKeys,
) -> None:
    dkim_keys.add("hotline.example")
    signer = DkimSigner(dkim_keys.directory, "hotline")
    assert signer.signing_domain("borgerservice@aarhus.dk", "hotline.example") == "hotline.example"
    signed = signer.sign(MESSAGE, "borgerservice@aarhus.dk", "hotline.example")
    assert dkim.verify(signed, dnsfunc=dkim_keys.dns)


def test_without_any_key_the_message_goes_out_unsigned(dkim_keys: DkimKeys) -> None:
    signer = DkimSigner(dkim_keys.directory, "hotline")
    assert signer.sign(MESSAGE, "borgerservice@aarhus.dk", "aarhus.dk") == MESSAGE
    assert DkimSigner(None, "hotline").sign(MESSAGE, "a@aarhus.dk", "aarhus.dk") == MESSAGE
