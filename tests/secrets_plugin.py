"""After the whole test session: no password or token in clear in the bot's SQLite files, and
none in what was logged (issue #7). Registered by ``tests/conftest.py``; runs with every
``python -m pytest``.

During the session:

- every log record (level 9 and up, so DEBUG included, with its traceback) is written to
  ``<basetemp>/secrets-scan/session.log``: a handler on the root logger, the root's level
  lowered to 9, and the same handler on loggers that do not propagate (uvicorn's), re-attached
  before and after each test phase since each uvicorn ``Config`` configures them afresh. The
  other root handlers (pytest's report and ``caplog`` capture, its log file) get a filter so
  they see what they saw before: a record passes if it would have passed the root's own level.
  ``caplog.set_level`` and ``caplog.at_level`` keep working as they did. The words of each
  record (what a secret could be part of) are kept as it is written, for the end. A test marked
  ``secrets_logged(reason)`` (its own requests put secrets where a library logs them) has its
  records written to ``aside.log`` instead, which is not scanned;
- the secrets are gathered: named string literals in ``tests/`` and ``bench/`` (``SIGNING_SECRET
  = "..."``, ``"password": "..."``, ``client_secret="..."``), what each in-process Harvest
  emulator was seeded with (its people's passwords, OAuth client secret, personal access
  tokens) and every OAuth access and refresh token it issued, every Fernet key made
  (``Fernet.generate_key``, and key files found under the session's temp dir); and by form,
  Slack tokens (``xoxb-``, ``xoxp-``, ``xapp-``, ...) and Harvest personal access tokens;
- ``tempfile.TemporaryDirectory`` (the benchmarks' workdirs, where ``harvest-bot serve`` writes
  its database and its output, ``serve.log``) scans its directory before removing it.

At the end (``pytest_sessionfinish``): the session log, every bot database under the session's
temp dir with its ``-wal``/``-shm``/``-journal`` files (a bot database is one with
``storage.db``'s ``_migrations`` table; the emulator's store is Harvest's side and is left
out), and every ``*.log`` there (but the emulator's own output, which prints the demo logins on
purpose) are scanned. A finding fails the run: its secret's name, the form and the file are
printed, never the value.
"""

from __future__ import annotations

import logging
import re
import tempfile
import time
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.secrets_scan import (
    HARVEST_PAT,
    SLACK_APP_TOKEN,
    SLACK_TOKEN,
    WORD,
    Finding,
    SecretSet,
    database_candidates,
    read_bot_database,
)

ROOT = Path(__file__).resolve().parent.parent
#: The root logger's level during the session: DEBUG and a notch below, and a value no test sets.
SESSION_LEVEL = logging.DEBUG - 1
#: :data:`WORD` for text.
WORDS_IN_TEXT = re.compile(WORD.pattern.decode("ascii"), re.ASCII)
#: Marks a test whose own requests put secrets in the log (see ``pytest_configure``).
MARKER = "secrets_logged"
#: ``NAME = "value"``, ``"NAME": "value"``, ``name="value"`` where the name says it is a secret.
NAMED_LITERAL = re.compile(
    r"""(?i)\b([a-z0-9_]*(?:secret|token|password|passwd)[a-z0-9_]*)["']?\s*[:=]\s*[rbf]?"""
    r"""["']([^"'\s{}]{8,})["']""")
#: Values of that form that are names, not secrets: identifiers, URLs, paths.
NOT_A_SECRET = re.compile(r"[a-z_]+|[A-Z_]+|.*://.*|/.*")
#: Source files whose literals are not the tests' secrets (this scanner's own).
SWEEP_SKIP = {"secrets_plugin.py", "secrets_scan.py", "test_secrets_scan.py"}


def source_secrets(roots: list[Path]) -> list[tuple[str, str]]:
    """(name, value) of every named secret literal in the Python files under ``roots``."""
    found = []
    for root in roots:
        for path in sorted(root.rglob("*.py")):
            if path.name in SWEEP_SKIP:
                continue
            text = path.read_text(encoding="utf-8", errors="replace")
            if not re.search(r"(?i)secret|token|passw", text):
                continue
            for number, line in enumerate(text.splitlines(), start=1):
                for match in NAMED_LITERAL.finditer(line):
                    value = match.group(2)
                    if not NOT_A_SECRET.fullmatch(value):
                        where = path.relative_to(ROOT) if path.is_relative_to(ROOT) else path
                        found.append((f"{match.group(1)} ({where}:{number})", value))
    return found


def static_secrets() -> SecretSet:
    secrets = SecretSet()
    secrets.add_shape("a Slack token (xox*-)", SLACK_TOKEN)
    secrets.add_shape("a Slack app-level token (xapp-)", SLACK_APP_TOKEN)
    secrets.add_shape("a Harvest personal access token", HARVEST_PAT)
    from emulator.seed import DEMO_PASSWORD

    secrets.add("the emulator's demo password", DEMO_PASSWORD)
    for name, value in source_secrets([ROOT / "tests", ROOT / "bench"]):
        secrets.add(name, value)
    return secrets


class _AsBefore(logging.Filter):
    """For root handlers other than the session's: pass what the root's own level would have."""

    def __init__(self, root: logging.Logger, level: int) -> None:
        super().__init__()
        self.root, self.level = root, level

    def filter(self, record: logging.LogRecord) -> bool:
        if self.root.level != SESSION_LEVEL:  # a test set the level itself (caplog)
            return True
        logger: Any = self.root.manager.loggerDict.get(record.name)
        while isinstance(logger, logging.Logger) and logger is not self.root:
            if logger.level:
                return record.levelno >= logger.level
            logger = logger.parent
        return record.levelno >= self.level


class SessionLog(logging.FileHandler):
    """Every record, formatted, in ``session.log``; while :attr:`aside` (a test marked
    ``secrets_logged``), in ``aside.log`` instead, which is kept but not scanned."""

    def __init__(self, directory: Path) -> None:
        super().__init__(directory / "session.log", mode="a", encoding="utf-8",
                         errors="backslashreplace")
        self.aside = False
        self.words: set[str] = set()
        self._aside = logging.FileHandler(directory / "aside.log", mode="a", encoding="utf-8",
                                          errors="backslashreplace", delay=True)

    def setFormatter(self, fmt: logging.Formatter | None) -> None:  # noqa: N802
        super().setFormatter(fmt)
        self._aside.setFormatter(fmt)

    def format(self, record: logging.LogRecord) -> str:
        """The record's text; its words (:data:`WORD`) are kept for the scan at the end, which
        then searches those (a few MB) rather than the whole log again."""
        text = super().format(record)
        self.words.update(WORDS_IN_TEXT.findall(text))
        return text

    def emit(self, record: logging.LogRecord) -> None:
        if self.aside:
            self._aside.emit(record)
        else:
            super().emit(record)

    def flush(self) -> None:
        super().flush()
        self._aside.flush()

    def close(self) -> None:
        self._aside.close()
        super().close()


class SecretsScan:
    """The session-wide capture and the scan at its end; see the module's docstring."""

    def __init__(self, config: pytest.Config) -> None:
        self.config = config
        self.secrets = SecretSet()
        self.findings: list[Finding] = []
        self.scanned: dict[str, int] = {}
        self.dir: Path | None = None
        self.handler: SessionLog | None = None
        self._undo: list[Any] = []
        self._root = logging.getLogger()
        self._root_level = self._root.level
        self._as_before = _AsBefore(self._root, self._root_level)
        self._seconds = self._at_end = 0.0

    def pytest_configure(self, config: pytest.Config) -> None:
        config.addinivalue_line(
            "markers", f"{MARKER}(reason): the test itself sends secrets where a library logs "
            "them (a token in a query string it sends; a third-party client's DEBUG): its log "
            "records go to secrets-scan/aside.log, which is not scanned. Never for the bot.")

    # -- during the session -------------------------------------------------------------------

    @pytest.hookimpl(tryfirst=True)
    def pytest_sessionstart(self, session: pytest.Session) -> None:
        factory = getattr(self.config, "_tmp_path_factory", None)
        base = factory.getbasetemp() if factory else Path(tempfile.mkdtemp(prefix="pytest-"))
        self.base = base
        self.dir = base / "secrets-scan"
        self.dir.mkdir(exist_ok=True)
        self.secrets = static_secrets()
        self.handler = SessionLog(self.dir)
        self.handler.setLevel(SESSION_LEVEL)
        self.handler.setFormatter(logging.Formatter(
            "%(asctime)s %(levelname)s %(name)s [%(threadName)s] %(message)s"))
        self._root.addHandler(self.handler)
        self._root.setLevel(SESSION_LEVEL)
        self._attach()
        self._patch()

    def _attach(self) -> None:
        """The session's handler on the non-propagating loggers; the filter on other root
        handlers (pytest's, made per test phase)."""
        handler = self.handler
        if handler is None:
            return
        for logger in list(self._root.manager.loggerDict.values()):
            if (isinstance(logger, logging.Logger) and not logger.propagate
                    and handler not in logger.handlers):
                logger.addHandler(handler)
        for other in self._root.handlers:
            if other is not handler and self._as_before not in other.filters:
                other.addFilter(self._as_before)

    def _phase(self, item: pytest.Item) -> Iterator[None]:
        self._attach()
        marker = item.get_closest_marker(MARKER)
        if self.handler is not None:
            self.handler.aside = marker is not None
        try:
            return (yield)
        finally:
            self._attach()
            if self.handler is not None:
                self.handler.aside = False

    # Inside pytest's logging wrappers (trylast): its capture handlers are on the root by then.
    pytest_runtest_setup = pytest.hookimpl(wrapper=True, trylast=True)(_phase)
    pytest_runtest_call = pytest.hookimpl(wrapper=True, trylast=True)(_phase)
    pytest_runtest_teardown = pytest.hookimpl(wrapper=True, trylast=True)(_phase)

    @pytest.hookimpl(wrapper=True, trylast=True)
    def pytest_runtestloop(self, session: pytest.Session) -> Iterator[None]:
        self._attach()  # pytest's log file handler
        return (yield)

    def _patch(self) -> None:
        """Hear what the emulators issue and the keys made; scan temp dirs before removal."""
        from cryptography.fernet import Fernet

        import emulator.runner
        from emulator.store import Store

        secrets = self.secrets
        insert, build = Store.insert, emulator.runner.build
        generate_key = Fernet.__dict__["generate_key"]  # the classmethod itself
        temporary = tempfile.TemporaryDirectory
        plugin = self

        def heard_insert(store: Store, table: str, **values: Any) -> int:
            if table in ("oauth_tokens", "id_oauth_tokens") and values.get("token"):
                kind = "v1" if table == "oauth_tokens" else "Harvest ID"
                secrets.add_word(f"an OAuth {values.get('kind', '')} token the emulator "
                                 f"issued ({kind})", str(values["token"]))
            elif table == "users" and values.get("password"):
                secrets.add("a Harvest person's password (emulator)", str(values["password"]))
            return insert(store, table, **values)

        def heard_build(*args: Any, **kwargs: Any) -> Any:
            running, info = build(*args, **kwargs)
            for login in info.logins.values():
                secrets.add("a Harvest person's password (emulator seed)", login.password)
            if info.oauth:
                secrets.add("the emulator's OAuth client secret", info.oauth.client_secret)
            return running, info

        def heard_key(cls: type) -> bytes:
            key: bytes = generate_key.__func__(cls)
            secrets.add_key("a Fernet key (bot encryption key)", key)
            return key

        class ScannedTemporaryDirectory(temporary):  # type: ignore[misc,valid-type]
            def cleanup(self) -> None:
                plugin.scan_tree(Path(self.name))
                super().cleanup()

        Store.insert = heard_insert  # type: ignore[method-assign]
        emulator.runner.build = heard_build
        Fernet.generate_key = classmethod(heard_key)  # type: ignore[method-assign,assignment]
        tempfile.TemporaryDirectory = ScannedTemporaryDirectory  # type: ignore[misc]
        self._undo = [(Store, "insert", insert), (emulator.runner, "build", build),
                      (Fernet, "generate_key", generate_key),
                      (tempfile, "TemporaryDirectory", temporary)]

    # -- the scan -----------------------------------------------------------------------------

    def scan_tree(self, root: Path, skip: Path | None = None) -> None:
        """Scan the bot's databases and the logs under ``root``: keys found there first."""
        started = time.monotonic()
        try:
            if not root.is_dir():
                return
            logs, keys, candidates = [], [], []
            for path in database_candidates(root):
                if skip is not None and path.is_relative_to(skip):
                    continue
                if path.suffix == ".log":
                    if not path.name.startswith("emulator"):
                        logs.append(path)
                elif path.suffix == ".key":
                    keys.append(path)
                else:
                    candidates.append(path)
            for key in keys:
                try:
                    for line in key.read_bytes().split():
                        self.secrets.add_key(f"a Fernet key (key file {key.name})", line)
                except OSError:
                    pass
            for candidate in candidates:
                for path, data in (read_bot_database(candidate) or {}).items():
                    self._scan(path, "bot database", data)
            for log in logs:
                self._scan(log, "log")
        finally:
            self._seconds += time.monotonic() - started

    def _scan(self, path: Path, kind: str, data: bytes | None = None,
              words: Iterable[bytes] | None = None) -> None:
        where = f"{kind} " + (str(path.relative_to(self.base)) if path.is_relative_to(self.base)
                              else str(path))
        if data is None:
            try:
                data = path.read_bytes()
            except OSError:
                return
        self.findings.extend(self.secrets.scan(data, where, words))
        self.scanned[kind] = self.scanned.get(kind, 0) + 1

    def _stop_capture(self) -> None:
        handler = self.handler
        if handler is None:
            return
        for logger in [self._root, *self._root.manager.loggerDict.values()]:
            if isinstance(logger, logging.Logger) and handler in logger.handlers:
                logger.removeHandler(handler)
        for other in self._root.handlers:
            other.removeFilter(self._as_before)
        if self._root.level == SESSION_LEVEL:
            self._root.setLevel(self._root_level)
        handler.close()
        for owner, name, value in self._undo:
            setattr(owner, name, value)

    @pytest.hookimpl(tryfirst=True)  # before pytest may remove temp dirs of passed tests
    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        if self.handler is None or self.dir is None:
            return
        self._stop_capture()
        during, started = self._seconds, time.monotonic()
        self.scan_tree(self.base, skip=self.dir)
        self._scan(self.dir / "session.log", "log",
                   words=(w.encode("ascii") for w in self.handler.words))
        self._at_end = time.monotonic() - started
        self._seconds = during + self._at_end
        if self.findings and session.exitstatus == pytest.ExitCode.OK:
            session.exitstatus = pytest.ExitCode.TESTS_FAILED

    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        if self.dir is None:
            return
        counts = ", ".join(f"{n} {kind} files" for kind, n in sorted(self.scanned.items()))
        if not self.findings:
            terminalreporter.write_line(
                f"secrets scan: clean ({counts}; {len(self.secrets)} secrets; "
                f"{self._at_end:.1f} s at the end, {self._seconds - self._at_end:.1f} s before)")
            return
        terminalreporter.section("secrets scan: secrets in clear", sep="=", red=True, bold=True)
        unique = sorted({(f.where, f.secret, f.form) for f in self.findings})
        for where, secret, form in unique:
            terminalreporter.write_line(f"{where}: {secret} ({form})", red=True)
        terminalreporter.write_line(
            f"{len(unique)} finding(s) in {counts} ({self._seconds:.1f} s); the run fails. The "
            f"session's log and the files named are under {self.base}.")
