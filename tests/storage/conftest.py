from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlite_utils
from cryptography.fernet import Fernet

from bot.secrets import SecretBox
from storage.db import open_db

NOW = datetime(2026, 11, 20, 9, 30, tzinfo=UTC)


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "bot.sqlite"


@pytest.fixture
def db(db_path: Path) -> sqlite_utils.Database:
    # A real file, not :memory:, so WAL and cross-connection behaviour are the production ones.
    database = open_db(db_path)
    yield database
    database.conn.close()


@pytest.fixture
def box() -> SecretBox:
    return SecretBox([Fernet.generate_key()])
