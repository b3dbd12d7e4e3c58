"""Flask extensions, created unbound and attached to an app by create_app()."""

from functools import partial

import sqlalchemy as sa
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy.orm import DeclarativeBase
from pathlib import Path

from . import limit_storage  # noqa: F401 (registers counters+sqlite:// with `limits`)

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)


# Objects keep what was written at commit: answering a submission must not
# cost a second round of SELECTs to reload the row it just stored.
db = SQLAlchemy(model_class=Base, session_options={"expire_on_commit": False})
migrate = Migrate(directory=str(Path(__file__).parent / "migrations"))
# Storage, switch and headers come from RATELIMIT_* settings; the limits are
# declared on the blueprints (api/public.py, api/moderation.py).
limiter = Limiter(key_func=get_remote_address)


def init_extensions(app):
    """Bind the extensions to app and tune SQLite connections as they open."""
    db.init_app(app)
    migrate.init_app(app, db, render_as_batch=True)
    limiter.init_app(app)
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        synchronous = str(app.config["SQLITE_SYNCHRONOUS"]).upper()
        if synchronous not in SQLITE_SYNC_MODES:
            raise ValueError(f"SQLITE_SYNCHRONOUS must be one of {', '.join(SQLITE_SYNC_MODES)}")
        with app.app_context():
            sa.event.listen(db.engine, "connect", partial(_tune_sqlite, synchronous=synchronous))


# OFF is not offered: a crash of the machine could then corrupt the database.
SQLITE_SYNC_MODES = ("NORMAL", "FULL", "EXTRA")


def _tune_sqlite(dbapi_connection, _record, *, synchronous):
    # WAL lets readers run beside the one writer and syncs one file per commit
    # instead of the rollback journal's several (PERFORMANCE.md); foreign keys
    # are off in SQLite unless asked for.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute(f"PRAGMA synchronous={synchronous}")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()
