"""Municipality admins adjust their letterhead through the API; the files stay the fallback."""

import pytest
from fastapi.testclient import TestClient
from PIL import Image

from tests.letterheads.images import SVG, jpeg, jpeg_header, pixels, png

AARHUS = "/api/v1/letterheads/0751"
COPENHAGEN = "/api/v1/letterheads/0101"


def test_a_letterhead_comes_from_the_theme_files_until_an_admin_changes_it(
    client: TestClient, auth_headers: dict[str, dict[str, str]]
) -> None:
    response = client.get(AARHUS, headers=auth_headers["agent.odense"])
    assert response.status_code == 200
    body = response.json()
    assert (body["source"], body["version"], body["has_logo"]) == ("files", 0, True)
    assert body["theme"]["sender_name"] == "Aarhus Kommune"
    assert response.headers["etag"] == '"0751-0"'


def test_admin_changes_colours_and_keeps_everything_else(
    client: TestClient, auth_headers: dict[str, dict[str, str]]
) -> None:
    admin = auth_headers["admin.aarhus"]
    response = client.patch(
        AARHUS,
        headers={**admin, "If-Match": '"0751-0"'},
        json={"colors": {"primary": "#14365d"}, "signature_lines": ["Borgerservice Aarhus"]},
    )
    assert response.status_code == 200, response.text
    theme = response.json()["theme"]
    assert theme["colors"]["primary"] == "#14365d"
    assert theme["colors"]["on_primary"] == "#ffffff"  # kept from the file
    assert theme["address_lines"][1] == "Dokk1, Hack Kampmanns Plads 2"
    assert theme["signature_lines"] == ["Borgerservice Aarhus"]
    assert response.json()["source"] == "database"
    assert response.headers["etag"] == '"0751-1"'


def test_colours_failing_wcag_aa_are_refused_and_nothing_changes(
    client: TestClient, auth_headers: dict[str, dict[str, str]]
) -> None:
    admin = auth_headers["admin.aarhus"]
    response = client.patch(AARHUS, headers=admin, json={"colors": {"on_primary": "#1a4a80"}})
    assert response.status_code == 422
    problem = response.json()
    assert problem["type"] == "/problems/insufficient-contrast"
    assert problem["fields"] == ["colors.on_primary"]
    assert "4.5:1" in problem["detail"]
    assert client.get(AARHUS, headers=admin).json()["source"] == "files"


def test_a_malformed_colour_is_refused(
    client: TestClient, auth_headers: dict[str, dict[str, str]]
) -> None:
    response = client.patch(
        AARHUS, headers=auth_headers["admin.aarhus"], json={"colors": {"accent": "red;x:y"}}
    )
    assert response.status_code == 422


def test_a_stale_etag_is_refused_with_412(
    client: TestClient, auth_headers: dict[str, dict[str, str]]
) -> None:
    admin = auth_headers["admin.aarhus"]
    first = client.patch(AARHUS, headers=admin, json={"closing": "Venlig hilsen"})
    assert first.status_code == 200
    stale = client.patch(
        AARHUS, headers={**admin, "If-Match": '"0751-0"'}, json={"closing": "Mange hilsner"}
    )
    assert stale.status_code == 412
    assert stale.headers["etag"] == '"0751-1"'
    assert client.get(AARHUS, headers=admin).json()["theme"]["closing"] == "Venlig hilsen"


def test_admin_uploads_a_png_logo_and_reads_it_back(
    client: TestClient, auth_headers: dict[str, dict[str, str]]
) -> None:
    admin = auth_headers["admin.aarhus"]
    logo = png(400, 100)
    response = client.put(
        f"{AARHUS}/logo", headers=admin, files={"file": ("logo.png", logo, "image/png")}
    )
    assert response.status_code == 200, response.text
    assert response.json()["logo_content_type"] == "image/png"
    served = client.get(f"{AARHUS}/logo", headers=admin)
    assert pixels(served.content) == pixels(logo)  # the same image, encoded afresh
    assert served.headers["content-type"] == "image/png"


def test_svg_is_refused_even_when_called_png(
    client: TestClient, auth_headers: dict[str, dict[str, str]]
) -> None:
    admin = auth_headers["admin.aarhus"]
    response = client.put(
        f"{AARHUS}/logo", headers=admin, files={"file": ("logo.png", SVG, "image/png")}
    )
    assert response.status_code == 422
    assert response.json()["type"] == "/problems/invalid-logo"


def test_an_oversized_logo_is_refused(
    client: TestClient, auth_headers: dict[str, dict[str, str]]
) -> None:
    response = client.put(
        f"{AARHUS}/logo",
        headers=auth_headers["admin.aarhus"],
        files={"file": ("logo.png", png(800, 100), "image/png")},
    )
    assert response.status_code == 422
    assert "800x100" in response.json()["detail"]


def test_reset_brings_back_the_files_and_old_etags_stay_stale(
    client: TestClient, auth_headers: dict[str, dict[str, str]]
) -> None:
    admin = auth_headers["admin.aarhus"]
    client.patch(AARHUS, headers=admin, json={"closing": "Venlig hilsen"})
    reset = client.delete(AARHUS, headers={**admin, "If-Match": '"0751-1"'})
    assert reset.status_code == 200
    assert reset.json()["source"] == "files"
    assert reset.json()["theme"]["closing"] == "Med venlig hilsen"
    stale = client.patch(AARHUS, headers={**admin, "If-Match": '"0751-1"'}, json={"closing": "x"})
    assert stale.status_code == 412


def test_preview_is_html_with_the_logo_embedded_and_a_strict_csp(
    client: TestClient, auth_headers: dict[str, dict[str, str]]
) -> None:
    response = client.get(f"{AARHUS}/preview", headers=auth_headers["admin.aarhus"])
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert "default-src 'none'" in response.headers["content-security-policy"]
    assert 'src="data:image/png;base64,' in response.text
    assert "Hack Kampmanns Plads 2" in response.text


def test_a_non_member_shows_the_hotline_letterhead_and_cannot_be_edited(
    client: TestClient, auth_headers: dict[str, dict[str, str]]
) -> None:
    operator = auth_headers["operator"]
    response = client.get("/api/v1/letterheads/0147", headers=operator)
    assert response.json()["source"] == "hotline"
    assert response.json()["theme"]["sender_name"] == "Kommunernes Fælles Hotline"
    refused = client.patch("/api/v1/letterheads/0147", headers=operator, json={"closing": "Hej"})
    assert refused.status_code == 422


def test_null_brings_back_the_theme_files_value(
    client: TestClient, auth_headers: dict[str, dict[str, str]]
) -> None:
    admin = auth_headers["admin.aarhus"]
    client.patch(AARHUS, headers=admin, json={"department": "Aftenvagten", "closing": "Hej"})
    response = client.patch(AARHUS, headers=admin, json={"department": None})
    theme = response.json()["theme"]
    assert (theme["department"], theme["closing"]) == ("Borgerservice", "Hej")


def _upload(client: TestClient, headers: dict[str, str], data: bytes, kind: str = "png"):
    return client.put(
        f"{AARHUS}/logo", headers=headers, files={"file": (f"logo.{kind}", data, f"image/{kind}")}
    )


def test_a_truncated_jpeg_is_refused(
    client: TestClient, auth_headers: dict[str, dict[str, str]]
) -> None:
    admin = auth_headers["admin.aarhus"]
    whole = jpeg(300, 90)
    for broken in (jpeg_header(300, 90), whole[: len(whole) // 2]):
        response = _upload(client, admin, broken, "jpeg")
        assert response.status_code == 422
        assert response.json()["type"] == "/problems/invalid-logo"
    assert client.get(f"{AARHUS}/logo", headers=admin).content != broken


def test_html_appended_to_a_png_is_not_stored(
    client: TestClient, auth_headers: dict[str, dict[str, str]]
) -> None:
    admin = auth_headers["admin.aarhus"]
    logo = png(400, 100) + b"<html><script>alert(1)</script></html>"
    assert _upload(client, admin, logo).status_code == 200
    served = client.get(f"{AARHUS}/logo", headers=admin).content
    assert b"<script>" not in served and served.endswith(b"IEND\xaeB`\x82")
    assert pixels(served) == pixels(logo)


def test_metadata_is_stripped_from_an_uploaded_jpeg(
    client: TestClient, auth_headers: dict[str, dict[str, str]]
) -> None:
    admin = auth_headers["admin.aarhus"]
    exif = Image.Exif()
    exif[0x010E] = "GPS 56.15N 10.21E home of the designer"  # ImageDescription
    logo = jpeg(300, 90, exif=exif.tobytes())
    assert b"home of the designer" in logo
    assert _upload(client, admin, logo, "jpeg").status_code == 200
    served = client.get(f"{AARHUS}/logo", headers=admin).content
    assert b"home of the designer" not in served and b"Exif" not in served
    assert pixels(served)[:2] == ("JPEG", (300, 90))


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("footer", "Spørg os. 010190-1234"),
        ("sender_name", "Borgerservice 010190-1234"),
        ("department", "Sag 0101901234"),
        ("closing", "Hilsen 010190-1234"),
        ("logo_alt", "København 010190-1234"),
        ("address_lines", ["Rådhuspladsen 1", "Sag 010190-1234"]),
        ("signature_lines", ["Borgerservice", "010190", "1234"]),  # split over two lines
    ],
)
def test_a_cpr_number_in_any_text_is_refused_as_the_letterheads_and_replies_still_go(
    client: TestClient, auth_headers: dict[str, dict[str, str]], field: str, value: object
) -> None:
    admin = auth_headers["admin.kobenhavn"]
    response = client.patch(COPENHAGEN, headers=admin, json={field: value})
    assert response.status_code == 422
    problem = response.json()
    assert problem["type"] == "/problems/cpr-number-in-letterhead"
    assert problem["fields"] == [field]
    assert problem["detail"].startswith("Brevpapiret indeholder et CPR-nummer")
    assert "010190" not in response.text  # the number is not echoed back
    assert client.get(COPENHAGEN, headers=admin).json()["source"] == "files"
    preview = client.post(
        "/api/v1/replies/preview",
        headers=auth_headers["agent.aarhus"],
        json={"municipality": "0101", "to": "borger@example.dk", "subject": "Svar",
              "body_markdown": "Her er svaret."},
    )  # fmt: skip
    assert preview.status_code == 200, preview.text
