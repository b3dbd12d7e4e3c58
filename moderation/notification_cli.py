"""Command-line tools of notifications: `flask --app wsgi worker` delivers
mails and webhook calls; `flask --app wsgi moderators mail NAME` sets where
and how often a moderator hears of held comments."""

import logging
import os
import signal
import threading

import click
from flask import current_app
from flask.cli import with_appcontext

from .access_log import JsonFormatter
from .delivery import worker as delivery_worker
from .delivery.transport import SECURITY
from .notification_models import MailFrequency
from .services import moderator_mail


@click.command("worker")
@click.option("--once", is_flag=True, help="Deliver what is due, then exit (for cron or a check).")
@with_appcontext
def worker(once):
    """Deliver notifications (mails, webhook calls) until stopped (SIGTERM or Ctrl-C)."""
    app = current_app._get_current_object()
    if not str(app.config["PUBLIC_URL"] or "").startswith(("https://", "http://")):
        raise click.ClickException("set PUBLIC_URL (e.g. FLASK_PUBLIC_URL=https://comments.example): "
                                   "mails link back to the service")
    if app.config["SMTP_HOST"] and app.config["SMTP_SECURITY"] not in SECURITY:
        raise click.ClickException(f"SMTP_SECURITY must be one of {', '.join(SECURITY)}")
    log_lines(os.environ.get("LOG_FORMAT", "text"))
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    try:
        delivery_worker.run(app, once=once, stop=stop)
    except delivery_worker.WorkerBusy as busy:
        raise click.ClickException(str(busy)) from None


def log_lines(log_format):
    """The worker's lines on stderr, as text or, with LOG_FORMAT=json, one
    JSON object a line like gunicorn's (gunicorn.conf.py). They name events
    and deliveries by id, never an address."""
    handler = logging.StreamHandler()
    if log_format.lower() == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    logging.basicConfig(level=logging.INFO, handlers=[handler])


@click.command("mail")
@click.argument("name")
@click.option("--email", help="The moderator's address.")
@click.option("--frequency", type=click.Choice([each.value for each in MailFrequency]), required=True,
              help="each: a mail per held comment; hourly: a digest; none: no mail.")
@with_appcontext
def set_moderator_mail(name, email, frequency):
    """Set where and how often a moderator hears of held comments."""
    if email is None and frequency != MailFrequency.NONE:
        raise click.BadParameter("needed unless --frequency none", param_hint="--email")
    moderator = moderator_mail.find_moderator(name)
    setting = moderator_mail.set_mail_setting(moderator.id, email, frequency)
    click.echo(f"{moderator.name}: {setting.frequency}" + (" mail" if setting.email else ""))
