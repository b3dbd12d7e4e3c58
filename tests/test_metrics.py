"""/metrics: Prometheus text behind a token of its own; requests by URL rule
and status, submissions by outcome, the page cache, rate-limit refusals and
the backlogs move as they should, in one process and summed over gunicorn's
workers; nothing personal in them. On SQLite and PostgreSQL."""

import re
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

from moderation import create_app
from moderation.extensions import db
from moderation.notification_models import Delivery, DeliveryState, OutboxEvent
from tests.servers import flask, gunicorn, service_env, wait_for_workers

TOKEN = "metrics-token-for-the-tests-0123456789"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
ARTICLE = "2026/12/counted-article"
THREAD_RULE = "/api/v1/articles/<path:article_id>/comments"


@pytest.fixture
def settings():
    return {"METRICS_TOKEN": TOKEN}


def scrape(client):
    response = client.get("/metrics", headers=AUTH)
    assert response.status_code == 200, response.data
    return response.text


def value(text, name, **labels):
    """One sample's value in an exposition (0 when absent)."""
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == name and all(sample.labels.get(k) == v for k, v in labels.items()):
                return sample.value
    return 0


def requests_of(text, route, status, method="GET"):
    return value(text, "comments_http_request_duration_seconds_count", route=route, method=method,
                 status=str(status))


def test_without_a_token_setting_there_is_no_metrics_page(tmp_path):
    app = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", "SECRET_KEY": "x"}, instance_path=str(tmp_path))
    response = app.test_client().get("/metrics", headers=AUTH)
    assert response.status_code == 404 and response.json["error"]["code"] == "not_found"


@pytest.mark.parametrize("token", ["short", "", "x" * 15])
def test_a_guessable_token_stops_the_start(tmp_path, token):
    with pytest.raises(ValueError, match="METRICS_TOKEN"):
        create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", "SECRET_KEY": "x", "METRICS_TOKEN": token},
                   instance_path=str(tmp_path))


@pytest.mark.parametrize("header", [None, "Bearer wrong-token-of-good-length", f"Basic {TOKEN}", f"Bearer {TOKEN}x",
                                    f"Bearer {TOKEN[:-1]}", "Bearer"])
def test_the_token_is_required(client, header):
    response = client.get("/metrics", headers={"Authorization": header} if header else {})
    assert response.status_code == 401 and response.json["error"]["code"] == "unauthorized"
    assert response.headers["WWW-Authenticate"] == 'Bearer realm="metrics"'
    assert b"comments_" not in response.data


def test_the_scrape_is_prometheus_text_never_cached(client):
    response = client.get("/metrics", headers={**AUTH, "Accept-Encoding": "gzip"})
    assert response.headers["Content-Type"] == "text/plain; version=0.0.4; charset=utf-8"
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["Content-Encoding"] == "gzip"


def test_requests_are_counted_by_url_rule_method_and_status(client, make_comment):
    make_comment(ARTICLE)
    before = scrape(client)
    for _ in range(3):
        client.get(f"/api/v1/articles/{ARTICLE}/comments")
    client.get("/nowhere/at/all")
    client.open("/healthz", method="BREW")
    after = scrape(client)
    assert requests_of(after, THREAD_RULE, 200) - requests_of(before, THREAD_RULE, 200) == 3
    assert requests_of(after, "unmatched", 404) - requests_of(before, "unmatched", 404) == 1
    assert requests_of(after, "unmatched", 405, "other") - requests_of(before, "unmatched", 405, "other") == 1
    assert "BREW" not in after and "nowhere" not in after and ARTICLE not in after
    buckets = value(after, "comments_http_request_duration_seconds_bucket", route=THREAD_RULE, method="GET",
                    status="200", le="+Inf")
    assert buckets == requests_of(after, THREAD_RULE, 200)


def test_the_page_cache_counts_hits_and_misses(client, make_comment):
    make_comment(ARTICLE)
    before = scrape(client)
    for _ in range(3):
        client.get(f"/api/v1/articles/{ARTICLE}/comments")
    make_comment(ARTICLE)  # a new version: built again
    client.get(f"/api/v1/articles/{ARTICLE}/comments")
    after = scrape(client)
    assert value(after, "comments_page_cache_misses_total") - value(before, "comments_page_cache_misses_total") == 2
    assert value(after, "comments_page_cache_hits_total") - value(before, "comments_page_cache_hits_total") == 2


def test_submissions_are_counted_by_outcome(client, post_comment, moderator):
    before = scrape(client)
    assert post_comment(ARTICLE, body="Held for a moderator.").status_code == 202
    assert post_comment(ARTICLE, body="Held for a moderator.").status_code == 409
    assert post_comment(ARTICLE, website_url="https://bot.example").status_code == 202  # the honeypot
    client.patch(f"/api/v1/moderation/articles/{ARTICLE}", json={"closed": True}, headers=moderator)
    assert post_comment(ARTICLE).status_code == 403
    after = scrape(client)

    def moved(outcome):
        return (value(after, "comments_submissions_total", outcome=outcome)
                - value(before, "comments_submissions_total", outcome=outcome))

    assert (moved("held"), moved("spam"), moved("refused"), moved("approved")) == (1, 1, 2, 0)


@pytest.mark.parametrize("settings", [{"METRICS_TOKEN": TOKEN, "RATELIMIT_ENABLED": True,
                                       "RATELIMIT_READ": "2/hour"}])
def test_rate_limit_refusals_are_counted(client):
    before = scrape(client)
    statuses = [client.get("/api/v1/counts?article_id=a").status_code for _ in range(4)]
    after = scrape(client)
    assert statuses == [200, 200, 429, 429]
    route = "/api/v1/counts"
    assert value(after, "comments_rate_limited_total", route=route) \
        - value(before, "comments_rate_limited_total", route=route) == 2
    assert requests_of(after, route, 429) - requests_of(before, route, 429) == 2


def test_backlogs_are_read_from_the_database_at_each_scrape(app, client, pending, make_comment):
    pending(3, ARTICLE)
    make_comment(ARTICLE)
    with app.app_context():
        db.session.execute(db.update(OutboxEvent).values(dispatched_at=db.func.now()))
        event = OutboxEvent(event_id="evt_test", type="comment.held")
        db.session.add(event)
        db.session.flush()
        for state in (DeliveryState.PENDING, DeliveryState.DEAD, DeliveryState.DEAD, DeliveryState.DELIVERED):
            db.session.add(Delivery(event_pk=event.id, channel="webhook", state=state))
        db.session.add(OutboxEvent(event_id="evt_waiting", type="comment.held"))
        db.session.commit()
    text = scrape(client)
    assert value(text, "comments_database_up") == 1
    assert value(text, "comments_moderation_queue") == 3
    assert value(text, "comments_outbox_undispatched_events") == 2
    assert value(text, "comments_notification_deliveries", state="pending") == 1
    assert value(text, "comments_notification_deliveries", state="dead") == 2


def test_a_scrape_without_the_database_still_answers(tmp_path):
    missing = tmp_path / "no-such-folder" / "moderation.sqlite"
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{missing}", "SECRET_KEY": "x", "METRICS_TOKEN": TOKEN},
                     instance_path=str(tmp_path / "instance"))
    text = scrape(app.test_client())
    assert value(text, "comments_database_up") == 0 and "comments_moderation_queue" not in text
    assert "comments_submissions_total" in text


def test_no_personal_data_is_in_the_metrics(client, make_comment, moderator):
    make_comment(ARTICLE, name="Private Person", email="private.person@example.org",
                 website="https://private.example")
    client.post(f"/api/v1/articles/{ARTICLE}/comments", json={"name": "Other Person", "email": "other@example.org",
                "body": "From an address."}, environ_base={"REMOTE_ADDR": "203.0.113.77"},
                headers={"User-Agent": "Secret Browser 1.0"})
    client.get(f"/api/v1/articles/{ARTICLE}/comments")
    client.get("/api/v1/moderation/comments", headers=moderator)
    text = scrape(client)
    for private in ("@", "Private Person", "Other Person", "private.example", "203.0.113", "Secret Browser",
                    ARTICLE, moderator["Authorization"].split()[1], TOKEN):
        assert private not in text, private


def scrape_url(base):
    request = urllib.request.Request(f"{base}/metrics", headers=AUTH)
    with urllib.request.urlopen(request, timeout=10) as response:
        return response.read().decode()


@pytest.mark.server
def test_every_gunicorn_worker_is_counted_and_a_restart_starts_from_zero(server_database, tmp_path):
    env = service_env(server_database, METRICS_TOKEN=TOKEN, RATELIMIT_ENABLED="false")
    flask(env, "db", "upgrade")
    # A folder of the operator's choosing (gunicorn.conf.py makes one otherwise), for gunicorn alone.
    env["PROMETHEUS_MULTIPROC_DIR"] = str(tmp_path / "metrics")
    logging = ["--access-logformat", "pid=%(p)s %(U)s"]
    with gunicorn(env, workers=2, extra_args=logging) as base:
        wait_for_workers(base, 2)
        url = f"{base}/api/v1/articles/{ARTICLE}/comments"
        with ThreadPoolExecutor(8) as pool:
            list(pool.map(lambda _: urllib.request.urlopen(url, timeout=10).read(), range(40)))
        text = scrape_url(base)
        pids = set(re.findall(r"pid=<(\d+)> /api/v1/articles/", gunicorn.output_so_far()))
    assert len(pids) == 2, "both workers must have answered"
    assert requests_of(text, THREAD_RULE, 200) == 40
    hits, misses = value(text, "comments_page_cache_hits_total"), value(text, "comments_page_cache_misses_total")
    assert (hits, misses) == (38, 2)  # each worker built the page once
    assert sorted(Path(env["PROMETHEUS_MULTIPROC_DIR"]).glob("*.db"))
    with gunicorn(env, workers=2) as base:
        assert requests_of(scrape_url(base), THREAD_RULE, 200) == 0
