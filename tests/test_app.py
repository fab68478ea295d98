"""Health, readiness, the error shape and the production safety checks of the app."""

import subprocess
import sys
from pathlib import Path

import pytest
from fastapi import APIRouter
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session
from starlette.routing import compile_path

from hotline.app import API_ROUTERS, ProductionSafetyError, create_app
from hotline.config import Environment, Settings
from hotline.console.app import CONSOLE_ROUTERS
from hotline.demo import seed_demo_accounts
from tests.conftest import create_throwaway_database, drop_throwaway_database, make_settings


def test_health_needs_no_token(client: TestClient) -> None:
    assert client.get("/health").json() == {"status": "ok"}


def test_ready_when_database_answers_at_head(client: TestClient) -> None:
    response = client.get("/ready")
    assert response.status_code == 200
    assert response.json()["migrations"] == "at head"


def test_not_ready_before_migrations_ran(backend: str, tmp_path: Path) -> None:
    url = create_throwaway_database(backend, tmp_path)
    try:
        with TestClient(create_app(make_settings(url, tmp_path / "var"))) as client:
            response = client.get("/ready")
        assert response.status_code == 503
        assert response.json()["migrations"] == "behind head"
    finally:
        drop_throwaway_database(url)


def test_unknown_route_is_problem_json(client: TestClient) -> None:
    response = client.get("/api/v1/nothing-here")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["type"] == "/problems/not-found"


@pytest.mark.parametrize("sample", ["0751", "preview", "7", "udkast"])
@pytest.mark.parametrize("routers", [API_ROUTERS, CONSOLE_ROUTERS], ids=["API", "console"])
def test_no_two_routers_answer_the_same_request(
    sample: str, routers: tuple[APIRouter, ...]
) -> None:
    """The API's and the console's routers are included hottest first
    (hotline.app.API_ROUTERS, hotline.console.app.CONSOLE_ROUTERS): that is only safe while
    no route of one router could take a request meant for another's."""
    routes = [
        (number, route)
        for number, router in enumerate(routers)
        for route in router.routes
        if isinstance(route, APIRoute)
    ]
    taken = []
    for number, route in routes:
        _, path_format, parameters = compile_path(route.path)
        path = path_format.format(**dict.fromkeys(parameters, sample))
        for other_number, other in routes:
            shared_methods = (route.methods or set()) & (other.methods or set())
            if other_number != number and shared_methods and other.path_regex.match(path):
                taken.append((sorted(shared_methods), route.path, other.path))
    assert taken == []


def test_unexpected_errors_never_leak_a_stack_trace(settings: Settings) -> None:
    app = create_app(settings)
    boom = APIRouter()

    @boom.get("/boom")
    def _explode() -> None:
        raise RuntimeError("secret internals: password=hunter2")

    app.include_router(boom)
    with TestClient(app, raise_server_exceptions=False) as client:
        response = client.get("/boom")
    assert response.status_code == 500
    assert response.headers["content-type"] == "application/problem+json"
    assert "hunter2" not in response.text and "Traceback" not in response.text


def test_security_headers_on_every_response(client: TestClient) -> None:
    headers = client.get("/health").headers
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "same-origin"


def test_production_refuses_to_start_with_demo_passwords(
    settings: Settings, session: Session, municipalities
) -> None:
    seed_demo_accounts(session)
    session.commit()
    production = settings.model_copy(update={"environment": Environment.PRODUCTION})
    with (
        pytest.raises(ProductionSafetyError, match="demo password"),
        TestClient(create_app(production)),
    ):
        pass


def test_production_starts_without_demo_accounts(settings: Settings) -> None:
    production = settings.model_copy(update={"environment": Environment.PRODUCTION})
    with TestClient(create_app(production)) as client:
        assert client.get("/health").status_code == 200


START_TWICE = """
import gc, sys
from pathlib import Path
from fastapi.testclient import TestClient
from hotline.app import create_app
from tests.conftest import make_settings

var = Path(sys.argv[1])
app = create_app(make_settings(f"sqlite:///{var / 'app.db'}", var, migrate_on_start=True))
with TestClient(app):
    frozen = gc.get_freeze_count()
    in_collection = any(o is app for o in gc.get_objects())
second = create_app(make_settings(f"sqlite:///{var / 'app.db'}", var))
with TestClient(second):
    second_in_collection = any(o is second for o in gc.get_objects())
print(frozen > 0, in_collection, second_in_collection)
"""


def printed_by_a_fresh_process(script: str, var: Path) -> list[str]:
    """What ``script`` prints, run with ``var`` in a Python process of its own."""
    run = subprocess.run(
        [sys.executable, "-c", script, str(var)],
        capture_output=True,
        text=True,
        check=True,
        cwd=Path(__file__).parent.parent,
    )
    return run.stdout.split()


def test_start_up_takes_its_objects_out_of_garbage_collection_once(tmp_path: Path) -> None:
    """A fresh process, as the test runner's apps may have done it already. Only the first
    start freezes: a later app in the same process (as in tests) must stay collectable."""
    assert printed_by_a_fresh_process(START_TWICE, tmp_path) == ["True", "False", "True"]


BUILD_TWICE = """
import gc, sys
from pathlib import Path
from fastapi.testclient import TestClient
from hotline.app import create_app
from hotline.db import transaction
from hotline.knowledge.files import sync_folder
from hotline.search.documents import Display
from tests.conftest import make_settings

def displays_in_collection():
    return sum(isinstance(o, Display) for o in gc.get_objects())

var = Path(sys.argv[1])
settings = make_settings(f"sqlite:///{var / 'app.db'}", var, migrate_on_start=True)
served = create_app(settings)
with TestClient(served):
    with transaction(served.state.sessionmaker) as session:
        sync_folder(session, settings.knowledge_base_dir)
    index = served.state.search_index
    index.ensure_fresh(served.state.engine)
    built = len(index.displays)
    after_build = displays_in_collection()
    index.build(served.state.engine)
    after_rebuild = displays_in_collection()
    second = create_app(settings)
    with TestClient(second):
        second.state.search_index.ensure_fresh(second.state.engine)
        of_second = displays_in_collection()
print(built > 0, after_build, after_rebuild, of_second >= built)
"""


def test_the_served_index_leaves_garbage_collection_after_each_build(tmp_path: Path) -> None:
    """A fresh process with the shipped knowledge base: what a build of its index made (a
    ``Display`` per document) is walked by no collection, after a rebuild too; the index of a
    later app in the same process (as in tests) stays collectable."""
    assert printed_by_a_fresh_process(BUILD_TWICE, tmp_path) == ["True", "0", "0", "True"]
