"""The body of a partial update (``PATCH``): only the fields sent change.

A field left out keeps its value; ``null`` is refused rather than read as "clear it", because
the columns these bodies change all must have a value (``website: null`` once stored "None").
"""

from pydantic import ConfigDict, field_validator

from hotline.kit.text import InputModel


class PartialUpdate(InputModel):
    model_config = ConfigDict(extra="forbid")

    @field_validator("*", mode="before")
    @classmethod
    def _no_null(cls, value: object) -> object:
        if value is None:
            raise ValueError("may not be null; leave the field out to keep its value")
        return value
