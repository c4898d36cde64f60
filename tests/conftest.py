"""Settings every test shares."""

import os

# python-telegram-bot 22 warns when RetryAfter.retry_after is read as seconds; opting in to
# timedelta values (the future default) keeps warnings-as-errors meaningful.
os.environ.setdefault("PTB_TIMEDELTA", "true")
