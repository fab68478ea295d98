"""The fact catalogue and each municipality's values."""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, contains_eager

from hotline.auth.permissions import Action, Author, require
from hotline.db import utcnow
from hotline.errors import (
    Conflict,
    InvalidInput,
    NotFound,
    PreconditionFailed,
    PreconditionRequired,
    Problem,
)
from hotline.kit.versions import check_version, revision_version
from hotline.knowledge.models import (
    Article,
    Fact,
    FactValue,
    LocalArticle,
    Override,
)
from hotline.knowledge.resolve import (
    fact_keys_in,
    format_fact,
)
from hotline.knowledge.schemas import (
    FactCreate,
    FactValueRead,
    normalise_fact_value,
)

# --- fact catalogue and values ---------------------------------------------------------------

# A fact may lose its label or shared default (None); description and type are always there.
CLEARABLE_FACT_FIELDS = frozenset({"label", "default_value"})


def get_fact(session: Session, key: str) -> Fact:
    fact = session.get(Fact, key)
    if fact is None:
        raise NotFound(f"No fact has the key '{key}'.")
    return fact


def list_facts(session: Session) -> Sequence[Fact]:
    return session.scalars(select(Fact).order_by(Fact.key)).all()


def value_counts(session: Session) -> dict[str, int]:
    """How many municipalities have given each fact a value (facts nobody gave are absent)."""
    rows = session.execute(
        select(FactValue.fact_key, func.count()).group_by(FactValue.fact_key)
    ).tuples()
    return dict(rows.all())


def create_fact(session: Session, data: FactCreate, actor: str) -> Fact:
    if session.get(Fact, data.key) is not None:
        raise Conflict(f"The fact '{data.key}' already exists.")
    fact = Fact(
        key=data.key,
        description=data.description,
        type=data.type.value,
        label=data.label,
        default_value=None if data.default_value is None else str(data.default_value),
        revision=1,
        updated_by=actor,
    )
    session.add(fact)
    session.flush()
    return fact


def update_fact(session: Session, fact: Fact, changes: dict[str, Any], actor: str) -> bool:
    """A new type must fit every value municipalities already gave."""
    changed = {
        k: v
        for k, v in changes.items()
        if (v is not None or k in CLEARABLE_FACT_FIELDS) and getattr(fact, k) != v
    }
    if not changed:
        return False
    if "type" in changed and (unfit := values_not_fitting(session, fact.key, changed["type"])):
        raise InvalidInput(f"The values of {', '.join(unfit)} are not a valid {changed['type']}.")
    default = changed.get("default_value", fact.default_value)
    if default is not None and ("default_value" in changed or "type" in changed):
        try:
            changed["default_value"] = normalise_fact_value(changed.get("type", fact.type), default)
        except ValueError as exc:
            raise InvalidInput(f"The shared default of '{fact.key}': {exc}") from exc
    for name, value in changed.items():
        setattr(fact, name, value)
    fact.revision += 1
    fact.updated_by = actor
    session.flush()
    return True


def values_not_fitting(session: Session, key: str, fact_type: str) -> list[str]:
    """The municipalities whose value of the fact would not be valid as ``fact_type``."""
    values = session.scalars(select(FactValue).where(FactValue.fact_key == key))
    return sorted(value.municipality_code for value in values if not _fits(fact_type, value.value))


def _fits(fact_type: str, value: str) -> bool:
    try:
        normalise_fact_value(fact_type, value)
    except ValueError:
        return False
    return True


def texts_using_fact(session: Session, key: str) -> list[str]:
    """Where a fact is used: shared slugs, and ``code/slug`` of overrides and local articles."""
    needle = f"%{key}%"
    found = [
        a.slug
        for a in session.scalars(select(Article).where(Article.body.like(needle)))
        if key in fact_keys_in(a.body)
    ]
    found += [
        f"{o.municipality_code}/{o.article.slug}"
        for o in session.scalars(
            select(Override)
            .join(Override.article)
            .options(contains_eager(Override.article))
            .where(Override.body.like(needle))
        )
        if key in fact_keys_in(o.body)
    ]
    found += [
        f"{la.municipality_code}/{la.slug}"
        for la in session.scalars(select(LocalArticle).where(LocalArticle.body.like(needle)))
        if key in fact_keys_in(la.body)
    ]
    return found


def delete_fact(session: Session, fact: Fact) -> None:
    users = texts_using_fact(session, fact.key)
    if users:
        raise Conflict(f"The fact '{fact.key}' is still used by {', '.join(users)}.")
    session.delete(fact)
    session.flush()


def municipality_facts(session: Session, municipality_code: str) -> list[FactValueRead]:
    """The whole catalogue with this municipality's values; gaps show as None."""
    values = {
        value.fact_key: value
        for value in session.scalars(
            select(FactValue).where(FactValue.municipality_code == municipality_code)
        )
    }
    return [
        FactValueRead(
            key=fact.key,
            description=fact.description,
            type=fact.type,
            value=values[fact.key].value if fact.key in values else None,
            display=format_fact(fact.type, values[fact.key].value) if fact.key in values else None,
            revision=values[fact.key].revision if fact.key in values else None,
        )
        for fact in list_facts(session)
    ]


def get_fact_value(session: Session, municipality_code: str, key: str) -> FactValue | None:
    return session.get(FactValue, (municipality_code, key))


def _valid_text(fact: Fact, raw: object) -> str:
    """The value as stored (one spelling for the fact's type), or InvalidInput saying why not."""
    try:
        return normalise_fact_value(fact.type, raw)
    except ValueError as exc:
        raise InvalidInput(f"{fact.key}: {exc}") from exc


def set_fact_value(
    session: Session, municipality_code: str, key: str, raw: object, actor: str
) -> tuple[FactValue, bool]:
    """Create or change one value -> (value, created). Unchanged input keeps the revision."""
    text = _valid_text(get_fact(session, key), raw)
    current = get_fact_value(session, municipality_code, key)
    if current is None:
        current = FactValue(
            municipality_code=municipality_code,
            fact_key=key,
            value=text,
            revision=1,
            updated_at=utcnow(),
            updated_by=actor,
        )
        session.add(current)
        session.flush()
        return current, True
    if current.value != text:
        current.value = text
        current.revision += 1
        current.updated_at = utcnow()
        current.updated_by = actor
        session.flush()
    return current, False


def delete_fact_value(session: Session, value: FactValue) -> None:
    session.delete(value)
    session.flush()


# --- use cases: the acting subject, authorised; the version the caller read, checked ----------


def add_fact(session: Session, actor: Author, data: FactCreate) -> Fact:
    require(actor, Action.EDIT_SHARED_KNOWLEDGE)
    return create_fact(session, data, actor.email)


def edit_fact(
    session: Session, actor: Author, key: str, changes: dict[str, Any], *, expected: str | None
) -> Fact:
    require(actor, Action.EDIT_SHARED_KNOWLEDGE)
    fact = get_fact(session, key)
    check_version(expected, revision_version(fact.revision))
    update_fact(session, fact, changes, actor.email)
    return fact


def remove_fact(session: Session, actor: Author, key: str, *, expected: str | None) -> None:
    """Refused (409) while any text still uses the fact."""
    require(actor, Action.EDIT_SHARED_KNOWLEDGE)
    fact = get_fact(session, key)
    check_version(expected, revision_version(fact.revision), required=False)
    delete_fact(session, fact)


def _check_write(session: Session, municipality_code: str, key: str, expected: str | None) -> None:
    """A change needs the version read of the value it changes; a new value, no version."""
    current = get_fact_value(session, municipality_code, key)
    if current is not None:
        check_version(expected, revision_version(current.revision))
    elif expected is not None:
        raise PreconditionFailed("There is no value to match; someone may have deleted it.")


def _value_to_remove(
    session: Session, municipality_code: str, key: str, expected: str | None
) -> FactValue:
    """The value a removal deletes, checked against the version read (if one was given)."""
    value = get_fact_value(session, municipality_code, key)
    if value is None:
        raise NotFound(f"Municipality {municipality_code} has no value for '{key}'.")
    check_version(expected, revision_version(value.revision), required=False)
    return value


def write_fact_value(
    session: Session,
    actor: Author,
    municipality_code: str,
    key: str,
    raw: object,
    *,
    expected: str | None,
) -> tuple[FactValue, bool]:
    """Create (no version to give) or change (the version read) -> (value, created)."""
    require(actor, Action.EDIT_LOCAL_KNOWLEDGE, municipality_code)
    _check_write(session, municipality_code, key, expected)
    return set_fact_value(session, municipality_code, key, raw, actor.email)


def remove_fact_value(
    session: Session, actor: Author, municipality_code: str, key: str, *, expected: str | None
) -> None:
    require(actor, Action.EDIT_LOCAL_KNOWLEDGE, municipality_code)
    delete_fact_value(session, _value_to_remove(session, municipality_code, key, expected))


@dataclass(frozen=True)
class FactEdit:
    """One value a form changes: ``value`` as typed ("" removes it), ``expected`` the revision
    the form showed (None where it showed no value)."""

    key: str
    value: str
    expected: str | None


class FactValuesRefused(InvalidInput):
    """A save of several values, refused as a whole: ``refused`` holds the problem of each
    refused key (a value its type does not take, a value changed since it was read)."""

    slug = "fact-values-refused"
    title = "Some values were refused; none was saved"

    def __init__(self, refused: dict[str, Problem]) -> None:
        super().__init__(
            f"Nothing was saved: {', '.join(refused)} refused.",
            errors=[
                {"field": key, "message": problem.detail, "code": problem.slug}
                for key, problem in refused.items()
            ],
        )
        self.refused = refused


def write_fact_values(
    session: Session, actor: Author, municipality_code: str, edits: Sequence[FactEdit]
) -> None:
    """Save the values one form changes, all or nothing.

    Every edit is checked (the value against its type, the version against the one stored)
    before any is written; if one is refused, ``FactValuesRefused`` names each refused key and
    nothing is written, whatever the caller then does with its transaction. An admin saves the
    page as one thing: a part of it saved, depending on the order of the fields, would be
    neither what they had nor what they typed."""
    require(actor, Action.EDIT_LOCAL_KNOWLEDGE, municipality_code)
    refused: dict[str, Problem] = {}
    removed: list[FactValue] = []
    for edit in edits:
        try:
            if edit.value:
                _valid_text(get_fact(session, edit.key), edit.value)
                _check_write(session, municipality_code, edit.key, edit.expected)
            else:
                removed.append(
                    _value_to_remove(session, municipality_code, edit.key, edit.expected)
                )
        except (InvalidInput, NotFound, PreconditionFailed, PreconditionRequired) as problem:
            refused[edit.key] = problem
    if refused:
        raise FactValuesRefused(refused)
    for edit in edits:
        if edit.value:
            set_fact_value(session, municipality_code, edit.key, edit.value, actor.email)
    for value in removed:
        delete_fact_value(session, value)
