"""Markdown for comment bodies (CommonMark, by markdown-it-py), rendered once
on write into the input of the sanitiser's HTML parser (markup.py): emphasis,
code, links, lists, quotes and line breaks. Written HTML keeps its rule:
allow-listed tags stay markup, any other is text. The only importer of markdown_it.

Every Markdown rule here runs in time linear in the body's length, but
markdown-it and the sanitiser's parser spend microseconds per bracket,
delimiter, line and element, so a body built of nothing else could cost a
hundred milliseconds. Past the budgets below, the rest is shown as written
(paragraphs and line breaks still apply); no real comment comes near them."""

import re

from markdown_it import MarkdownIt
from markdown_it.rules_inline import autolink, backtick, emphasis, link

from .markup import ALLOWED_TAG, MAX_TAGS, OpenTags, TagBudget, as_parser_text, prepare

# Blocks nested deeper than this (a quote is one level, a list two): markdown-it
# would drop everything past its own limit (maxNesting).
MAX_BLOCK_DEPTH = 12
# Lines read as Markdown; the rest of a longer body is shown as written.
MAX_LINES = 1000
# What Markdown makes shares the budget of written tags (markup.MAX_TAGS), at
# what it costs the sanitiser's parser: two tags for an element (a paragraph,
# an emphasis), more for a code span, a link or a code block. Blocks take at
# most half of it, so that inline syntax keeps the rest. Past it, the body's
# further blocks are shown as written and its inline syntax as text.
_BLOCK_COST = {"code_block": 4, "fence": 4}
# "[" in a body (links) and "*" or "_" (emphasis) past which those are all
# text: each costs markdown-it a search whether or not it makes an element.
MAX_BRACKETS = 250
MAX_DELIMITERS = 2000

# A written <pre> block (CommonMark's HTML block of type 1) runs to its </pre>,
# blank lines and indentation included, as such a block did before Markdown.
_PRE_OPEN = re.compile(r"<pre(?=[ \t/>]|$)", re.IGNORECASE)
_PRE_CLOSE = re.compile(r"</pre\s*>", re.IGNORECASE)
# A soft or hard line break is a newline: the sanitiser's paragraphs make it a <br>.
_FIXED = {"paragraph_open": "<p>", "paragraph_close": "</p>", "blockquote_open": "<blockquote>",
          "blockquote_close": "</blockquote>", "bullet_list_open": "<ul>\n", "bullet_list_close": "</ul>",
          "ordered_list_open": "<ol>\n", "ordered_list_close": "</ol>", "list_item_open": "<li>",
          "list_item_close": "</li>\n", "em_open": "<em>", "em_close": "</em>", "strong_open": "<strong>",
          "strong_close": "</strong>", "link_close": "</a>", "softbreak": "\n", "hardbreak": "\n"}
# The characters where an enabled inline rule may start (or a link label end):
# markdown-it's default set also stops a text run at "-", ":", "@" and others
# that only its extensions read, at a cost per character (fail-safe: should a
# later version ignore this, text is parsed the same, only slower).
_RULE_STARTS = re.compile(r"[\n\\`*_\[\]<&]")
_ATTRIBUTE_ESCAPES = str.maketrans({"&": "&amp;", '"': "&quot;", "<": "&lt;", ">": "&gt;"})


class CommentMarkdown(MarkdownIt):
    """CommonMark without what comments do not show (headings, rules, images,
    HTML blocks but <pre>), with written tags limited to the allow-list, and
    within the budgets above."""

    def __init__(self):
        super().__init__("commonmark", {"html": False, "maxNesting": MAX_BLOCK_DEPTH + 8})
        self.disable(["heading", "lheading", "hr", "image", "html_block", "html_inline"])
        self.block.ruler.before("code", "written_pre", _written_pre,
                                {"alt": ["paragraph", "reference", "blockquote"]})
        self.block.ruler.before("written_pre", "rest_as_written", _rest_as_written,
                                {"alt": ["paragraph", "reference", "blockquote", "list"]})
        self.core.ruler.after("block", "inline_budget", _inline_budget)
        self.inline.ruler.before("autolink", "written_tag", _written_tag)
        self.inline.terminator_re = _RULE_STARTS
        for name, rule, cost, allowed in (("link", link, 4, "brackets"), ("autolink", autolink, 4, None),
                                          ("backticks", backtick, 3, None),
                                          ("emphasis", emphasis.tokenize, 1, "delimiters")):
            self.inline.ruler.at(name, _within_budget(rule, cost, allowed))
        self.parse("", budgets(""))  # compiles the rule chains now, never two threads at once later

    def normalizeLink(self, url):
        # The URL as written: the sanitiser checks it by the rules for written links.
        return url

    def validateLink(self, url):
        return True


def render_markdown(text):
    """The body's Markdown as HTML for the sanitiser's parser: text as parser
    text (markup.py), written tags as written and closed within their block."""
    env = budgets(text)
    out = []
    _render(_MARKDOWN.parse(text, env), env, out)
    return "".join(out)


def budgets(text):
    """What parsing one body may spend (the env of markdown-it's parse)."""
    return {"tags": TagBudget(), "counted": 0,
            "brackets": text.count("[") <= MAX_BRACKETS,
            "delimiters": text.count("*") + text.count("_") <= MAX_DELIMITERS}


def _render(tokens, env, out, written=None):
    for token in tokens:
        kind = token.type
        if kind in _FIXED:
            if not token.hidden:  # a tight list's paragraphs are hidden
                out.append(_FIXED[kind])
        elif kind == "inline":
            written = OpenTags()
            _render(token.children, env, out, written)
            out.append(written.closing())
        elif kind == "text":
            out.append(as_parser_text(token.content))
        elif kind == "code_inline":
            out += "<code>", as_parser_text(token.content), "</code>"
        elif kind in ("code_block", "fence"):
            out += "<pre><code>", as_parser_text(token.content), "</code></pre>"
        elif kind == "link_open":
            out.append(_link_open(token))
        elif kind == "html_inline":
            out.append(written.note(token.content))
        elif kind in ("html_block", "written"):  # a written <pre>, the rest as written
            out.append(prepare(token.content, env["tags"], paragraphs=kind == "written"))
        else:  # a rule enabled without its rendering: fail loudly, never drop text
            raise ValueError(f"no rendering for Markdown token {kind}")


def _link_open(token):
    attributes = "".join(f' {name}="{str(value).translate(_ATTRIBUTE_ESCAPES)}"'
                         for name, value in token.attrs.items() if name in ("href", "title"))
    return f"<a{attributes}>"


def _written_tag(state, silent):
    """An allow-listed tag written in the text (while the budget lasts) stays markup."""
    tags = state.env["tags"]
    if state.src[state.pos] != "<" or tags.left < 1:
        return False
    match = ALLOWED_TAG.match(state.src, state.pos, state.posMax)
    if match is None:
        return False
    if not silent:
        tags.take(1)
        state.push("html_inline", "", 0).content = match[0]
    state.pos = match.end()
    return True


def _written_pre(state, start_line, end_line, silent):
    """A line that starts with <pre opens a written block that ends with the
    line holding </pre>; inside it, only the allow-list applies."""
    begin = state.bMarks[start_line] + state.tShift[start_line]
    if state.is_code_block(start_line) or not _PRE_OPEN.match(state.src, begin, state.eMarks[start_line]):
        return False
    if silent:
        return True
    line = start_line
    while line < end_line:
        if line > start_line and state.sCount[line] < state.blkIndent:
            break  # the end of its list item or quote
        line += 1
        if _PRE_CLOSE.search(state.src, state.bMarks[line - 1], state.eMarks[line - 1]):
            break
    _push_written(state, "html_block", start_line, line)
    return True


def _rest_as_written(state, start_line, end_line, silent):
    """Past a budget (depth, lines, elements), the rest of the container is
    shown as written; as a paragraph's terminator, it ends the paragraph there."""
    if not (state.level >= MAX_BLOCK_DEPTH or start_line >= MAX_LINES or _tags_left(state) <= MAX_TAGS // 2):
        return False
    if not silent:
        _push_written(state, "written", start_line, end_line)
    return True


def _push_written(state, kind, start_line, end_line):
    token = state.push(kind, "", 0)
    token.map = [start_line, end_line]
    token.content = state.getLines(start_line, end_line, state.blkIndent, True)
    state.line = end_line


def _tags_left(state):
    """The tag budget, once the block tokens made so far are paid for (each once)."""
    env = state.env
    for token in state.tokens[env["counted"]:]:
        env["tags"].left -= _BLOCK_COST.get(token.type, 2 * (token.nesting == 1))
    env["counted"] = len(state.tokens)
    return env["tags"].left


def _inline_budget(state):
    """What the blocks left of the tag budget is the inline syntax's."""
    _tags_left(state)


def _within_budget(rule, cost, allowed):
    """An inline rule that makes an element of this cost while the tag budget
    lasts, and runs at all only where the body keeps within the budget named
    `allowed` (MAX_BRACKETS, MAX_DELIMITERS); otherwise its characters are text."""

    def within_budget(state, silent):
        env = state.env
        if env["tags"].left < cost or (allowed and not env[allowed]) or not rule(state, silent):
            return False
        if not silent:
            env["tags"].left -= cost
        return True

    return within_budget


_MARKDOWN = CommentMarkdown()
