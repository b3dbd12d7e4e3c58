"""count.js without a browser: its size as served, its sinks, and (under node,
against a stub DOM and fetch) its requests, plural forms and text-only writes."""

import gzip
import json
import re
import subprocess
from pathlib import Path

import pytest

from moderation.pages import minify
from tests.test_widget_static import FORBIDDEN_SINKS, node  # noqa: F401 (a fixture)

SCRIPT = Path(__file__).resolve().parent.parent / "moderation" / "static" / "count.js"
SOURCE = SCRIPT.read_text(encoding="utf-8")
GZIP_BUDGET = 2 * 1024


def test_it_is_small_as_served():
    size = len(gzip.compress(minify(SOURCE).encode(), compresslevel=9))
    assert size < GZIP_BUDGET, f"count.js is {size} bytes gzipped as served; the budget is {GZIP_BUDGET}"


@pytest.mark.parametrize("pattern", [r"\binnerHTML\b", *FORBIDDEN_SINKS.values()])
def test_it_writes_text_only(pattern):
    assert not re.search(pattern, SOURCE)


def test_is_one_strict_iife():
    code = re.sub(r"\A\s*/\*.*?\*/", "", SOURCE, count=1, flags=re.S).strip()
    assert code.startswith('(function () {\n  "use strict";\n') and code.endswith("\n})();")


# Runs count.js against a page of marked elements; fetch answers each id's count from ANSWERS.
RUN_SCRIPT = """
const vm = require("vm");
const { ids, lang, answers, status } = JSON.parse(process.argv[1]);
const elements = ids.map((id) => ({ dataset: { commentCount: id }, textContent: "…" }));
const requests = [], errors = [];
const sandbox = {
  URL, Intl, Promise, Object, Number, String, Set, Error, encodeURIComponent,
  console: { error: (text) => errors.push(text) },
  document: {
    readyState: "complete", baseURI: "https://news.example/list", documentElement: { lang },
    currentScript: { src: "https://comments.example/count.js", dataset: {} },
    querySelectorAll: (selector) => (selector === "[data-comment-count]" ? elements : []),
  },
  fetch: async (url, options) => {
    requests.push({ url, credentials: options.credentials });
    const asked = new URL(url).searchParams.getAll("article_id");
    const counts = Object.fromEntries(asked.map((id) => [id, answers[id] ?? 0]));
    return { ok: status === 200, status, json: async () => ({ counts }) };
  },
};
sandbox.window = sandbox;
vm.createContext(sandbox);
vm.runInContext(require("fs").readFileSync(0, "utf8"), sandbox);
setTimeout(() => console.log(JSON.stringify({
  requests, errors, texts: elements.map((el) => el.textContent), api: Object.keys(sandbox.ModerationCounts),
})), 50);
"""


def run_count(node, ids, lang="en", answers=None, status=200):
    """What count.js asked and wrote on a page of elements marked with ids."""
    arguments = json.dumps({"ids": ids, "lang": lang, "answers": answers or {}, "status": status})
    result = subprocess.run([node, "-e", RUN_SCRIPT, arguments], input=SOURCE, capture_output=True, text=True,
                            timeout=30)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_asks_once_per_hundred_articles(node):
    ids = [f"list/article-{n:03d}" for n in range(250)] + ["list/article-000"]  # one twice: asked once
    ran = run_count(node, ids, answers={"list/article-001": 1, "list/article-002": 2})
    asked = [re.findall(r"article_id=([^&]+)", request["url"]) for request in ran["requests"]]
    assert [len(group) for group in asked] == [100, 100, 50]
    assert all(r["url"].startswith("https://comments.example/api/v1/counts?") for r in ran["requests"])
    assert {r["credentials"] for r in ran["requests"]} == {"omit"}
    assert ran["texts"][:3] == ["0 comments", "1 comment", "2 comments"] and ran["errors"] == []
    assert ran["api"] == ["update"]


def test_long_ids_split_a_request_before_servers_refuse_its_line(node):
    ids = [f"{n:03d}/" + "ї" * 196 for n in range(40)]  # 200 characters, 1,188 encoded
    ran = run_count(node, ids)
    lengths = [len(r["url"].partition("?")[2]) for r in ran["requests"]]
    assert len(lengths) == 8 and max(lengths) <= 7000, lengths  # five ids a request
    assert ran["texts"] == ["0 comments"] * 40


def test_ids_the_api_would_refuse_are_not_sent(node):
    ids = ["ok/1", "a/../b", "", "x" * 201, "bidi\u202eid", "ok/2"]
    ran = run_count(node, ids)
    [request] = ran["requests"]
    assert re.findall(r"article_id=([^&]+)", request["url"]) == ["ok/1", "ok/2"]
    assert ran["texts"] == ["0 comments", "…", "…", "…", "…", "0 comments"]


@pytest.mark.parametrize("lang,expected", [
    ("en", ["0 comments", "1 comment", "2 comments", "5 comments", "21 comments", "1,000 comments"]),
    ("uk-UA", ["0 коментарів", "1 коментар", "2 коментарі", "5 коментарів", "21 коментар", "1 000 коментарів"]),
    ("de", ["0 comments", "1 comment", "2 comments", "5 comments", "21 comments", "1,000 comments"]),
])
def test_writes_plural_forms_in_the_pages_language(node, lang, expected):
    numbers = [0, 1, 2, 5, 21, 1000]
    ran = run_count(node, [f"a/{n}" for n in numbers], lang=lang, answers={f"a/{n}": n for n in numbers})
    assert [text.replace("\u00a0", " ") for text in ran["texts"]] == expected


def test_markup_in_an_answer_stays_text(node):
    ran = run_count(node, ["a"], answers={"a": "<img src=x onerror=alert(1)>"})
    assert ran["texts"] == ["…"]  # not a count: left as the page had it


def test_a_failed_request_leaves_the_page_as_it_was_and_says_so_once(node):
    ran = run_count(node, ["a", "b"], status=503)
    assert ran["texts"] == ["…", "…"]
    assert ran["errors"] == ["[comments] comment counts could not be loaded (HTTP 503)"]
