import unicodedata
from datetime import datetime
from typing import Annotated

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    EmailStr,
    Field,
    ValidationInfo,
    field_validator,
)
from pydantic_core import PydanticCustomError

from hotline.auth.permissions import ROLES_WITH_MUNICIPALITY, Role
from hotline.kit.patches import PartialUpdate
from hotline.kit.text import InputModel
from hotline.municipalities.schemas import MunicipalityCode


def _invisible(char: str) -> bool:
    """Spaces, line breaks, tabs, control and format characters (zero-width space)."""
    return char.isspace() or unicodedata.category(char) in ("Cc", "Cf")


def holds_a_visible_character(password: str) -> str:
    """Twelve spaces (or twelve control characters) pass the length rule but guard nothing:
    the first guess of anyone who tries; a password needs at least one character one sees."""
    if all(_invisible(char) for char in password):
        raise PydanticCustomError(
            "password_blank", "a password must hold more than spaces and control characters"
        )
    return password


Password = Annotated[
    str, Field(min_length=12, max_length=256), AfterValidator(holds_a_visible_character)
]


class UserCreate(InputModel):
    model_config = ConfigDict(extra="forbid")

    email: EmailStr
    full_name: Annotated[str, Field(min_length=1, max_length=120)]
    role: Role
    municipality_code: Annotated[MunicipalityCode | None, Field(validate_default=True)] = None
    password: Password

    @field_validator("municipality_code")
    @classmethod
    def _municipality_fits_role(cls, code: str | None, info: ValidationInfo) -> str | None:
        """The one place of the rule: agents and admins belong to a municipality, others not."""
        role = info.data.get("role")
        if role is None:  # the role itself was refused; that error says enough
            return code
        bound = role in ROLES_WITH_MUNICIPALITY
        if bound and code is None:
            raise PydanticCustomError(
                "municipality_required",
                "a {role} must belong to a municipality",
                {"role": role.value},
            )
        if not bound and code is not None:
            raise PydanticCustomError(
                "municipality_not_allowed",
                "a {role} does not belong to a municipality",
                {"role": role.value},
            )
        return code


class UserUpdate(PartialUpdate):
    full_name: Annotated[str, Field(min_length=1, max_length=120)] | None = None
    active: bool | None = None
    password: Password | None = None


class UserRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    email: str
    full_name: str
    role: Role
    municipality_code: str | None
    active: bool
    created_at: datetime


class TokenRead(BaseModel):
    access_token: str
    token_type: str = "bearer"  # noqa: S105 (OAuth2 token type, not a secret)
    expires_in: int
