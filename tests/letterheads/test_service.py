"""Saving letterheads: concurrent admins, database over files."""

import pytest
from sqlalchemy import Engine

from hotline.auth.models import User
from hotline.config import Settings
from hotline.db import make_sessionmaker, transaction
from hotline.errors import PreconditionFailed
from hotline.letterheads.models import LetterheadOverride
from hotline.letterheads.schemas import ThemeUpdate
from hotline.letterheads.service import letterhead_for, update_theme
from hotline.municipalities.service import get_municipality


def test_two_admins_saving_at_once_cannot_both_win(
    settings: Settings, engine: Engine, demo_users: dict[str, User]
) -> None:
    admin = demo_users["admin.aarhus"]
    factory = make_sessionmaker(engine)
    with transaction(factory) as session:
        update_theme(
            session, settings, get_municipality(session, "0751"), ThemeUpdate(closing="A"), admin
        )
    with factory() as slow, factory() as fast:
        aarhus = get_municipality(slow, "0751")
        # The slow request has read the row (and holds it) when the fast one commits.
        read_early = slow.get(LetterheadOverride, "0751")
        assert read_early is not None and read_early.version == 1
        slow.commit()
        update_theme(
            fast, settings, get_municipality(fast, "0751"), ThemeUpdate(closing="B"), admin
        )
        fast.commit()
        with pytest.raises(PreconditionFailed):
            update_theme(slow, settings, aarhus, ThemeUpdate(closing="C"), admin)
    with factory() as session:
        letterhead = letterhead_for(session, settings, get_municipality(session, "0751"))
        assert (letterhead.theme.closing, letterhead.version) == ("B", 2)
