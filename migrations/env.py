"""Alembic environment: the URL comes from lib.db (DATABASE_URL), the schema from lib.models."""
from alembic import context
from sqlalchemy import create_engine

from lib import db
from lib.models import Base

url = context.config.attributes.get("url") or db.current_url()


def run() -> None:
    if context.is_offline_mode():
        context.configure(url=url, target_metadata=Base.metadata, render_as_batch=True, literal_binds=True)
        with context.begin_transaction():
            context.run_migrations()
        return
    engine = create_engine(url)
    with engine.connect() as connection:
        context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True)
        with context.begin_transaction():
            context.run_migrations()
            rebuild = context.config.attributes.pop("rebuild_derived", False)
            medians = context.config.attributes.pop("refresh_medians", False)
            day_grain = context.config.attributes.pop("fill_day_grain", False)
            if rebuild:
                # A migration added a derived table (lib.derived_models): every one is refilled from the base
                # tables here, at the newest schema, by the code that keeps them (a migration calling it would
                # meet tables a later migration adds); on PostgreSQL in the upgrade's transaction.
                from lib import derived
                derived.rebuild(connection)
            else:
                from lib import summaries
                if medians:  # derived from cycle_times alone, which the database holds: seconds, not a rebuild
                    summaries.refresh_medians(connection)
                if day_grain:  # one grain more, from the base tables; the others stay as kept
                    summaries.fill_grain(connection, summaries.DAY_GRAIN)
        if connection.in_transaction():  # SQLite: Alembic commits each migration itself, not what follows them
            connection.commit()
    engine.dispose()


run()
