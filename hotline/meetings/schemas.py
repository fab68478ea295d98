"""What editors send to define a meeting type, what municipalities override, what citizens
answer. Validation of the *shape* lives here; rules that need the database live in service.py."""

import re
from enum import StrEnum
from itertools import pairwise
from typing import Annotated

from pydantic import BaseModel, ConfigDict, EmailStr, Field, field_validator, model_validator
from pydantic_core import PydanticCustomError

from hotline.kit.text import InputModel
from hotline.kit.time import Day
from hotline.meetings.models import MeetingChannel

_HHMM = re.compile(r"^([01][0-9]|2[0-3]):[0-5][0-9]$")
Key = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_-]{0,39}$")]


class QuestionKind(StrEnum):
    SHORT_TEXT = "short_text"
    LONG_TEXT = "long_text"
    SINGLE_CHOICE = "single_choice"
    MULTIPLE_CHOICE = "multiple_choice"
    DATE = "date"
    YES_NO = "yes_no"


CHOICE_KINDS = (QuestionKind.SINGLE_CHOICE, QuestionKind.MULTIPLE_CHOICE)
SHORT_TEXT_MAX = 200
LONG_TEXT_MAX = 2000


class Question(InputModel):
    model_config = ConfigDict(extra="forbid")

    key: Key
    label: str = Field(min_length=1, max_length=200)
    label_en: str | None = Field(default=None, max_length=200)
    kind: QuestionKind
    required: bool = False
    options: list[Annotated[str, Field(min_length=1, max_length=100)]] = Field(
        default_factory=list, max_length=20
    )

    @model_validator(mode="after")
    def _choices_have_options(self) -> "Question":
        if (self.kind in CHOICE_KINDS) != bool(self.options):
            raise PydanticCustomError(
                "choice_options",
                "single and multiple choice questions (and only they) have options",
                {"field": "options"},
            )
        return self


def _unique_keys(questions: list[Question]) -> list[Question]:
    keys = [q.key for q in questions]
    if len(keys) != len(set(keys)):
        raise PydanticCustomError("question_keys_unique", "question keys must be unique")
    return questions


Window = tuple[str, str]
# Opening hours have a few windows a day (a morning, an afternoon, an evening); each window
# lays its own slots, so their number bounds the work of every slot listing.
MAX_WINDOWS_PER_DAY = 8
# The errors that belong to one weekday's hours (its number in the error's ``weekday``).
OPENING_HOURS_ERRORS = frozenset(
    {"opening_window", "opening_windows_overlap", "opening_windows_too_many"}
)


class MeetingTypeIn(InputModel):
    model_config = ConfigDict(extra="forbid")

    slug: Key
    title: str = Field(min_length=1, max_length=120)
    description: str = Field(default="", max_length=2000)
    duration_minutes: int = Field(ge=5, le=240)
    channel: MeetingChannel
    questions: list[Question] = Field(default_factory=list, max_length=30)
    article_slugs: list[Annotated[str, Field(max_length=120)]] = Field(
        default_factory=list, max_length=20
    )
    # Weekday (0 = Monday) -> local opening windows ("09:00", "12:00").
    opening_hours: dict[int, list[Window]] = Field(default_factory=dict)
    closed_days: list[Day] = Field(default_factory=list)
    parallel_agents: int = Field(default=1, ge=1, le=100)
    horizon_days: int = Field(default=30, ge=1, le=365)
    min_notice_hours: int = Field(default=2, ge=0, le=24 * 30)

    _questions_unique = field_validator("questions")(_unique_keys)

    @field_validator("opening_hours")
    @classmethod
    def _windows(cls, value: dict[int, list[Window]]) -> dict[int, list[Window]]:
        """Each window lays slots from its start, so two that overlap offer the same times
        twice; windows that touch ("09:00-12:00, 12:00-15:00") lay distinct slots, and let the
        slots start again on the hour, so they are allowed."""
        for weekday, windows in value.items():
            if not 0 <= weekday <= 6:
                raise ValueError("weekdays are 0 (Monday) to 6 (Sunday)")
            if len(windows) > MAX_WINDOWS_PER_DAY:
                raise PydanticCustomError(
                    "opening_windows_too_many",
                    "at most {limit} opening windows on weekday {weekday}",
                    {"limit": MAX_WINDOWS_PER_DAY, "weekday": weekday},
                )
            for start, end in windows:
                if not (_HHMM.match(start) and _HHMM.match(end)) or start >= end:
                    raise PydanticCustomError(
                        "opening_window",
                        "opening window {window} on weekday {weekday}: use HH:MM, start before end",
                        {"window": f"{start}-{end}", "weekday": weekday},
                    )
            for (start, end), (later_start, later_end) in pairwise(sorted(windows)):
                if later_start < end:
                    raise PydanticCustomError(
                        "opening_windows_overlap",
                        "opening windows {first} and {second} on weekday {weekday} overlap",
                        {
                            "first": f"{start}-{end}",
                            "second": f"{later_start}-{later_end}",
                            "weekday": weekday,
                        },
                    )
        return value


class OverrideIn(InputModel):
    model_config = ConfigDict(extra="forbid")

    hidden: bool = False
    local_questions: list[Question] = Field(default_factory=list, max_length=10)
    local_instructions: str = Field(default="", max_length=4000)

    _questions_unique = field_validator("local_questions")(_unique_keys)


class BookingIn(InputModel):
    """A citizen's booking: the slot, the answers by question key, how to reach them."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    meeting_type: str
    starts_at: str  # ISO-8601 instant, as the slot list gave it
    answers: dict[str, str | list[str]] = Field(default_factory=dict)
    citizen_name: str = Field(min_length=1, max_length=120)
    citizen_phone: str | None = Field(default=None, max_length=40)
    citizen_email: EmailStr | None = None
    privacy_accepted: bool
    language: str = Field(default="da", pattern="^(da|en)$")

    @field_validator("citizen_phone", "citizen_email", mode="before")
    @classmethod
    def _blank_is_none(cls, value: object) -> object:
        return None if value == "" else value

    @model_validator(mode="after")
    def _reachable(self) -> "BookingIn":
        if not (self.citizen_phone or self.citizen_email):
            raise ValueError("give a phone number or an email address (or both)")
        return self


class MeetingTypeRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    slug: str
    title: str
    description: str
    duration_minutes: int
    channel: str
    questions: list[dict[str, object]]
    article_slugs: list[str]
    opening_hours: dict[str, list[list[str]]]
    closed_days: list[str]
    parallel_agents: int
    horizon_days: int
    min_notice_hours: int
    active: bool
    version: int


class OverrideRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    municipality_code: str
    meeting_type_id: int
    hidden: bool
    local_questions: list[dict[str, object]]
    local_instructions: str
    version: int


class ActiveIn(InputModel):
    model_config = ConfigDict(extra="forbid")

    active: bool


class SlotRead(BaseModel):
    starts_at: str
    local_start: str
    free_seats: int
