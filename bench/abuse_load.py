"""Abuse-protection load: post a mix of honest and hostile traffic from many
simulated client addresses and report what was accepted, held and refused.

    python -m bench.abuse_load --url http://127.0.0.1:5000 --token TOKEN [--readers 200]

The server must trust one proxy hop (FLASK_PROXY_FIX_X_FOR=1): the script
sets X-Forwarded-For to simulate readers on distinct addresses. Its rate
limits stay on, as in production (the workers of one host share the counter
file of the instance folder; several hosts need FLASK_RATELIMIT_STORAGE_URI=redis://...).
"""

import argparse
import collections
import random
import sys
import urllib.parse
import uuid
from concurrent.futures import ThreadPoolExecutor

from bench.concurrent_posts import request

KINDS = ("reader", "link_spammer", "honeypot_bot", "duplicate", "flooder")


def address(number):
    return f"10.{number // 65536 % 256}.{number // 256 % 256}.{number % 256}"


def traffic(readers, seed=7):
    """(kind, client address, payload) for every post, shuffled reproducibly."""
    rng, run, posts = random.Random(seed), uuid.uuid4().hex[:6], []
    for number in range(readers):
        kind = KINDS[number % len(KINDS)]
        base = {"name": f"Reader {number}", "email": f"reader{number}@example.org",
                "body": f"Honest comment {number} of run {run}, with one link https://example.org/{number}."}
        if kind == "link_spammer":
            base["body"] = " ".join(f"https://spam{i}.example.com/{number}" for i in range(4))
        if kind == "honeypot_bot":
            base["website_url"] = "https://bot.example.com"
        if kind == "flooder":  # eight different comments in a burst: the rate limit's case
            posts += [(kind, address(number), {**base, "body": f"{base['body']} ({copy})"})
                      for copy in range(8)]
        else:
            posts += [(kind, address(number), base)] * (2 if kind == "duplicate" else 1)
    rng.shuffle(posts)
    return posts


def post_all(base, article, posts, clients):
    url = f"{base}/api/v1/articles/{urllib.parse.quote(article)}/comments"

    def send(item):
        kind, client, payload = item
        status, body = request("POST", url, payload, headers={"X-Forwarded-For": client})
        return kind, status, body

    with ThreadPoolExecutor(clients) as pool:
        return list(pool.map(send, posts))


def stored_statuses(base, token, ids):
    """{comment id: (status, reasons)} read back through the moderation API."""
    found = {}
    for comment_id in ids:
        status, body = request("GET", f"{base}/api/v1/moderation/comments/{comment_id}", token=token)
        if status == 200:
            found[comment_id] = (body["status"], tuple(body["moderation"]["reasons"]))
    return found


def report(results, stored):
    by_kind = collections.defaultdict(collections.Counter)
    for kind, status, body in results:
        if status in (201, 202):
            outcome = {"approved": "accepted", "pending": "held", "spam": "spam"}[stored[body["id"]][0]]
        else:
            outcome = f"refused {status} {body['error']['code']}"
        by_kind[kind][outcome] += 1
    reasons = collections.Counter(reason for _, found in stored.items() for reason in found[1])
    return by_kind, reasons


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="http://127.0.0.1:5000")
    parser.add_argument("--token", required=True)
    parser.add_argument("--readers", type=int, default=200)
    parser.add_argument("--clients", type=int, default=8)
    args = parser.parse_args(argv)
    base = args.url.rstrip("/")
    results = post_all(base, f"bench/abuse/{uuid.uuid4().hex[:8]}", traffic(args.readers), args.clients)
    ids = [body["id"] for _, status, body in results if status in (201, 202)]
    by_kind, reasons = report(results, stored_statuses(base, args.token, ids))
    print(f"{len(results)} posts from {args.readers} simulated clients")
    for kind in KINDS:
        print(f"  {kind:>13}: " + ", ".join(f"{n} {outcome}" for outcome, n in sorted(by_kind[kind].items())))
    print("reasons moderators see:")
    for reason, count in reasons.most_common():
        print(f"  {count:5d}  {reason}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
