from typing import Annotated

from fastapi import APIRouter, File, Response, UploadFile

from hotline.deps import AppSettings, CurrentUser, DbSession
from hotline.etags import IfMatch
from hotline.letterheads import service
from hotline.letterheads.preview import preview_html
from hotline.letterheads.schemas import LetterheadRead, ThemeUpdate
from hotline.municipalities.service import get_municipality

router = APIRouter(prefix="/letterheads", tags=["letterheads"])

# A browser preview may show inline styles and the embedded logo, nothing else.
PREVIEW_CSP = "default-src 'none'; img-src data:; style-src 'unsafe-inline'; frame-ancestors 'self'"


def _read(letterhead: service.Letterhead, response: Response) -> LetterheadRead:
    response.headers["ETag"] = letterhead.etag
    return LetterheadRead(
        municipality_code=letterhead.municipality.code,
        municipality_name=letterhead.municipality.name,
        source=letterhead.source,
        version=letterhead.version,
        theme=letterhead.theme,
        has_logo=letterhead.logo is not None,
        logo_content_type=letterhead.logo.content_type if letterhead.logo else None,
    )


@router.get("/{code}", response_model=LetterheadRead)
def get_letterhead(
    code: str, session: DbSession, settings: AppSettings, _user: CurrentUser, response: Response
) -> LetterheadRead:
    """The letterhead replies to this municipality's citizens go out on."""
    municipality = get_municipality(session, code)
    return _read(service.letterhead_for(session, settings, municipality), response)


@router.patch("/{code}", response_model=LetterheadRead)
def update_letterhead(
    code: str,
    changes: ThemeUpdate,
    session: DbSession,
    settings: AppSettings,
    user: CurrentUser,
    response: Response,
    if_match: IfMatch = None,
) -> LetterheadRead:
    municipality = get_municipality(session, code)
    letterhead = service.update_theme(
        session, settings, municipality, changes, user, if_match=if_match
    )
    return _read(letterhead, response)


@router.put("/{code}/logo", response_model=LetterheadRead)
async def upload_logo(
    code: str,
    file: Annotated[UploadFile, File(description="PNG or JPEG, at most 200 KB and 600x200 px")],
    session: DbSession,
    settings: AppSettings,
    user: CurrentUser,
    response: Response,
    if_match: IfMatch = None,
) -> LetterheadRead:
    municipality = get_municipality(session, code)
    data = await file.read(service.MAX_LOGO_BYTES + 1)
    letterhead = service.set_logo(session, settings, municipality, data, user, if_match=if_match)
    return _read(letterhead, response)


@router.delete("/{code}", response_model=LetterheadRead)
def reset_letterhead(
    code: str,
    session: DbSession,
    settings: AppSettings,
    user: CurrentUser,
    response: Response,
    if_match: IfMatch = None,
) -> LetterheadRead:
    """Drop the changes made through the API; the theme files apply again."""
    municipality = get_municipality(session, code)
    return _read(
        service.reset_letterhead(session, settings, municipality, user, if_match=if_match),
        response,
    )


@router.get("/{code}/logo", responses={200: {"content": {"image/png": {}, "image/jpeg": {}}}})
def get_logo(code: str, session: DbSession, settings: AppSettings, _user: CurrentUser) -> Response:
    letterhead = service.letterhead_for(session, settings, get_municipality(session, code))
    if letterhead.logo is None:
        return Response(status_code=204)
    return Response(letterhead.logo.data, media_type=letterhead.logo.content_type)


@router.get("/{code}/preview", responses={200: {"content": {"text/html": {}}}})
def preview_letterhead(
    code: str, session: DbSession, settings: AppSettings, _user: CurrentUser
) -> Response:
    """A sample letter on this letterhead, as HTML for the console's preview frame."""
    letterhead = service.letterhead_for(session, settings, get_municipality(session, code))
    return Response(
        preview_html(settings, letterhead),
        media_type="text/html",
        headers={"Content-Security-Policy": PREVIEW_CSP, "ETag": letterhead.etag},
    )
