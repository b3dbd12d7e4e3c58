"""Each auto-moderation rule on its own: what it catches, what it must let
through (false positives are expensive), and the reason moderators read."""

import ipaddress
from dataclasses import replace

import pytest

from moderation import rules
from moderation.models import Status
from moderation.rules import APPROVE, HOLD, SPAM, Blocklist, Facts, Submission, Verdict
from moderation.sanitize import render_body
from moderation.services.screening import SubmissionSettings
from moderation.wordfilter import normalise_text, visible_text

SETTINGS = SubmissionSettings(
    secret_key="test", max_thread_depth=5, duplicate_window=60, links_hold_threshold=2,
    trusted_authors_enabled=True, trusted_author_min_approved=1, form_token_max_age=60, form_min_seconds=0)
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
    assert rules.too_many_links(submission(link_count=9), Facts(), replace(SETTINGS, links_hold_threshold=0)) is None


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
    assert rules.blocked_words(submission(name="\u0421\u0430sino King"), Facts(blocklist=BLOCKLIST), SETTINGS)
    # A name is shown as typed, so a reference in it is no letter.
    assert not rules.blocked_words(submission(name="C&#97;sino King"), Facts(blocklist=BLOCKLIST), SETTINGS)


def as_submitted(body):
    """A submission of body as the service screens it: with what a reader sees."""
    return submission(body_text=body, visible_text=visible_text(render_body(body)))


@pytest.mark.parametrize("body", [
    "Visit c&#97;sino night", "c&#x61;&#115;ino", "<b>ca</b>sino", "<em>c</em><strong>a</strong>sino",
    "<a href=\"https://x.example\">ca</a>sino", "<q>casino</q>", "<p>one</p><p>casino</p>",
    "\u0441\u0430sino night",                      # Cyrillic с and а
    "\u03f2\u0430\u0455\u0456n\u043e",                # Greek lunate sigma, Cyrillic а, ѕ, і, о
    "\ua4daasino",                                # Lisu letter ꓚ, drawn as a capital C
    "ca\U000e0073sino",                           # an invisible tag character
    "c\u0430s\u0456no, really",
    "cheap p\u0456lls",                           # a phrase, Cyrillic і
    "ca\u3164sino",                               # a filler, default-ignorable
])
def test_blocked_words_are_found_as_a_reader_sees_them(body):
    verdict = rules.blocked_words(as_submitted(body), Facts(blocklist=BLOCKLIST), SETTINGS)
    assert verdict is not None and verdict.action == SPAM, body


@pytest.mark.parametrize("body", [
    "c&amp;#97;sino", "&lt;b&gt;ca&lt;/b&gt;sino", "c<i>a</i>sinos", "<p>casin</p><p>o</p>", "casin<br>o",
    "c\u00e1sino", "\u043a\u0430\u0437\u0438\u043d\u043e",    # an accent; the Ukrainian word
    "Ukrainian: \u041a\u0438\u0457\u0432, \u041b\u044c\u0432\u0456\u0432, \u043e\u0441\u0456\u043d\u044c",
])
def test_near_misses_as_a_reader_sees_them_are_not_blocked(body):
    assert rules.blocked_words(as_submitted(body), Facts(blocklist=BLOCKLIST), SETTINGS) is None, body


def test_entries_typed_with_lookalike_letters_match_their_plain_spelling():
    blocklist = Blocklist(words=frozenset({normalise_text("\u0421\u0410\u0405\u0399NO")}))  # Cyrillic/Greek
    verdict = rules.blocked_words(as_submitted("Best casino"), Facts(blocklist=blocklist), SETTINGS)
    assert verdict == Verdict(SPAM, "Contains the blocked word or phrase '\u0441\u0430\u0455\u03b9no'.")


def test_the_first_entry_in_order_is_the_reason():
    blocklist = Blocklist(words=frozenset({"zebra", "casino", "$$$", "cheap pills"}))
    verdict = rules.blocked_words(as_submitted("$$$ zebra casino cheap pills"), Facts(blocklist=blocklist), SETTINGS)
    assert verdict.reason == "Contains the blocked word or phrase '$$$'."
    verdict = rules.blocked_words(as_submitted("zebra, c\u0430sino"), Facts(blocklist=blocklist), SETTINGS)
    assert verdict.reason == "Contains the blocked word or phrase 'casino'."


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
    ((9, 0), replace(SETTINGS, trusted_authors_enabled=False), False),
    ((2, 0), replace(SETTINGS, trusted_author_min_approved=3), False),
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
    assert normalise_text("  Ｃａ\u200bSINO\u00ad  ﬁne\n") == "casino fine"
    assert normalise_text("ca\U000e0073si\u2060no\ufe0f \u3164") == "casino"
