from datetime import date
from typing import Annotated

from pydantic import BaseModel, ConfigDict, EmailStr, Field, field_validator

from hotline.kit.text import NORMALISED, InputModel
from hotline.kit.time import Day
from hotline.satisfaction.models import COMMENT_MAX_CHARS, GotAnswer

Score = Annotated[int, Field(ge=1, le=5)]
Comment = Annotated[str, Field(max_length=COMMENT_MAX_CHARS), NORMALISED]


def _blank_is_none(value: str | None) -> str | None:
    return value.strip() or None if value is not None else None


class SurveyAnswer(InputModel):
    """ "Hvor tilfreds er du med hjælpen?" 1-5, "Fik du svar på dit spørgsmål?", a comment."""

    model_config = ConfigDict(extra="forbid")

    rating: Score
    got_answer: GotAnswer
    comment: Comment | None = None

    _strip = field_validator("comment")(_blank_is_none)


class PhoneSurveyRequest(InputModel):
    """The agent records that the citizen agreed on the phone; the address if the contact does
    not hold one."""

    citizen_agreed: bool
    email: EmailStr | None = None


class RoundOpen(InputModel):
    title: Annotated[str, Field(min_length=1, max_length=120)]
    closes_on: Day


class RoundRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    title: str
    closes_on: date
    closed: bool = False


class PartnerAnswerWrite(InputModel):
    model_config = ConfigDict(extra="forbid")

    quality_of_answers: Score
    quality_of_forwards: Score
    cooperation: Score
    comment: Comment | None = None

    _strip = field_validator("comment")(_blank_is_none)
