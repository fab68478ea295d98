from datetime import datetime
from typing import Annotated, Self

from pydantic import BaseModel, ConfigDict, EmailStr, Field, field_validator, model_validator

from hotline.auth.permissions import ROLES_WITH_MUNICIPALITY, Role
from hotline.municipalities.schemas import MunicipalityCode

Password = Annotated[str, Field(min_length=12, max_length=256)]


class UserCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    email: EmailStr
    full_name: Annotated[str, Field(min_length=1, max_length=120)]
    role: Role
    municipality_code: MunicipalityCode | None = None
    password: Password

    @model_validator(mode="after")
    def _municipality_fits_role(self) -> Self:
        bound = self.role in ROLES_WITH_MUNICIPALITY
        if bound and self.municipality_code is None:
            raise ValueError(f"a {self.role.value} must belong to a municipality")
        if not bound and self.municipality_code is not None:
            raise ValueError(f"a {self.role.value} does not belong to a municipality")
        return self


class UserUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    full_name: Annotated[str, Field(min_length=1, max_length=120)] | None = None
    active: bool | None = None
    password: Password | None = None

    @field_validator("*", mode="before")
    @classmethod
    def _no_null(cls, value: object) -> object:
        """Leave a field out to keep it; ``null`` would clear a column that must have a value."""
        if value is None:
            raise ValueError("may not be null; leave the field out to keep its value")
        return value


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
