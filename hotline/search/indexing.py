"""Keeping the index in step with the knowledge base, inside the transaction that edits it.

``after_flush`` notes which knowledge rows changed; ``before_commit`` re-indexes them with the
same session, so an edit and its index update commit together or not at all. Documents hold
no fact values (only which facts they show); a municipality's values are documents of their
own, so a fact change touches one row, not every article using the fact.
"""

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any, TypeGuard

from sqlalchemy import delete, event, insert, select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from hotline.config import Environment, Settings
from hotline.knowledge.models import (
    Article,
    ArticleStatus,
    Fact,
    FactValue,
    LocalArticle,
    Override,
    OverrideMode,
)
from hotline.knowledge.resolve import PLACEHOLDER, fact_keys_in, format_fact
from hotline.municipalities.models import Municipality
from hotline.search.analyzer import Analyzer, analyzer_for
from hotline.search.models import (
    ALL_DOCUMENTS,
    SHARED_SCOPE,
    DocKind,
    SearchDoc,
    SearchDocFact,
    SearchStem,
    SearchWord,
    municipality_scope,
)

PENDING = "hotline.search.pending"
BATCH = 5_000  # rows per statement: PostgreSQL takes at most 65,535 parameters
# What decides whether a document belongs to a municipality's view (copied to its fact uses).
VISIBILITY = (
    "scope",
    "kind",
    "slug",
    "municipality_code",
    "mode",
    "category",
    "published",
    "valid_from",
    "valid_to",
)


@cache
def synonyms_path() -> Path:
    """HOTLINE_KNOWLEDGE_BASE_DIR/synonyms.txt. Only that one setting is read here, so the
    production checks (a secret key) of the full settings cannot fail an editor's commit."""
    return Settings(environment=Environment.DEMO).knowledge_base_dir / "synonyms.txt"


def analyzer(locale: str) -> Analyzer:
    """The analyzer of a locale, shared by indexing and querying."""
    return analyzer_for(locale, synonyms_path())


@dataclass
class Document:
    """One row of ``search_docs``, the facts its text shows and its words for the vocabulary."""

    values: dict[str, Any]
    fact_keys: set[str]
    words: dict[str, str]  # surface word -> stem, for the spelling vocabulary


def _document(
    an: Analyzer,
    *,
    key: str,
    kind: DocKind,
    scope: str,
    title: str = "",
    keywords: str = "",
    body: str = "",
    **values: Any,
) -> Document:
    keys = fact_keys_in(title) | fact_keys_in(body)
    # The text without its fact placeholders: the values are indexed per municipality.
    fields = {
        "title": an.analyse(PLACEHOLDER.sub(" ", title)),
        "keywords": an.analyse(keywords),
        "body": an.analyse(PLACEHOLDER.sub(" ", body)),
    }
    return Document(
        values={
            "key": key,
            "kind": kind.value,
            "scope": scope,
            **{name: " ".join(stem for _, stem in pairs) for name, pairs in fields.items()},
            **values,
        },
        fact_keys=keys,
        words={
            word: stem for pairs in fields.values() for word, stem in pairs if not word.isdigit()
        },
    )


def _article_values(article: Article) -> dict[str, Any]:
    return {
        "article_id": article.id,
        "slug": article.slug,
        "category": article.category,
        "published": article.status == ArticleStatus.PUBLISHED,
        "valid_from": article.valid_from,
        "valid_to": article.valid_to,
    }


def shared_document(article: Article) -> Document:
    return _document(
        analyzer(article.locale),
        key=f"shared:{article.id}",
        kind=DocKind.SHARED,
        scope=SHARED_SCOPE,
        title=article.title,
        keywords=" ".join(article.tags),
        body=article.body,
        **_article_values(article),
    )


def override_document(override: Override, article: Article) -> Document:
    """Replace: the whole local text; append: the local section; hide: an empty marker."""
    mode = OverrideMode(override.mode)
    text: dict[str, str] = {}
    if mode is OverrideMode.REPLACE:
        text = {
            "title": override.title or article.title,
            "keywords": " ".join(article.tags),
            "body": override.body,
        }
    elif mode is OverrideMode.APPEND:
        text = {"body": override.body}
    return _document(
        analyzer(article.locale),
        key=f"override:{override.municipality_code}:{article.id}",
        kind=DocKind.OVERRIDE,
        scope=municipality_scope(override.municipality_code),
        municipality_code=override.municipality_code,
        mode=mode.value,
        **text,
        **_article_values(article),
    )


def local_document(local: LocalArticle) -> Document:
    return _document(
        analyzer(local.locale),
        key=f"local:{local.id}",
        kind=DocKind.LOCAL,
        scope=municipality_scope(local.municipality_code),
        title=local.title,
        keywords=" ".join(local.tags),
        body=local.body,
        slug=local.slug,
        municipality_code=local.municipality_code,
        category=local.category,
        published=local.status == ArticleStatus.PUBLISHED,
        valid_from=local.valid_from,
        valid_to=local.valid_to,
    )


def fact_document(value: FactValue, fact_type: str, locale: str) -> Document:
    return _document(
        analyzer(locale),
        key=f"fact:{value.municipality_code}:{value.fact_key}",
        kind=DocKind.FACT,
        scope=municipality_scope(value.municipality_code),
        body=format_fact(fact_type, value.value),
        municipality_code=value.municipality_code,
        fact_key=value.fact_key,
    )


# --- writing -------------------------------------------------------------------------------


def _dialect_insert(session: Session) -> Any:
    """The dialect's INSERT, which knows ON CONFLICT."""
    dialect = session.get_bind().dialect.name
    return postgresql_insert if dialect == "postgresql" else sqlite_insert


def _insert_ignoring_duplicates(session: Session, words: dict[str, str]) -> None:
    if not words:
        return
    rows = [{"word": word, "stem": stem} for word, stem in sorted(words.items())]
    for start in range(0, len(rows), BATCH):
        statement = _dialect_insert(session)(SearchWord).on_conflict_do_nothing(
            index_elements=["word"]
        )
        session.execute(statement, rows[start : start + BATCH])


def stems_of(title: str, keywords: str, body: str) -> set[str]:
    """The distinct stems of a document's analysed fields, and the row counting documents."""
    return {ALL_DOCUMENTS, *title.split(), *keywords.split(), *body.split()}


def _count_documents(session: Session, changes: Counter[str]) -> None:
    """Add the changes to the documents per stem.

    On PostgreSQL each row stays locked until the edit commits. Every call updates the
    ``ALL_DOCUMENTS`` row first (even by 0; it sorts first), so concurrent index writers queue
    there before holding any other stem and can never deadlock over two stems."""
    rows = [{"stem": ALL_DOCUMENTS, "documents": changes[ALL_DOCUMENTS]}]
    rows += [
        {"stem": stem, "documents": n}
        for stem, n in sorted(changes.items())
        if n and stem != ALL_DOCUMENTS
    ]
    for start in range(0, len(rows), BATCH):
        statement = _dialect_insert(session)(SearchStem)
        statement = statement.on_conflict_do_update(
            index_elements=["stem"],
            set_={"documents": SearchStem.documents + statement.excluded.documents},
        )
        session.execute(statement, rows[start : start + BATCH])
    gone = sorted(stem for stem, n in changes.items() if n < 0)
    for start in range(0, len(gone), BATCH):
        session.execute(
            delete(SearchStem).where(
                SearchStem.stem.in_(gone[start : start + BATCH]), SearchStem.documents <= 0
            )
        )


def _write(session: Session, documents: list[Document], replacing: Iterable[str]) -> None:
    """Replace the documents with the given keys (and any stale ones named) in bulk."""
    keys = sorted({document.values["key"] for document in documents} | set(replacing))
    changes: Counter[str] = Counter()
    for start in range(0, len(keys), BATCH):
        batch = keys[start : start + BATCH]
        old = select(SearchDoc.title, SearchDoc.keywords, SearchDoc.body)
        for row in session.execute(old.where(SearchDoc.key.in_(batch))):
            changes.subtract(stems_of(*row))
        session.execute(delete(SearchDoc).where(SearchDoc.key.in_(batch)))
    for document in documents:
        values = document.values
        changes.update(stems_of(values["title"], values["keywords"], values["body"]))
    _count_documents(session, changes)
    if not documents:
        return
    for start in range(0, len(documents), BATCH):
        batch = [document.values for document in documents[start : start + BATCH]]
        session.execute(insert(SearchDoc), batch)
    uses = [
        {
            "doc_key": document.values["key"],
            "fact_key": fact_key,
            **{column: document.values.get(column) for column in VISIBILITY},
        }
        for document in documents
        for fact_key in sorted(document.fact_keys)
    ]
    for start in range(0, len(uses), BATCH):
        session.execute(insert(SearchDocFact), uses[start : start + BATCH])
    words: dict[str, str] = {}
    for document in documents:
        words.update(document.words)
    _insert_ignoring_duplicates(session, words)


# --- what changed -> what to index -----------------------------------------------------------


def index_article(session: Session, article_id: int) -> None:
    """A shared article: its document and its overrides' (they carry its status and dates)."""
    article = session.get(Article, article_id)
    stale = set(session.scalars(select(SearchDoc.key).where(SearchDoc.article_id == article_id)))
    if article is None:
        _write(session, [], stale)
        return
    overrides = session.scalars(select(Override).where(Override.article_id == article_id))
    documents = [shared_document(article)]
    documents += [override_document(override, article) for override in overrides]
    _write(session, documents, stale)


def index_override(session: Session, municipality_code: str, article_id: int) -> None:
    key = f"override:{municipality_code}:{article_id}"
    row = session.execute(
        select(Override, Article)
        .join(Article, Article.id == Override.article_id)
        .where(Override.municipality_code == municipality_code, Override.article_id == article_id)
    ).first()
    _write(session, [override_document(*row)] if row else [], {key})


def index_local(session: Session, local_id: int) -> None:
    local = session.get(LocalArticle, local_id)
    _write(session, [local_document(local)] if local else [], {f"local:{local_id}"})


def _fact_documents(session: Session, *conditions: Any) -> list[Document]:
    rows = session.execute(
        select(FactValue, Fact.type, Municipality.locale)
        .join(Fact, Fact.key == FactValue.fact_key)
        .join(Municipality, Municipality.code == FactValue.municipality_code)
        .where(*conditions)
    )
    return [fact_document(value, fact_type, locale) for value, fact_type, locale in rows]


def index_fact_value(session: Session, municipality_code: str, fact_key: str) -> None:
    documents = _fact_documents(
        session, FactValue.municipality_code == municipality_code, FactValue.fact_key == fact_key
    )
    _write(session, documents, {f"fact:{municipality_code}:{fact_key}"})


def index_fact(session: Session, fact_key: str) -> None:
    """A fact's type decides how every municipality's value reads."""
    stale = session.scalars(select(SearchDoc.key).where(SearchDoc.fact_key == fact_key))
    _write(session, _fact_documents(session, FactValue.fact_key == fact_key), set(stale))


def reindex_all(session: Session) -> int:
    """Rebuild the whole index (and the vocabulary) from the knowledge base; flushes only."""
    session.execute(delete(SearchDoc))
    session.execute(delete(SearchWord))
    session.execute(delete(SearchStem))
    articles = {article.id: article for article in session.scalars(select(Article))}
    documents = [shared_document(article) for article in articles.values()]
    documents += [
        override_document(override, articles[override.article_id])
        for override in session.scalars(select(Override))
    ]
    documents += [local_document(local) for local in session.scalars(select(LocalArticle))]
    documents += _fact_documents(session)
    _write(session, documents, ())
    session.flush()
    return len(documents)


# --- session listeners -----------------------------------------------------------------------


@dataclass
class Pending:
    articles: set[int] = field(default_factory=set)
    overrides: set[tuple[str, int]] = field(default_factory=set)
    locals: set[int] = field(default_factory=set)
    fact_values: set[tuple[str, str]] = field(default_factory=set)
    facts: set[str] = field(default_factory=set)

    def note(self, obj: object) -> None:
        if isinstance(obj, Article):
            self.articles.add(obj.id)
        elif isinstance(obj, Override):
            self.overrides.add((obj.municipality_code, obj.article_id))
        elif isinstance(obj, LocalArticle):
            self.locals.add(obj.id)
        elif isinstance(obj, FactValue):
            self.fact_values.add((obj.municipality_code, obj.fact_key))
        elif isinstance(obj, Fact):
            self.facts.add(obj.key)

    def apply(self, session: Session) -> None:
        for article_id in sorted(self.articles):
            index_article(session, article_id)
        for code, article_id in sorted(self.overrides):
            if article_id not in self.articles:
                index_override(session, code, article_id)
        for local_id in sorted(self.locals):
            index_local(session, local_id)
        for fact_key in sorted(self.facts):
            index_fact(session, fact_key)
        for code, fact_key in sorted(self.fact_values):
            if fact_key not in self.facts:
                index_fact_value(session, code, fact_key)


@event.listens_for(Session, "after_flush")
def _note_changes(session: Session, _context: Any) -> None:
    pending: Pending = session.info.setdefault(PENDING, Pending())
    for obj in session.new:
        pending.note(obj)
    for obj in session.deleted:
        pending.note(obj)
    for obj in session.dirty:
        if session.is_modified(obj, include_collections=False):
            pending.note(obj)


@event.listens_for(Session, "before_commit")
def _index_changes(session: Session) -> None:
    session.flush()
    while _has_work(pending := session.info.pop(PENDING, None)):
        pending.apply(session)
        session.flush()


def _has_work(pending: "Pending | None") -> TypeGuard[Pending]:
    return pending is not None and any(
        (pending.articles, pending.overrides, pending.locals, pending.fact_values, pending.facts)
    )


@event.listens_for(Session, "after_soft_rollback")
def _forget_changes(session: Session, _previous: Any) -> None:
    session.info.pop(PENDING, None)
