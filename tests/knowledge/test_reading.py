"""The local rule is read where it changes the answer, not below the whole shared text."""

from sqlalchemy.orm import Session

from hotline.knowledge.models import OverrideMode
from hotline.knowledge.reading import reading_order
from hotline.knowledge.resolve import Source, resolve
from tests.knowledge.conftest import AARHUS, add_article, add_override

SHARED = (
    "# Hegn\n\nEt hegn mod naboen må være 1,8 m højt.\n\n"
    "## Sådan søger du\n\nSøg på borger.dk.\n\n"
    "## Hegnssyn\n\nEr I uenige, kan I bede om hegnssyn.\n\n"
    "## Lovgrundlag\n\nHegnsloven.\n\n" + "Mere baggrund.\n\n" * 40
)


def _order(session: Session, local: str, mode: OverrideMode = OverrideMode.APPEND) -> list:
    article = add_article(session, "hegn", SHARED)
    title = "Hegn i Aarhus" if mode is OverrideMode.REPLACE else None
    add_override(session, AARHUS, article, mode, local, title=title)
    return reading_order(resolve(session, "hegn", AARHUS))


def test_an_appended_rule_follows_the_opening_answer(kb: Session) -> None:
    parts = _order(kb, "I Aarhus må hegnet kun være 1,5 m.")
    assert [p.source for p in parts] == [Source.SHARED, Source.OVERRIDE, Source.SHARED]
    assert parts[0].markdown.rstrip().endswith("1,8 m højt.")
    assert parts[2].markdown.lstrip().startswith("## Sådan søger du")


def test_an_appended_rule_with_a_shared_heading_follows_that_section(kb: Session) -> None:
    parts = _order(kb, "## Hegnssyn\n\nI Aarhus holdes hegnssyn kun om tirsdagen.")
    assert [p.source for p in parts] == [Source.SHARED, Source.OVERRIDE, Source.SHARED]
    assert parts[0].markdown.rstrip().endswith("kan I bede om hegnssyn.")
    assert parts[2].markdown.lstrip().startswith("## Lovgrundlag")


def test_a_replacing_rule_is_the_whole_article(kb: Session) -> None:
    parts = _order(kb, "I Aarhus gælder lokalplanen.", OverrideMode.REPLACE)
    assert [p.source for p in parts] == [Source.OVERRIDE]


def test_nothing_moves_without_a_local_rule(kb: Session) -> None:
    add_article(kb, "hegn", SHARED)
    [part] = reading_order(resolve(kb, "hegn", AARHUS))
    assert part.markdown == SHARED
