"""Settings every test shares."""

import logging
import os
from collections.abc import Iterator

import pytest

from bots.logs import LIBRARY_FLOORS, configure_logging

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


# CI sets it: a test skipped for want of a server or a browser is then a failure, so a green
# run can't hide tests that never ran.
REQUIRE_SERVICES_ENV = "PETITION_BOT_REQUIRE_SERVICES"


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]):  # type: ignore[no-untyped-def]
    outcome = yield
    report = outcome.get_result()
    if (
        report.skipped
        and os.environ.get(REQUIRE_SERVICES_ENV) == "1"
        and not hasattr(report, "wasxfail")
    ):
        report.outcome = "failed"
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else report.longrepr
        report.longrepr = f"skipped, but {REQUIRE_SERVICES_ENV}=1 requires it to run: {reason}"
