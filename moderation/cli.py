"""Command-line tools for operators: `flask --app wsgi moderators ...`."""

import click
from flask import current_app
from flask.cli import AppGroup, with_appcontext
from sqlalchemy.exc import IntegrityError

from .extensions import db
from .models import Role
from .notification_cli import set_moderator_mail
from .pages import DEMO_ARTICLE_ID
from .services import demo as demo_service
from .services import retention
from .services import moderators as moderator_service
from .services.screening import SubmissionSettings

moderators = AppGroup("moderators", help="Manage moderator tokens.")
moderators.add_command(set_moderator_mail)
demo = AppGroup("demo", help="Demo data for trying the service locally.")


@moderators.command("add")
@click.argument("name")
@click.option("--role", type=click.Choice([role.value for role in Role]), default=Role.MODERATOR.value,
              show_default=True)
def add_moderator(name, role):
    """Create a moderator; prints the token once, alone on the last line."""
    name = name.strip()
    if not 1 <= len(name) <= 80:
        raise click.BadParameter("must be 1 to 80 characters", param_hint="NAME")
    try:
        moderator, token = moderator_service.add_moderator(name, Role(role))
    except IntegrityError:
        db.session.rollback()
        raise click.ClickException(f"a moderator named {name!r} exists already") from None
    click.echo(f"Created {moderator.role} {moderator.name!r}. Store this token now; it is not shown again:")
    click.echo(token)


@moderators.command("list")
def list_moderators():
    """Names, roles, creation and last use; never a token."""
    rows = moderator_service.list_moderators()
    for moderator in rows:
        last_used = moderator.last_used_at.isoformat(timespec="seconds") if moderator.last_used_at else "never"
        click.echo(f"{moderator.name}\t{moderator.role}\tcreated {moderator.created_at:%Y-%m-%dT%H:%M:%SZ}"
                   f"\tlast used {last_used}")
    if not rows:
        click.echo("No moderators yet: flask --app wsgi moderators add NAME", err=True)


@moderators.command("revoke")
@click.argument("name")
def revoke_moderator(name):
    """Revoke a moderator's token at once."""
    if not moderator_service.revoke_moderator(name):
        raise click.ClickException(f"no moderator named {name!r}")
    click.echo(f"Revoked {name!r}.")


@demo.command("seed")
@click.option("--article", default=DEMO_ARTICLE_ID, show_default=True)
def seed_demo(article):
    """Add a few comments (approved, a reply, one pending) to the demo article, once."""
    settings = SubmissionSettings.from_config(current_app.config)
    added = demo_service.seed_demo(article, settings)
    click.echo(f"Added {added} demo comments to {article!r}." if added else
               f"{article!r} has comments already; nothing added.")
    if demo_service.seed_demo_list(settings):
        click.echo("Added the demo article list's other stories.")


@click.command("purge")
@click.option("--personal-days", type=click.IntRange(min=0), default=None,
              help="Drop IPs and user agents of comments older than this (default RETENTION_PERSONAL_DAYS).")
@click.option("--unpublished-days", type=click.IntRange(min=0), default=None,
              help="Delete pending, rejected and spam comments older than this "
                   "(default RETENTION_UNPUBLISHED_DAYS).")
@with_appcontext
def purge(personal_days, unpublished_days):
    """Apply the retention periods; run it daily from cron."""
    config = current_app.config
    result = retention.purge(
        personal_days=config["RETENTION_PERSONAL_DAYS"] if personal_days is None else personal_days,
        unpublished_days=config["RETENTION_UNPUBLISHED_DAYS"] if unpublished_days is None else unpublished_days,
    )
    click.echo(f"Dropped the IP and user agent of {result.scrubbed} comments; "
               f"deleted {result.deleted} unpublished comments.")
