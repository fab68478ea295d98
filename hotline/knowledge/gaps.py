"""What stands where a municipality has no value for a fact, in words, never the fact's key.

A non-member municipality never fills in facts, and a member may not have given one yet. The
agent is told which value is missing and where to send the citizen; the citizen's letter reads
a pointer to the municipality's own website in place of the value. Both name the fact by the
human label of its definition (``Fact.label``; its description when it has none): fact keys
are the editors' vocabulary, not the agents' or the citizens'.
"""

from dataclasses import dataclass
from typing import Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.knowledge.models import Fact
from hotline.municipalities.models import Municipality

_LABELS = select(Fact.key, Fact.label, Fact.description)


class Labelled(Protocol):
    """A fact definition as far as its label goes: the ORM object or a row of ``_LABELS``."""

    @property
    def label(self) -> str | None: ...

    @property
    def description(self) -> str: ...


def fact_label(fact: Labelled) -> str:
    """The fact as a phrase inside a sentence: its label as written, else its description
    (whose capital opens a sentence: lowered, unless the second letter says it is a name)."""
    if fact.label:
        return fact.label
    text = fact.description.strip().rstrip(".")
    return text[:1].lower() + text[1:] if text[1:2].islower() else text


def spoken_list(items: list[str]) -> str:
    """ "a", "a og b", "a, b og c"."""
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} og {items[-1]}"


@dataclass(frozen=True)
class FactGaps:
    """The words for a municipality's missing facts; built once per municipality and page."""

    name: str
    short_name: str
    member: bool
    website: str
    labels: dict[str, str]  # fact key -> label

    def label(self, key: str) -> str:
        return self.labels.get(key, key.replace("_", " "))

    def substitute(self, key: str) -> str:
        """What the citizen reads in place of the value (the unit after it included)."""
        return f"[{self.label(key)} oplyses af {self.name}: {self.website}]"

    def substitutes(self) -> dict[str, str]:
        return {key: self.substitute(key) for key in self.labels}

    def notice(self, keys: list[str]) -> str | None:
        """The agent's banner over an article with missing facts (None when nothing is missing)."""
        if not keys:
            return None
        labels = spoken_list([self.label(key) for key in keys])
        if self.member:
            what = f"{self.short_name} har ikke oplyst {labels} til hotline"
        else:
            what = f"{self.short_name} er ikke med i hotline: {labels} kendes ikke"
        return (
            f"{what} - henvis til kommunens hjemmeside ({self.website}). "
            "Sender du artiklen, står der en henvisning til hjemmesiden i stedet."
        )


def fact_gaps(session: Session, municipality_code: str) -> FactGaps:
    municipality = session.get(Municipality, municipality_code)
    return FactGaps(
        name=municipality.name if municipality else f"kommune {municipality_code}",
        short_name=municipality.short_name if municipality else municipality_code,
        member=municipality.member if municipality else False,
        website=municipality.website if municipality else "kommunens hjemmeside",
        # Columns, not ORM objects: read on every resolved article, and rows cost a fraction.
        labels={row.key: fact_label(row) for row in session.execute(_LABELS)},
    )
