"""WCAG AA contrast of every text/background pair the letter layouts draw.

The layouts (``templates/letterheads/base.html.j2`` for mail, ``hotline/public/templates/
public_base.html`` for the survey and booking pages) put a few fixed colours and a theme's colours
together. ``LAYOUT_TEXT_PAIRS`` lists each pair once; a theme is refused when any pair fails, and
a test renders both layouts and fails on a pair that is not listed here.
"""

from dataclasses import dataclass

from hotline.letterheads.schemas import Theme

BODY_TEXT_COLOR = "#1f2328"
PAGE_COLOR = "#ffffff"
MIN_CONTRAST = 4.5  # WCAG 2.x AA for normal text
THEME_COLORS = ("primary", "on_primary", "accent", "background")


@dataclass(frozen=True)
class TextPair:
    """Text of colour ``foreground`` drawn on ``background``: each a theme colour's name
    (``THEME_COLORS``) or a fixed ``#rrggbb`` of the layout."""

    foreground: str
    background: str
    name: str  # for API clients and theme-file errors
    where: str  # for the admin, in Danish: where the letter shows it

    def colours(self, theme: Theme) -> tuple[str, str]:
        def value(colour: str) -> str:
            return getattr(theme.colors, colour) if colour in THEME_COLORS else colour

        return value(self.foreground), value(self.background)

    @property
    def field(self) -> str | None:
        """The theme colour an admin changes to fix it (the text's, else the background's)."""
        for colour in (self.foreground, self.background):
            if colour in THEME_COLORS:
                return colour
        return None


LAYOUT_TEXT_PAIRS = (
    TextPair(
        "on_primary",
        "primary",
        "on_primary on primary",
        "Tekst på hovedfarven (navn, afdeling, knapper)",
    ),
    TextPair(
        "accent",
        PAGE_COLOR,
        "accent on the white page",
        "Links og overskrifter på det hvide brev",
    ),
    TextPair(
        BODY_TEXT_COLOR,
        "background",
        "body text on background",
        "Sidefodens tekst på baggrunden (tilfredshed og booking)",
    ),
    # The layouts' own colours: no theme changes them, the test of the layouts keeps them right.
    TextPair(BODY_TEXT_COLOR, PAGE_COLOR, "body text on the page", "Brødtekst"),
    TextPair("#4b5563", PAGE_COLOR, "date and hints on the page", "Dato og hjælpetekster"),
    TextPair(BODY_TEXT_COLOR, "#f3f4f6", "on-behalf note", "Notits om svar på vegne af"),
    TextPair("#374151", "#e5e7eb", "footer text", "Fodtekst"),
    TextPair("#1f2937", "#e5e7eb", "footer links", "Links i fodteksten"),
    TextPair(BODY_TEXT_COLOR, "#f0fdf4", "notice on public pages", "Kvittering"),
    TextPair(BODY_TEXT_COLOR, "#fef2f2", "error on public pages", "Fejlbesked"),
    TextPair("#000000", PAGE_COLOR, "skip link", "Spring til indhold"),
)


@dataclass(frozen=True)
class ContrastProblem:
    pair: TextPair
    foreground: str
    background: str
    ratio: float

    @property
    def field(self) -> str | None:
        return self.pair.field

    @property
    def message(self) -> str:
        return (
            f"{self.pair.name}: {self.foreground} on {self.background} has contrast "
            f"{self.ratio:.2f}:1, WCAG AA needs {MIN_CONTRAST}:1"
        )

    def as_json(self) -> dict[str, object]:
        return {
            "field": f"colors.{self.field}" if self.field else None,
            "pair": self.pair.name,
            "where": self.pair.where,
            "foreground": self.foreground,
            "background": self.background,
            "ratio": round(self.ratio, 2),
        }


def contrast_ratio(foreground: str, background: str) -> float:
    """WCAG 2.x contrast ratio of two ``#rrggbb`` colours (1 to 21)."""

    def luminance(color: str) -> float:
        channels = [int(color[i : i + 2], 16) / 255 for i in (1, 3, 5)]
        r, g, b = (c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels)
        return 0.2126 * r + 0.7152 * g + 0.0722 * b

    light, dark = sorted((luminance(foreground), luminance(background)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def contrast_problems(theme: Theme) -> list[ContrastProblem]:
    """Every pair of ``LAYOUT_TEXT_PAIRS`` that fails WCAG AA with this theme's colours."""
    problems = []
    for pair in LAYOUT_TEXT_PAIRS:
        foreground, background = pair.colours(theme)
        ratio = contrast_ratio(foreground, background)
        if ratio < MIN_CONTRAST:
            problems.append(ContrastProblem(pair, foreground, background, ratio))
    return problems
