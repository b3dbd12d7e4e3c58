"""An import killed halfway (SIGKILL: no cleanup at all) keeps its committed
batches, and running it again finishes the job with nothing twice."""

import os
import signal
import subprocess
import time

import sqlalchemy as sa

from bench.wxr import write_wxr
from tests.servers import BIN, ROOT, flask, service_env

COMMENTS = 1200


def count(engine, sql):
    with engine.connect() as connection:
        return connection.execute(sa.text(sql)).scalar()


def test_a_killed_import_is_finished_by_running_it_again(server_database, tmp_path):
    env = service_env(server_database)
    flask(env, "db", "upgrade")
    export = tmp_path / "big.xml"
    write_wxr(export, COMMENTS)
    command = [BIN / "flask", "--app", "wsgi", "import", "--batch-size", "10", str(export)]
    engine = sa.create_engine(server_database)
    try:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                                   stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 60
        while count(engine, "SELECT count(*) FROM comments") < 100 and time.monotonic() < deadline:
            time.sleep(0.02)
        os.kill(process.pid, signal.SIGKILL)
        process.wait(timeout=10)
        stored = count(engine, "SELECT count(*) FROM comments")
        assert 0 < stored < COMMENTS * 0.9  # killed halfway, not after the end
        summary = flask(env, "import", str(export))
        assert "already imported" in summary
        assert count(engine, "SELECT count(DISTINCT source_id) FROM comments") == \
            count(engine, "SELECT count(*) FROM comments") > stored
        # Every article's count matches its approved comments, the interrupted batch's included.
        assert count(engine, "SELECT count(*) FROM articles a WHERE a.approved_count != (SELECT count(*) "
                             "FROM comments c WHERE c.article_id = a.id AND c.status = 'approved')") == 0
        again = flask(env, "import", str(export))
        assert "imported: 0" in again
    finally:
        engine.dispose()
