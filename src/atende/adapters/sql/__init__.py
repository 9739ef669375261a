"""Storage on SQL (SQLite embedded, PostgreSQL for several processes): SQLAlchemy Core with
SQLModel tables, rows mapped to domain objects by hand, Alembic migrations shipped inside."""
