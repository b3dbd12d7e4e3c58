"""`flask import` and `flask export`: an operator's commands on the server
(the moderation API does not import). Progress goes to stderr, the summary
to stdout."""

import sys
import time
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from ..extensions import db
from . import FORMATS, ArticleIds, ImportRefused, LoaderSettings, check_file, detect_format, import_file
from .json_format import write_export


@click.command("import")
@click.argument("format_or_file", metavar="[FORMAT]")
@click.argument("file", metavar="FILE", required=False, type=click.Path(exists=True, dir_okay=False))
@click.option("--article-id", "article_id_rule", default="path", show_default=True,
              help="How an imported page's article id is made: path (2019/05/hello), url (host and path), "
                   "guid, or a template of {path}, {url}, {guid}, {key} (the source's own post id) and "
                   "{slug}, e.g. 'blog/{slug}'.")
@click.option("--dry-run", is_flag=True, help="Report what would be imported; write nothing.")
@click.option("--batch-size", type=click.IntRange(1, 10_000), default=1000, show_default=True,
              help="Comments per committed batch.")
@with_appcontext
def import_comments(format_or_file, file, article_id_rule, dry_run, batch_size):
    """Import comments from FILE: a WordPress or Disqus export, an Isso
    database or our own JSON export (FORMAT: wordpress, disqus, isso, json;
    found from the content when not given). Safe to run again: comments
    already imported are skipped, and an interrupted import is finished."""
    format_name, file = format_and_file(format_or_file, file)
    try:
        article_ids = ArticleIds(article_id_rule)
    except ValueError as error:
        raise click.BadParameter(str(error), param_hint="--article-id") from None
    try:
        format_name = format_name or detect_format(file)
        click.echo(f"Checking {file} ({format_name})...", err=True)
        total = check_file(format_name, file)
    except ImportRefused as error:
        raise click.ClickException(f"{Path(file).name}: {error}; nothing was imported") from None
    settings = LoaderSettings.from_config(current_app.config, batch_size)
    progress = Progress(total)
    try:
        with progress:
            summary = import_file(format_name, file, settings=settings, article_ids=article_ids,
                                  dry_run=dry_run, progress=progress.advance)
    except (KeyboardInterrupt, ImportRefused) as error:
        db.session.rollback()
        stopped = "Interrupted" if isinstance(error, KeyboardInterrupt) else f"Stopped ({error})"
        click.echo(f"{stopped}: the batches committed so far stay ({progress.done} of {total} comments "
                   "read); run the same command again to finish.", err=True)
        sys.exit(130 if isinstance(error, KeyboardInterrupt) else 1)
    click.echo(summary_table(summary, format_name, file, dry_run))


def format_and_file(format_or_file, file):
    """(format name or None, path) from `import [FORMAT] FILE`."""
    if file is None:
        if not Path(format_or_file).is_file():
            raise click.BadParameter(f"{format_or_file!r} is not a file", param_hint="FILE")
        return None, format_or_file
    if format_or_file not in FORMATS:
        raise click.BadParameter(f"must be one of {', '.join(FORMATS)}", param_hint="FORMAT")
    return format_or_file, file


class Progress:
    """click's progress bar on stderr, labelled with the rate."""

    # Seconds between rate updates: without a terminal, each new label is a new line.
    LABEL_EVERY = 10

    def __init__(self, total):
        self.total, self.done = total, 0
        self.started = self.labelled = time.monotonic()
        self.bar = click.progressbar(length=total, label="Importing", file=sys.stderr,
                                     show_pos=True, show_eta=True)

    def __enter__(self):
        self.bar.__enter__()
        return self

    def __exit__(self, *exc):
        return self.bar.__exit__(*exc)

    def advance(self, count):
        self.done += count
        now = time.monotonic()
        if now - self.labelled >= self.LABEL_EVERY:
            self.labelled = now
            self.bar.label = f"Importing ({self.done / (now - self.started):,.0f} comments/s)"
        self.bar.update(count)


def summary_table(summary, format_name, file, dry_run):
    """The summary as aligned lines: imported by status, skipped by reason, changes, articles."""
    lines = [f"{'Dry run, nothing written: would import' if dry_run else 'Imported'} "
             f"from {Path(file).name} ({format_name}):"]
    sections = [("imported", summary.imported), ("skipped", summary.skipped), ("notes", summary.notes)]
    width = max([len(key) for _title, counts in sections for key in counts] + [24])
    for title, counts in sections:
        lines.append(f"  {title}: {sum(counts.values())}")
        lines.extend(f"    {key:<{width}} {counts[key]:>9,}" for key in sorted(counts))
    lines.append(f"  articles created: {summary.articles_created}")
    return "\n".join(lines)


@click.command("export")
@click.argument("file", type=click.Path(dir_okay=False, writable=True))
@click.option("--with-personal-data", is_flag=True,
              help="Add addresses, networks and user agents (a move between our own servers).")
@with_appcontext
def export_comments(file, with_personal_data):
    """Write every article and comment to FILE in our JSON export format
    (docs/export-format.md); `flask import json FILE` reads it back."""
    count = write_export(file, with_personal_data=with_personal_data)
    click.echo(f"Exported {count.articles} articles and {count.comments} comments to {file}"
               f"{' with personal data' if with_personal_data else ''}.")
