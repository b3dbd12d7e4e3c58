"""Streaming reads of XML exports (WordPress, Disqus) that refuse hostile files.

defusedxml refuses entity declarations (the "billion laughs") and external
entities and DTDs; elements are dropped as soon as they are read, so memory
stays flat whatever the size of the file."""

from xml.etree.ElementTree import ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import iterparse

from .records import ImportRefused


def ends_of(path, tags, *, scopes=(), depth=None):
    """Yield (element, ancestors) at the end of each element whose tag is in
    tags (only at that depth, when given: 1 is a child of the root). A
    tagged element is dropped once handed out; any other stays in memory
    only while its parent is a tagged or scope element (it is one of its
    fields, read with it), and is dropped at its end otherwise. Refusals
    become ImportRefused with a clear message."""
    stack, holders = [], frozenset(tags) | frozenset(scopes)
    try:
        for event, element in iterparse(path, events=("start", "end"), forbid_dtd=True,
                                        forbid_entities=True, forbid_external=True):
            if event == "start":
                stack.append(element)
                continue
            stack.pop()
            tagged = element.tag in tags and (depth is None or len(stack) == depth)
            if tagged:
                yield element, stack
            if tagged or not stack or stack[-1].tag not in holders:
                element.clear()
                # It is its parent's last child right now: dropping it costs
                # the same however many children the parent had.
                if stack and len(stack[-1]) and stack[-1][-1] is element:
                    del stack[-1][-1]
    except ParseError as error:
        line, column = error.position
        reason = str(error).split(":")[0]
        raise ImportRefused(f"malformed XML at line {line}, column {column + 1} ({reason})") from None
    except DefusedXmlException as error:
        raise ImportRefused(f"refused: the file declares a DTD or entities ({type(error).__name__}); "
                            "an export never does, and expanding them is an attack") from None


def text_of(element, tag, default=""):
    """The text of element's child tag ("" when empty), or default when absent."""
    child = element.find(tag)
    if child is None:
        return default
    return child.text or ""
