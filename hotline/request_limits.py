"""What no request may bring, checked in pure ASGI in front of everything: a body larger than
``HOTLINE_MAX_REQUEST_BYTES`` (no route, nor the form parser, reads more) and an address with
a NUL character in its path or query string (no parameter is read with one)."""

from starlette.exceptions import HTTPException
from starlette.responses import HTMLResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from hotline.errors import problem_response
from hotline.kit.text import NUL_CODE

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


def _danish_page(status: int, title: str, heading: str, text: str) -> HTMLResponse:
    """The console's visitors get a page in Danish, not JSON."""
    return HTMLResponse(
        '<!doctype html><html lang="da"><head><meta charset="utf-8">'
        f"<title>{title}</title></head><body><main><h1>{heading}</h1><p>{text}</p>"
        '<p><a href="/console/">Til forsiden</a></p></main></body></html>',
        status_code=status,
    )


def _too_large_page(max_bytes: int) -> HTMLResponse:
    megabytes = f"{max_bytes / 1_000_000:.1f}".replace(".", ",")
    return _danish_page(
        413,
        "For stor formular",
        "Det sendte er for stort",
        f"En formular eller fil må højst fylde {megabytes} MB. Gør teksten kortere "
        "(en artikel må højst have 40.000 tegn) eller vælg en mindre fil, og prøv igen.",
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
                await _too_large_page(self.max_bytes)(scope, receive, send)
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


# ``%00`` is the only spelling of a NUL in a query string: a ``%`` never belongs to an escape
# before it (hex digits follow one), and a raw NUL byte is refused by the HTTP server. The path
# arrives decoded.
ENCODED_NUL = b"%00"
NUL_IN_ADDRESS = (
    "The address (path or query string) holds a NUL character (%00); no parameter may contain one."
)
NUL_IN_ADDRESS_DANISH = (
    "Adressen indeholder et NUL-tegn (%00), som ikke kan bruges i en søgning, et filter eller "
    "et navn. Fjern det, og prøv igen."
)


class NoNulInAddress:
    """Refuses a path or query string with a NUL character (422): one check for every
    parameter of the API, the console and the public pages, however the route reads it (a
    routing category is stored from the path)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not (
            ENCODED_NUL in scope.get("query_string", b"") or "\x00" in scope.get("path", "")
        ):
            await self.app(scope, receive, send)
            return
        path = scope.get("path", "")
        if path.startswith("/console"):
            page = _danish_page(422, "Ugyldigt tegn", "Ugyldigt tegn", NUL_IN_ADDRESS_DANISH)
            await page(scope, receive, send)
            return
        response = problem_response(
            422,
            "invalid-input",
            "Invalid input",
            NUL_IN_ADDRESS,
            instance=path.replace("\x00", "%00"),
            errors=[{"field": "address", "message": NUL_IN_ADDRESS, "code": NUL_CODE}],
        )
        await response(scope, receive, send)
