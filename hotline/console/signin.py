"""Sign-in and sign-out with the same accounts as the API (and its login throttle)."""

from typing import Annotated

from fastapi import APIRouter, Form, Request
from starlette.responses import RedirectResponse, Response

from hotline.auth.models import User
from hotline.auth.service import authenticate, sign_out_session
from hotline.console.access import Action, shows
from hotline.console.session import current_session, start_session
from hotline.console.templating import console_path, render
from hotline.deps import DbSession, client_address
from hotline.errors import TooManyRequests, Unauthorized

router = APIRouter()


def _landing(request: Request, user: User) -> str:
    """Where a sign-in lands: a municipality admin (who answers no citizen) on their to-do
    list, everyone else on the agent's screen."""
    code = user.municipality_code
    if (
        code
        and shows(user, Action.READ_LOCAL_ADMIN, code)
        and not shows(user, Action.SEND_REPLY, code)
    ):
        return console_path(request, "admin_home", code=code) + "#todo"
    return console_path(request, "home")


def _safe_next(request: Request, next_path: str | None, user: User) -> str:
    """Only console paths: never an open redirect to another site."""
    prefix = console_path(request, "home")
    if next_path and next_path.startswith(prefix) and not next_path.startswith("//"):
        return next_path
    return _landing(request, user)


@router.get("/login", name="login")
def login_form(request: Request, next: str | None = None, udloebet: bool = False) -> Response:
    """``udloebet`` (expired): the shift's session ran out, say so rather than just ask."""
    return render(request, "login.html", {"next": next or "", "expired": udloebet, "errors": {}})


@router.post("/login")
def login(
    request: Request,
    session: DbSession,
    email: Annotated[str, Form(max_length=254)] = "",
    password: Annotated[str, Form(max_length=1024)] = "",
    next: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    errors: dict[str, str] = {}
    if not email.strip():
        errors["email"] = "Skriv din e-mailadresse."
    if not password:
        errors["password"] = "Skriv din adgangskode."  # noqa: S105 (a message)
    if not errors:
        address = client_address(request)
        try:
            user = authenticate(session, request.app.state.login_throttle, email, password, address)
        except TooManyRequests:
            errors["form"] = "For mange mislykkede forsøg. Vent et kvarter, og prøv så igen."
        except Unauthorized:
            errors["form"] = "E-mailadressen eller adgangskoden er forkert."
        else:
            start_session(request, user.id, user.session_epoch)
            return RedirectResponse(_safe_next(request, next, user), status_code=303)
    return render(
        request,
        "login.html",
        {"next": next, "email": email, "expired": False, "errors": errors},
        status_code=422 if "form" not in errors else 401,
    )


@router.post("/logout", name="logout")
def logout(request: Request, session: DbSession) -> Response:
    """Ends every session of the account (a copied cookie, its API tokens), not just this one."""
    signed_in = current_session(request)
    sign_out_session(session, signed_in.user_id, signed_in.epoch)
    start_session(request, None)
    return RedirectResponse(console_path(request, "login"), status_code=303)
