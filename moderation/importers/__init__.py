"""Importing another system's comments (WordPress, Disqus, Isso, our own
export): each format module reads its file into plain records, and the one
loader (loader.py) applies our rules and writes them in batches."""

from pathlib import Path

from . import disqus, isso, json_format, wordpress
from .loader import Loader, LoaderSettings, Summary
from .records import ArticleIds, ImportRefused

FORMATS = {"wordpress": wordpress, "disqus": disqus, "isso": isso, "json": json_format}
_HEAD = 64 * 1024

__all__ = ["FORMATS", "ArticleIds", "ImportRefused", "LoaderSettings", "Summary",
           "check_file", "detect_format", "import_file"]


def detect_format(path):
    """The format of a file, from its content; ImportRefused when it is none we read."""
    with open(path, "rb") as handle:
        head = handle.read(_HEAD)
    for name, module in FORMATS.items():
        if module.is_format(head):
            return name
    raise ImportRefused(f"{Path(path).name}: not a WordPress (WXR) or Disqus export, an Isso "
                        "database or our own JSON export; name the format to be sure")


def check_file(format_name, path):
    """Read the whole file once, writing nothing: how many comments it holds.
    A hostile, malformed or foreign file is refused here (ImportRefused),
    before the first batch is written."""
    module = FORMATS[format_name]
    with open(path, "rb") as handle:
        if not module.is_format(handle.read(_HEAD)):
            raise ImportRefused(f"{Path(path).name} is not {module.DESCRIPTION}")
    return module.count_comments(path)


def import_file(format_name, path, *, settings, article_ids, dry_run=False, progress=lambda count: None):
    """Import a checked file (check_file) in committed batches; the Summary of what was done."""
    module = FORMATS[format_name]
    loader = Loader(module.SOURCE, settings, article_ids, dry_run=dry_run, progress=progress)
    return loader.load(module.read_comments(path))
