"""The HTTP API, one blueprint per audience."""

from . import health, metrics, moderation, notifications, public


def register_blueprints(app):
    """Mount every blueprint of the API."""
    app.register_blueprint(public.bp, url_prefix="/api/v1")
    app.register_blueprint(moderation.bp, url_prefix="/api/v1/moderation")
    app.register_blueprint(notifications.bp, url_prefix="/api/v1/moderation")
    app.register_blueprint(health.bp)
    app.register_blueprint(metrics.bp)
