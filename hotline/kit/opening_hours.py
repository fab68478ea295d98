"""Whether a place is open now, read from the Danish opening hours municipalities write.

Opening hours are kept as text people write and read ("Man-ons 10-15, tors 10-17.30, fre 10-13",
"Hverdage 16-8, weekend og helligdage hele døgnet"), because the same text goes into the
articles citizens get. This reads that text into weekly rules; a text it cannot read gives
``None`` (the console then says the hours are unknown rather than guess).

Days the offices are closed (Danish public holidays, Christmas Eve, New Year's Eve: see
``danish_calendar``) count as closed, unless a rule names "helligdage" or says "alle dage".
An interval whose end is not after its start runs past midnight ("16-8"); on-call services
write their nights that way, so the named days' own mornings are open too ("hverdage 16-8"
is open Monday 0-8 after a weekend "hele døgnet", as the people writing it mean).
"""

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from hotline.kit.danish_calendar import COPENHAGEN, is_closed_day

DAY_NAMES = ("man", "tir", "ons", "tor", "fre", "lør", "søn")
DAY_LONG = ("mandag", "tirsdag", "onsdag", "torsdag", "fredag", "lørdag", "søndag")
_DAY = {name: index for index, name in enumerate(DAY_NAMES)}
_DAY.update({name: index for index, name in enumerate(DAY_LONG)})
_DAY.update({"tirs": 1, "tors": 3, "lor": 5, "son": 6})
_WEEKDAYS = frozenset(range(5))
_ALL_DAYS = frozenset(range(7))
_WHOLE_DAY = re.compile(r"hele døgnet|døgnet rundt|døgnåbent|hele dagen")
_INTERVAL = re.compile(r"(?:kl\.\s*)?(\d{1,2})(?:[.:](\d{2}))?\s*[-–]\s*(\d{1,2})(?:[.:](\d{2}))?")
_PARENTHESES = re.compile(r"\([^)]*\)")
_WORD = re.compile(r"[a-zæøå]+")
_DAY_RANGE = re.compile(r"([a-zæøå]+)\.?\s*[-–]\s*([a-zæøå]+)")
_FILLER = {"og", "samt", "kl", "alle", "dage", "dagligt", "hele", "ugen", "på", "i", "fra"}


@dataclass(frozen=True)
class Rule:
    """Open from ``start`` to ``end`` minutes after midnight (``end`` > 1440: past midnight)."""

    days: frozenset[int]  # Monday = 0
    holidays: bool  # also (only thus) on days the offices are closed
    start: int
    end: int


@dataclass(frozen=True)
class OpenNow:
    open: bool
    # When the current state ends: the closing time while open, the next opening while closed
    # (None: open around the clock, or never opens in the coming week).
    changes_at: datetime | None


def _minutes(hours: str, minutes: str | None) -> int | None:
    value = int(hours) * 60 + int(minutes or 0)
    return value if 0 <= value <= 24 * 60 else None


def _days(text: str) -> tuple[frozenset[int], bool] | None:
    """The days a day phrase names ("man-ons", "hverdage", "weekend og helligdage")."""
    days: set[int] = set()
    holidays = False
    if re.search(r"alle dage|dagligt|hele ugen", text):
        days |= _ALL_DAYS
        holidays = True
    for first, last in _DAY_RANGE.findall(text):
        if first in _DAY and last in _DAY:
            a, b = _DAY[first], _DAY[last]
            days |= {(a + step) % 7 for step in range((b - a) % 7 + 1)}
    text = _DAY_RANGE.sub(" ", text)
    for word in _WORD.findall(text):
        if word in _DAY:
            days.add(_DAY[word])
        elif word == "hverdage":
            days |= _WEEKDAYS
        elif word in ("weekend", "weekender", "weekenden"):
            days |= {5, 6}
        elif word in ("helligdage", "helligdag"):
            holidays = True
        elif word not in _FILLER:
            return None
    if not days and not holidays:
        return None
    return frozenset(days), holidays


def parse(text: str) -> list[Rule] | None:
    """Weekly rules of an opening-hours text, or None when any part of it cannot be read."""
    rules: list[Rule] = []
    days, holidays = _ALL_DAYS, True  # a time without days: every day
    for segment in re.split(r"[,;\n]", _PARENTHESES.sub(" ", text.lower())):
        segment = segment.strip().rstrip(".")
        if not segment:
            continue
        whole = _WHOLE_DAY.search(segment)
        interval = _INTERVAL.search(segment)
        starts = [m.start() for m in (whole, interval) if m is not None]
        if not starts:
            return None
        if day_text := segment[: min(starts)].strip():  # else the previous segment's days
            named = _days(day_text)
            if named is None:
                return None
            days, holidays = named
        if interval is None or (whole is not None and whole.start() < interval.start()):
            start, end = 0, 24 * 60
        else:
            start_at = _minutes(interval.group(1), interval.group(2))
            end_at = _minutes(interval.group(3), interval.group(4))
            if start_at is None or end_at is None:
                return None
            start, end = start_at, end_at if end_at > start_at else end_at + 24 * 60
        rules.append(Rule(days=days, holidays=holidays, start=start, end=end))
    return rules or None


def _applies(rule: Rule, day: date) -> bool:
    if is_closed_day(day):
        return rule.holidays
    return day.weekday() in rule.days


def _intervals(rules: list[Rule], around: date) -> list[tuple[datetime, datetime]]:
    """Open intervals starting from the day before ``around`` to a week after it."""
    found = []
    for offset in range(-1, 9):
        day = around + timedelta(days=offset)
        midnight = datetime.combine(day, time(0), COPENHAGEN)
        for rule in rules:
            if _applies(rule, day) and rule.end > 24 * 60:  # the night into this morning
                found.append((midnight, midnight + timedelta(minutes=rule.end - 24 * 60)))
            if _applies(rule, day):
                found.append(
                    (
                        midnight + timedelta(minutes=rule.start),
                        midnight + timedelta(minutes=rule.end),
                    )
                )
    return sorted(found)


def open_now(rules: list[Rule], at: datetime) -> OpenNow:
    """Open or closed at ``at`` (any time zone; read in Copenhagen), and until when."""
    local = at.astimezone(COPENHAGEN)
    intervals = _intervals(rules, local.date())
    current = [(start, end) for start, end in intervals if start <= local < end]
    if current:
        end = max(end for _start, end in current)
        while True:  # intervals that join up (16-24 then 0-8) are one opening
            joined = [e for s, e in intervals if s <= end < e]
            if not joined:
                break
            end = max(joined)
        if end - local > timedelta(days=7):
            return OpenNow(open=True, changes_at=None)
        return OpenNow(open=True, changes_at=end)
    upcoming = [start for start, _end in intervals if start > local]
    return OpenNow(open=False, changes_at=min(upcoming) if upcoming else None)


def describe(state: OpenNow, at: datetime) -> str:
    """ "åben nu, lukker kl. 15.00" / "lukket nu, åbner tors. kl. 10.00" (Danish, for agents)."""
    if state.changes_at is None:
        return "åben hele døgnet" if state.open else "lukket nu"
    local_now = at.astimezone(COPENHAGEN)
    when = state.changes_at.astimezone(COPENHAGEN)
    clock = f"kl. {when:%H.%M}"
    if when.date() == local_now.date():
        day = ""
    elif when.date() == local_now.date() + timedelta(days=1):
        day = "i morgen "
    else:
        day = f"{DAY_LONG[when.weekday()]} "
    return f"åben nu, lukker {day}{clock}" if state.open else f"lukket nu, åbner {day}{clock}"
