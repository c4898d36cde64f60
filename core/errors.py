"""Every exception the project raises, as one tree; catch a branch to catch all it holds.

::

    PetitionBotError                 the root: nothing else is raised by core/, storage/, bots/
    ├── BadInput                     what a person sent can't be used; answered, changes nothing
    │   ├── InvalidField             core.fields: a name, email or postal code is refused
    │   ├── UnknownPetition          core.commands.base: a command names no configured petition
    │   ├── MessageTooLong           here: a broadcast is empty or longer than configured
    │   ├── SheetUnreadable          core.paper.sheet: a file to import is not a usable CSV
    │   ├── RowRejected              core.paper.rows: one row of an import can't be a signature
    │   ├── ImportRefused            core.paper.importer: an import can't run as asked
    │   └── TallyRefused             core.paper.tally: a tally's number or note is refused
    ├── StoreError                   storage failed or refused; the store port's errors
    │   ├── AlreadySigned            core.store: an active signature exists (account or email)
    │   ├── StoreClosed              here: a read or write came after the store was closed
    │   ├── StoreUnreachable         here: the database can't be reached at start-up
    │   ├── TransactionFailed        storage.group_commit: the commit failed, nothing is stored
    │   │                              (also a sqlite3.OperationalError)
    │   ├── UnsupportedStorage       core.storage_url: this build can't open the storage URL
    │   │                              (also a ValueError, so pydantic reports it as a config key)
    │   ├── BrokenMigration          storage.migrations: a migration script can't be run
    │   └── CopyRefused              storage.copy_store: copy-store can't copy these stores
    ├── MailNotSent                  here: the mail server refused an email or can't be reached
    ├── ConfigError                  here: the configuration can't be used; names each key
    │   └── MissingMessage           core.catalog: a message or its plural forms are missing
    └── StartupError                 the bot can't start as configured
        ├── MissingToken             here: an enabled platform's token or secret is not set
        ├── NoPlatformEnabled        bots.platforms: `run` has no platform to start
        ├── PlatformStopped          bots.platforms: a platform adapter stopped with an error
        ├── TokenRejected            bots.telegram.runner: Telegram refused the bot token
        └── CommandTableMismatch     core.commands.table: handlers or an adapter disagree with it

The classes raised or caught in more than one module live here; the others live beside the
code that raises them. No project code raises a bare ``ValueError`` or ``RuntimeError``, except
pydantic validators, where a ``ValueError`` is how pydantic learns a value is invalid
(tests/unit/test_errors.py checks both rules and that this tree lists every class).
"""

from __future__ import annotations

from collections.abc import Sequence


class PetitionBotError(Exception):
    """The root of every exception the petition bot raises."""


class BadInput(PetitionBotError):
    """What a person sent can't be used; the core answers it and changes nothing."""


class MessageTooLong(BadInput):
    """A broadcast's text is empty or longer than ``[broadcasts] max_length`` allows."""

    def __init__(self, length: int, limit: int) -> None:
        super().__init__(f"a broadcast must have 1 to {limit:,} characters, not {length:,}")
        self.length = length
        self.limit = limit


class StoreError(PetitionBotError):
    """Storage failed or refused a write; the core knows how to answer each kind."""


class StoreClosed(StoreError):
    """A read or write arrived after the store was closed."""


class MailNotSent(PetitionBotError):
    """An email (a confirmation code) did not reach the mail server; it is tried again later."""


class StoreUnreachable(StoreError):
    """The database could not be reached or refused the connection at start-up; the message
    names the server and what to check (never the password)."""


class ConfigError(PetitionBotError):
    """The configuration can't be used; ``problems`` name each key and what is wrong."""

    def __init__(self, source: str, problems: Sequence[str]) -> None:
        super().__init__(f"{source}: " + "; ".join(problems))
        self.source = source
        self.problems = list(problems)


class StartupError(PetitionBotError):
    """The bot can't start as configured."""


class MissingToken(StartupError):
    """An enabled platform's token (or webhook secret) is not in the environment."""
