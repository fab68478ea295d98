"""Municipalities and postcodes: loading the official lists and looking them up."""

import csv
import io
from collections.abc import Sequence
from pathlib import Path

from pydantic import ValidationError
from sqlalchemy import bindparam, delete, func, or_, select
from sqlalchemy.orm import Session

from hotline.errors import InvalidInput, NotFound
from hotline.kit.email_domains import in_email_domain
from hotline.municipalities.models import Municipality, Postcode
from hotline.municipalities.schemas import (
    MunicipalityRead,
    MunicipalityUpdate,
    PostalDistrict,
    PostcodeCandidate,
    PostcodeRead,
    normalise_code,
)
from hotline.sync import KindReport, SourceError, SourceErrors

CSV_COLUMNS = (
    "code",
    "name",
    "short_name",
    "region",
    "member",
    "locale",
    "email_domain",
    "sender_email",
    "phone",
    "website",
)
REGIONS = frozenset(
    {
        "Region Hovedstaden",
        "Region Sjælland",
        "Region Syddanmark",
        "Region Midtjylland",
        "Region Nordjylland",
    }
)
POSTNORD_COLUMNS = ("KOMMUNE_NR", "POSTNR", "BYNAVN")


def _parse_row(row: dict[str, str], path: Path, line: int) -> tuple[dict, list[SourceError]]:
    errors: list[SourceError] = []
    values = {column: (row.get(column) or "").strip() for column in CSV_COLUMNS}
    for column, value in values.items():
        if not value:
            errors.append(SourceError(path, line, f"column '{column}' is empty"))
    try:
        values["code"] = normalise_code(values["code"])
    except ValueError as exc:
        errors.append(SourceError(path, line, f"code {values['code']!r}: {exc}"))
    if values["member"] not in ("yes", "no"):
        errors.append(
            SourceError(path, line, f"member must be yes or no, not {values['member']!r}")
        )
    if values["region"] and values["region"] not in REGIONS:
        errors.append(SourceError(path, line, f"unknown region {values['region']!r}"))
    try:
        MunicipalityUpdate.model_validate(
            {key: values[key] for key in ("sender_email", "phone", "website")}
        )
    except ValidationError as exc:
        for error in exc.errors():
            errors.append(SourceError(path, line, f"{error['loc'][0]}: {error['msg']}"))
    if values["sender_email"] and not in_email_domain(
        values["sender_email"], values["email_domain"]
    ):
        errors.append(SourceError(path, line, "sender_email is not in the email_domain"))
    parsed = {**values, "member": values["member"] == "yes"}
    return parsed, errors


def read_municipalities_csv(path: Path) -> list[dict]:
    """Parse and validate the whole file; raise every error at once, naming file and line."""
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        missing = [c for c in CSV_COLUMNS if c not in (reader.fieldnames or [])]
        if missing:
            raise SourceErrors([SourceError(path, 1, f"missing columns: {', '.join(missing)}")])
        rows: list[dict] = []
        errors: list[SourceError] = []
        seen: dict[str, int] = {}
        for row in reader:
            line = reader.line_num
            parsed, row_errors = _parse_row(row, path, line)
            errors.extend(row_errors)
            if parsed["code"] in seen:
                errors.append(
                    SourceError(
                        path, line, f"code {parsed['code']} repeats line {seen[parsed['code']]}"
                    )
                )
            seen[parsed["code"]] = line
            rows.append(parsed)
    if errors:
        raise SourceErrors(errors)
    return rows


def sync_municipalities(session: Session, path: Path) -> KindReport:
    """Make the table match the file. Municipalities are never deleted: tenants own data."""
    rows = read_municipalities_csv(path)
    existing = {m.code: m for m in session.scalars(select(Municipality))}
    report = KindReport()
    for row in rows:
        current = existing.get(row["code"])
        if current is None:
            session.add(Municipality(**row))
            report.created += 1
        elif any(getattr(current, key) != value for key, value in row.items()):
            for key, value in row.items():
                setattr(current, key, value)
            report.updated += 1
        else:
            report.unchanged += 1
    session.flush()
    return report


def import_postcodes(session: Session, source: Path | str) -> int:
    """Load PostNord's postcode file (UTF-8 BOM, CRLF, ';'); replaces the previous import."""
    path = Path(source)
    text = path.read_text(encoding="utf-8-sig")
    reader = csv.DictReader(io.StringIO(text, newline=""), delimiter=";")
    missing = [c for c in POSTNORD_COLUMNS if c not in (reader.fieldnames or [])]
    if missing:
        raise SourceErrors([SourceError(path, 1, f"missing columns: {', '.join(missing)}")])
    known = set(session.scalars(select(Municipality.code)))
    pairs: dict[tuple[str, str], str] = {}
    errors: list[SourceError] = []
    for row in reader:
        line = reader.line_num
        raw_code, postcode = row["KOMMUNE_NR"].strip(), row["POSTNR"].strip()
        if not (postcode.isdigit() and len(postcode) == 4):
            errors.append(SourceError(path, line, f"postcode {postcode!r} is not 4 digits"))
            continue
        try:
            code = normalise_code(raw_code)
        except ValueError as exc:
            errors.append(SourceError(path, line, f"KOMMUNE_NR {raw_code!r}: {exc}"))
            continue
        if code not in known:
            continue  # Christiansø and other areas outside the 98 municipalities
        pairs[(postcode, code)] = row["BYNAVN"].strip()
    if errors:
        raise SourceErrors(errors)
    session.execute(delete(Postcode))
    session.add_all(
        Postcode(postcode=postcode, municipality_code=code, city=city)
        for (postcode, code), city in sorted(pairs.items())
    )
    session.flush()
    return len(pairs)


def list_municipalities(
    session: Session, *, member: bool | None = None, query: str | None = None
) -> Sequence[Municipality]:
    stmt = select(Municipality).order_by(Municipality.name)
    if member is not None:
        stmt = stmt.where(Municipality.member.is_(member))
    if query:
        needle = f"%{query.strip().lower()}%"
        stmt = stmt.where(
            or_(
                Municipality.name.ilike(needle),
                Municipality.short_name.ilike(needle),
                Municipality.code == query.strip().zfill(4),
            )
        )
    return session.scalars(stmt).all()


def _register_code(code: str) -> str:
    """The code as the register keys it; a string that is no code is simply not found."""
    try:
        return normalise_code(code)
    except ValueError as exc:
        raise NotFound(
            f"No municipality has the code {code[:20]!r}: codes are 1-4 digits."
        ) from exc


def get_municipality(session: Session, code: str) -> Municipality:
    municipality = session.get(Municipality, _register_code(code))
    if municipality is None:
        raise NotFound(f"No municipality has the code {code}.")
    return municipality


_REGISTERED_CODE = select(Municipality.code).where(Municipality.code == bindparam("code"))


def registered_code(session: Session, code: str) -> str:
    """The code as the register keys it, checked to be there (``NotFound`` if not): the kept
    register entry where the session's sessionmaker keeps them, else one plain query."""
    if session.info.get(REGISTER_KEEPER) is not None:
        return municipality_read(session, code).code
    found = session.scalar(_REGISTERED_CODE, {"code": _register_code(code)})
    if found is None:
        raise NotFound(f"No municipality has the code {code}.")
    return found


_REGISTER_ENTRY = select(
    *(getattr(Municipality, name) for name in MunicipalityRead.model_fields)
).where(Municipality.code == bindparam("code"))

# In a sessionmaker's ``info``: a function ``(session, code) -> MunicipalityRead`` that keeps
# register entries per process and forgets one when the change log names it (the search index
# does: ``hotline.search.indexing.listen``). Without one, every call reads the row.
REGISTER_KEEPER = "hotline.municipalities.register_keeper"


def municipality_read(session: Session, code: str) -> MunicipalityRead:
    """The register entry as every signed-in user reads it (on every agent's screen): kept by
    the session's sessionmaker if it keeps them, else read."""
    keeper = session.info.get(REGISTER_KEEPER)
    if keeper is None:
        return read_register_entry(session, code)
    entry: MunicipalityRead = keeper(session, code)
    return entry


def read_register_entry(session: Session, code: str) -> MunicipalityRead:
    """One row of the columns shown, not an ORM object: it costs what the row costs."""
    row = session.execute(_REGISTER_ENTRY, {"code": _register_code(code)}).one_or_none()
    if row is None:
        raise NotFound(f"No municipality has the code {code}.")
    return MunicipalityRead.model_validate(row._mapping)


def update_municipality(
    session: Session, municipality: Municipality, changes: MunicipalityUpdate
) -> Municipality:
    values = changes.model_dump(exclude_unset=True)
    sender_email = values.get("sender_email", municipality.sender_email)
    email_domain = values.get("email_domain", municipality.email_domain)
    if not in_email_domain(sender_email, email_domain):
        raise InvalidInput(
            f"The sender address must lie in the municipality's own email domain "
            f"{email_domain} (for example borgerservice@{email_domain}); only an operator "
            "can change the domain.",
            errors=[{"field": "body.sender_email", "message": "outside the email domain"}],
        )
    for key, value in values.items():
        setattr(municipality, key, str(value) if key == "website" else value)
    session.flush()
    return municipality


MAX_DISTRICTS = 12


def _districts(session: Session, codes: list[str]) -> dict[str, list[PostalDistrict]]:
    """Each municipality's postal districts, the ones it has alone first (they tell the areas
    apart), at most ``MAX_DISTRICTS`` each."""
    postcodes = select(Postcode.postcode).where(Postcode.municipality_code.in_(codes))
    counted = session.execute(
        select(Postcode.postcode, func.count())
        .where(Postcode.postcode.in_(postcodes))
        .group_by(Postcode.postcode)
    )
    sharing: dict[str, int] = {postcode: count for postcode, count in counted}
    found: dict[str, list[PostalDistrict]] = {code: [] for code in codes}
    for row in session.scalars(
        select(Postcode).where(Postcode.municipality_code.in_(codes)).order_by(Postcode.postcode)
    ):
        found[row.municipality_code].append(
            PostalDistrict(postcode=row.postcode, city=row.city, shared=sharing[row.postcode] > 1)
        )
    return {
        code: sorted(districts, key=lambda d: (d.shared, d.postcode))[:MAX_DISTRICTS]
        for code, districts in found.items()
    }


def lookup_postcode(session: Session, postcode: str) -> PostcodeRead:
    rows = session.execute(
        select(Municipality, Postcode.city)
        .join(Postcode, Postcode.municipality_code == Municipality.code)
        .where(Postcode.postcode == postcode)
        .order_by(Municipality.name)
    ).all()
    if not rows:
        raise NotFound(f"The postcode {postcode} is not known.")
    districts = _districts(session, [m.code for m, _city in rows]) if len(rows) > 1 else {}
    return PostcodeRead(
        postcode=postcode,
        municipalities=[
            PostcodeCandidate(
                code=m.code,
                name=m.name,
                short_name=m.short_name,
                member=m.member,
                city=city,
                districts=districts.get(m.code, []),
            )
            for m, city in rows
        ],
    )
