"""Static checks of the embeddable widget: size budget, HTML sinks, shape and translations.

No browser and no app: the file is read as text, and node (when present) evaluates parts of it.
"""
import gzip
import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from moderation.pages import minify

WIDGET = Path(__file__).resolve().parent.parent / "moderation" / "static" / "widget.js"
SOURCE = WIDGET.read_text(encoding="utf-8")
GZIP_BUDGET = 10 * 1024  # the issue: at or under 10 KiB gzipped as served, CSS included

# Ways to turn a string into markup or code. Only body_html, sanitised by the server, may become markup.
FORBIDDEN_SINKS = {
    "outerHTML": r"\bouterHTML\b",
    "insertAdjacentHTML": r"\binsertAdjacentHTML\b",
    "document.write": r"\bdocument\s*\.\s*write(ln)?\b",
    "createContextualFragment": r"\bcreateContextualFragment\b",
    "DOMParser": r"\bDOMParser\b",
    "srcdoc": r"\bsrcdoc\b",
    "eval": r"\beval\s*\(",
    "new Function": r"\bnew\s+Function\b",
    "timer with a string": r"\bset(Timeout|Interval)\s*\(\s*[\"'`]",
}


def css_text():
    return re.search(r"const CSS = `(.*?)`;", SOURCE, re.S).group(1)


def test_gzipped_size_as_served_is_under_budget():
    served = minify(SOURCE).encode()
    size = len(gzip.compress(served, compresslevel=9))
    assert size <= GZIP_BUDGET, f"widget.js is {size} bytes gzipped as served (level 9); the budget is {GZIP_BUDGET}"
    # Minifying changes no string: the CSS and every template literal are as written.
    assert re.findall(r"`[^`]*`", served.decode()) == re.findall(r"`[^`]*`", SOURCE)


def test_the_only_innerhtml_assigns_body_html():
    uses = re.findall(r"innerHTML.*", SOURCE)
    assert len(uses) == 1, f"expected one innerHTML, found {uses}"
    assert re.fullmatch(r"innerHTML = [\w$]+\.body_html;", uses[0]), uses[0]


@pytest.mark.parametrize("pattern", FORBIDDEN_SINKS.values(), ids=FORBIDDEN_SINKS.keys())
def test_no_other_markup_or_code_sink(pattern):
    assert not re.search(pattern, SOURCE)


def test_the_author_link_tells_the_authors_site_nothing():
    # An author's website is anyone's: it must learn neither the article nor the reader's page
    # (noreferrer), get no handle on the page (noopener), nor rank from it (nofollow ugc).
    rels = re.findall(r'rel: "([^"]*)"', SOURCE)
    assert rels and all(rel.split() == ["nofollow", "ugc", "noopener", "noreferrer"] for rel in rels), rels


def test_is_one_strict_iife():
    code = re.sub(r"\A\s*/\*.*?\*/", "", SOURCE, count=1, flags=re.S).strip()
    assert code.startswith('(function () {\n  "use strict";\n'), "the file must open with the IIFE and 'use strict'"
    assert code.endswith("\n})();"), "the file must end with the IIFE's call"
    assert code.count("\n})();") == 1, "only one top-level IIFE"


def test_requests_go_nowhere_but_the_api():
    # No Gravatar, fonts or CDN: the identicon and styles are local (privacy, one request to embed).
    urls = set(re.findall(r"https?://\w[^\s\"'`)]*", SOURCE))
    assert urls <= {"http://www.w3.org/2000/svg", "https://COMMENTS-HOST/widget.js"}, urls
    assert "gravatar" not in SOURCE.lower()


def test_css_is_scoped_under_the_root_class():
    rules = re.sub(r"@media[^{]*\{", "", css_text())
    selectors = [s.strip() for group in re.findall(r"([^{}]+)\{[^{}]*\}", rules) for s in group.split(",")]
    assert selectors and all(s.startswith(".mc-root") for s in selectors), [s for s in selectors if not s.startswith(".mc-root")]
    assert all(name.startswith("mc-") for name in re.findall(r"\.([a-z][\w-]*)", css_text()))
    assert "@media (prefers-color-scheme:dark)" in css_text()


def test_every_class_the_code_sets_is_prefixed():
    values = re.findall(r"class: ([^,}]+)", SOURCE) + re.findall(r"classList\.\w+\(([^,)]+)", SOURCE)
    names = {name for value in values for text in re.findall(r'"([^"]*)"', value) for name in text.split()}
    assert names and all(name.startswith("mc-") for name in names), names


@pytest.fixture(scope="module")
def node():
    path = shutil.which("node")
    if path is None:
        if os.environ.get("CI") == "true":
            pytest.fail("node is required on CI to check widget.js")
        pytest.skip("node is not installed: the widget checks that evaluate JavaScript are skipped")
    return path


def run_node(node, script, stdin):
    result = subprocess.run([node, "-e", script], input=stdin, capture_output=True, text=True, timeout=30)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


# Runs the whole file against a stub DOM that is still loading: it must only publish its API and wait.
LOAD_SCRIPT = """
const vm = require("vm");
const added = [];
const sandbox = { document: { currentScript: null, readyState: "loading", addEventListener: (type) => added.push(type) } };
sandbox.window = sandbox;
const before = new Set(Object.keys(sandbox));
vm.createContext(sandbox);
vm.runInContext(require("fs").readFileSync(0, "utf8"), sandbox);
console.log(JSON.stringify({
  globals: Object.keys(sandbox).filter((key) => !before.has(key)),
  api: Object.keys(sandbox.ModerationComments),
  listeners: added,
}));
"""


def test_publishes_only_its_api_and_waits_for_the_dom(node):
    loaded = run_node(node, LOAD_SCRIPT, SOURCE)
    assert loaded == {"globals": ["ModerationComments"], "api": ["init", "destroy"], "listeners": ["DOMContentLoaded"]}


I18N_SCRIPT = """
const table = require("vm").runInNewContext("(" + require("fs").readFileSync(0, "utf8") + ")");
const out = {};
for (const [lang, strings] of Object.entries(table)) {
  out[lang] = { strings, categories: new Intl.PluralRules(lang).resolvedOptions().pluralCategories };
}
console.log(JSON.stringify(out));
"""


@pytest.fixture(scope="module")
def i18n(node):
    table = re.search(r"const I18N = (\{.*?\n  \});", SOURCE, re.S).group(1)
    return run_node(node, I18N_SCRIPT, table)


def placeholders(entry):
    texts = entry.values() if isinstance(entry, dict) else [entry]
    return {name for text in texts for name in re.findall(r"\{(\w+)\}", text)}


def test_has_english_and_another_language(i18n):
    assert "en" in i18n and len(i18n) >= 2


def test_every_language_has_the_same_keys(i18n):
    english = set(i18n["en"]["strings"])
    for lang, data in i18n.items():
        assert set(data["strings"]) == english, f"{lang}: missing {english - set(data['strings'])}, extra {set(data['strings']) - english}"


def test_translations_keep_placeholders_and_plural_forms(i18n):
    english = i18n["en"]["strings"]
    for lang, data in i18n.items():
        for key, entry in data["strings"].items():
            assert placeholders(entry) == placeholders(english[key]), f"{lang}.{key}"
            if isinstance(entry, dict):
                assert set(data["categories"]) <= set(entry), f"{lang}.{key} lacks plural forms"


def test_every_key_the_code_uses_exists(i18n):
    used = set(re.findall(r"\bt\(\s*\"(\w+)\"", SOURCE)) | set(re.findall(r'"(\w+)"\],?\s*(?://.*)?\n', SOURCE))
    assert used and used <= set(i18n["en"]["strings"]), used - set(i18n["en"]["strings"])
