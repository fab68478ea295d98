"""What the index keeps of each municipality beside its documents: what a result page and a
resolved article need of it (its register entry with member and locale, fact values, the words
for missing values).

Kept per process by ``SearchIndex.of_municipality`` and forgotten when the change log names the
municipality, one of its values or a fact: no database read per search or per resolved article
for what changes only with an edit.
"""

from contextlib import suppress
from dataclasses import dataclass

from sqlalchemy.orm import Session

from hotline.knowledge.resolve import MunicipalityFacts, read_municipality_facts
from hotline.municipalities.schemas import MunicipalityRead, normalise_code
from hotline.municipalities.service import read_register_entry
from hotline.search.index import SearchIndex


@dataclass(frozen=True)
class Reader:
    """One municipality as the index keeps it."""

    entry: MunicipalityRead  # its register entry, as every signed-in user reads it
    facts: MunicipalityFacts  # as resolve() reads them: its own, shared defaults, register names

    @property
    def code(self) -> str:
        return self.entry.code

    @property
    def member(self) -> bool:
        return self.entry.member

    @property
    def locale(self) -> str:
        return self.entry.locale


def _reader(session: Session, code: str) -> Reader:
    entry = read_register_entry(session, code)
    return Reader(entry, read_municipality_facts(session, entry.code))


def reader_of(session: Session, index: SearchIndex, code: str) -> Reader:
    """The municipality as the index keeps it, one entry however its code is written
    (``NotFound`` for an unknown code: a failed read is not kept)."""
    with suppress(ValueError):  # not a code at all: get_municipality says so
        code = normalise_code(code)
    return index.of_municipality(session.get_bind, code, lambda own: _reader(own, code))  # type: ignore[arg-type]
