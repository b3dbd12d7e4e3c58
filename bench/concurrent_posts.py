"""Post many comments at once against a running server and check none is lost.

    python -m bench.concurrent_posts --url http://127.0.0.1:5000 --token TOKEN \
        [--comments 200] [--clients 16] [--article bench/concurrency]

Posts --comments comments from --clients threads, approves them all with the
moderator token, then checks that the article's total equals what was posted.
Run it with rate limiting off on the server (FLASK_RATELIMIT_ENABLED=false).
"""

import argparse
import json
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from concurrent.futures import ThreadPoolExecutor


def request(method, url, payload=None, token=None, headers=None):
    """One HTTP call; returns (status, decoded JSON body or None)."""
    data = json.dumps(payload).encode() if payload is not None else None
    headers = {**({"Content-Type": "application/json"} if data else {}), **(headers or {})}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    call = urllib.request.Request(url, data=data, method=method, headers=headers)
    try:
        with urllib.request.urlopen(call, timeout=60) as response:
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"null")


def post_many(base, article, comments, clients):
    """Post comments from concurrent clients; returns the list of (status, body)."""
    url = f"{base}/api/v1/articles/{urllib.parse.quote(article)}/comments"
    run = uuid.uuid4().hex[:8]

    def post(number):
        return request("POST", url, {"name": f"Reader {number}", "email": f"reader{number}@example.org",
                                     "body": f"Comment {number} of run {run}."})

    with ThreadPoolExecutor(clients) as pool:
        return list(pool.map(post, range(comments)))


def approve_all(base, ids, token, clients):
    def approve(comment_id):
        return request("POST", f"{base}/api/v1/moderation/comments/{comment_id}/approve", {}, token)[0]

    with ThreadPoolExecutor(clients) as pool:
        return list(pool.map(approve, ids))


def article_total(base, article):
    return request("GET", f"{base}/api/v1/articles/{urllib.parse.quote(article)}/comments?limit=1")[1]["total"]


def run(base, token, article, comments, clients):
    """The whole check; returns a dict of figures."""
    started = time.perf_counter()
    answers = post_many(base, article, comments, clients)
    elapsed = time.perf_counter() - started
    ids = [body["id"] for status, body in answers if status == 202]
    approvals = approve_all(base, ids, token, clients)
    return {
        "posted": comments, "accepted_202": len(ids), "distinct_ids": len(set(ids)),
        "statuses": sorted({status for status, _ in answers}),
        "approved_200": approvals.count(200), "total": article_total(base, article),
        "posts_per_second": round(comments / elapsed, 1),
    }


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="http://127.0.0.1:5000")
    parser.add_argument("--token", required=True)
    parser.add_argument("--article", default=f"bench/concurrency/{uuid.uuid4().hex[:8]}")
    parser.add_argument("--comments", type=int, default=200)
    parser.add_argument("--clients", type=int, default=16)
    args = parser.parse_args(argv)
    figures = run(args.url.rstrip("/"), args.token, args.article, args.comments, args.clients)
    for name, value in figures.items():
        print(f"{name:>18}: {value}")
    lost = not (figures["accepted_202"] == figures["distinct_ids"] == figures["total"] == args.comments)
    print("FAILED: comments were lost or refused" if lost else "OK: every comment kept")
    return 1 if lost else 0


if __name__ == "__main__":
    sys.exit(main())
