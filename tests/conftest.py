"""Settings every test shares."""

import logging
import os
from collections.abc import Iterator

import pytest

from bots.logs import LIBRARY_FLOORS, configure_logging
from tests.smtp_server import SmtpServer

# python-telegram-bot 22 warns when RetryAfter.retry_after is read as seconds; opting in to
# timedelta values (the future default) keeps warnings-as-errors meaningful.
os.environ.setdefault("PTB_TIMEDELTA", "true")


@pytest.fixture
def production_logging(caplog: pytest.LogCaptureFixture) -> Iterator[None]:
    """`petition-bot run --log-level DEBUG`'s logging for the test (to stderr, and to caplog);
    the root's handlers and every logger's level restored after."""
    root = logging.getLogger()
    handlers = root.handlers[:]
    names = ["", *logging.root.manager.loggerDict, *LIBRARY_FLOORS]
    levels = {name: logging.getLogger(name).level for name in names}
    configure_logging(logging.DEBUG)
    root.addHandler(caplog.handler)  # configure_logging replaced the root's handlers
    yield
    for handler in root.handlers[:]:
        root.removeHandler(handler)
    for handler in handlers:
        root.addHandler(handler)
    for name in [*levels, *logging.root.manager.loggerDict]:
        logging.getLogger(name).setLevel(levels.get(name, logging.NOTSET))


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    """A real SMTP server (aiosmtpd) on 127.0.0.1 that keeps what it received."""
    server = SmtpServer()
    server.start()
    yield server
    server.stop()
