"""Prometheus metrics for the operator's scraper, behind a token of their own."""

from flask import Blueprint, current_app

from .. import metrics
from ..openapi import documented
from ..services.backlogs import read_backlogs

bp = Blueprint("metrics", __name__)


@bp.get("/metrics")
@documented(responses={200: "text/plain"}, errors=(401, 404))
def scrape():
    """Prometheus text format: requests, submissions, cache, limits and backlogs of every worker.
    Needs `Authorization: Bearer <METRICS_TOKEN>`; without that setting there is no such page (404)."""
    metrics.require_token()
    response = current_app.response_class(metrics.exposition(read_backlogs()), content_type=metrics.CONTENT_TYPE)
    response.headers["Cache-Control"] = "no-store"
    return response
