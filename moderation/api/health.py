"""Liveness for load balancers and monitoring."""

from flask import Blueprint

from ..openapi import HEALTH_BODY, documented
from ..services import health

bp = Blueprint("health", __name__)


@bp.get("/healthz")
@documented(responses={200: HEALTH_BODY, 503: HEALTH_BODY})
def healthz():
    """200 when the database answers, 503 otherwise."""
    if health.is_database_up():
        return {"status": "ok"}
    return {"status": "unavailable"}, 503
