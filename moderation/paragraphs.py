"""Paragraphs and line breaks for the sanitiser's token stream (API.md: a
blank line separates paragraphs, a single newline becomes <br>), and the
flattening of elements nested too deep."""

import re
from dataclasses import dataclass, field
from itertools import groupby

# Tags that close an open <p> when a browser parses them: they never go inside one.
_BLOCK_TAGS = frozenset({"blockquote", "li", "ol", "p", "pre", "ul"})
# Threat: deep nesting. Elements nested deeper are flattened (their text stays):
# the tree walk below is recursive, and no real comment nests this deep.
MAX_DEPTH = 32
# Starts where a run of spaces starts: tried at every space, it was quadratic.
_BLANK_LINE = re.compile(r"(?<![ \t])[ \t]*\n(?:[ \t]*\n)+[ \t]*")


@dataclass(slots=True)
class _Element:
    start: dict
    children: list = field(default_factory=list)
    has_block: bool = False
    name = property(lambda self: self.start["name"])


class ParagraphFilter:
    """The sanitiser's last filter (an html5lib filter: a token stream in, one
    out): nests the stream, then adds paragraphs and line breaks."""

    def __init__(self, source, paragraphs=True):
        self.source, self.paragraphs = source, paragraphs

    def __iter__(self):
        # Leave room for the <p> a paragraph adds, so clean_html never flattens further.
        nodes = _build_tree(self.source, MAX_DEPTH - 1 if self.paragraphs else MAX_DEPTH)
        return iter(_flow(nodes, wrap=True) if self.paragraphs else _inline(nodes, breaks=False))


def _build_tree(tokens, max_depth):
    """Nest the (well-formed) token stream: text becomes str, leaves stay tokens."""
    stack, flattened = [_Element({"name": ""})], 0
    for token in tokens:
        kind, parent = token["type"], stack[-1]
        if kind == "StartTag" and len(stack) > max_depth:
            flattened += 1
        elif kind == "StartTag":
            stack.append(_Element(token))
            parent.children.append(stack[-1])
            if token["name"] in _BLOCK_TAGS:
                for ancestor in stack[:-1]:
                    ancestor.has_block = True
        elif kind == "EndTag" and flattened:
            flattened -= 1
        elif kind == "EndTag" and len(stack) > 1:
            stack.pop()
        elif kind in ("Characters", "SpaceCharacters"):
            _appendtext_token(parent, token["data"])
        elif kind != "EndTag":
            parent.children.append(token)  # <br>, character references
    return stack[0].children


def _appendtext_token(parent, data):
    if parent.name == "pre" and not parent.children and data.startswith("\n"):
        data = "\n" + data  # a parser drops the newline right after <pre>: keep this one
    if parent.children and isinstance(parent.children[-1], str):
        parent.children[-1] += data
    elif data:
        parent.children.append(data)


def _is_blockish(node):
    return isinstance(node, _Element) and (node.name in _BLOCK_TAGS or node.has_block)


def _flow(nodes, *, wrap):
    """Blocks pass through; each run of inline content becomes paragraphs."""
    items = []
    for blockish, group in groupby(nodes, _is_blockish):
        if blockish:
            items.extend(item for node in group for item in _block(node))
        else:
            items.extend(_paragraphs(list(group), wrap=wrap))
    tokens = []
    for item in items:  # "<p>a</p>\n<p>b</p>": one line per block
        tokens.extend([text_token("\n"), *item] if tokens else item)
    return tokens


def _block(node):
    if node.name == "p":
        return _paragraphs(node.children, wrap=True)
    if node.name == "pre":
        return [_wrap(node, _inline(node.children, breaks=False))]
    if node.name in ("ul", "ol"):
        inner = []
        for child in node.children:  # <li>s, and the newlines between them as they are
            blocks = _block(child) if _is_blockish(child) else [_inline([child], breaks=False)]
            inner.extend(token for item in blocks for token in item)
        return [_wrap(node, inner)]
    return [_wrap(node, _flow(node.children, wrap=False))]  # blockquote, li, <b><ul>...


def _paragraphs(nodes, *, wrap):
    """Contract: a blank line separates paragraphs; a single newline becomes <br>."""
    paragraphs = [nodes for nodes in map(_trim, _split(nodes)) if nodes]
    if not wrap and len(paragraphs) == 1:
        return [_inline(paragraphs[0])]
    paragraph = _Element({"type": "StartTag", "name": "p", "data": {}})
    return [_wrap(paragraph, _inline(nodes)) for nodes in paragraphs]


def _split(nodes):
    """Split inline nodes at blank lines; an element spanning one is cut in two."""
    paragraphs = [[]]
    for node in nodes:
        if isinstance(node, str):
            first, *rest = _BLANK_LINE.split(node)
            paragraphs[-1].append(first)
            paragraphs.extend([part] for part in rest)
        elif isinstance(node, _Element) and len(pieces := _split(node.children)) > 1:
            for index, piece in enumerate(pieces):
                if index:
                    paragraphs.append([])
                if _trim(piece):
                    paragraphs[-1].append(_Element(node.start, piece))
        else:
            paragraphs[-1].append(node)
    return paragraphs


def _trim(nodes):
    nodes = [node for node in nodes if node != ""]
    for end, strip in ((0, str.lstrip), (-1, str.rstrip)):
        if nodes and isinstance(nodes[end], str):
            nodes[end] = strip(nodes[end], " \t\n")
    return [node for node in nodes if node != ""]


def _inline(nodes, *, breaks=True):
    tokens = []
    for node in nodes:
        if isinstance(node, _Element):
            tokens.extend(_wrap(node, _inline(node.children, breaks=breaks)))
        elif isinstance(node, str) and breaks:
            for index, line in enumerate(node.split("\n")):
                if index:
                    tokens.append({"type": "EmptyTag", "name": "br", "data": {}})
                if line:
                    tokens.append(text_token(line))
        else:
            tokens.append(text_token(node) if isinstance(node, str) else node)
    return tokens


def _wrap(element, inner):
    return [element.start, *inner, {"type": "EndTag", "name": element.name, "data": {}}]


def text_token(data):
    return {"type": "Characters", "data": data}
