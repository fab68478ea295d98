"""A local rule that states another value than the municipality's own fact says.

"Contradicts" means: a sentence of the local text (an override's or a local article's) is
about a fact (it names one of the words of the fact's key, e.g. "pas" or "gebyr" for
``gebyr_pas``), states a value of the fact's kind (an amount in kroner, a phone number, an
email address), and none of the values it states is the municipality's value of that fact.
A value that is some other fact's of the municipality is explained and never counts. Text
written with the placeholder (``{{ gebyr_pas }}``) always agrees, so placeholders are skipped.
Only money, phone and email facts are compared: free text and opening hours have no one
spelling to compare.
"""

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from sqlalchemy.orm import Session

from hotline.kit.money import AmountError, parse_kroner
from hotline.knowledge.models import FactType, OverrideMode
from hotline.knowledge.resolve import PLACEHOLDER, format_fact
from hotline.knowledge.schemas import FactValueRead
from hotline.knowledge.service.facts import municipality_facts
from hotline.knowledge.service.local_articles import list_local_articles
from hotline.knowledge.service.overrides import list_overrides

_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-ZÆØÅ0-9])|\n+")
_AMOUNT = re.compile(
    r"(?<![\d.,])(\d{1,3}(?:\.\d{3})+|\d+)(?:,(\d{1,2}|-))?\s*(?:kr\b\.?|kroner|dkk)", re.IGNORECASE
)
_PHONE = re.compile(r"(?<![\d+])(?:\+45[\s\u00a0]?)?(?:\d[\s\u00a0]?){7}\d(?!\d)")
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_MIN_WORD = 3


def _amounts(text: str) -> list[tuple[str, object]]:
    found: list[tuple[str, object]] = []
    for match in _AMOUNT.finditer(text):
        whole, cents = match.group(1), match.group(2)
        written = whole + ("," + cents if cents and cents != "-" else "")
        try:
            found.append((match.group(0).strip(), parse_kroner(written)))
        except AmountError:
            continue
    return found


def _amount_of(value: str) -> object:
    try:
        return parse_kroner(value)
    except AmountError:
        return None


def _phone_digits(value: str) -> str:
    return re.sub(r"\D", "", value)[-8:]


def _phones(text: str) -> list[tuple[str, object]]:
    return [(m.group(0).strip(), _phone_digits(m.group(0))) for m in _PHONE.finditer(text)]


def _emails(text: str) -> list[tuple[str, object]]:
    return [(m.group(0), m.group(0).lower()) for m in _EMAIL.finditer(text)]


# Per fact type: the values a sentence states (as written, comparable), and a stored value
# made comparable.
_KINDS: dict[str, tuple[Callable[[str], list[tuple[str, object]]], Callable[[str], object]]] = {
    FactType.MONEY: (_amounts, _amount_of),
    FactType.PHONE: (_phones, _phone_digits),
    FactType.EMAIL: (_emails, str.lower),
}


@dataclass(frozen=True)
class Contradiction:
    """One sentence of a local text that states ``stated`` where the fact says ``fact_value``."""

    slug: str
    fact_key: str
    fact_description: str
    fact_value: str  # as articles show it, e.g. "1.234,50"
    stated: str  # as the local text writes it, e.g. "900 kr."
    sentence: str


def _subject_words(fact: FactValueRead) -> list[str]:
    return [word for word in fact.key.split("_") if len(word) >= _MIN_WORD]


def contradictions_in(facts: Iterable[FactValueRead], slug: str, text: str) -> list[Contradiction]:
    """The contradictions between one local text and the municipality's facts (see above)."""
    given = [f for f in facts if f.value is not None and f.type in _KINDS]
    comparable = {f.key: _KINDS[f.type][1](f.value or "") for f in given}
    found: list[Contradiction] = []
    for sentence in _SENTENCE_END.split(PLACEHOLDER.sub(" ", text)):
        lowered = sentence.lower()
        for fact in given:
            if not any(word in lowered for word in _subject_words(fact)):
                continue
            stated = _KINDS[fact.type][0](sentence)
            explained = {comparable[f.key] for f in given if f.type == fact.type}
            if not stated or comparable[fact.key] in {value for _w, value in stated}:
                continue
            unexplained = [written for written, value in stated if value not in explained]
            if unexplained:
                found.append(
                    Contradiction(
                        slug=slug,
                        fact_key=fact.key,
                        fact_description=fact.description,
                        fact_value=format_fact(fact.type, fact.value or ""),
                        stated=unexplained[0],
                        sentence=sentence.strip(),
                    )
                )
    return found


def local_contradictions(
    session: Session, municipality_code: str, slug: str | None = None
) -> list[Contradiction]:
    """Every contradiction in the municipality's overrides and local articles (or one's)."""
    facts = municipality_facts(session, municipality_code)
    texts = [
        (o.article.slug, o.body)
        for o in list_overrides(session, municipality_code)
        if o.mode != OverrideMode.HIDE
    ] + [(a.slug, a.body) for a in list_local_articles(session, municipality_code)]
    found: list[Contradiction] = []
    for text_slug, body in texts:
        if slug is None or text_slug == slug:
            found += contradictions_in(facts, text_slug, body)
    return found
