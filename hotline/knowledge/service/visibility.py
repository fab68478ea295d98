"""Who sees drafts: the one scoping rule for unpublished articles."""

from hotline.auth.permissions import (
    Action,
    Principal,
    can,
    require,
)

# --- who sees drafts ------------------------------------------------------------------------


def sees_drafts(actor: Principal, municipality_code: str | None = None) -> bool:
    """The one rule for drafts: editors see shared ones, a municipality's own editors its own."""
    return can(actor, Action.EDIT_SHARED_KNOWLEDGE) or (
        municipality_code is not None and can(actor, Action.EDIT_LOCAL_KNOWLEDGE, municipality_code)
    )


def drafts_wanted(actor: Principal, municipality_code: str, wanted: bool) -> bool:
    """Asking for a municipality's drafts is itself refused (403) to those who may not see them."""
    if wanted and not sees_drafts(actor, municipality_code):
        require(actor, Action.EDIT_LOCAL_KNOWLEDGE, municipality_code)
    return wanted
