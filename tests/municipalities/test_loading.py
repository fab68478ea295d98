"""Loading the 98 municipalities and PostNord's postcode file."""

import csv
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hotline.municipalities.models import Municipality, Postcode
from hotline.municipalities.schemas import normalise_code
from hotline.municipalities.service import (
    CSV_COLUMNS,
    import_postcodes,
    lookup_postcode,
    sync_municipalities,
)
from hotline.sync import SourceErrors
from tests.conftest import KNOWLEDGE_BASE, POSTNORD_FILE
from tests.fixtures import POSTCODE_SAMPLE

SHIPPED_CSV = KNOWLEDGE_BASE / "municipalities.csv"


def write_csv(path: Path, rows: list[dict[str, str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=CSV_COLUMNS)
        writer.writeheader()
        writer.writerows(rows)
    return path


def shipped_rows() -> list[dict[str, str]]:
    with SHIPPED_CSV.open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def test_shipped_file_holds_all_98_municipalities_about_half_members() -> None:
    rows = shipped_rows()
    assert len(rows) == 98
    assert len({row["code"] for row in rows}) == 98
    members = sum(row["member"] == "yes" for row in rows)
    assert 45 <= members <= 55


def test_sync_is_idempotent(session: Session, settings) -> None:
    first = sync_municipalities(session, SHIPPED_CSV)
    session.commit()
    second = sync_municipalities(session, SHIPPED_CSV)
    assert (first.created, first.changes) == (98, 98)
    assert (second.unchanged, second.changes) == (98, 0)
    aarhus = session.get_one(Municipality, "0751")
    assert (aarhus.name, aarhus.member) == ("Aarhus Kommune", True)


def test_sync_applies_edits_to_existing_rows(session: Session, settings, tmp_path: Path) -> None:
    sync_municipalities(session, SHIPPED_CSV)
    rows = shipped_rows()
    for row in rows:
        if row["code"] == "0751":
            row["phone"] = "+45 89 40 00 00"
    report = sync_municipalities(session, write_csv(tmp_path / "m.csv", rows))
    assert (report.updated, report.unchanged) == (1, 97)
    assert session.get_one(Municipality, "0751").phone == "+45 89 40 00 00"


def test_short_codes_are_normalised_to_four_digits(
    session: Session, settings, tmp_path: Path
) -> None:
    rows = [row for row in shipped_rows() if row["code"] == "0751"]
    rows[0]["code"] = "751"
    sync_municipalities(session, write_csv(tmp_path / "m.csv", rows))
    assert session.get(Municipality, "0751") is not None
    assert normalise_code(" 101 ") == "0101"


def test_a_wrong_row_names_file_and_line_and_applies_nothing(
    session: Session, settings, tmp_path: Path
) -> None:
    rows = shipped_rows()
    rows[2]["member"] = "maybe"
    rows[4]["code"] = "12345"
    rows[6]["sender_email"] = "not-an-address"
    rows[7]["code"] = rows[8]["code"]
    path = write_csv(tmp_path / "broken.csv", rows)

    with pytest.raises(SourceErrors) as raised:
        sync_municipalities(session, path)

    messages = [str(error) for error in raised.value.errors]
    assert any(m.startswith(f"{path}:4: member must be yes or no") for m in messages)
    assert any(m.startswith(f"{path}:6: code '12345'") for m in messages)
    assert any(m.startswith(f"{path}:8: sender_email") for m in messages)
    assert any(m.startswith(f"{path}:10: code") and "repeats line 9" in m for m in messages)
    assert session.scalar(select(func.count()).select_from(Municipality)) == 0


def test_missing_columns_are_reported(session: Session, settings, tmp_path: Path) -> None:
    path = tmp_path / "m.csv"
    path.write_text("code,name\n0751,Aarhus Kommune\n", encoding="utf-8")
    with pytest.raises(SourceErrors, match=r"m.csv:1: missing columns: short_name"):
        sync_municipalities(session, path)


def test_shipped_postcode_sample_has_shared_and_unambiguous_postcodes(
    session: Session, municipalities
) -> None:
    """The tests' own sample of PostNord's file: what the console and browser suites look up."""
    assert import_postcodes(session, POSTCODE_SAMPLE) >= 40
    frederiksberg = lookup_postcode(session, "2000")
    assert {(c.code, c.member) for c in frederiksberg.municipalities} == {
        ("0147", False),
        ("0101", True),
    }
    assert [c.code for c in lookup_postcode(session, "8000").municipalities] == ["0751"]
    assert [c.code for c in lookup_postcode(session, "5000").municipalities] == ["0461"]


def test_a_shared_postcode_lists_each_municipalitys_districts(
    session: Session, municipalities
) -> None:
    """Districts a municipality has alone come first: they are what tells the areas apart."""
    import_postcodes(session, POSTCODE_SAMPLE)
    towns = {c.code: c for c in lookup_postcode(session, "2300").municipalities}
    assert [(d.postcode, d.city, d.shared) for d in towns["0185"].districts] == [
        ("2300", "København S", True)
    ]
    copenhagen = [(d.postcode, d.shared) for d in towns["0101"].districts]
    assert copenhagen[:3] == [("1050", False), ("1620", False), ("2100", False)]
    assert ("2300", True) in copenhagen
    assert lookup_postcode(session, "8000").municipalities[0].districts == []


@pytest.mark.skipif(
    not POSTNORD_FILE.exists(),
    reason="PostNord's full file lives outside the repository, in ../shared/data; "
    "tests/fixtures/postnumre-sample.csv covers the other tests",
)
def test_postnord_file_imports_with_shared_postcodes(session: Session, municipalities) -> None:
    pairs = import_postcodes(session, POSTNORD_FILE)
    assert pairs > 1000
    frederiksberg = lookup_postcode(session, "2000")
    assert {(c.code, c.member) for c in frederiksberg.municipalities} == {
        ("0147", False),
        ("0101", True),
    }
    assert [c.code for c in lookup_postcode(session, "8000").municipalities] == ["0751"]
    # importing again replaces, never duplicates
    assert import_postcodes(session, POSTNORD_FILE) == pairs
    assert session.scalar(select(func.count()).select_from(Postcode)) == pairs


def test_postcode_file_in_postnord_format(session: Session, municipalities, tmp_path) -> None:
    """BOM, CRLF, ';' and kommunenumre without leading zeros, as PostNord ships it."""
    path = tmp_path / "postnumre.csv"
    path.write_bytes(
        "\ufeffAMTS_NR;ADRESSERINGSNAVN;KOMMUNE_NR;ADRESSERINGSNAVN_1;POSTNR;BYNAVN\r\n"
        "1082;Region Midtjylland;751;Aarhus Kommune;8200;Aarhus N\r\n"
        "1083;Region Syddanmark;461;Odense Kommune;5000;Odense C\r\n"
        "1084;Region Hovedstaden;411;Christiansø;3760;Gudhjem\r\n".encode()
    )
    assert import_postcodes(session, path) == 2
    assert lookup_postcode(session, "8200").municipalities[0].city == "Aarhus N"


def test_postcode_file_with_bad_postcode_is_rejected_whole(
    session: Session, municipalities, tmp_path: Path
) -> None:
    import_postcodes(session, _postnord(tmp_path / "good.csv", ["751;8000;Aarhus C"]))
    bad = _postnord(tmp_path / "bad.csv", ["751;8200;Aarhus N", "461;50000;Odense C"])
    with pytest.raises(SourceErrors, match=r"bad.csv:3: postcode '50000' is not 4 digits"):
        import_postcodes(session, bad)
    assert [p.postcode for p in session.scalars(select(Postcode))] == ["8000"]


def _postnord(path: Path, rows: list[str]) -> Path:
    lines = ["AMTS_NR;ADRESSERINGSNAVN;KOMMUNE_NR;ADRESSERINGSNAVN_1;POSTNR;BYNAVN"]
    for row in rows:
        code, postcode, city = row.split(";")
        lines.append(f"1;Region;{code};Kommune;{postcode};{city}")
    path.write_bytes(("\ufeff" + "\r\n".join(lines) + "\r\n").encode())
    return path
