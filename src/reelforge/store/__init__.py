"""Storage: the metadata database (SQLAlchemy 2 + Alembic migrations) and its tables."""
