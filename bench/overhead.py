"""What the metrics and compression hooks add to every request, timed in
process (no server, no database): `python -m bench.overhead [--multiprocess]`.

--multiprocess times prometheus_client as gunicorn runs it (counts written
to files in PROMETHEUS_MULTIPROC_DIR, a temporary folder here)."""

import argparse
import os
import sys
import tempfile
import time


def per_call_us(function, rounds=5, calls=20_000):
    """Microseconds per call: the quickest of several rounds (the least noise)."""
    best = float("inf")
    for _ in range(rounds):
        started = time.perf_counter()
        for _ in range(calls):
            function()
        best = min(best, time.perf_counter() - started)
    return best / calls * 1e6


def measure():
    from moderation import create_app
    from moderation.compression import EncodedBody, compress_answer
    from moderation.metrics import observe_request, start_clock

    folder = tempfile.mkdtemp(prefix="bench-overhead-")
    app = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", "SECRET_KEY": "bench"}, instance_path=folder)
    page = EncodedBody(b'{"comments": [' + b'{"body_html": "<p>A comment of some length.</p>"},' * 800 + b'{}]}')
    url = "/api/v1/articles/2026/11/bench/comments"
    figures = {}

    def answer(status=200):
        response = app.response_class(page if status == 200 else None, status=status, mimetype="application/json")
        response.encoded_body = page if status == 200 else None
        response.set_etag("1.2.3.oldest.50.None")
        return response

    for label, headers, status in (("200, identity", {}, 200), ("200, gzip", {"Accept-Encoding": "gzip"}, 200),
                                   ("200, br", {"Accept-Encoding": "gzip, deflate, br, zstd"}, 200),
                                   ("304, br", {"Accept-Encoding": "br", "If-None-Match": '"1.2.3.oldest.50.None-br"'},
                                    304)):
        with app.test_request_context(url, headers=headers):
            page.encoded("gzip"), page.encoded("br")  # kept: made once per version, not per request
            baseline = per_call_us(lambda: answer(status))
            figures[f"compression hook, {label}"] = per_call_us(lambda: compress_answer(answer(status))) - baseline
    with app.test_request_context(url):
        from flask import request
        request.url_rule = next(app.url_map.iter_rules("public.list_comments"))
        response = answer()

        def both_hooks():
            start_clock()
            observe_request(response)

        figures["metrics hooks (clock, histogram)"] = per_call_us(both_hooks)
    return figures


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--multiprocess", action="store_true")
    args = parser.parse_args(argv)
    if args.multiprocess and "PROMETHEUS_MULTIPROC_DIR" not in os.environ:
        # prometheus_client picks its mode when first imported: start again with the folder set.
        env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": tempfile.mkdtemp(prefix="bench-metrics-")}
        os.execve(sys.executable, [sys.executable, "-m", "bench.overhead", *sys.argv[1:]], env)
    mode = "multiprocess (files)" if "PROMETHEUS_MULTIPROC_DIR" in os.environ else "one process (memory)"
    print(f"prometheus_client mode: {mode}")
    for label, microseconds in measure().items():
        print(f"{label:45} {microseconds:6.2f} µs per request")


if __name__ == "__main__":
    main()
