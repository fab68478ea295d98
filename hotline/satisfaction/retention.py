"""A survey answer follows its contact's retention: once the contact's citizen details are
erased (``erased_at``), so is the answer's free-text comment; the rating and "got an answer"
stay, anonymous, so the statistics do not change. Partner answers are the municipalities' own
assessments, not citizens' data, and are kept. Old rate-limit windows (client addresses) go too.
"""

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from hotline.contacts.models import Contact
from hotline.ratelimit.service import forget_old_windows
from hotline.satisfaction.models import SurveyResponse


def erase_expired_survey_comments(session: Session, now: datetime) -> int:
    erased = session.execute(
        update(SurveyResponse)
        .where(
            SurveyResponse.comment.is_not(None),
            SurveyResponse.contact_id.in_(select(Contact.id).where(Contact.erased_at.is_not(None))),
        )
        .values(comment=None)
        .execution_options(synchronize_session=False)
    ).rowcount  # type: ignore[attr-defined]
    forget_old_windows(session, now)
    return int(erased)
