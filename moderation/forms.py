"""The widget's form token: signed with the secret, bound to one article, and
carrying the time it was issued, so that a form sent faster than a person
can type, or long after the page loaded, can be told apart."""

from datetime import UTC, datetime

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

SALT = "moderation.form-token"


def issue_form_token(article_id, secret):
    """A token for one article, valid from now."""
    return URLSafeTimedSerializer(secret, salt=SALT).dumps(article_id)


def form_token_problem(token, article_id, secret, *, max_age, min_seconds):
    """None for a good token, else why not: missing, invalid, expired,
    other_article or too_fast (see rules.FORM_REASONS)."""
    if not token:
        return "missing"
    try:
        issued_for, issued_at = URLSafeTimedSerializer(secret, salt=SALT).loads(
            token, max_age=max_age, return_timestamp=True)
    except SignatureExpired:
        return "expired"
    except BadSignature:
        return "invalid"
    if issued_for != article_id:
        return "other_article"
    if (datetime.now(UTC) - issued_at).total_seconds() < min_seconds:
        return "too_fast"
    return None
