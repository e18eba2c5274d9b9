"""The metadata database: one engine per URL, migrated to the newest schema on first use.

SQLite (a file in ``data_dir``) by default, PostgreSQL at scale; the same code and the same
Alembic migrations serve both. Tables are declared on ``Base`` in their own modules (listed in
``MODEL_MODULES`` so Alembic's autogenerate sees them); docs/store.md says how to add one.
"""

from __future__ import annotations

import importlib
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, MetaData, create_engine, event, make_url, text
from sqlalchemy.exc import DisconnectionError, SQLAlchemyError
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.pool import StaticPool

from reelforge.errors import InputError
from reelforge.settings import Settings

#: Modules that declare tables on ``Base``; add yours so migrations and autogenerate see it.
MODEL_MODULES: tuple[str, ...] = (
    "reelforge.store.songs",
    # the platform (tenants, keys, jobs, artifacts, library, usage, audit)
    "reelforge.store.tenants", "reelforge.store.jobs", "reelforge.store.artifacts",
    "reelforge.store.library", "reelforge.store.usage", "reelforge.store.audit",
    "reelforge.security.secrets_store",  # tenant data keys and provider secrets (issue 9)
    "reelforge.store.ledger",  # the spend ledger: every paid call (issue 15)
)

MIGRATIONS_DIR = Path(__file__).parent / "migrations"

# Stable constraint names, so migrations can drop or alter constraints on every backend
# (SQLite's batch mode needs names to find them).
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
# Any constant works; it only has to be the same in every process that migrates.
_PG_MIGRATION_LOCK = 0x7265656C  # "reel"


class Base(DeclarativeBase):
    """Declarative base of every reelforge table."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


@dataclass(frozen=True)
class Database:
    """An engine on a migrated database plus its session factory."""

    url: str
    engine: Engine
    sessions: sessionmaker[Session]

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A session that commits when the block ends and rolls back on any error."""
        session = self.sessions()
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()


_databases: dict[str, Database] = {}
_databases_lock = threading.Lock()


def open_database(settings: Settings) -> Database:
    """The database named by the settings, created and migrated on first use in this process."""
    return database_for_url(settings.resolved_database_url)


def database_for_url(url: str) -> Database:
    with _databases_lock:
        found = _databases.get(url)
        if found is None:
            engine = create_engine_for_url(url)
            migrate(engine)
            found = Database(url, engine, sessionmaker(engine, expire_on_commit=False))
            _databases[url] = found
        return found


def forget_databases() -> None:
    """Dispose every cached engine (tests, and processes that fork workers)."""
    with _databases_lock:
        for db in _databases.values():
            db.engine.dispose()
        _databases.clear()


def redacted(url: str) -> str:
    """The URL with its password hidden, for messages and logs."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # an unparsable URL: show only its scheme
        return url.split(":", 1)[0] + ":…"


def create_engine_for_url(url: str) -> Engine:
    """An engine with the settings each backend needs for many concurrent processes."""
    try:
        parsed = make_url(url)
        parsed.get_dialect()  # an unknown backend fails here, not at first use
    except Exception as exc:
        raise InputError(
            f"the database URL {redacted(url)!r} is not valid: {exc}",
            hint="set REELFORGE_DATABASE_URL to e.g. postgresql+psycopg://user@host/db, "
            "or unset it to use SQLite",
        ) from exc
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database or ""
        memory = database in ("", ":memory:")
        if not memory:
            Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(
            parsed,
            connect_args={"check_same_thread": False, "timeout": 30},
            poolclass=StaticPool if memory else None,
        )
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    engine = create_engine(parsed)
    ping_when_idle(engine)
    return engine


#: A pooled connection unused for this long is pinged before use (a server restart or an idle
#: timeout may have closed it); busier ones are not, which saves a round trip per request.
IDLE_PING_S = 10.0


def ping_when_idle(engine: Engine) -> None:
    """``pool_pre_ping``, but only for connections that sat idle: the API checks out a
    connection per request, and a ping each time was one of its ~12 round trips."""

    @event.listens_for(engine, "checkin")
    def _checked_in(_dbapi_connection: Any, record: Any) -> None:
        record.info["idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _checked_out(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        idle_since = record.info.get("idle_since")
        if idle_since is None or time.monotonic() - idle_since < IDLE_PING_S:
            return
        try:
            alive = engine.dialect.do_ping(dbapi_connection)
        except Exception:
            alive = False
        if not alive:  # the pool drops this connection and checks out (or opens) another
            raise DisconnectionError("stale pooled connection")


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    """WAL lets readers run while one writer writes; foreign keys are off by default in SQLite."""
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def import_models() -> None:
    """Import every module that declares tables, so ``Base.metadata`` knows them all."""
    for module in MODEL_MODULES:
        importlib.import_module(module)


def alembic_config(url: str | None = None) -> Any:
    """Alembic configuration pointing at the packaged migrations (no alembic.ini needed)."""
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    if url:
        config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def head_revision() -> str | None:
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def current_revision(engine: Engine) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def migrate(engine: Engine) -> None:
    """Upgrade the database to the newest migration; safe when several processes start at once
    (PostgreSQL: an advisory lock; SQLite: the write lock that BEGIN IMMEDIATE takes)."""
    from alembic import command

    try:
        if current_revision(engine) == head_revision():
            return
        with engine.connect() as connection:
            if engine.dialect.name == "postgresql":
                lock = text("SELECT pg_advisory_xact_lock(:k)")
                connection.execute(lock, {"k": _PG_MIGRATION_LOCK})
            elif engine.dialect.name == "sqlite":
                connection.exec_driver_sql("BEGIN IMMEDIATE")
            config = alembic_config()
            config.attributes["connection"] = connection
            command.upgrade(config, "head")
            connection.commit()
    except SQLAlchemyError as exc:
        raise InputError(
            f"cannot open or migrate the database {redacted(str(engine.url))}: "
            f"{exc.__class__.__name__}: {str(exc).splitlines()[0]}",
            hint="check REELFORGE_DATABASE_URL and that the server is running and reachable",
        ) from exc
