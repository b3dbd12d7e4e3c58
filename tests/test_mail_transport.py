"""How mails travel: .eml files without SMTP, STARTTLS or TLS with a login,
and a relay that refuses connections: retries with backoff, then dead,
visible to moderators, then retried by one of them and delivered."""

import email
import logging
import ssl
from datetime import timedelta
from email import policy
from pathlib import Path

import pytest
import sqlalchemy as sa

from moderation.extensions import db
from moderation.models import utcnow
from moderation.notification_models import Delivery
from tests.moderation_support import API, assert_error
from tests.notify_support import (
    PUBLIC_URL, deliver, links, mail_settings, parts, self_signed_certificate, smtp_server,
)
from tests.servers import free_port

MODERATOR_ADDRESS = "mod@news.example"


@pytest.fixture
def mailed(client, moderator):
    client.put(f"{API}/me/notifications", headers=moderator, json={"email": MODERATOR_ADDRESS, "frequency": "each"})
    return moderator


def hold_one(post_comment):
    assert post_comment("2026/12/transport", body="Waits for a moderator.").status_code == 202


@pytest.mark.parametrize("settings", [{"PUBLIC_URL": PUBLIC_URL}])
def test_without_smtp_mails_become_eml_files_in_the_instance_folder(app, client, post_comment, mailed):
    hold_one(post_comment)
    deliver(app)
    [path] = Path(app.instance_path, "mail").glob("*.eml")
    mail = email.message_from_bytes(path.read_bytes(), policy=policy.default)
    assert mail["To"] == MODERATOR_ADDRESS and mail["Message-ID"].startswith(f"<{mail['X-Event-Id']}.")
    text, _ = parts(mail)
    assert "Waits for a moderator." in text and len(links(text, "moderate")) == 2


@pytest.fixture
def certificate(tmp_path):
    return self_signed_certificate(tmp_path)


def server_context(certificate):
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(*certificate)
    return context


@pytest.fixture
def starttls_server(certificate):
    with smtp_server(tls_context=server_context(certificate), credentials=("mailer", "s3cret")) as server:
        yield server


@pytest.fixture
def smtps_server(certificate):
    with smtp_server(smtps_context=server_context(certificate), credentials=("mailer", "s3cret")) as server:
        yield server


@pytest.fixture
def settings(request, certificate):
    """The relay of a test that names one (starttls_server, smtps_server), else none."""
    for name, security in (("starttls_server", "starttls"), ("smtps_server", "tls")):
        if name in request.fixturenames:
            _, port = request.getfixturevalue(name)
            return mail_settings(port, SMTP_SECURITY=security, SMTP_CA_FILE=str(certificate[0]),
                                 SMTP_USERNAME="mailer", SMTP_PASSWORD="s3cret")
    return getattr(request, "param", {})


def test_starttls_and_a_login_carry_the_mail(app, client, post_comment, mailed, starttls_server):
    inbox, _ = starttls_server
    hold_one(post_comment)
    deliver(app)
    assert inbox.wait_for(1)[0]["To"] == MODERATOR_ADDRESS


def test_tls_from_the_first_byte_and_a_login_carry_the_mail(app, client, post_comment, mailed, smtps_server):
    inbox, _ = smtps_server
    hold_one(post_comment)
    deliver(app)
    assert inbox.wait_for(1)[0]["To"] == MODERATOR_ADDRESS and inbox.logins == [True]


def test_a_relay_whose_certificate_is_not_trusted_gets_nothing(app, client, post_comment, mailed, smtps_server):
    app.config.update(SMTP_CA_FILE=None, NOTIFY_MAX_ATTEMPTS=1)
    hold_one(post_comment)
    deliver(app)
    with app.app_context():
        assert db.session.scalar(sa.select(Delivery.last_error)) == "SSLCertVerificationError"
    assert smtps_server[0].messages == []


def test_a_wrong_password_is_a_failed_attempt(app, client, post_comment, mailed, starttls_server):
    app.config.update(SMTP_PASSWORD="wrong", NOTIFY_MAX_ATTEMPTS=2, SMTP_TIMEOUT=0.5)
    hold_one(post_comment)
    deliver(app)
    with app.app_context():
        delivery = db.session.scalar(sa.select(Delivery))
        assert (delivery.state, delivery.attempts) == ("dead", 2) and delivery.last_error.startswith("SMTP")
    assert starttls_server[0].messages == []


def dead_deliveries(client, headers):
    answer = client.get(f"{API}/deliveries", headers=headers)
    assert answer.status_code == 200
    return answer.json["deliveries"]


@pytest.mark.parametrize("settings", [mail_settings(free_port(), NOTIFY_MAX_ATTEMPTS=3, NOTIFY_RETRY_SECONDS=60)])
def test_a_refusing_relay_means_retries_then_dead_then_a_moderators_retry(app, client, post_comment, mailed,
                                                                         caplog):
    caplog.set_level(logging.DEBUG)
    hold_one(post_comment)
    deliver(app)
    pending = client.get(f"{API}/deliveries", query_string={"state": "pending"}, headers=mailed).json["deliveries"]
    [first] = pending
    assert first["attempts"] == 1 and first["last_error"] == "ConnectionRefusedError"
    backoffs = []
    for _ in range(2):  # time passes: each retry waits twice as long as the one before
        with app.app_context():
            delivery = db.session.scalar(sa.select(Delivery))
            backoffs.append((delivery.next_attempt_at - utcnow()).total_seconds())
            delivery.next_attempt_at = utcnow() - timedelta(seconds=1)
            db.session.commit()
        deliver(app)
    assert 50 < backoffs[0] < 70 and 100 < backoffs[1] < 140
    [dead] = dead_deliveries(client, mailed)
    assert (dead["state"], dead["attempts"], dead["channel"], dead["event_type"]) == ("dead", 3, "mail", "comment.held")
    assert dead["event_id"].startswith("evt_") and dead["recipient"] == "moderator:1"

    with smtp_server() as (inbox, port):
        app.config["SMTP_PORT"] = port
        retried = client.post(f"{API}/deliveries/{dead['id']}/retry", headers=mailed)
        assert retried.status_code == 200 and retried.json["state"] == "pending" and retried.json["attempts"] == 0
        deliver(app)
        [mail] = inbox.wait_for(1)
        assert mail["X-Event-Id"] == dead["event_id"]
    assert dead_deliveries(client, mailed) == []
    delivered = client.get(f"{API}/deliveries", query_string={"state": "delivered"}, headers=mailed).json
    assert [d["id"] for d in delivered["deliveries"]] == [dead["id"]]
    assert "@" not in " ".join(record.getMessage() for record in caplog.records if "delivery" in record.getMessage())


def test_retrying_an_unknown_delivery_is_a_404(client, moderator):
    assert_error(client.post(f"{API}/deliveries/999/retry", headers=moderator), 404, "not_found")
    assert_error(client.get(f"{API}/deliveries", query_string={"state": "lost"}, headers=moderator),
                 422, "validation_failed")
