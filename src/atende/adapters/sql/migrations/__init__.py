"""Alembic migrations, configured in code by `atende.adapters.sql.schema` (no alembic.ini needed).

A new revision, after changing `atende.adapters.sql.tables`: upgrade a scratch database to head,
then let Alembic compare it with the tables, and read (and tidy) what it wrote:

    .venv/bin/python -c "from atende.adapters.sql.schema import upgrade; upgrade('sqlite:///scratch.db')"
    .venv/bin/python -c "from alembic import command; from atende.adapters.sql.schema import alembic_config; \
        command.revision(alembic_config('sqlite:///scratch.db'), 'what changed', autogenerate=True, rev_id='0002')"
"""
