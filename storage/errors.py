"""The errors the storage layer raises.

::

    StorageError
    ├── MigrationError        the schema on disk is not one this code can use
    ├── NotFoundError         no record with that id or key
    └── OutboxClosedError     the outbox item is already done or failed
"""


class StorageError(Exception):
    """Something went wrong in the bot's database."""


class MigrationError(StorageError):
    """The database schema cannot be brought up to date."""


class NotFoundError(StorageError):
    """Record not found."""


class OutboxClosedError(StorageError):
    """The outbox item is already done or failed and cannot change again."""
