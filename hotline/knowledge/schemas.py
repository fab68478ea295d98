"""Request and response shapes of the knowledge base, shared by the API and the file loader."""

from datetime import date, datetime
from typing import Annotated, NamedTuple

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    EmailStr,
    Field,
    HttpUrl,
    TypeAdapter,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from hotline.kit.money import parse_kroner
from hotline.kit.text import NORMALISED, InputModel, normalise_text
from hotline.kit.time import Day
from hotline.knowledge.models import (
    MAX_REASON_CHARS,
    ArticleStatus,
    FactType,
    OverrideMode,
    Source,
)
from hotline.knowledge.resolve import FACT_KEY

Slug = Annotated[str, Field(min_length=1, max_length=120, pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$")]
FactKey = Annotated[str, Field(min_length=1, max_length=80, pattern=f"^{FACT_KEY}$")]
Title = Annotated[str, Field(min_length=1, max_length=200), NORMALISED]
Category = Annotated[str, Field(min_length=1, max_length=80), NORMALISED]
Tag = Annotated[str, Field(min_length=1, max_length=60), NORMALISED]
Locale = Annotated[str, Field(pattern=r"^[a-z]{2}(_[A-Z]{2})?$")]
# The longest shipped article is ~2,000 characters; 40,000 is a long guide. Beyond it search
# slows for everyone (a 5 MB body took 3-14 s per search), so longer texts are refused.
MAX_BODY_CHARS = 40_000
MAX_DESCRIPTION_CHARS = 500
MAX_TAGS = 20
MAX_FACT_VALUE_CHARS = 1_000
Body = Annotated[str, Field(min_length=1, max_length=MAX_BODY_CHARS), NORMALISED]
Description = Annotated[str, Field(min_length=1, max_length=MAX_DESCRIPTION_CHARS), NORMALISED]
Label = Annotated[str, Field(min_length=1, max_length=120), NORMALISED]
# Guidance for agents only (shown in the console, never mailed): "Aarhus-borgere, der ringer
# efter kl. 15, ...". Markdown with {{ facts }} like the body; empty when there is none.
AgentNotes = Annotated[
    str,
    Field(max_length=MAX_BODY_CHARS, description="For agents only: never sent to a citizen."),
    NORMALISED,
    AfterValidator(str.strip),
]


def _check_validity(valid_from: date | None, valid_to: date | None) -> None:
    if valid_from and valid_to and valid_to < valid_from:
        raise ValueError("valid_to is before valid_from")


class ArticleFields(InputModel):
    """What an article file's front matter and body (or a create request) hold."""

    model_config = ConfigDict(extra="forbid")

    title: Title
    category: Category
    agent_notes: AgentNotes = ""
    tags: Annotated[list[Tag], Field(max_length=MAX_TAGS, default_factory=list)]
    locale: Locale = "da"
    status: ArticleStatus = ArticleStatus.PUBLISHED
    review_by: Day | None = None
    valid_from: Day | None = None
    valid_to: Day | None = None

    @model_validator(mode="after")
    def _valid_range(self) -> "ArticleFields":
        _check_validity(self.valid_from, self.valid_to)
        return self


class ArticleCreate(ArticleFields):
    slug: Slug
    body: Body


class ArticleUpdate(InputModel):
    """A partial change; fields left out keep their value."""

    model_config = ConfigDict(extra="forbid")

    title: Title | None = None
    body: Body | None = None
    agent_notes: AgentNotes | None = None
    category: Category | None = None
    tags: Annotated[list[Tag], Field(max_length=MAX_TAGS)] | None = None
    locale: Locale | None = None
    status: ArticleStatus | None = None
    review_by: Day | None = None
    valid_from: Day | None = None
    valid_to: Day | None = None


class SharedArticleUpdate(ArticleUpdate):
    # Why the text changes, for the municipalities that read the diff; kept with the revision.
    reason: Annotated[str, Field(max_length=MAX_REASON_CHARS)] | None = None


class ArticleRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    slug: str
    title: str
    body: str
    agent_notes: str
    category: str
    tags: list[str]
    locale: str
    status: str
    review_by: date | None
    valid_from: date | None
    valid_to: date | None
    revision: int
    updated_at: datetime
    updated_by: str


class RevisionRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    revision: int
    title: str
    changed_fields: list[str]
    changed_by: str
    changed_at: datetime
    reason: str | None = None  # the editor's reason for the change


class RevisionDiff(BaseModel):
    slug: str
    from_revision: int
    to_revision: int
    diff: str  # unified diff of title and body


class FactFields(InputModel):
    """A fact's definition. ``label`` names it inside a sentence for agents and citizens
    ("gebyret for hegnsyn"); ``default_value`` is the shared value every municipality has until
    it gives its own (national numbers such as 1813 and 114)."""

    model_config = ConfigDict(extra="forbid")

    description: Description
    type: FactType
    label: Label | None = None
    default_value: str | int | float | None = None

    @field_validator("default_value")
    @classmethod
    def _default_fits(cls, value: str | int | float | None, info: ValidationInfo) -> str | None:
        if value is None or "type" not in info.data:  # no type: that error is reported
            return None
        return normalise_fact_value(info.data["type"], value)


class FactCreate(FactFields):
    key: FactKey


class FactUpdate(InputModel):
    model_config = ConfigDict(extra="forbid")

    description: Description | None = None
    type: FactType | None = None
    label: Label | None = None
    default_value: str | None = None


class FactRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    key: str
    description: str
    type: str
    label: str | None = None
    default_value: str | None = None
    revision: int


class FactValueWrite(InputModel):
    model_config = ConfigDict(extra="forbid")

    value: str | int | float = Field(
        description="Money in kroner: 893, 12.5 or the Danish way, 1.600 kr., 1.600,50, 195,-"
    )


class FactValueRead(BaseModel):
    key: str
    description: str
    type: str
    value: str | None  # as stored; None when the municipality has not supplied it
    display: str | None  # formatted as it appears in articles
    revision: int | None


_url = TypeAdapter(HttpUrl)
_email = TypeAdapter(EmailStr)
# Four characters at least, or a Danish three-digit service number (112, 114: all start with 1).
_PHONE = TypeAdapter(Annotated[str, Field(pattern=r"^(?:1[0-9]{2}|\+?[0-9 ()-]{4,40})$")])


def normalise_fact_value(fact_type: str, value: object) -> str:
    """The stored text of a fact value; ValueError says what is wrong for its type."""
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise ValueError("a fact value is a single text or number")
    text = normalise_text(str(value)).strip()
    if not text:
        raise ValueError("the value is empty")
    if len(text) > MAX_FACT_VALUE_CHARS:
        raise ValueError(f"a fact value holds at most {MAX_FACT_VALUE_CHARS} characters")
    if "{{" in text or "}}" in text or "{%" in text:
        # A value is put into texts verbatim; a placeholder inside it would never be filled.
        raise ValueError("a fact value cannot contain {{ placeholders }} or {% blocks %}")
    try:
        if fact_type == FactType.MONEY:
            # Danish notation (1.600 kr., 1.600,50, 195,-); one spelling per amount is stored.
            text = format(parse_kroner(value if isinstance(value, int | float) else text), "f")
        elif fact_type == FactType.URL:
            _url.validate_python(text)
        elif fact_type == FactType.EMAIL:
            _email.validate_python(text)
        elif fact_type == FactType.PHONE:
            _PHONE.validate_python(text)
    except ValidationError as exc:
        raise ValueError(f"{text!r} is not a valid {fact_type}") from exc
    return text


class OverrideShapeProblem(NamedTuple):
    field: str  # "title" or "body"
    code: str
    message: str


def override_shape_problem(
    mode: OverrideMode, title: str | None, body: str
) -> OverrideShapeProblem | None:
    """The one statement of the rule: replace needs a title, only replace has one, and all but
    hide need text. The API, the console and ``kb sync`` all ask here."""
    if mode is OverrideMode.REPLACE and not title:
        return OverrideShapeProblem(
            "title", "override_title_required", "'title' is required for replace"
        )
    if mode is not OverrideMode.REPLACE and title:
        return OverrideShapeProblem(
            "title",
            "override_title_not_allowed",
            f"only a replace override has a title, not {mode.value}",
        )
    if mode is not OverrideMode.HIDE and not body.strip():
        return OverrideShapeProblem(
            "body", "override_body_required", f"a {mode.value} override needs text"
        )
    return None


class OverrideWrite(InputModel):
    """A municipality's override; replace needs a title, the others carry none."""

    model_config = ConfigDict(extra="forbid")

    mode: OverrideMode
    title: Title | None = None
    body: Annotated[str, Field(max_length=MAX_BODY_CHARS), NORMALISED] = ""
    agent_notes: AgentNotes = ""

    @model_validator(mode="after")
    def _mode_fits(self) -> "OverrideWrite":
        problem = override_shape_problem(self.mode, self.title, self.body)
        if problem is not None:
            # ``field`` lets a form show the message next to the input it is about.
            raise PydanticCustomError(problem.code, problem.message, {"field": problem.field})
        return self


class OverrideFront(InputModel):
    """Front matter of ``municipalities/<code>/overrides/<slug>.md``."""

    model_config = ConfigDict(extra="forbid")

    mode: OverrideMode
    title: Title | None = None
    agent_notes: AgentNotes = ""
    # Written by export; absent means "against the shared revision current at sync".
    based_on_revision: int | None = Field(default=None, ge=1)


class OverrideRead(BaseModel):
    municipality_code: str
    slug: str
    mode: OverrideMode
    title: str | None
    body: str
    agent_notes: str
    based_on_revision: int
    shared_revision: int
    stale: bool
    revision: int
    updated_at: datetime
    updated_by: str
    shared_diff: str | None  # what changed in the shared text since based_on_revision
    # The shared revisions since based_on_revision, with the editors' reasons for them.
    shared_changes: list[RevisionRead] = []


class LocalArticleRead(ArticleRead):
    municipality_code: str


class ResolvedPartRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    source: Source
    markdown: str


class ResolvedArticleRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    slug: str
    municipality_code: str
    title: str
    category: str
    tags: list[str]
    locale: str
    status: str
    source: Source
    mode: OverrideMode | None
    stale: bool
    parts: list[ResolvedPartRead]
    body_markdown: str
    body_html: str
    agent_notes: list[ResolvedPartRead] = Field(
        description="Guidance for agents only (shared and local): never mailed to a citizen."
    )
    missing_facts: list[str]
    facts_used: list[str]
    shared_revision: int | None
    override_revision: int | None
    valid_from: date | None
    valid_to: date | None
    review_by: date | None


class MissingFact(BaseModel):
    key: str
    articles: list[str]


class StaleOverride(BaseModel):
    slug: str
    based_on_revision: int
    shared_revision: int


class ArticleDue(BaseModel):
    slug: str
    source: Source
    review_by: date


class ArticleRef(BaseModel):
    """How a to-do list names and links an article: its title as read there, and its kind."""

    title: str
    source: Source


class CoverageReport(BaseModel):
    municipality_code: str
    missing_facts: list[MissingFact]
    stale_overrides: list[StaleOverride]
    past_review_by: list[ArticleDue]
    overrides_of_unpublished: list[str]
    # Every slug named above, by slug: people read titles, not slugs.
    articles: dict[str, ArticleRef] = {}
