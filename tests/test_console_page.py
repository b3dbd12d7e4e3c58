"""The moderation console as files: the page and its headers, and static
checks of its scripts (HTML sinks, where the token may be kept, sizes) and
of its one table of words in two languages. No browser needed."""

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.test_widget_static import FORBIDDEN_SINKS

CONSOLE = Path(__file__).resolve().parent.parent / "moderation" / "static" / "console"
SCRIPTS = {path.name: path.read_text(encoding="utf-8") for path in sorted(CONSOLE.glob("*.js"))}
ALL = "\n".join(SCRIPTS.values())
CSS = (CONSOLE / "console.css").read_text(encoding="utf-8")
MODULE_BUDGET = 300  # STYLE.md: a module stays within 300 lines


def test_the_page_forbids_inline_script_framing_and_foreign_loads(client):
    response = client.get("/moderate")
    assert response.status_code == 200 and response.mimetype == "text/html"
    policy = dict(part.strip().split(" ", 1) for part in response.headers["Content-Security-Policy"].split(";"))
    assert policy["default-src"] == "'none'" and policy["script-src"] == "'self'"
    assert policy["style-src"] == "'self'" and policy["connect-src"] == "'self'"
    assert policy["frame-ancestors"] == "'none'" and policy["form-action"] == "'none'"
    assert "unsafe" not in response.headers["Content-Security-Policy"]
    assert response.headers["Cross-Origin-Opener-Policy"] == "same-origin"
    html = response.text
    assert re.findall(r"<script\b[^>]*>", html) == ['<script type="module" src="/static/console/app.js">']
    assert "<style" not in html and "style=" not in html and " on" not in re.sub(r"<noscript>.*?</noscript>", "", html, flags=re.S)


@pytest.mark.parametrize("name", ["app.js", "console.css"])
def test_its_files_are_served_by_the_service(client, name):
    with client.get(f"/static/console/{name}") as response:
        assert response.status_code == 200
        assert response.mimetype == {"js": "text/javascript", "css": "text/css"}[name.rpartition(".")[2]]
        assert response.headers["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize("name", SCRIPTS)
def test_each_script_is_a_strict_module_within_budget(name):
    source = SCRIPTS[name]
    code = re.sub(r"\A\s*/\*.*?\*/\s*", "", source, count=1, flags=re.S)
    assert code.startswith('"use strict";\n'), name
    assert len(source.splitlines()) <= MODULE_BUDGET, f"{name}: {len(source.splitlines())} lines"


def test_the_only_innerhtml_assigns_the_server_sanitised_body():
    uses = [(name, line.strip()) for name, source in SCRIPTS.items() for line in source.splitlines() if "innerHTML" in line]
    assert uses == [("dom.js", "el.innerHTML = comment.body_html;")], uses


@pytest.mark.parametrize("pattern", [*FORBIDDEN_SINKS.values(), r"\.on\w+\s*=\s*[\"'`]", r"setAttribute\(\s*[\"'`]on",
                                     r"javascript:", r"\bimport\s*\("],
                         ids=[*FORBIDDEN_SINKS, "handler from a string", "handler attribute", "javascript URL",
                              "dynamic import"])
def test_no_other_markup_or_code_sink(pattern):
    assert not re.search(pattern, ALL)


def test_requests_go_to_its_own_origin_only():
    urls = set(re.findall(r"https?://[^\s\"'`)]+", ALL + CSS))
    assert urls <= {"http://www.w3.org/2000/svg"}, urls
    fetches = re.findall(r"fetch\(([^,)]*)", ALL)
    assert fetches == ["url"], fetches  # one call site, in api.js, given "/api/v1/..." paths
    assert re.findall(r"`(/api/v1/[^`$]*)", ALL) == ["/api/v1/articles/"]
    assert 'BASE = "/api/v1/moderation"' in SCRIPTS["api.js"]


def test_the_token_is_kept_in_one_place_and_never_logged():
    """sessionStorage unless kept on the device (api.js keepToken); nothing
    writes to the console or puts the token in a URL."""
    writes = [line.strip() for line in ALL.splitlines() if ".setItem(" in line]
    assert sorted(writes) == ["try { (onDevice ? local : session)?.setItem(KEY, value); } catch { /* memory only */ }",
                              "try { localStorage.setItem(LANG_KEY, select.value); } catch { /* this tab only */ }"]
    assert not re.search(r"\bconsole\.\w+\(", ALL)
    assert "token" not in " ".join(re.findall(r"`[^`]*`", SCRIPTS["api.js"])).replace("Bearer ${token}", "")


def test_every_class_is_prefixed():
    selectors = re.findall(r"\.([a-z][\w-]*)", re.sub(r"/\*.*?\*/", "", CSS, flags=re.S))
    assert selectors and all(name.startswith("mc-") for name in selectors), {s for s in selectors if not s.startswith("mc-")}
    assert "@media (prefers-color-scheme: dark)" in CSS
    classes = re.findall(r'class: [`"]([^`"]+)', ALL)
    names = {name for value in classes for name in value.replace("${status}", "x").replace("${action}", "x").split()}
    assert names and all(name.startswith("mc-") for name in names), names


@pytest.fixture(scope="module")
def strings():
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed: the checks of the console's words are skipped")
    table = re.search(r"export const STRINGS = (\{.*?\n\});", SCRIPTS["i18n.js"], re.S).group(1)
    script = """
const table = require("vm").runInNewContext("(" + require("fs").readFileSync(0, "utf8") + ")");
const out = {};
for (const [lang, strings] of Object.entries(table)) {
  out[lang] = { strings, categories: new Intl.PluralRules(lang).resolvedOptions().pluralCategories };
}
console.log(JSON.stringify(out));
"""
    result = subprocess.run([node, "-e", script], input=table, capture_output=True, text=True, timeout=30)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def placeholders(entry):
    return {name for text in (entry.values() if isinstance(entry, dict) else [entry])
            for name in re.findall(r"\{(\w+)\}", text)}


def test_english_and_ukrainian_have_the_same_words(strings):
    assert set(strings) == {"en", "uk"}
    english = strings["en"]["strings"]
    ukrainian = strings["uk"]["strings"]
    assert set(ukrainian) == set(english), set(english) ^ set(ukrainian)
    for key, entry in ukrainian.items():
        assert placeholders(entry) == placeholders(english[key]), key
        if isinstance(entry, dict):
            assert set(strings["uk"]["categories"]) <= set(entry), key
    assert len(ukrainian["keys"].split(";")) == len(english["keys"].split(";"))


def test_every_word_the_code_asks_for_exists(strings):
    used = set(re.findall(r"\bt\(\s*\"(\w+)\"", ALL))
    used |= set(re.findall(r"\w+: \"(act\w+)\"", SCRIPTS["views.js"]))  # the audit log's action words
    used |= {f"{status}N" for status in ("approved", "rejected", "spam", "pending", "deleted")}
    used |= {"pending", "approved", "rejected", "spam", "source", "context", "author", "admin", "moderator",
             "queue", "log", "rules", "data", "words", "emails", "domains", "networks"}
    assert used <= set(strings["en"]["strings"]), used - set(strings["en"]["strings"])
