"""What a citizen receives: their own municipality's letterhead, facts and Danish dates."""

from datetime import date
from email.utils import getaddresses

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from hotline.composer.service import preview_of
from hotline.config import Settings
from hotline.errors import NotFound
from hotline.knowledge.models import OverrideMode
from hotline.knowledge.resolve import ArticleNotApplicable
from hotline.knowledge.schemas import OverrideWrite
from hotline.knowledge.service import get_article, put_override
from tests.composer.conftest import Compose
from tests.conftest import make_settings
from tests.letterheads.images import jpeg, pixels

LETTERHEADS = Settings(secret_key="x" * 32).letterheads_dir


def test_the_reply_uses_the_citizens_letterhead_not_the_agents(compose: Compose) -> None:
    composed = compose("agent.odense", municipality="0751")
    assert (composed.from_name, composed.from_address) == (
        "Aarhus Kommune",
        "borgerservice@aarhus.dk",
    )
    assert composed.reply_to is None
    assert composed.sending_domain == "aarhus.dk"
    assert "Hack Kampmanns Plads 2" in composed.html and "Flakhaven" not in composed.html
    assert "background-color: #003a70" in composed.html  # Aarhus blue, inlined
    [logo] = composed.inline_images
    assert logo.data == (LETTERHEADS / "0751" / "logo.png").read_bytes()
    assert f'src="cid:{logo.cid}"' in composed.html
    assert "\nOle\n" in composed.text  # the agent signs with the first name only


def test_the_preview_shows_exactly_the_composed_message(compose: Compose) -> None:
    composed = compose()
    preview = preview_of(composed)
    assert getaddresses([preview.from_]) == [("Aarhus Kommune", "borgerservice@aarhus.dk")]
    assert (preview.html, preview.text, preview.subject) == (
        composed.html,
        composed.text,
        composed.subject,
    )
    assert preview.model_dump()["from"] == preview.from_


def test_html_is_email_safe_with_inlined_css_and_nothing_external(compose: Compose) -> None:
    html = compose().html
    assert '<meta name="color-scheme" content="light dark">' in html
    assert 'width="600"' in html and "max-width: 600px" in html
    assert 'style="' in html and "<link" not in html and "<script" not in html
    assert "http://" not in html.replace("http://www.w3.org/1999/xhtml", "")
    assert "prefers-color-scheme: dark" in html  # dark-mode rules survive inlining


def test_a_member_without_a_theme_folder_gets_the_default_with_its_own_details(
    compose: Compose,
) -> None:
    assert not (LETTERHEADS / "0265").exists()
    composed = compose(municipality="0265")  # Roskilde
    assert composed.from_name == "Roskilde Kommune"
    assert composed.from_address == "borgerservice@roskilde.dk"
    assert "Roskilde Kommune" in composed.html and "+45" in composed.text
    assert composed.inline_images == []


def test_a_non_member_is_answered_on_the_hotline_letterhead_with_a_line_saying_so(
    compose: Compose,
) -> None:
    composed = compose(municipality="0147")  # Frederiksberg is not a member
    assert composed.from_name == "Kommunernes Fælles Hotline"
    assert composed.from_address == "svar@hotline.example"
    assert "svarer på vegne af Frederiksberg Kommune" in composed.text
    assert "svarer på vegne af Frederiksberg Kommune" in composed.html
    [logo] = composed.inline_images
    assert logo.data == (LETTERHEADS / "hotline" / "logo.png").read_bytes()
    assert "logo-hotline" in logo.cid


def test_a_shared_sending_domain_sets_reply_to_the_municipality(
    compose: Compose, settings: Settings
) -> None:
    shared = make_settings(
        settings.database_url, settings.var_dir, mail_shared_sender="svar@mail.hotline.example"
    )
    composed = compose(settings_=shared)
    assert composed.from_address == "svar@mail.hotline.example"
    assert composed.from_name == "Aarhus Kommune"
    assert composed.reply_to == "borgerservice@aarhus.dk"
    assert composed.sending_domain == "mail.hotline.example"


def test_dates_are_written_the_danish_way(compose: Compose) -> None:
    composed = compose(today=date(2026, 3, 5), body_markdown="Vi skrev {{ today }}.")
    assert "5. marts 2026" in composed.html
    assert "Vi skrev 5. marts 2026." in composed.text


@pytest.mark.parametrize(
    ("citizen_name", "greeting"), [("Jens Hansen", "Kære Jens Hansen,"), (None, "Goddag,")]
)
def test_greeting_names_the_citizen_or_stays_neutral(
    compose: Compose, citizen_name: str | None, greeting: str
) -> None:
    composed = compose(citizen_name=citizen_name)
    assert f"\n{greeting}\n" in composed.text
    assert f">{greeting}</p>" in composed.html


def test_excerpts_carry_the_facts_of_the_citizens_municipality(
    compose: Compose, knowledge: None
) -> None:
    composed = compose("agent.odense", municipality="0751", article_slugs=["pasfoto"])
    assert composed.article_slugs == ["pasfoto"]
    assert "1.234,50 kr." in composed.text and "1.234,50 kr." in composed.html
    assert "95 kr." not in composed.text  # Odense's price, the agent's municipality


def test_an_article_lacking_facts_there_points_to_the_municipalitys_website_instead(
    compose: Compose, knowledge: None
) -> None:
    """Aalborg gave neither value: the letter names what is missing by its label (never the
    key), sends the citizen to Aalborg's website and drops the unit of the missing amount."""
    composed = compose(municipality="0851", article_slugs=["pasfoto"])
    pointer = "[prisen for pasfoto oplyses af Aalborg Kommune: https://www.aalborg.dk]"
    assert f"Borgerservice tager pasfoto til {pointer}." in composed.text
    assert "[tlf oplyses af Aalborg Kommune: https://www.aalborg.dk]" in composed.text
    assert "gebyr_pasfoto" not in composed.text + composed.html
    assert "borgerservice_telefon" not in composed.text + composed.html
    assert "mangler" not in composed.text


def test_an_article_hidden_in_the_municipality_cannot_be_attached(
    compose: Compose, knowledge: None, session: Session
) -> None:
    put_override(
        session,
        "0751",
        get_article(session, "pasfoto"),
        OverrideWrite(mode=OverrideMode.HIDE),
        "test",
    )
    with pytest.raises(ArticleNotApplicable):
        compose(article_slugs=["pasfoto"])


def test_unknown_articles_and_municipalities_are_not_found(compose: Compose) -> None:
    with pytest.raises(NotFound):
        compose(article_slugs=["findes-ikke"])
    with pytest.raises(NotFound):
        compose(municipality="0999")


def test_an_admins_saved_colours_and_logo_are_what_citizens_see(
    compose: Compose, client: TestClient, auth_headers: dict[str, dict[str, str]]
) -> None:
    admin = auth_headers["admin.aarhus"]
    client.patch("/api/v1/letterheads/0751", headers=admin, json={"colors": {"primary": "#14365d"}})
    logo = jpeg(300, 90)
    client.put(
        "/api/v1/letterheads/0751/logo",
        headers=admin,
        files={"file": ("logo.jpg", logo, "image/jpeg")},
    )
    composed = compose()
    assert "background-color: #14365d" in composed.html
    assert "Hack Kampmanns Plads 2" in composed.html  # untouched texts still from the file
    [image] = composed.inline_images
    assert (image.content_type, image.filename) == ("image/jpeg", "logo.jpg")
    assert pixels(image.data)[:2] == pixels(logo)[:2] == ("JPEG", (300, 90))
    assert f'src="cid:{image.cid}" width="300" height="90"' in composed.html
