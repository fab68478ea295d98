"""The console's one door to ``hotline.auth.permissions``: which pages and controls to show.

Every write, and every read a role may only partly see, is authorised by its service use case,
so the console and the API give the same answer to the same attempt. What the console decides
itself is only presentation, through the two functions here:

- ``open_page``: a workspace page opens only for the roles that work there (an admin's pages of
  their municipality, the editors' desk, the operators' pages, a municipality's routing). Those
  pages show data every signed-in role may read through the API; the guard keeps the menus and
  pages of other roles away, and refuses a form before it is read, so a refused user gets no
  validation hints about another municipality's data. The service refuses the act anyway.
- ``shows``: whether to draw a control (an edit button, the menu entry, a form's extra columns).

The import-linter contract "Front ends translate" keeps every other console module and every
``*/api.py`` away from the permissions.
"""

from hotline.auth.permissions import Action, Principal, Role, can, require

__all__ = ["ROLE_NAMES", "Action", "Role", "open_page", "shows"]

ROLE_NAMES = {
    Role.OPERATOR: "Driftsansvarlig",
    Role.EDITOR: "Redaktør",
    Role.MUNICIPALITY_ADMIN: "Kommuneadministrator",
    Role.AGENT: "Medarbejder (svarer borgere)",
    Role.SUPERVISOR: "Vagtleder (følger vagten og tallene)",
}
"""Every role's Danish name, wherever the console shows or offers one (a test holds it to
cover every ``Role``)."""


def open_page(user: Principal, action: Action, municipality_code: str | None = None) -> None:
    """403 (a Danish page) unless the user's role works on this page."""
    require(user, action, municipality_code)


def shows(user: Principal, action: Action, municipality_code: str | None = None) -> bool:
    """Draw the control only for those whose act the service would allow."""
    return can(user, action, municipality_code)
