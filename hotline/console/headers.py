"""Security headers of every console response."""

from starlette.responses import Response

# No inline scripts anywhere (htmx and our JS are static files). Inline styles are allowed
# because the letterhead preview is a sandboxed srcdoc iframe, which inherits this policy and
# shows the mail's CSS-inlined HTML exactly as it is sent.
CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data:",
        "connect-src 'self'",
        "frame-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
}


def apply_security_headers(response: Response) -> Response:
    response.headers.update(SECURITY_HEADERS)
    return response
