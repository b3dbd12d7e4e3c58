"""Seed Isso's SQLite database with the same comments as ours, through its own
schema: isso.db.SQLite3 creates the tables, rows go in with executemany, one
transaction per batch. Replies point at their thread's root (Isso nests one level).

Runs in bench/.venvs/isso:

    python -m bench.seed_isso --config isso.cfg (--base | --mixed | --filler FIRST COUNT)
"""

import argparse
import sqlite3
import time
from itertools import islice

from isso import config as isso_config
from isso.db import SQLite3
from isso.utils import Bloomfilter

from . import data

COLUMNS = ("tid", "id", "parent", "created", "modified", "mode", "remote_addr", "text",
           "author", "email", "website", "likes", "dislikes", "voters", "notification")
REMOTE_ADDR = "127.0.0.0"
BATCH = 20_000


def open_database(config_path):
    """Isso's database as its server would open it (schema and migrations), then a raw connection."""
    conf = isso_config.load(isso_config.default_file(), config_path)
    path = conf.get("general", "dbpath")
    SQLite3(path, conf)
    connection = sqlite3.connect(path)
    connection.execute("PRAGMA synchronous=OFF")
    return connection


def comment_rows(seeds, thread_id, first_id, bodies, authors, voters, clock):
    """Isso rows for one article: mode 1 (accepted) or 2 (pending), replies under their root."""
    rows = []
    for offset, seed in enumerate(seeds):
        name, email, website = authors[seed.author]
        parent = first_id + seed.parent if seed.parent is not None else None
        mode = 2 if seed.is_pending else 1
        rows.append((thread_id, first_id + offset, parent, clock + first_id + offset, None, mode,
                     REMOTE_ADDR, bodies[seed.variant], name, email, website, 0, 0, voters, 0))
    return rows


def seed(connection, articles):
    """Insert the articles (lists of data.CommentSeed); returns the comments added."""
    bodies, authors = data.bodies(), data.authors()
    voters = memoryview(Bloomfilter(iterable=[REMOTE_ADDR]).array)
    thread_id = connection.execute("SELECT coalesce(max(id), 0) FROM threads").fetchone()[0] + 1
    comment_id = connection.execute("SELECT coalesce(max(id), 0) FROM comments").fetchone()[0] + 1
    clock = time.time() - 10**7
    added, articles = 0, iter(articles)
    while batch := list(islice(articles, BATCH // data.SMALL_COMMENTS)):
        threads, rows = [], []
        for seeds in batch:
            threads.append((thread_id, data.isso_uri(seeds[0].article), seeds[0].article))
            rows += comment_rows(seeds, thread_id, comment_id, bodies, authors, voters, clock)
            thread_id, comment_id = thread_id + 1, comment_id + len(seeds)
        connection.executemany("INSERT INTO threads (id, uri, title) VALUES (?, ?, ?)", threads)
        connection.executemany(f"INSERT INTO comments ({', '.join(COLUMNS)}) VALUES "
                               f"({', '.join('?' * len(COLUMNS))})", rows)
        connection.commit()
        added += len(rows)
    return added


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", required=True)
    group = parser.add_mutually_exclusive_group(required=True)
    group.add_argument("--base", action="store_true", help="the standard data set")
    group.add_argument("--mixed", action="store_true", help="the mixed load's 1,000 articles")
    group.add_argument("--filler", nargs=2, type=int, metavar=("FIRST", "COUNT"),
                       help="COUNT comments on filler articles numbered from FIRST")
    args = parser.parse_args(argv)
    connection = open_database(args.config)
    if args.filler:
        articles = data.filler(*args.filler)
    else:
        articles = data.base_dataset() if args.base else data.mixed_dataset()
    added = seed(connection, articles)
    # The POST scenarios write to a thread that exists already, as a live site's would.
    connection.execute("INSERT OR IGNORE INTO threads (uri, title) VALUES (?, ?)",
                       (data.isso_uri(data.POST_ARTICLE), data.POST_ARTICLE))
    connection.commit()
    connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    connection.close()
    print(added)


if __name__ == "__main__":
    main()
