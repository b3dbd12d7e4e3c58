"""Each auto-moderation rule on its own: what it catches, what it must let
through (false positives are expensive), and the reason moderators read."""

import ipaddress

import pytest

from moderation import rules
from moderation.models import Status
from moderation.rules import APPROVE, HOLD, SPAM, Blocklist, Facts, Submission, Verdict

SETTINGS = {"LINKS_HOLD_THRESHOLD": 2, "TRUSTED_AUTHORS_ENABLED": True, "TRUSTED_AUTHOR_MIN_APPROVED": 1}
HONEST = ("I have read the whole interview, and I think the 40% figure deserves a closer look. "
          "Budanov gave similar numbers in spring; see https://example.org/analysis for a summary. ") * 8
BLOCKLIST = Blocklist(
    words=frozenset({"casino", "cheap pills"}), emails=frozenset({"spammer@example.com"}),
    domains=frozenset({"spam.example"}),
    networks=(ipaddress.ip_network("203.0.113.0/24"), ipaddress.ip_network("2001:db8:bad::/48")),
)


def submission(**changes):
    fields = {"name": "Zoë Łukasiewicz-Đurić", "email_key": "zoe@example.org", "body_text": HONEST,
              "link_count": 1, "client_ip": "2001:db8:1234::77", "honeypot": None}
    return Submission(**{**fields, **changes})


def verdicts(sub=None, **facts):
    return rules.evaluate(sub or submission(), Facts(**{"blocklist": BLOCKLIST, **facts}), SETTINGS)


def test_an_honest_long_comment_from_an_ipv6_reader_raises_nothing():
    assert verdicts() == []


@pytest.mark.parametrize("value,caught", [(None, False), ("", False), ("  ", False), ("http://x.example", True)])
def test_honeypot(value, caught):
    result = rules.honeypot(submission(honeypot=value), Facts(), SETTINGS)
    assert result == (Verdict(SPAM, "The hidden honeypot field was filled in.") if caught else None)


def test_too_many_links_holds_with_the_count():
    assert rules.too_many_links(submission(link_count=1), Facts(), SETTINGS) is None
    assert rules.too_many_links(submission(link_count=3), Facts(), SETTINGS) == Verdict(
        HOLD, "Contains 3 links (held at 2 or more).")
    assert rules.too_many_links(submission(link_count=9), Facts(), {**SETTINGS, "LINKS_HOLD_THRESHOLD": 0}) is None


@pytest.mark.parametrize("change,reason", [
    ({"email_key": "spammer@example.com"}, "The email address is on the blocklist."),
    ({"email_key": "x@spam.example"}, "The email domain spam.example is on the blocklist."),
    ({"email_key": "x@mail.spam.example"}, "The email domain mail.spam.example is on the blocklist."),
    ({"client_ip": "203.0.113.250"}, "The client address is in the blocked network 203.0.113.0/24."),
    ({"client_ip": "::ffff:203.0.113.9"}, "The client address is in the blocked network 203.0.113.0/24."),
    ({"client_ip": "2001:db8:bad:1::1"}, "The client address is in the blocked network 2001:db8:bad::/48."),
    # Tunnelled IPv6 is matched by the IPv4 address it carries, as it is stored
    # (privacy.anonymise_ip): 6to4 of 203.0.113.254, Teredo of 203.0.113.77.
    ({"client_ip": "2002:cb00:71fe:42::1"}, "The client address is in the blocked network 203.0.113.0/24."),
    ({"client_ip": "2001:0:4136:e378:8000:63bf:34ff:8eb2"},
     "The client address is in the blocked network 203.0.113.0/24."),
])
def test_blocked_authors_go_to_spam(change, reason):
    assert rules.blocked_author(submission(**change), Facts(blocklist=BLOCKLIST), SETTINGS) == Verdict(SPAM, reason)


def test_a_blocked_ipv6_range_still_blocks_the_tunnels_in_it():
    """An entry made before tunnelled addresses were stored by their IPv4 /24
    (or typed by a moderator) is matched against the address as sent."""
    blocklist = Blocklist(networks=(ipaddress.ip_network("2002:cb00:7100::/40"),))
    verdict = rules.blocked_author(submission(client_ip="2002:cb00:71fe:42::1"), Facts(blocklist=blocklist), SETTINGS)
    assert verdict == Verdict(SPAM, "The client address is in the blocked network 2002:cb00:7100::/40.")


@pytest.mark.parametrize("change", [
    {"email_key": "spammer@example.com.au"}, {"email_key": "x@notspam.example"},
    {"client_ip": "203.0.114.1"}, {"client_ip": None}, {"client_ip": "garbage"},
    {"client_ip": "2002:cb00:7201::1"},  # 6to4 of 203.0.114.1
])
def test_near_misses_are_not_blocked(change):
    assert rules.blocked_author(submission(**change), Facts(blocklist=BLOCKLIST), SETTINGS) is None


@pytest.mark.parametrize("body", [
    "Best CASINO in town", "ｃａｓｉｎｏ bonus", "ca\u200bsi\u00adno night", "Buy cheap   pills now",
    "Cheap\u200d Pills",
])
def test_blocked_words_survive_simple_obfuscation(body):
    verdict = rules.blocked_words(submission(body_text=body), Facts(blocklist=BLOCKLIST), SETTINGS)
    assert verdict is not None and verdict.action == SPAM and "blocked word" in verdict.reason


@pytest.mark.parametrize("body", ["Casinos are a policy question", "The Occasinox brand", "cheap, and pills"])
def test_blocked_words_match_whole_words_only(body):
    assert rules.blocked_words(submission(body_text=body), Facts(blocklist=BLOCKLIST), SETTINGS) is None


def test_blocked_words_in_the_name_count_too():
    assert rules.blocked_words(submission(name="Casino King"), Facts(blocklist=BLOCKLIST), SETTINGS)


@pytest.mark.parametrize("problem", sorted(rules.FORM_REASONS))
def test_form_token_problems_hold(problem):
    assert rules.form_token(submission(), Facts(form_problem=problem), SETTINGS) == Verdict(
        HOLD, rules.FORM_REASONS[problem])


@pytest.mark.parametrize("history,settings,approved", [
    ((1, 0), SETTINGS, True),
    ((5, 0), SETTINGS, True),
    ((0, 0), SETTINGS, False),
    ((9, 1), SETTINGS, False),           # one comment marked spam ends trust
    (None, SETTINGS, False),             # no valid author key: the email alone earns nothing
    ((9, 0), {**SETTINGS, "TRUSTED_AUTHORS_ENABLED": False}, False),
    ((2, 0), {**SETTINGS, "TRUSTED_AUTHOR_MIN_APPROVED": 3}, False),
])
def test_trusted_author(history, settings, approved):
    verdict = rules.trusted_author(submission(), Facts(author_history=history), settings)
    assert (verdict == Verdict(APPROVE, f"Trusted returning author ({history[0]} approved, none spam).")
            if approved else verdict is None)


@pytest.mark.parametrize("actions,status", [
    ([], Status.PENDING),
    ([APPROVE], Status.APPROVED),
    ([APPROVE, HOLD], Status.PENDING),
    ([APPROVE, SPAM], Status.SPAM),
    ([HOLD, SPAM], Status.SPAM),
])
def test_decide(actions, status):
    assert rules.decide([Verdict(action, "r") for action in actions]) == status


def test_normalise_text():
    assert rules.normalise_text("  Ｃａ\u200bSINO\u00ad  ﬁne\n") == "casino fine"
