"""A sample letter for the letterhead preview: the layout and theme, with neutral content."""

from markupsafe import Markup

from hotline.config import Settings
from hotline.kit.time import today as danish_today
from hotline.letterheads.render import LetterContent, logo_data_uri, render_letter
from hotline.letterheads.resolution import Letterhead

SAMPLE_BODY = Markup(
    "<p>Tak for din henvendelse. Sådan ser et svar fra hotlinen ud på dette brevpapir: "
    "logo, farver, adresse, underskrift og fodtekst.</p>"
    '<p>Her står <a href="https://www.borger.dk">et link</a> i kommunens accentfarve.</p>'
)


def preview_html(settings: Settings, letterhead: Letterhead) -> str:
    letter = LetterContent(
        subject=f"Eksempel: svar fra {letterhead.sender_name}",
        day=danish_today(),
        greeting="Kære borger,",
        body_html=SAMPLE_BODY,
        body_text="",
        agent_first_name="Anna",
    )
    html, _text = render_letter(settings, letterhead, letter, logo_src=logo_data_uri(letterhead))
    return html
