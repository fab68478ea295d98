"""Copenhagen time and the days Danish municipal offices are closed, shared by every domain.

Danish public holidays come from the ``holidays`` library; Christmas Eve and New Year's Eve are
added because municipal offices are closed then although they are not public holidays.
(Moved here from hotline/contacts/calendar.py so meetings and contacts read the same days.)
"""

from datetime import date
from functools import lru_cache

import holidays

from hotline.kit.time import DANISH_TIME

COPENHAGEN = DANISH_TIME


@lru_cache(maxsize=64)
def closed_days(year: int) -> frozenset[date]:
    """Danish public holidays of ``year`` plus Christmas Eve and New Year's Eve."""
    public = holidays.country_holidays("DK", years=year)
    return frozenset(public) | {date(year, 12, 24), date(year, 12, 31)}


def is_closed_day(day: date) -> bool:
    return day in closed_days(day.year)
