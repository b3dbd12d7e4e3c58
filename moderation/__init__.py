"""The comment service: a Flask application made by create_app()."""

from . import api, cli, embed, errors, feeds, mail_links, notification_cli, pages
from .api import docs
from .compression import init_compression
from .config import load_config
from .cors import init_cors
from .extensions import init_extensions
from .http import CommentApp
from .importers import commands as import_commands
from .metrics import init_metrics
from .security import init_security
from .services.recent import RecentReads
from .services.threads import PageCache


def create_app(test_config=None, *, instance_path=None):
    """Build the application: config, extensions, blueprints, errors, CLI."""
    app = CommentApp(__name__, instance_relative_config=True, instance_path=instance_path)
    load_config(app, test_config)
    init_metrics(app)
    init_extensions(app)
    init_security(app)
    init_cors(app)
    init_compression(app)
    app.extensions["page_cache"] = PageCache(app.config["THREAD_CACHE_SIZE"])
    app.extensions["recent_reads"] = RecentReads(app.config["RECENT_READ_MAX_AGE"], app.config["THREAD_CACHE_SIZE"])
    api.register_blueprints(app)
    app.register_blueprint(pages.bp)
    app.register_blueprint(embed.bp)
    app.register_blueprint(feeds.bp)
    app.register_blueprint(docs.bp)
    app.register_blueprint(mail_links.bp)
    errors.register(app)
    app.cli.add_command(cli.moderators)
    app.cli.add_command(cli.demo)
    app.cli.add_command(cli.purge)
    app.cli.add_command(notification_cli.worker)
    app.cli.add_command(import_commands.import_comments)
    app.cli.add_command(import_commands.export_comments)
    return app
