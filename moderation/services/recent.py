"""What this worker read from the database a moment ago: an article's
listing state and counts answers, reused for RECENT_READ_MAX_AGE seconds so
that a popular thread's reads, 304s and count badges skip the database.

Another worker's or host's change shows within that time (the public
answers' own max-age is far longer); this worker's own commits empty it at
once, so whoever makes a change sees it on their next read."""

import time

import sqlalchemy as sa
from flask import current_app, has_app_context

from ..extensions import db


class RecentReads:
    """Values by key, each kept max_age seconds; max_age 0 keeps nothing."""

    def __init__(self, max_age, size):
        self.max_age, self.size, self.values = max_age, size, {}

    def get_or_read(self, key, read):
        now = time.monotonic()
        entry = self.values.get(key)
        if entry is not None and now - entry[0] < self.max_age:
            return entry[1]
        value = read()
        if self.max_age > 0:
            if len(self.values) >= self.size:
                self.values.clear()  # many keys in a moment: start afresh, simply
            self.values[key] = (now, value)
        return value

    def clear(self):
        self.values.clear()


def forget_on_commit(_session):
    """After this worker commits a change, its next reads see it."""
    if has_app_context():
        current_app.extensions["recent_reads"].clear()


sa.event.listen(db.session, "after_commit", forget_on_commit)
