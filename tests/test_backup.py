"""deploy/backup/comments-backup, as comments-backup.service runs it: an online
backup of either database while comments are being written, that restores
to what was committed, and nothing left behind when it fails."""

import os
import shutil
import sqlite3
import subprocess
import sys
import threading
import time

import sqlalchemy as sa

from moderation.extensions import db
from tests.conftest import comment_fields, require_service, running_app
from tests.servers import ROOT

SCRIPT = ROOT / "deploy" / "backup" / "comments-backup"
URL = "/api/v1/articles/2026/12/backup/comments"


def backup(database_url, folder, **env):
    """Run the script as the unit would; returns the completed process."""
    environment = {"PATH": os.environ["PATH"], "DATABASE_URL": database_url, "BACKUP_DIR": str(folder),
                   "PYTHON": sys.executable, **env}
    return subprocess.run([SCRIPT], env=environment, capture_output=True, text=True, timeout=120)


def count_comments(app):
    with app.app_context():
        return db.session.scalar(sa.text("SELECT count(*) FROM comments"))


def restored_comments(path, database_url):
    """How many comments the backup file holds, read back as an operator would restore it."""
    if database_url.startswith("sqlite"):
        connection = sqlite3.connect(path)
        try:
            assert connection.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
            return connection.execute("SELECT count(*) FROM comments").fetchone()[0]
        finally:
            connection.close()
    # A custom-format dump restores with pg_restore: its plain SQL form has
    # the comments' rows as one COPY block of the test's schema.
    schema = database_url.rsplit("search_path%3D", 1)[1]
    script = subprocess.run(["pg_restore", "--schema", schema, "--table", "comments", "--data-only", "-f", "-",
                             str(path)], capture_output=True, text=True, timeout=60, check=True).stdout
    rows = script.split(f"COPY {schema}.comments", 1)[1].split("\n", 1)[1].split("\n\\.\n", 1)[0]
    return len(rows.splitlines())


def test_a_backup_taken_while_comments_arrive_holds_every_one_committed_before_it(database_url, tmp_path):
    if database_url.startswith("postgresql") and not shutil.which("pg_dump"):
        require_service("pg_dump", "apt-get install postgresql-client")
    with running_app(database_url, tmp_path) as app:
        client = app.test_client()
        for _ in range(20):
            assert client.post(URL, json=comment_fields()).status_code == 202
        before = count_comments(app)
        stop, writes = threading.Event(), []

        def write():
            writer = app.test_client()
            while not stop.is_set():
                writes.append(writer.post(URL, json=comment_fields()).status_code)
                time.sleep(0.005)

        thread = threading.Thread(target=write)
        thread.start()
        try:
            time.sleep(0.1)
            result = backup(database_url, tmp_path / "backups")
        finally:
            stop.set()
            thread.join()
        after = count_comments(app)
    assert result.returncode == 0, result.stderr
    files = list((tmp_path / "backups").iterdir())
    assert len(files) == 1 and files[0].suffix in (".sqlite", ".dump"), files
    assert (files[0].stat().st_mode & 0o777) == 0o600  # it holds email addresses
    assert writes and set(writes) == {202}  # the service went on writing during the backup
    assert before <= restored_comments(files[0], database_url) <= after


def test_old_backups_go_and_a_failed_one_leaves_nothing(tmp_path):
    folder = tmp_path / "backups"
    folder.mkdir()
    old, recent = folder / "comments-20260101T000000Z.sqlite", folder / "comments-20261201T000000Z.sqlite"
    for path, days in ((old, 30), (recent, 2)):
        path.write_bytes(b"")
        moment = time.time() - days * 86400
        os.utime(path, (moment, moment))
    database = tmp_path / "moderation.sqlite"
    sqlite3.connect(database).close()
    assert backup(f"sqlite:///{database}", folder, BACKUP_KEEP_DAYS="14").returncode == 0
    names = sorted(path.name for path in folder.iterdir())
    assert old.name not in names and recent.name in names and len(names) == 2
    failed = backup(f"sqlite:///{tmp_path / 'missing.sqlite'}", folder)
    assert failed.returncode != 0 and "no database" in failed.stderr
    assert not list(folder.glob("*.part")) and len(list(folder.iterdir())) == 2
