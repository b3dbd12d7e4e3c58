"""Auto-moderation rules. Each is a small pure function of a submission and
of facts the service looked up; it returns a Verdict with the reason a
moderator will read, or None. decide() turns the verdicts into a status."""

from dataclasses import dataclass, field
from functools import cached_property

from .models import Status
from .privacy import ip_as_sent, parse_ip
from .wordfilter import WordIndex

SPAM, HOLD, APPROVE = "spam", "hold", "approve"


@dataclass(frozen=True)
class Verdict:
    action: str
    reason: str


@dataclass(frozen=True)
class Blocklist:
    words: frozenset = frozenset()
    emails: frozenset = frozenset()
    domains: frozenset = frozenset()
    networks: tuple = ()

    @cached_property
    def word_index(self):
        """The words as blocked_words looks for them: built once per list
        (services/blocklist.py keeps one Blocklist while the lists are unchanged)."""
        return WordIndex(self.words)


@dataclass(frozen=True)
class Submission:
    """What the rules may look at: the comment as submitted, and the client's
    full IP, which is used here and never stored."""

    name: str
    email_key: str
    body_text: str
    link_count: int
    client_ip: str | None = None
    honeypot: str | None = None
    # The body as a reader sees it: body_html without its tags, references decoded.
    visible_text: str | None = None


@dataclass(frozen=True)
class Facts:
    """What the service found in the database and in the form token."""

    blocklist: Blocklist = field(default_factory=Blocklist)
    # (approved, spam) comments of the address, when a valid author key came with it.
    author_history: tuple | None = None
    # None when the token checked out, else why not ("missing", "expired", ...).
    form_problem: str | None = None


def honeypot(submission, facts, settings):
    # A hidden field people never see, so never fill; bots fill every field.
    if submission.honeypot and submission.honeypot.strip():
        return Verdict(SPAM, "The hidden honeypot field was filled in.")
    return None


def blocked_author(submission, facts, settings):
    blocklist = facts.blocklist
    domain = submission.email_key.rpartition("@")[2]
    if submission.email_key in blocklist.emails:
        return Verdict(SPAM, "The email address is on the blocklist.")
    if any(domain == d or domain.endswith("." + d) for d in blocklist.domains):
        return Verdict(SPAM, f"The email domain {domain} is on the blocklist.")
    network = matching_network(submission.client_ip, blocklist.networks)
    if network:
        return Verdict(SPAM, f"The client address is in the blocked network {network}.")
    return None


def matching_network(address, networks):
    # As the address is stored (a tunnelled IPv6 address by the IPv4 address
    # it carries, privacy.parse_ip), and as it was sent, so that an IPv6 entry
    # (2002::/16, or a /48 stored before) still blocks.
    ips = {parse_ip(address), ip_as_sent(address)} - {None}
    return next((str(net) for net in networks for ip in ips if ip.version == net.version and ip in net), None)


def blocked_words(submission, facts, settings):
    # The name as shown (text, never markup), the body as typed (its links'
    # addresses too) and as a reader sees it; each as written and as it looks.
    parts = (submission.name, submission.body_text, submission.visible_text)
    word = facts.blocklist.word_index.first_match("\n".join(filter(None, parts)))
    if word is not None:
        return Verdict(SPAM, f"Contains the blocked word or phrase {word!r}.")
    return None


def too_many_links(submission, facts, settings):
    threshold = settings.links_hold_threshold
    if threshold and submission.link_count >= threshold:
        return Verdict(HOLD, f"Contains {submission.link_count} links (held at {threshold} or more).")
    return None


FORM_REASONS = {
    "missing": "Sent without the widget's form token (not from the comment form?).",
    "invalid": "The form token is not valid.",
    "expired": "The form token has expired (the page was open too long).",
    "other_article": "The form token was issued for another article.",
    "too_fast": "The form was sent faster than a person could fill it in.",
}


def form_token(submission, facts, settings):
    if facts.form_problem:
        return Verdict(HOLD, FORM_REASONS[facts.form_problem])
    return None


def trusted_author(submission, facts, settings):
    # Only a key the author's own browser was given earns trust: an email
    # address alone is public knowledge and proves nothing.
    if not settings.trusted_authors_enabled or facts.author_history is None:
        return None
    approved, spam = facts.author_history
    if spam == 0 and approved >= settings.trusted_author_min_approved:
        return Verdict(APPROVE, f"Trusted returning author ({approved} approved, none spam).")
    return None


RULES = (honeypot, blocked_author, blocked_words, too_many_links, form_token, trusted_author)


def evaluate(submission, facts, settings, rules=RULES):
    """Every verdict the rules give, in rule order."""
    return [verdict for rule in rules if (verdict := rule(submission, facts, settings))]


def decide(verdicts):
    """The status the verdicts add up to: spam beats hold beats approve;
    without any, the comment waits (API.md: pending by default)."""
    actions = {verdict.action for verdict in verdicts}
    if SPAM in actions:
        return Status.SPAM
    if HOLD in actions or APPROVE not in actions:
        return Status.PENDING
    return Status.APPROVED
