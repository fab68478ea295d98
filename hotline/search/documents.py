"""What the index holds, read from the knowledge tables: one document per article, one per
municipality's fact value.

A shared article is one document. A municipality that replaces it or hides it does not see
that document (``hidden_in``) but its own (replace: the local text) or none (hide). A
municipality that appends a section keeps seeing the shared document: the section's stems are
added to it as that municipality's own terms (``<code>:<stem>`` in the ``appended`` field, its
fact keys as ``<code>:<key>``), so that municipality's query (the shared terms and its own)
matches the article once and no other municipality ever matches the section. So each view
holds exactly one document per visible article, the engine's top-k needs no grouping
afterwards, and an appended section costs its own words only, not a copy of the shared text.
Fact values are documents of their own per municipality: a value leads to the articles showing
that fact (``fact_keys``).

What a result page shows (title, category, source, stale, the Markdown of the snippet) is
kept beside each document (``Display``), and beside a shared document for each municipality
that appended to it (source override, the shared text and the section), so a search resolves
nothing per hit.
"""

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.knowledge.models import (
    Article,
    ArticleStatus,
    Fact,
    FactValue,
    LocalArticle,
    Override,
    OverrideMode,
    Source,
)
from hotline.knowledge.resolve import PLACEHOLDER, fact_keys_in, format_fact
from hotline.municipalities.models import Municipality
from hotline.search.analyzer import Analyzer, language_of, read_synonyms

SHARED_VIEW = "shared"
# Dates as days (date.toordinal); a document without a start or an end is open on that side.
OPEN_START, OPEN_END = 0, date.max.toordinal()


@dataclass(frozen=True)
class Display:
    """What a result shows of a document: the Markdown parts are joined (and their fact
    placeholders filled with the municipality's values) only for the hits of a page."""

    slug: str
    title: str
    category: str
    source: Source
    stale: bool
    parts: tuple[str, ...]
    valid_from: int
    valid_to: int


@dataclass(frozen=True)
class Appended:
    """A municipality's section appended to a shared article: its stems and the fact keys only
    it shows (the shared text's are the document's), and what that municipality's hit shows."""

    view: str  # the municipality's code
    body: str  # stems, space separated
    fact_keys: tuple[str, ...]
    display: Display


@dataclass
class IndexDocument:
    key: str
    refs: tuple[str, ...]  # the change-log refs that rebuild it
    kind: str  # "article" (shared, override or local text) or "fact"
    view: str  # SHARED_VIEW or a municipality code
    title: str = ""  # stems, space separated
    keywords: str = ""
    body: str = ""
    hidden_in: tuple[str, ...] = ()
    valid_from: int = OPEN_START
    valid_to: int = OPEN_END
    fact_keys: tuple[str, ...] = ()
    category: str = ""
    display: Display | None = None
    appended: tuple[Appended, ...] = ()  # only a shared document: the municipalities' sections


@dataclass(frozen=True)
class Analysed:
    title: str
    keywords: str
    body: str


class DocumentBuilder:
    """Turns knowledge rows into index documents with the project's analyzer. Its analyzers
    are its own (queries never pass through them), so the words they have stemmed are the
    indexed vocabulary, for suggestions and snippets."""

    def __init__(self, synonyms_path: Path) -> None:
        self.synonyms_path = synonyms_path
        self.analyzers: dict[str, Analyzer] = {}

    def analyzer(self, locale: str) -> Analyzer:
        language = language_of(locale)
        if language not in self.analyzers:
            self.analyzers[language] = Analyzer(language, read_synonyms(self.synonyms_path))
        return self.analyzers[language]

    def analyse(self, locale: str, title: str, keywords: str, body: str) -> Analysed:
        """The stems of each field, fact placeholders left out (values are their own docs)."""
        an = self.analyzer(locale)
        return Analysed(
            an.index_text(PLACEHOLDER.sub(" ", title)),
            an.index_text(keywords),
            an.index_text(PLACEHOLDER.sub(" ", body)),
        )

    def article(self, article: Any, overrides: Iterable[Any]) -> list[IndexDocument]:
        """The shared document (with the sections appended to it) and the documents of its
        replacing overrides."""
        if article.status != ArticleStatus.PUBLISHED:
            return []
        overrides = sorted(overrides, key=lambda o: o.municipality_code)
        ref = f"article:{article.id}"
        tags = " ".join(article.tags)
        shared = self.analyse(article.locale, article.title, tags, article.body)
        valid_from, valid_to = _dates(article.valid_from, article.valid_to)
        keys = fact_keys_in(article.title) | fact_keys_in(article.body)

        def display(title: str, source: Source, stale: bool, parts: tuple[str, ...]) -> Display:
            return Display(
                article.slug,
                title,
                article.category,
                source,
                stale,
                parts,
                valid_from=valid_from,
                valid_to=valid_to,
            )

        own_documents: list[IndexDocument] = []
        appended: list[Appended] = []
        hidden_in: list[str] = []
        for override in overrides:
            mode = OverrideMode(override.mode)
            if mode is OverrideMode.HIDE:
                hidden_in.append(override.municipality_code)
                continue
            stale = override.based_on_revision < article.revision
            if mode is OverrideMode.APPEND:
                section = self.analyse(article.locale, "", "", override.body)
                appended.append(
                    Appended(
                        override.municipality_code,
                        section.body,
                        tuple(sorted(fact_keys_in(override.body) - keys)),
                        display(
                            article.title, Source.OVERRIDE, stale, (article.body, override.body)
                        ),
                    )
                )
                continue
            hidden_in.append(override.municipality_code)
            title = override.title or article.title
            own = self.analyse(article.locale, title, tags, override.body)
            own_documents.append(
                IndexDocument(
                    key=f"override:{override.municipality_code}:{article.id}",
                    refs=(ref,),
                    kind="article",
                    view=override.municipality_code,
                    title=own.title,
                    keywords=own.keywords,
                    body=own.body,
                    fact_keys=tuple(sorted(fact_keys_in(title) | fact_keys_in(override.body))),
                    category=article.category,
                    display=display(title, Source.OVERRIDE, stale, (override.body,)),
                    valid_from=valid_from,
                    valid_to=valid_to,
                )
            )
        shared_document = IndexDocument(
            key=f"shared:{article.id}",
            refs=(ref,),
            kind="article",
            view=SHARED_VIEW,
            title=shared.title,
            keywords=shared.keywords,
            body=shared.body,
            hidden_in=tuple(hidden_in),
            fact_keys=tuple(sorted(keys)),
            category=article.category,
            display=display(article.title, Source.SHARED, False, (article.body,)),
            valid_from=valid_from,
            valid_to=valid_to,
            appended=tuple(appended),
        )
        return [shared_document, *own_documents]

    def local(self, local: Any) -> list[IndexDocument]:
        if local.status != ArticleStatus.PUBLISHED:
            return []
        valid_from, valid_to = _dates(local.valid_from, local.valid_to)
        own = self.analyse(local.locale, local.title, " ".join(local.tags), local.body)
        return [
            IndexDocument(
                key=f"local:{local.id}",
                refs=(f"local:{local.id}",),
                kind="article",
                view=local.municipality_code,
                title=own.title,
                keywords=own.keywords,
                body=own.body,
                fact_keys=tuple(sorted(fact_keys_in(local.title) | fact_keys_in(local.body))),
                category=local.category,
                display=Display(
                    local.slug,
                    local.title,
                    local.category,
                    Source.LOCAL,
                    False,
                    (local.body,),
                    valid_from=valid_from,
                    valid_to=valid_to,
                ),
                valid_from=valid_from,
                valid_to=valid_to,
            )
        ]

    def fact_value(
        self, code: str, key: str, value: str, fact_type: str, locale: str
    ) -> IndexDocument:
        shown = format_fact(fact_type, value)
        own = self.analyse(locale, "", "", shown)
        return IndexDocument(
            key=f"value:{code}:{key}",
            refs=(f"value:{code}:{key}", f"fact:{key}", f"municipality:{code}"),
            kind="fact",
            view=code,
            body=own.body,
        )


def _dates(valid_from: date | None, valid_to: date | None) -> tuple[int, int]:
    return (
        valid_from.toordinal() if valid_from else OPEN_START,
        valid_to.toordinal() if valid_to else OPEN_END,
    )


# --- reading what a change-log ref names -------------------------------------------------------

# Columns, not ORM objects: a build reads ~100,000 rows, and rows cost a fraction of objects
# to load and to keep (the builder reads both the same way, by attribute).
ARTICLE = (
    Article.id,
    Article.slug,
    Article.title,
    Article.body,
    Article.category,
    Article.tags,
    Article.locale,
    Article.status,
    Article.valid_from,
    Article.valid_to,
    Article.revision,
)
OVERRIDE = (
    Override.municipality_code,
    Override.article_id,
    Override.mode,
    Override.title,
    Override.body,
    Override.based_on_revision,
)
LOCAL = (
    LocalArticle.id,
    LocalArticle.municipality_code,
    LocalArticle.slug,
    LocalArticle.title,
    LocalArticle.body,
    LocalArticle.category,
    LocalArticle.tags,
    LocalArticle.locale,
    LocalArticle.status,
    LocalArticle.valid_from,
    LocalArticle.valid_to,
)


def _fact_values(session: Session, *conditions: Any) -> list[tuple[str, str, str, str, str]]:
    """(municipality, fact key, value, fact type, the municipality's locale)."""
    statement = (
        select(
            FactValue.municipality_code,
            FactValue.fact_key,
            FactValue.value,
            Fact.type,
            Municipality.locale,
        )
        .join(Fact, Fact.key == FactValue.fact_key)
        .join(Municipality, Municipality.code == FactValue.municipality_code)
        .where(*conditions)
    )
    return list(session.execute(statement).tuples())


def documents_of(session: Session, builder: DocumentBuilder, ref: str) -> list[IndexDocument]:
    """The documents a ref stands for, as the database has them now (none: it was deleted)."""
    kind, _, rest = ref.partition(":")
    if kind == "article":
        article = session.execute(select(*ARTICLE).where(Article.id == int(rest))).first()
        if article is None:
            return []
        overrides = session.execute(select(*OVERRIDE).where(Override.article_id == article.id))
        return builder.article(article, overrides)
    if kind == "local":
        local = session.execute(select(*LOCAL).where(LocalArticle.id == int(rest))).first()
        return builder.local(local) if local is not None else []
    if kind == "value":
        code, _, key = rest.partition(":")
        conditions = (FactValue.municipality_code == code, FactValue.fact_key == key)
        return [builder.fact_value(*row) for row in _fact_values(session, *conditions)]
    if kind == "fact":
        rows = _fact_values(session, FactValue.fact_key == rest)
        return [builder.fact_value(*row) for row in rows]
    if kind == "municipality":  # its register entry: its values are analysed in its locale
        rows = _fact_values(session, FactValue.municipality_code == rest)
        return [builder.fact_value(*row) for row in rows]
    raise ValueError(f"unknown search change {ref!r}")


def all_documents(session: Session, builder: DocumentBuilder) -> Iterator[IndexDocument]:
    """Every document of the knowledge base, for a build from scratch."""
    overrides: dict[int, list[Any]] = {}
    for override in session.execute(select(*OVERRIDE)):
        overrides.setdefault(override.article_id, []).append(override)
    for article in session.execute(select(*ARTICLE).order_by(Article.id)):
        yield from builder.article(article, overrides.pop(article.id, ()))
    for local in session.execute(select(*LOCAL).order_by(LocalArticle.id)):
        yield from builder.local(local)
    for row in _fact_values(session):
        yield builder.fact_value(*row)
