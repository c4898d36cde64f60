"""Settings every test shares."""

import logging
import os
from collections.abc import Iterator

import pytest

from bots.logs import LIBRARY_FLOORS, configure_logging
from tests.postgres_database import create_database, drop_database, run, server_url
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


# CI provides every server the tests need (PostgreSQL, Synapse, Chromium, ...) and sets this;
# there a skipped test means a server is missing, which must fail the run, not pass it.
REQUIRE_SERVICES = os.environ.get("PETITION_BOT_REQUIRE_SERVICES") == "1"


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    skipped = reporter.stats.get("skipped", []) if reporter is not None else []
    if REQUIRE_SERVICES and skipped and exitstatus == 0:
        for report in skipped:
            print(f"\nSKIPPED but required: {report.nodeid}: {report.longrepr}")
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A database of this run's own on the test server, dropped at the end (skipped, with how
    to enable it, when no server is configured)."""
    server = server_url()
    database = run(create_database(server))
    yield database
    run(drop_database(server, database))
