"""The request body limit: a pure ASGI check in front of everything, so no route (nor the form
parser) reads more than ``HOTLINE_MAX_REQUEST_BYTES``."""

from starlette.exceptions import HTTPException
from starlette.responses import HTMLResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from hotline.errors import problem_response

TOO_LARGE_SLUG = "request-too-large"
TOO_LARGE_TITLE = "Request body too large"


class RequestBodyTooLarge(HTTPException):
    """Raised while a chunked body is read and passes the limit (becomes a 413 problem)."""

    def __init__(self, max_bytes: int) -> None:
        super().__init__(413, _detail(max_bytes))


def _detail(max_bytes: int) -> str:
    return (
        f"The request body is larger than {max_bytes} bytes. Shorten the text (articles hold "
        "at most 40,000 characters) or upload a smaller file."
    )


def _danish_page(max_bytes: int) -> HTMLResponse:
    """The console's visitors get a page in Danish, not JSON."""
    megabytes = f"{max_bytes / 1_000_000:.1f}".replace(".", ",")
    return HTMLResponse(
        '<!doctype html><html lang="da"><head><meta charset="utf-8">'
        "<title>For stor formular</title></head><body><main><h1>Det sendte er for stort</h1>"
        f"<p>En formular eller fil må højst fylde {megabytes} MB. Gør teksten kortere "
        "(en artikel må højst have 40.000 tegn) eller vælg en mindre fil, og prøv igen.</p>"
        '<p><a href="/console/">Til forsiden</a></p></main></body></html>',
        status_code=413,
    )


class RequestBodyLimit:
    """Refuses a declared Content-Length above the limit at once (413 problem+json), and stops
    reading an undeclared (chunked) body as soon as it passes the limit."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > self.max_bytes):
            if scope.get("path", "").startswith("/console"):
                await _danish_page(self.max_bytes)(scope, receive, send)
                return
            response = problem_response(
                413,
                TOO_LARGE_SLUG,
                TOO_LARGE_TITLE,
                _detail(self.max_bytes),
                instance=scope.get("path"),
            )
            await response(scope, receive, send)
            return
        received = 0

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise RequestBodyTooLarge(self.max_bytes)
            return message

        await self.app(scope, counting_receive, send)
