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
    engine.dispose()


run()
