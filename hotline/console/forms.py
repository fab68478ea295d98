"""HTML forms validated by the domain's Pydantic schemas, with errors in Danish per field."""

from collections.abc import Callable, Mapping
from typing import Annotated, Any, NamedTuple, TypeVar

from fastapi import Depends, Request
from pydantic import BaseModel, ValidationError
from starlette.datastructures import FormData

from hotline.console.errors import NUL_CHARACTER, danish_message
from hotline.errors import InvalidInput, Problem
from hotline.kit.cpr import contains_cpr_number
from hotline.kit.text import NUL_CODE, holds_nul
from hotline.kit.versions import revision_version
from hotline.knowledge.models import FactType

M = TypeVar("M", bound=BaseModel)

PASSWORD_BLANK = "Adgangskoden skal indeholde andet end mellemrum og usynlige tegn."  # noqa: S105
_MESSAGES = {
    "missing": "Skal udfyldes.",
    "string_too_short": "Skal være mindst {min_length} tegn.",
    "too_short": "Skal udfyldes.",
    "string_too_long": "Må højst være {max_length} tegn.",
    "too_long": "Der er for mange (højst {max_length}).",
    "string_pattern_mismatch": "Har ikke det rigtige format.",
    "url_parsing": "Skriv en hel webadresse, fx https://www.kommune.dk.",
    "url_scheme": "Webadressen skal begynde med https:// eller http://.",
    "int_parsing": "Skriv et helt tal.",
    "decimal_parsing": "Skriv et tal.",
    "float_parsing": "Skriv et tal.",
    "date_from_datetime_parsing": "Skriv en dato, fx 2026-01-31.",
    "date_parsing": "Skriv en dato, fx 2026-01-31.",
    "date_out_of_range": "Skriv en dato mellem {earliest} og {latest}.",
    "bool_parsing": "Vælg ja eller nej.",
    "enum": "Vælg en af mulighederne.",
    "literal_error": "Vælg en af mulighederne.",
    "extra_forbidden": "Feltet kendes ikke.",
    "password_blank": PASSWORD_BLANK,
    "municipality_required": "Vælg kommunen for denne rolle.",
    "municipality_not_allowed": "Denne rolle hører ikke til en kommune.",
    "override_title_required": "En erstattende tekst skal have en titel.",
    "override_title_not_allowed": (
        "Kun en erstattende tekst har sin egen titel. Lad feltet stå tomt."
    ),
    "override_body_required": "Skriv den lokale tekst.",
    "choice_options": "Et valgspørgsmål har svarmuligheder (én pr. linje); andre spørgsmål ingen.",
    "question_keys_unique": "To spørgsmål har samme nøgle.",
    "opening_window": "Skriv tidsrum som 09:00-12:00, adskilt af komma; start før slut.",
    "opening_windows_overlap": "Tidsrummene {first} og {second} overlapper hinanden.",
    "opening_windows_too_many": "Højst {limit} tidsrum om dagen.",
    NUL_CODE: NUL_CHARACTER,
}
_EMAIL_HINT = "Skriv en gyldig e-mailadresse, fx navn@kommune.dk."
_PHONE_HINT = "Telefonnummeret er ikke gyldigt. Skriv det med cifre, fx +45 89 40 20 00."
# A number outside the bounds the schema puts on its field: said with both bounds where the
# field has both ("fra 5 til 240"), read from the schema, so they are never written twice.
_OUT_OF_RANGE = {
    "greater_than_equal": "Skal være mindst {ge}.",
    "less_than_equal": "Må højst være {le}.",
    "greater_than": "Skal være større end {gt}.",
    "less_than": "Skal være mindre end {lt}.",
}
_RANGE = "Skriv et helt tal fra {ge} til {le}."


async def read_form(request: Request) -> FormData:
    """The posted form, read in the event loop (once: Starlette keeps it on the request, and
    the CSRF check may have read it already)."""
    return await request.form()


class NulInForm(InvalidInput):
    slug = "nul-character"


async def refuse_nul_in_form(request: Request) -> None:
    """No console form is read with a NUL character in it (422, a Danish page): every page
    reads its form its own way, many fields by hand, so the rule of every input
    (hotline.kit.text.refuse_nul) is applied here, once, before any of them."""
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return
    if any(holds_nul(value) for _name, value in (await request.form()).multi_items()):
        raise NulInForm("A form field holds a NUL character.")


ConsoleForm = Annotated[FormData, Depends(read_form)]
"""The posted form for a plain ``def`` endpoint: the form is read by this dependency, in the
event loop, and the endpoint's database work and template rendering run in FastAPI's worker
thread. An ``async def`` endpoint would run them in the event loop, holding up every other
request of the process during each PostgreSQL round trip, and on SQLite while it waits for
the write lock (which the holder's own thread-pool hop then cannot release: a stall until the
busy timeout). Nothing but reading the form needs the loop."""


def _bounds(model: type[BaseModel] | None, field: str) -> dict[str, Any]:
    """The bounds (ge, gt, le, lt) the schema puts on one of its top-level fields."""
    info = model.model_fields.get(field) if model is not None else None
    if info is None:
        return {}
    return {
        name: getattr(constraint, name)
        for constraint in info.metadata
        for name in ("ge", "gt", "le", "lt")
        if getattr(constraint, name, None) is not None
    }


def _message(error: Mapping[str, Any], field: str, bounds: Mapping[str, Any]) -> str:
    kind = error["type"]
    if kind == "value_error" and "email" in str(error.get("msg", "")).lower():
        return _EMAIL_HINT
    if field.endswith("phone") and kind != "missing":  # a pattern or a length: not a number
        return _PHONE_HINT
    template = _OUT_OF_RANGE.get(kind) or _MESSAGES.get(kind)
    if kind in ("int_parsing", *_OUT_OF_RANGE) and {"ge", "le"} <= bounds.keys():
        template = _RANGE
    if kind == "string_too_short" and (error.get("ctx") or {}).get("min_length", 1) <= 1:
        template = _MESSAGES["missing"]
    if template is None:
        return "Værdien er ugyldig."
    context = {"max_length": "?", "min_length": "?"} | dict(bounds) | (error.get("ctx") or {})
    return template.format(**context)


def danish_errors(
    exc: ValidationError,
    field_of: Callable[[Mapping[str, Any]], str | None] | None = None,
    model: type[BaseModel] | None = None,
) -> dict[str, str]:
    """The first error of each field, keyed by the field's top-level name ("form" for the rest),
    or by what ``field_of`` names (a form whose inputs are not the schema's top-level fields).
    ``model``: the schema validated, whose own bounds a number out of range is told with."""
    errors: dict[str, str] = {}
    for error in exc.errors():
        # A rule over several fields names the field its message belongs next to.
        named = (field_of and field_of(error)) or (error.get("ctx") or {}).get("field")
        field = str(named or (error["loc"][0] if error["loc"] else "form"))
        top = str(error["loc"][0]) if error["loc"] else ""
        errors.setdefault(field, _message(error, field, _bounds(model, top)))
    return errors


def form_errors(
    exc: Problem | ValidationError, by_status: Mapping[int, str] | None = None
) -> dict[str, str]:
    """A refused form's Danish messages: per field for invalid input, else one for the form
    (``by_status``: the page's own words for a status, before the console's general ones)."""
    if isinstance(exc, ValidationError):
        return danish_errors(exc)
    message = (by_status or {}).get(exc.status) or danish_message(exc.status, exc.slug)
    return {"form": message}


def validate_form(model: type[M], data: Mapping[str, Any]) -> tuple[M | None, dict[str, str]]:
    """(the model, {}) when valid, else (None, Danish messages keyed by field)."""
    try:
        return model.model_validate(data), {}
    except ValidationError as exc:
        return None, danish_errors(exc, model=model)


# More digits than any row id or version has: ``int`` refuses strings past 4,300 digits.
_MAX_DIGITS = 18


def whole_number(sent: str) -> int | None:
    """What a page sent back as a number (a hidden version, a row id in a link), or None when
    it is none (``abc``, ``1e3``, a page cut short or altered). ``str.isdigit`` alone is true
    for ``²``, which ``int`` refuses: the one place the console reads a number by hand."""
    text = sent.strip()
    if text.isascii() and text.isdigit() and len(text) <= _MAX_DIGITS:
        return int(text)
    return None


def form_version(
    form: FormData, field: str = "revision", version_of: Callable[[int], str] = revision_version
) -> str | None:
    """The version a form's hidden field carries (the number its page showed), as the services
    expect it (``version_of`` the number); they decide whether it is stale (any text that is no
    such number is)."""
    sent = str(form.get(field, "")).strip()
    number = whole_number(sent)
    return version_of(number) if number is not None else (sent or None)


def blank_to_none(data: Mapping[str, Any]) -> dict[str, Any]:
    """HTML sends empty strings for empty inputs; the schemas mean "not given" by None."""
    return {key: (None if value == "" else value) for key, value in data.items()}


ARTICLE_TEXT_FIELDS = (
    "title",
    "category",
    "tags",
    "body",
    "agent_notes",
    "status",
    "review_by",
    "valid_from",
    "valid_to",
)


def article_fields(form: FormData) -> dict[str, Any]:
    """An article form (shared or local) as the knowledge schemas expect it."""
    values = {
        key: str(form.get(key, "")).strip()
        for key in ("slug", "title", "category", "status", "review_by", "valid_from", "valid_to")
    }
    values["body"] = str(form.get("body", ""))
    values["agent_notes"] = str(form.get("agent_notes", ""))
    tags = str(form.get("tags", "")).split(",")
    return blank_to_none(values) | {"tags": [tag.strip() for tag in tags if tag.strip()]}


def validate_article(values: Mapping[str, Any], model: type[M]) -> tuple[M | None, dict[str, str]]:
    return validate_form(model, {key: value for key, value in values.items() if value is not None})


def article_problem(exc: Problem) -> str:
    """Why the knowledge base refused an article or an override, next to the field it
    concerns: each placeholder that is no known fact named with its line."""
    if exc.status == 409:
        return "Der findes allerede en artikel med den adresse (slug). Vælg en anden."
    placeholders = [error for error in exc.extra.get("errors", []) if "placeholder" in error]
    if not placeholders:
        return danish_message(exc.status, exc.slug)
    return "Teksten kan ikke gemmes: " + "; ".join(map(_placeholder_problem, placeholders)) + "."


def _placeholder_problem(error: Mapping[str, Any]) -> str:
    where = f"{error['placeholder']} i linje {error['line']}"
    if error.get("fact"):
        return f"{where} er ikke en kendt fakta (se faktalisten)"
    return f"{where} er ikke tilladt: kun fakta, skrevet som {{{{ navn }}}}"


def template_problem(exc: Problem, what: str = "Teksten") -> str:
    """Why a text that is run as a template (``what``: a reply, a reply template) was refused:
    the placeholders nothing fills, or the line that cannot be read; never the parser's
    English."""
    if unknown := exc.extra.get("placeholders"):
        names = ", ".join(f"{{{{ {name} }}}}" for name in unknown)
        which = "Pladsholderen" if len(unknown) == 1 else "Pladsholderne"
        return (
            f"{which} {names} kendes ikke. Ret navnet til en af kommunens fakta, eller fjern den."
        )
    if line := exc.extra.get("line"):
        return (
            f"{what} kan ikke læses: der er en fejl i linje {line}. Tjek, at hver {{{{ … }}}} "
            "og {% … %} er skrevet helt og lukket."
        )
    return danish_message(exc.status, exc.slug)


def cpr_field(values: Mapping[str, str | None], default: str) -> str:
    """The first field holding a CPR number: the guard's refusal is shown beside it."""
    held = (name for name, text in values.items() if text and contains_cpr_number(text))
    return next(held, default)


def article_values(item: Any) -> dict[str, Any]:
    """A stored article (shared or local) as its form shows it."""
    return {name: getattr(item, name) or "" for name in ARTICLE_TEXT_FIELDS} | {
        "revision": item.revision
    }


class FactTypeUI(NamedTuple):
    """How the console shows a fact type: its Danish name, the input and the hint under it."""

    name: str
    input: str
    hint: str


FACT_TYPES = {
    FactType.TEXT: FactTypeUI("Tekst", "text", "Tekst"),
    FactType.MONEY: FactTypeUI(
        "Beløb i kroner", "text", "Beløb i kroner, fx 893, 1.600 kr. eller 1.600,50"
    ),
    FactType.URL: FactTypeUI("Webadresse", "url", "Hel webadresse, fx https://www.kommune.dk/side"),
    FactType.PHONE: FactTypeUI("Telefonnummer", "tel", "Telefonnummer, fx +45 89 40 20 00"),
    FactType.EMAIL: FactTypeUI(
        "E-mailadresse", "email", "E-mailadresse, fx borgerservice@kommune.dk"
    ),
    FactType.OPENING_HOURS: FactTypeUI("Åbningstider", "text", "Åbningstider, fx Man-fre 10-15"),
}
