"""Finding secrets in bytes: which of a set of named secrets a file or a log holds, and where.

Pure and small on purpose: :mod:`tests.secrets_plugin` feeds it the test session's secrets and
what the session left behind (the bot's SQLite files, the logs), and the guard tests in
``tests/reliability/test_secrets.py`` prove it finds what it should.

A secret is looked for as it could leak:

- as it is (UTF-8), URL-encoded (``quote``/``quote_plus``), JSON-escaped;
- inside any base64 text, at each of the three byte alignments (so ``Authorization: Basic
  base64(email:password)`` is found from the password alone, and so is a secret inside a
  base64'd blob), standard and URL-safe alphabets;
- a Fernet key as it is or URL-encoded, looked up among the words of its form.

Shapes (regular expressions) catch secrets by their form whatever their value: Slack tokens
(``xoxb-``, ``xoxp-``, ...), Harvest personal access tokens (``<id>.pt.<random>``). Tokens
without a shape of their own (OAuth access and refresh tokens: 43 URL-safe characters) are found
as exact values among the words of that form (:meth:`SecretSet.add_word`), which keeps a
session's hundreds of issued tokens cheap to look for.

A :class:`Finding` names the secret and the place, never the value: findings are printed.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote, quote_plus

#: Values shorter than this are not looked for: they would match ordinary text.
MIN_LENGTH = 8

SLACK_TOKEN = re.compile(rb"xox[abeprs]-[A-Za-z0-9][A-Za-z0-9-]{3,}")
SLACK_APP_TOKEN = re.compile(rb"xapp-[0-9]-[A-Za-z0-9-]{4,}")
HARVEST_PAT = re.compile(rb"(?<![0-9])[0-9]+\.pt\.[A-Za-z0-9_-]{20,}")
#: The characters of every form looked for (of the shapes' too), and the runs of them that
#: could hold one (no secret is shorter): what :meth:`SecretSet.scan` searches.
WORD = re.compile(rb"[A-Za-z0-9._~%+/=\\-]{8,}")
ZEROS = re.compile(b"\0" * 16 + b"+")  # spelt out: a literal prefix, which re finds fast
#: A Fernet key (32 bytes, URL-safe base64), as it is or URL-encoded.
FERNET_KEY = re.compile(rb"(?<![A-Za-z0-9_-])([A-Za-z0-9_-]{43})(=|%3D)")
#: The form of OAuth tokens and other ``secrets.token_urlsafe(32)`` values.
URLSAFE_43 = re.compile(rb"(?<![A-Za-z0-9_-])[A-Za-z0-9_-]{43}(?![A-Za-z0-9_-])")


@dataclass(frozen=True)
class Finding:
    """One secret found: its name, the form it was in, the place (a file, a log), the offset."""

    secret: str
    form: str
    where: str
    offset: int

    def __str__(self) -> str:
        return f"{self.where}: {self.secret} ({self.form}) at byte {self.offset}"


def base64_cores(value: bytes) -> list[bytes]:
    """The base64 characters that ``value`` alone decides, at each of the 3 byte alignments it
    can have inside a longer base64'd text (standard alphabet; no padding)."""
    cores = []
    for pad in range(3):
        encoded = base64.b64encode(b"\0" * pad + value).rstrip(b"=")
        first = -(-pad * 8 // 6)  # the first character whose 6 bits all come from value
        last = (pad + len(value)) * 8 // 6  # characters before this hold only value's bits
        core = encoded[first:last]
        if len(core) >= MIN_LENGTH:
            cores.append(core)
    return cores


@dataclass
class SecretSet:
    """Named secrets and the byte strings that would betray each."""

    _needles: dict[bytes, tuple[str, str, bool]] = field(default_factory=dict)  # name, form, a word
    _shapes: list[tuple[str, re.Pattern[bytes]]] = field(default_factory=list)
    _words: dict[bytes, str] = field(default_factory=dict)
    _names: set[str] = field(default_factory=set)
    _keys: dict[bytes, str] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self._names) + len(self._words) + len(self._keys)

    def names(self) -> set[str]:
        return set(self._names) | set(self._words.values()) | set(self._keys.values())

    def add(self, name: str, value: str | bytes) -> bool:
        """Look for ``value`` in every form; False (and nothing added) when it is too short."""
        raw = value.encode() if isinstance(value, str) else bytes(value)
        if len(raw) < MIN_LENGTH:
            return False
        self._names.add(name)
        forms: list[tuple[str, bytes]] = [("as is", raw)]
        if isinstance(value, str):
            forms += [
                ("URL-encoded", quote(value, safe="").encode()),
                ("form-encoded", quote_plus(value).encode()),
                ("JSON-escaped", json.dumps(value)[1:-1].encode()),
            ]
        for core in base64_cores(raw):
            forms.append(("base64", core))
            forms.append(("base64", core.translate(bytes.maketrans(b"+/", b"-_"))))
        for form, needle in forms:
            self._needles.setdefault(needle, (name, form, bool(WORD.fullmatch(needle))))
        return True

    def add_key(self, name: str, key: bytes) -> None:
        """A Fernet key, as it is or URL-encoded: looked up among the words of its form (a
        session makes a thousand keys; searched one by one they would make the scan slow)."""
        text = key.strip()
        if FERNET_KEY.fullmatch(text):
            self._keys.setdefault(text[:43], name)
        else:
            self.add(name, text.decode("ascii", "replace"))

    def add_shape(self, name: str, pattern: re.Pattern[bytes]) -> None:
        """Anything of this form is a secret."""
        self._shapes.append((name, pattern))
        self._names.add(name)

    def add_word(self, name: str, value: str) -> None:
        """An exact 43-character URL-safe token (see :data:`URLSAFE_43`): looked up, not searched."""
        raw = value.encode()
        if not URLSAFE_43.fullmatch(raw):
            self.add(name, value)
            return
        self._words.setdefault(raw, name)

    def scan(self, data: bytes, where: str, words: Iterable[bytes] | None = None) -> list[Finding]:
        """Every secret ``data`` holds, the first occurrence of each form.

        Fast on a session's worth of databases and logs: runs of zero bytes (most of a SQLite
        file) are squeezed out, the words that could hold a secret (runs of :data:`WORD`'s
        characters) taken once each, and only those searched; the offset is looked up for a hit.
        ``words``: those words, when already collected (the session log's, as it was written).
        """
        squeezed = ZEROS.sub(b"\0", data)
        joined = b"\n".join(set(WORD.findall(squeezed)) if words is None else words)
        found: list[Finding] = []
        # Copies: emulator threads may add the tokens they issue meanwhile.
        for needle, (name, form, word) in list(self._needles.items()):
            if needle in (joined if word else squeezed):
                found.append(Finding(name, form, where, data.find(needle)))
        for name, pattern in list(self._shapes):
            match = pattern.search(joined)
            if match:
                found.append(Finding(name, "its form", where, data.find(match.group())))
        if self._keys:
            seen_keys: set[str] = set()
            for match in FERNET_KEY.finditer(joined):
                name = self._keys.get(match.group(1))
                if name is not None and name not in seen_keys:
                    seen_keys.add(name)
                    found.append(Finding(name, "as is" if match.group(2) == b"=" else
                                         "URL-encoded", where, data.find(match.group())))
        if self._words:
            seen: set[str] = set()
            for match in URLSAFE_43.finditer(joined):
                name = self._words.get(match.group())
                if name is not None and name not in seen:
                    seen.add(name)
                    found.append(Finding(name, "as is", where, data.find(match.group())))
        return found

    def scan_file(self, path: Path, label: str | None = None) -> list[Finding]:
        """The file's findings; a file gone meanwhile has none."""
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            return []
        return self.scan(data, label or str(path))


# -- the bot's SQLite files ------------------------------------------------------------------

SQLITE_HEADER = b"SQLite format 3\x00"
#: ``storage.db``'s own table, as its ``CREATE`` statement is stored in ``sqlite_master``; the
#: emulator's store (Harvest's side) has no such table.
BOT_MARK = b"CREATE TABLE _migrations (name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)"
SIDE_FILES = ("-wal", "-shm", "-journal")


def database_files(path: Path) -> list[Path]:
    """A database and whichever of its side files exist."""
    return [p for p in [path, *(path.with_name(path.name + s) for s in SIDE_FILES)] if p.exists()]


def read_bot_database(path: Path) -> dict[Path, bytes] | None:
    """The bytes of ``path`` and of its side files if it is a SQLite database made by
    ``storage.db`` (its schema may still be only in the write-ahead log), else None."""
    try:
        with open(path, "rb") as file:
            head = file.read(len(SQLITE_HEADER))
            if head and head != SQLITE_HEADER:
                return None
            contents = {path: head + file.read()}
    except OSError:
        return None
    for side in database_files(path)[1:]:
        try:
            contents[side] = side.read_bytes()
        except OSError:
            pass
    if any(BOT_MARK in contents.get(p, b"") for p in (path, path.with_name(path.name + "-wal"))):
        return contents
    return None


def is_bot_database(path: Path) -> bool:
    """Whether ``path`` is a SQLite database made by ``storage.db``."""
    return read_bot_database(path) is not None


def database_candidates(root: Path) -> Iterator[Path]:
    """The files under ``root`` that may be databases (not side files)."""
    for path in Path(root).rglob("*"):
        if not path.name.endswith(SIDE_FILES) and path.is_file():
            yield path


def bot_databases(roots: Iterable[Path]) -> list[Path]:
    """The bot's databases under ``roots`` (main files; see :func:`database_files`)."""
    return sorted(p for root in roots for p in database_candidates(root) if is_bot_database(p))
