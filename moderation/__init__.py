"""The comment service: a Flask application made by create_app()."""

from . import api, cli, errors, pages
from .config import load_config
from .extensions import init_extensions
from .http import CommentApp, PageCache
from .security import init_security


def create_app(test_config=None, *, instance_path=None):
    """Build the application: config, extensions, blueprints, errors, CLI."""
    app = CommentApp(__name__, instance_relative_config=True, instance_path=instance_path)
    load_config(app, test_config)
    init_extensions(app)
    init_security(app)
    app.extensions["page_cache"] = PageCache(app.config["THREAD_CACHE_SIZE"])
    api.register_blueprints(app)
    app.register_blueprint(pages.bp)
    errors.register(app)
    app.cli.add_command(cli.moderators)
    app.cli.add_command(cli.demo)
    return app
