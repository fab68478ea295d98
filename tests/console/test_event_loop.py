"""The console's database work runs in worker threads, never in the event loop (issue 15).

An ``async def`` endpoint runs in the event loop, and so does all its synchronous database work:
every PostgreSQL round trip holds up every other request of the process, and on SQLite a write
that waits for the write lock holds up the thread-pool hop that would let the lock's holder
commit (a stall until the busy timeout). A console endpoint is a plain ``def``, which FastAPI
runs in a worker thread; a posted form is read by the ``ConsoleForm`` dependency.
"""

import inspect
from collections.abc import Iterator
from importlib import import_module
from pkgutil import iter_modules
from typing import get_args

from fastapi import APIRouter, FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute

from hotline import console
from hotline.app import create_app
from hotline.config import Settings
from hotline.console.session import ConsoleUser
from hotline.deps import DbSession

# Allowed to be ``async def``, each with why its database work is not in the event loop.
ASYNC_ENDPOINTS = {
    # Takes no DbSession: its account check, search and commit run in one worker thread
    # (``run_in_threadpool(_searched_page, ...)`` with ``signed_in_transaction``).
    "search",
}

DATABASE_DEPENDENCIES = {get_args(DbSession)[1].dependency, get_args(ConsoleUser)[1].dependency}


def _console_routes() -> list[APIRoute]:
    """Every route of the console: each module's router (what ``create_console`` includes),
    checked against what the mounted console answers, so none is missed."""
    modules = [import_module(f"hotline.console.{m.name}") for m in iter_modules(console.__path__)]
    routers = [getattr(module, "router", None) for module in modules]
    routes = [
        route
        for router in routers
        if isinstance(router, APIRouter)
        for route in router.routes
        if isinstance(route, APIRoute)
    ]
    app = create_app(Settings(secret_key="x" * 32))
    mounted = next(route.app for route in app.routes if getattr(route, "path", "") == "/console")
    assert isinstance(mounted, FastAPI)
    paths = mounted.openapi()["paths"]
    served = {(method.upper(), path) for path, operations in paths.items() for method in operations}
    assert {(method, route.path) for route in routes for method in route.methods} == served
    return routes


def _dependencies(dependant: Dependant) -> Iterator[Dependant]:
    for dependency in dependant.dependencies:
        yield dependency
        yield from _dependencies(dependency)


def _runs_in_loop(call: object) -> bool:
    return inspect.iscoroutinefunction(call) or inspect.isasyncgenfunction(call)


def _uses_database(dependant: Dependant) -> bool:
    return any(d.call in DATABASE_DEPENDENCIES for d in _dependencies(dependant))


def test_no_console_endpoint_does_its_work_in_the_event_loop() -> None:
    routes = _console_routes()
    in_loop = {route.name for route in routes if _runs_in_loop(route.endpoint)}
    assert in_loop == ASYNC_ENDPOINTS, (
        "A console endpoint is a plain def (its database work in a worker thread); take the "
        "posted form as `form: ConsoleForm` instead of awaiting request.form()."
    )
    # The walk sees the endpoints (it would pass vacuously otherwise), and the allowed ones
    # take no database session of their own.
    with_database = {route.name for route in routes if _uses_database(route.dependant)}
    assert {"reply_send", "admin_logo", "contact_close"} <= with_database
    assert not with_database & ASYNC_ENDPOINTS


def test_no_async_dependency_of_the_console_takes_the_database_session() -> None:
    """An async dependency runs in the event loop too: one that took the session (or the
    signed-in account, which reads it) would do its database work there."""
    in_loop = {
        f"{route.name}: {dependency.call!r}"
        for route in _console_routes()
        for dependency in _dependencies(route.dependant)
        if _runs_in_loop(dependency.call)
        and dependency.call not in DATABASE_DEPENDENCIES  # the session's own (ends in a thread)
        and _uses_database(dependency)
    }
    assert not in_loop
