"""No text a client sends may hold a NUL character (U+0000): refused with a clear 422 on SQLite
(which stored it) as on PostgreSQL (which cannot store it), in API bodies, paths and query
strings (problem+json) and console forms (in Danish, tests/console/test_nul_characters.py).
Multi-line texts keep newlines and tabs.

The walks below make a new route, model or field hold to it without anyone remembering to."""

import types
import typing

import pytest
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from pydantic import BaseModel, ValidationError

from hotline.app import API_ROUTERS
from hotline.kit.text import NUL_CODE, InputModel
from hotline.meetings.pages import router as booking_pages
from hotline.satisfaction.pages import router as satisfaction_pages

NUL_TEXT = "a\u0000b"


def _models_in(annotation: object) -> set[type[BaseModel]]:
    """The models an annotation names, nested ones too (``list[Question]``, ``X | None``)."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        found = {annotation}
        for field in annotation.model_fields.values():
            found |= _models_in(field.annotation)
        return found
    if isinstance(annotation, types.UnionType) or typing.get_origin(annotation) is not None:
        return set().union(*(_models_in(arg) for arg in typing.get_args(annotation)))
    return set()


def _body_annotations(dependant: Dependant) -> list[object]:
    found = [param.field_info.annotation for param in dependant.body_params]
    for dependency in dependant.dependencies:
        found += _body_annotations(dependency)
    return found


def _body_models() -> set[type[BaseModel]]:
    """Every model an API route or public page reads a request body into."""
    found: set[type[BaseModel]] = set()
    for router in (*API_ROUTERS, booking_pages, satisfaction_pages):
        for route in router.routes:
            if isinstance(route, APIRoute):
                for annotation in _body_annotations(route.dependant):
                    found |= _models_in(annotation)
    return found


def _input_models() -> set[type[InputModel]]:
    found: set[type[InputModel]] = set()
    pending = list(InputModel.__subclasses__())
    while pending:
        model = pending.pop()
        found.add(model)
        pending.extend(model.__subclasses__())
    return found


def test_every_model_a_request_body_is_read_into_is_an_input_model() -> None:
    models = _body_models()
    assert len(models) > 20  # the walk finds the bodies
    assert sorted(model.__name__ for model in models if not issubclass(model, InputModel)) == []


@pytest.mark.parametrize(
    ("model", "name"),
    [
        (model, field.alias or name)
        for model in sorted(_input_models(), key=lambda model: model.__qualname__)
        for name, field in model.model_fields.items()
    ],
    ids=lambda value: value.__name__ if isinstance(value, type) else value,
)
def test_every_field_of_an_input_refuses_a_nul_wherever_its_text_is(
    model: type[InputModel], name: str
) -> None:
    for sent in (NUL_TEXT, [NUL_TEXT], {"key": NUL_TEXT}, {NUL_TEXT: "value"}):
        with pytest.raises(ValidationError) as refused:
            model.model_validate({name: sent})
        codes = {error["type"] for error in refused.value.errors() if error["loc"][:1] == (name,)}
        assert codes == {NUL_CODE}, (name, sent)


def test_multi_line_texts_keep_newlines_and_tabs(client: TestClient, auth_headers) -> None:
    article = {"slug": "linjer", "title": "Linjer", "category": "Test", "body": "a\n\tb\r\nc"}
    response = client.post("/api/v1/articles", json=article, headers=auth_headers["editor"])
    assert response.status_code == 201, response.text
    assert response.json()["body"] == "a\n\tb\nc"


ARTICLE = {"slug": "nul", "title": "Nul", "category": "Test", "body": NUL_TEXT}
USER = {"email": "nul@hotline.dk", "full_name": NUL_TEXT, "role": "editor", "password": "x" * 12}
TEMPLATE = {"key": "nul", "title": "Nul", "body_markdown": NUL_TEXT}
MEETING_TYPE = {"slug": "nul", "title": NUL_TEXT, "duration_minutes": 30, "channel": "phone"}
REPLY = {"municipality": "0751", "to": "borger@example.dk", "subject": "Svar"}
ROUND = {"title": NUL_TEXT, "closes_on": "2027-03-01"}
FACT = {"key": "nul", "description": NUL_TEXT, "type": "text"}
DESK = {"desk_name": NUL_TEXT, "mailbox": "pas@aarhus.dk"}


@pytest.mark.parametrize(
    ("account", "method", "path", "body"),
    [
        ("operator", "post", "/api/v1/feedback-rounds", ROUND),
        ("editor", "post", "/api/v1/articles", ARTICLE),
        ("operator", "post", "/api/v1/facts", FACT),
        ("admin.aarhus", "post", "/api/v1/municipalities/0751/local-articles", ARTICLE),
        ("operator", "post", "/api/v1/users", USER),
        ("operator", "patch", "/api/v1/users/1", {"full_name": NUL_TEXT}),
        ("admin.aarhus", "patch", "/api/v1/letterheads/0751", {"footer": NUL_TEXT}),
        ("admin.aarhus", "put", "/api/v1/routing/0751/Pas", DESK),
        ("editor", "post", "/api/v1/reply-templates", TEMPLATE),
        ("editor", "post", "/api/v1/meetings/types", MEETING_TYPE),
        ("agent.aarhus", "post", "/api/v1/replies/preview", {**REPLY, "body_markdown": NUL_TEXT}),
    ],
    ids=lambda value: value if isinstance(value, str) and value.startswith("/") else None,
)
def test_an_api_body_with_a_nul_is_invalid_input(
    client: TestClient, auth_headers, account: str, method: str, path: str, body: dict
) -> None:
    headers = {**auth_headers[account], "If-Match": '"1"'}
    response = client.request(method.upper(), path, json=body, headers=headers)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert NUL_CODE in {error["code"] for error in response.json()["errors"]}


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/search?q=a%00b&municipality=0751",
        "/api/v1/municipalities?q=a%00b",
        "/api/v1/routing/0751/a%00b",
    ],
)
def test_an_api_address_with_a_nul_is_invalid_input(
    client: TestClient, auth_headers, path: str
) -> None:
    body = {"desk_name": "Pas", "mailbox": "pas@aarhus.dk"} if "routing" in path else None
    method = "PUT" if body else "GET"
    response = client.request(method, path, json=body, headers=auth_headers["admin.aarhus"])
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert [error["code"] for error in response.json()["errors"]] == [NUL_CODE]
