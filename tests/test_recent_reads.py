"""A worker answers an article's reads from the state it read last for
RECENT_READ_MAX_AGE seconds: no database work for a popular thread, its
own changes at once, another worker's within that time."""

import time

import pytest

from moderation import create_app
from moderation.extensions import db

ARTICLE = "2026/12/states"
LISTING = f"/api/v1/articles/{ARTICLE}/comments"


@pytest.fixture
def other_worker(app, database_url, tmp_path):
    """A second app on the same database, as another gunicorn worker or host is."""
    other = create_app({**app.config, "SQLALCHEMY_ENGINE_OPTIONS": {}}, instance_path=str(tmp_path / "other"))
    yield other.test_client()
    with other.app_context():
        db.engine.dispose()


def listed_ids(client):
    return [comment["id"] for comment in client.get(LISTING).json["comments"]]


@pytest.mark.parametrize("settings", [{"RECENT_READ_MAX_AGE": 60}])
def test_recent_reads_and_304s_skip_the_database(client, make_comment, statements):
    first = make_comment(ARTICLE)
    answer = client.get(LISTING)
    statements.clear()
    again = client.get(LISTING)
    revalidated = client.get(LISTING, headers={"If-None-Match": answer.headers["ETag"]})
    assert [c["id"] for c in again.json["comments"]] == [first]
    assert revalidated.status_code == 304
    assert statements == []


@pytest.mark.parametrize("settings", [{"RECENT_READ_MAX_AGE": 60}])
def test_a_workers_own_change_shows_at_once(client, make_comment, moderator):
    first = make_comment(ARTICLE)
    assert listed_ids(client) == [first]
    second = make_comment(ARTICLE)  # approved through this worker
    assert listed_ids(client) == [first, second]
    client.post(f"/api/v1/moderation/comments/{first}/reject", headers=moderator)
    assert listed_ids(client) == [second]


@pytest.mark.parametrize("settings", [{"RECENT_READ_MAX_AGE": 1.0}])
def test_another_workers_change_shows_within_the_max_age(client, make_comment, post_comment,
                                                         other_worker, moderator):
    first = make_comment(ARTICLE)
    second = post_comment(ARTICLE).json["id"]
    assert listed_ids(client) == [first]
    read_at = time.monotonic()
    assert other_worker.post(f"/api/v1/moderation/comments/{second}/approve",
                             headers=moderator).status_code == 200
    assert listed_ids(other_worker) == [first, second]
    if time.monotonic() - read_at < 0.5:  # well inside the max age: still the state read last
        assert listed_ids(client) == [first]
    time.sleep(max(0.0, read_at + 1.05 - time.monotonic()))
    assert listed_ids(client) == [first, second]


@pytest.mark.parametrize("settings", [{"RECENT_READ_MAX_AGE": 60}])
def test_recent_counts_skip_the_database_until_this_worker_changes_one(client, make_comment, statements):
    counts = f"/api/v1/counts?article_id={ARTICLE}&article_id=elsewhere"
    make_comment(ARTICLE)
    first = client.get(counts)
    statements.clear()
    assert client.get(counts).json == first.json == {"counts": {ARTICLE: 1, "elsewhere": 0}}
    assert client.get(counts, headers={"If-None-Match": first.headers["ETag"]}).status_code == 304
    assert statements == []
    make_comment("elsewhere")
    assert client.get(counts).json == {"counts": {ARTICLE: 1, "elsewhere": 1}}
