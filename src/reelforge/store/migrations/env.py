"""Alembic environment: runs on the connection reelforge hands over, or on a URL for the CLI."""

from __future__ import annotations

from typing import Any

from alembic import context
from sqlalchemy.engine import Connection

from reelforge.store.db import Base, create_engine_for_url, import_models

import_models()
target_metadata = Base.metadata
config = context.config


def _url() -> str:
    url = context.get_x_argument(as_dictionary=True).get("url") or config.get_main_option(
        "sqlalchemy.url"
    )
    if url:
        return url
    from reelforge.settings import Settings

    return Settings().resolved_database_url


def _configure(**kwargs: Any) -> None:  # forwarded as is to context.configure's many options
    context.configure(target_metadata=target_metadata, compare_type=True, **kwargs)


def _run(connection: Connection) -> None:
    _configure(connection=connection, render_as_batch=connection.dialect.name == "sqlite")
    with context.begin_transaction():
        context.run_migrations()


def run() -> None:
    if context.is_offline_mode():
        _configure(url=_url(), literal_binds=True)
        with context.begin_transaction():
            context.run_migrations()
        return
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    engine = create_engine_for_url(_url())
    with engine.connect() as connection:
        _run(connection)
        connection.commit()


run()
