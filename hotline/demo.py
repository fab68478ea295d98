"""Demo accounts: created by `hotline demo` (and `make run`), refused in production."""

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.auth.models import User
from hotline.auth.permissions import Role
from hotline.auth.schemas import UserCreate
from hotline.auth.service import create_user, users_with_password

DEMO_PASSWORD = "hotline-demo-2026"  # noqa: S105 (documented demo password, refused in production)


@dataclass(frozen=True)
class DemoAccount:
    email: str
    full_name: str
    role: Role
    municipality_code: str | None = None


DEMO_ACCOUNTS = (
    DemoAccount("operator@hotline.example", "Olga Operatør", Role.OPERATOR),
    DemoAccount("editor@hotline.example", "Erik Redaktør", Role.EDITOR),
    DemoAccount("agent.aarhus@hotline.example", "Anna Agent", Role.AGENT, "0751"),
    DemoAccount("agent.odense@hotline.example", "Ole Agent", Role.AGENT, "0461"),
    DemoAccount("admin.aarhus@hotline.example", "Aase Admin", Role.MUNICIPALITY_ADMIN, "0751"),
    DemoAccount("admin.kobenhavn@hotline.example", "Karl Admin", Role.MUNICIPALITY_ADMIN, "0101"),
    DemoAccount("supervisor@hotline.example", "Sif Vagtleder", Role.SUPERVISOR),
)


def seed_demo_accounts(session: Session) -> list[DemoAccount]:
    """Create the demo accounts that do not exist yet; existing ones are left as they are."""
    existing = set(session.scalars(select(User.email)))
    created = []
    for account in DEMO_ACCOUNTS:
        if account.email in existing:
            continue
        create_user(
            session,
            UserCreate(
                email=account.email,
                full_name=account.full_name,
                role=account.role,
                municipality_code=account.municipality_code,
                password=DEMO_PASSWORD,
            ),
        )
        created.append(account)
    return created


def accounts_with_demo_password(session: Session) -> list[str]:
    return users_with_password(session, [a.email for a in DEMO_ACCOUNTS], DEMO_PASSWORD)
