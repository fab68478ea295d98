"""The ASGI application: ``create_app()`` wires settings, database, routers and errors."""

import gc
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import APIRouter, FastAPI
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp

from hotline.auth.api import router as auth_router
from hotline.auth.service import LoginThrottle
from hotline.composer.api import router as composer_router
from hotline.config import Settings
from hotline.console.app import create_console
from hotline.contacts.api import router as contacts_router
from hotline.db import LoopReads, make_engine, make_sessionmaker, transaction
from hotline.demo import accounts_with_demo_password
from hotline.errors import PROBLEM_RESPONSES, install_problem_handlers
from hotline.health import router as health_router
from hotline.housekeeping import HOUSEKEEPING
from hotline.kit.time import INPUT_TIME_RULES
from hotline.knowledge.api import resolved_router as resolved_articles_router
from hotline.knowledge.api import router as knowledge_router
from hotline.letterheads.api import router as letterheads_router
from hotline.meetings.api import router as meetings_router
from hotline.meetings.pages import router as booking_pages
from hotline.middleware import RequestContextMiddleware, SecurityHeadersMiddleware
from hotline.municipalities.api import router as municipalities_router
from hotline.observability.logs import configure_logging
from hotline.observability.metrics import build_registry, exposition
from hotline.replies.api import router as replies_router
from hotline.replies.metrics import OutboxCollector
from hotline.replies.worker import embedded_worker
from hotline.request_limits import NoNulInAddress, RequestBodyLimit
from hotline.satisfaction.api import router as satisfaction_router
from hotline.satisfaction.pages import router as satisfaction_pages
from hotline.search.api import router as search_router
from hotline.search.indexing import listen, new_index


class ProductionSafetyError(RuntimeError):
    """Raised at start-up when a production deployment is not safe to serve."""


def _check_production_safety(app: FastAPI) -> None:
    with transaction(app.state.sessionmaker) as session:
        demo_accounts = accounts_with_demo_password(session)
    if demo_accounts:
        raise ProductionSafetyError(
            "Refusing to start in production: these accounts still have the demo password: "
            + ", ".join(demo_accounts)
        )


def out_of_collection() -> None:
    """What is alive now lives as long as the process (or until it is replaced, and then freed
    by its reference counts): it leaves the collector's generations. A full collection stops
    every request of the process while it walks them."""
    gc.collect()
    gc.freeze()


def settle_heap() -> None:
    """Once per process, after start-up: what start-up built (modules, models, routes) leaves
    the collector's generations; without this a full collection walked ~130,000 objects that
    are never garbage (search benchmark p99 131 -> 72 ms)."""
    if gc.get_freeze_count() == 0:
        out_of_collection()


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    settings: Settings = app.state.settings
    engine = make_engine(
        settings.database_url,
        pool_size=settings.database_pool_size,
        max_overflow=settings.database_max_overflow,
        pool_timeout=settings.database_pool_timeout_seconds,
    )
    app.state.engine = engine
    # The process's first app (its only one in a server; a test process makes many and must
    # collect those it is done with) takes each build of its index out of collection too: at
    # 5,000 articles a full collection walked its 140,000 objects for 120-140 ms, every few
    # seconds under load.
    first_app = gc.get_freeze_count() == 0
    app.state.search_index = new_index(
        settings, after_build=out_of_collection if first_app else None
    )
    index_engine = make_engine(
        settings.database_url,
        pool_size=1,
        max_overflow=1,
        pool_timeout=settings.database_pool_timeout_seconds,
    )
    app.state.search_index.read_through(index_engine)
    app.state.sessionmaker = listen(make_sessionmaker(engine), app.state.search_index)
    app.state.loop_reads = LoopReads.available_for(settings.database_url)
    try:
        if settings.migrate_on_start:
            from hotline import migrate  # Alembic (~0.7 s to import) only where it is used

            migrate.upgrade(settings, engine=engine)
        if settings.is_production:
            _check_production_safety(app)
            # Built before the first search needs it; a search meanwhile waits for it.
            threading.Thread(
                target=app.state.search_index.ensure_fresh, args=(engine,), daemon=True
            ).start()
        async with embedded_worker(settings, HOUSEKEEPING):
            settle_heap()
            yield
    finally:
        engine.dispose()
        index_engine.dispose()
        if app.state.loop_reads is not None:
            await app.state.loop_reads.dispose()


class HotlineApp(FastAPI):
    """FastAPI with the request context and the security headers outermost, outside Starlette's
    error middleware too: an unexpected error's 500 carries its request id and the headers, and
    its log line the request id."""

    def build_middleware_stack(self) -> ASGIApp:
        settings: Settings = self.state.settings
        inner = SecurityHeadersMiddleware(super().build_middleware_stack())
        return RequestContextMiddleware(inner, access_log=settings.writes_access_log)


# Matched in this order on every request, one route at a time (~5 µs each): what a shift
# asks for most (search, articles, contacts, replies) comes first. No two of these routers
# share a path and method, so the order changes nothing else.
API_ROUTERS: tuple[APIRouter, ...] = (
    search_router,
    resolved_articles_router,  # an article as the citizen's municipality has it
    municipalities_router,  # four routes, one of them the municipality's card
    knowledge_router,
    contacts_router,
    composer_router,  # before replies: POST /replies/preview
    replies_router,
    auth_router,
    letterheads_router,
    satisfaction_router,
    meetings_router,
)


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    app = HotlineApp(
        title="hotline",
        version="0.1.0",
        summary="Shared out-of-hours contact centre for Danish municipalities",
        description=f"**Dates and times.** {INPUT_TIME_RULES}",
        lifespan=_lifespan,
    )
    configure_logging(settings.log_level)
    app.state.settings = settings
    app.state.login_throttle = LoginThrottle(
        settings.login_failures_per_account,
        settings.login_failures_per_address,
        settings.login_failure_window_seconds,
        settings.login_delay_seconds,
    )
    install_problem_handlers(app)
    app.add_middleware(RequestBodyLimit, max_bytes=settings.max_request_bytes)
    app.add_middleware(NoNulInAddress)
    metrics_registry = build_registry(OutboxCollector(lambda: app.state.sessionmaker))

    def metrics(request: Request) -> Response:
        """Prometheus text format; keep it reachable from the monitoring network only."""
        body, content_type = exposition(metrics_registry)
        return Response(body, media_type=content_type)

    app.add_api_route("/metrics", metrics, include_in_schema=False, response_class=Response)

    # The console first, before the API and the public pages: its requests (search-as-you-type)
    # skip matching every other route first (the API's cost ~8 % of a search fragment), and any
    # other request pays one prefix check.
    app.mount("/console", create_console(app))
    app.include_router(health_router)
    # The API before the citizens' pages: FastAPI matches an included router's routes one by
    # one, with no look at its prefix first, so an API request paid for every public page's
    # routes (4 % of a search request's instructions, 12 % of a municipality GET's). A citizen
    # opens those pages once.
    for router in API_ROUTERS:
        app.include_router(router, prefix="/api/v1", responses=PROBLEM_RESPONSES)
    app.include_router(satisfaction_pages)  # public: /tilfredshed/<token>, /partner/<token>
    app.include_router(booking_pages)  # the public booking page /book/<code>
    return app
