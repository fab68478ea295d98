"""The periodic jobs every outbox worker runs in its hourly housekeeping transaction.

Composed here, above the domains, because the domains that need a periodic job (contacts'
retention) send their mail through the outbox: the worker gets the list from its front ends
(``hotline.app`` and ``hotline worker``) instead of importing them.
"""

from hotline.contacts.retention import erase_expired_contacts
from hotline.replies.worker import HousekeepingJob

HOUSEKEEPING: tuple[HousekeepingJob, ...] = (erase_expired_contacts,)
