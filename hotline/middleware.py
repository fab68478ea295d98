"""The app's middleware, pure ASGI (no BaseHTTPMiddleware: no extra task per request, and
streaming and background tasks pass through untouched)."""

import re
import time
import uuid
from collections.abc import Mapping

from starlette.datastructures import Headers, MutableHeaders
from starlette.routing import Mount
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from hotline.observability.logs import get_logger, log_context
from hotline.observability.metrics import REQUEST_SECONDS, RESPONSES, method_label

log = get_logger("hotline.access")

SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
}
REQUEST_ID_HEADER = "X-Request-ID"
# A caller's (load balancer's) id is kept when it is short and plain; otherwise we make one.
_ACCEPTABLE_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{8,64}")
UNMATCHED_ROUTE = "<unmatched>"


class SecurityHeadersMiddleware:
    """Adds the security headers to every response that does not set them itself."""

    def __init__(self, app: ASGIApp, headers: Mapping[str, str] = SECURITY_HEADERS) -> None:
        self.app = app
        self.headers = dict(headers)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in self.headers.items():
                    headers.setdefault(name, value)
            await send(message)

        await self.app(scope, receive, send_with_headers)


def route_template(scope: Scope, root_path: str) -> str:
    """The template of the route that answered (``/api/v1/replies/{reply_id}``), never the raw
    path: bounded label values, no personal data. ``root_path`` is the one before routing.

    The route knows its own template without the prefixes of the routers and mounts above it;
    those are the leading segments of the path, with any path parameter put back as its name.
    """
    route = scope.get("route")
    mounted_at = scope.get("root_path", "")[len(root_path) :]
    if isinstance(route, Mount) or (route is None and mounted_at):
        return f"{mounted_at}/{{path}}"  # a mounted app without routes (static files)
    own = getattr(route, "path", None)
    if not own:
        return UNMATCHED_ROUTE
    path = scope["path"]
    full = path if path.startswith(scope.get("root_path", "")) else scope["root_path"] + path
    full = full[len(root_path) :]
    segments, own_segments = full.split("/"), own.split("/")
    if len(own_segments) > len(segments):
        return own
    names = {str(value): name for name, value in scope.get("path_params", {}).items()}
    prefix = [
        f"{{{names[segment]}}}" if segment in names else segment
        for segment in segments[: len(segments) - len(own_segments) + 1]
    ]
    return "/".join(prefix) + own


class RequestContextMiddleware:
    """Request id, latency and status metrics, and an access log line (route template only).

    The id comes from the caller's ``X-Request-ID`` when acceptable, else a new one; it is
    returned in ``X-Request-ID``, bound to every log line of the request and stored on the
    outbox rows the request queues.
    """

    def __init__(self, app: ASGIApp, *, access_log: bool) -> None:
        self.app = app
        self.access_log = access_log

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = Headers(scope=scope).get(REQUEST_ID_HEADER, "")
        request_id = incoming if _ACCEPTABLE_REQUEST_ID.fullmatch(incoming) else uuid.uuid4().hex
        root_path = scope.get("root_path", "")
        status = 500  # unless a response starts
        started = time.perf_counter()

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                MutableHeaders(scope=message)[REQUEST_ID_HEADER] = request_id
            await send(message)

        with log_context(request_id=request_id):
            try:
                await self.app(scope, receive, send_with_id)
            finally:
                seconds = time.perf_counter() - started
                method = method_label(scope["method"])
                route = route_template(scope, root_path)
                REQUEST_SECONDS.labels(method, route).observe(seconds)
                RESPONSES.labels(method, route, str(status)).inc()
                if self.access_log:
                    log.info(
                        "request",
                        method=method,
                        route=route,
                        status=status,
                        ms=round(seconds * 1000, 1),
                    )
