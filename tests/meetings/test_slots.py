"""Slot rules on Copenhagen wall-clock time: holidays, DST days, notice, horizon, capacity."""

from collections import Counter
from datetime import UTC, date, datetime, timedelta

from hotline.meetings.models import MeetingType
from hotline.meetings.slots import free_slots, is_bookable_start, slot_starts
from tests.meetings.conftest import WEEKDAY_HOURS, local


def meeting_type(**fields: object) -> MeetingType:
    values: dict[str, object] = {
        "duration_minutes": 30,
        "opening_hours": {str(d): [list(w) for w in ws] for d, ws in WEEKDAY_HOURS.items()},
        "closed_days": [],
        "parallel_agents": 1,
        "horizon_days": 30,
        "min_notice_hours": 2,
    }
    return MeetingType(**{**values, **fields})


MONDAY = date(2026, 11, 30)


def test_a_morning_of_three_hours_gives_six_half_hour_slots_in_local_time() -> None:
    starts = list(slot_starts(meeting_type(), MONDAY))
    assert starts == [local(MONDAY, 9) + timedelta(minutes=30 * i) for i in range(6)]
    assert starts[0] == datetime(2026, 11, 30, 8, 0, tzinfo=UTC)  # CET: UTC+1


def test_danish_public_holidays_christmas_eve_and_own_closed_days_have_no_slots() -> None:
    kind = meeting_type(closed_days=["2026-12-01"])
    for closed in (
        date(2026, 4, 3),  # Langfredag
        date(2026, 4, 6),  # 2. påskedag
        date(2026, 5, 14),  # Kristi himmelfartsdag
        date(2026, 12, 24),  # juleaften: municipal offices closed
        date(2026, 12, 1),  # the type's own closed day
    ):
        assert list(slot_starts(kind, closed)) == [], closed
    assert list(slot_starts(kind, date(2026, 12, 2)))  # an ordinary Wednesday


def test_weekends_without_hours_have_no_slots() -> None:
    assert list(slot_starts(meeting_type(), date(2026, 12, 5))) == []


def test_local_hours_hold_on_both_sides_of_the_spring_and_autumn_clock_changes() -> None:
    before_spring, after_spring = date(2026, 3, 27), date(2026, 3, 30)  # Fri, Mon
    assert next(slot_starts(meeting_type(), before_spring)).hour == 8  # 09:00 CET
    assert next(slot_starts(meeting_type(), after_spring)).hour == 7  # 09:00 CEST
    before_autumn, after_autumn = date(2026, 10, 23), date(2026, 10, 26)
    assert next(slot_starts(meeting_type(), before_autumn)).hour == 7
    assert next(slot_starts(meeting_type(), after_autumn)).hour == 8


def test_night_hours_on_the_clock_change_days_skip_the_missing_hour_and_book_the_double_once() -> (
    None
):
    night = meeting_type(
        opening_hours={"6": [["01:00", "04:00"]]},
        horizon_days=365,
        min_notice_hours=0,
    )
    spring = list(slot_starts(night, date(2026, 3, 29)))  # 02:00-03:00 does not exist
    assert [s.strftime("%H:%M") for s in spring] == ["00:00", "00:30", "01:00", "01:30"]
    autumn = list(slot_starts(night, date(2026, 10, 25)))  # 02:00-03:00 happens twice
    assert len(autumn) == len(set(autumn)) == 6
    assert autumn == sorted(autumn)


def test_minimum_notice_hides_slots_starting_too_soon() -> None:
    now = local(MONDAY, 9, 10)
    slots = free_slots(meeting_type(), Counter(), now, days=1)
    assert [s.local_start.strftime("%H:%M") for s in slots] == ["11:30"]
    assert not is_bookable_start(meeting_type(), local(MONDAY, 11), now)
    assert is_bookable_start(meeting_type(), local(MONDAY, 11, 30), now)


def test_the_horizon_ends_the_bookable_days() -> None:
    now = local(MONDAY, 8)
    slots = free_slots(meeting_type(horizon_days=7), Counter(), now)
    assert max(s.local_start.date() for s in slots) == date(2026, 12, 7)
    assert not is_bookable_start(meeting_type(horizon_days=7), local(date(2026, 12, 8), 9), now)


def test_a_slot_stays_free_until_every_parallel_agent_is_booked() -> None:
    now = local(MONDAY, 6)
    kind = meeting_type(parallel_agents=2)
    nine, half_past = local(MONDAY, 9), local(MONDAY, 9, 30)
    slots = free_slots(kind, Counter({nine: 1, half_past: 2}), now, days=1)
    by_start = {s.starts_at: s.free_seats for s in slots}
    assert by_start[nine] == 1
    assert half_past not in by_start


def test_times_off_the_grid_are_not_bookable() -> None:
    now = local(MONDAY, 6)
    assert not is_bookable_start(meeting_type(), local(MONDAY, 9, 15), now)
    assert not is_bookable_start(meeting_type(), local(MONDAY, 12), now)  # ends after closing
