"""The one loader every importer feeds: our rules on each record (checks.py),
then batches written and committed one by one, so that an import stopped
halfway keeps what it committed and a rerun finishes it."""

from collections import Counter
from dataclasses import dataclass, field

import sqlalchemy as sa

from ..extensions import db
from ..models import PATH_SEGMENT, Article, Comment
from ..services import closing
from .articles import create_article, fill_in, recount_articles
from .checks import check_record
from .records import ArticleRecord

ALREADY, TOP_LEVEL, NO_ARTICLE_ID, ID_TAKEN = (
    "already imported", "reply made top-level: parent not imported",
    "no usable article id", "id taken by another comment")

SOURCE_ID_TOO_LONG, SOURCE_ID_MAX = "source id too long", 255
_COMMENTS, _ARTICLES = Comment.__table__, Article.__table__
_INSERT = sa.insert(_COMMENTS).returning(_COMMENTS.c.id, sort_by_parameter_order=True)
_PLACE = sa.update(_COMMENTS).where(_COMMENTS.c.id == sa.bindparam("comment_id")).values(
    path=sa.bindparam("new_path"), thread_id=sa.bindparam("new_thread_id"),
    parent_id=sa.bindparam("new_parent_id"), depth=sa.bindparam("new_depth"))


@dataclass(frozen=True)
class LoaderSettings:
    secret_key: str
    max_depth: int
    body_max_length: int
    batch_size: int = 1000

    @classmethod
    def from_config(cls, config, batch_size=1000):
        return cls(config["SECRET_KEY"], config["MAX_THREAD_DEPTH"], config["BODY_MAX_LENGTH"], batch_size)


@dataclass
class Summary:
    """What an import did (or, dry, would do)."""

    imported: Counter = field(default_factory=Counter)
    skipped: Counter = field(default_factory=Counter)
    notes: Counter = field(default_factory=Counter)
    articles_created: int = 0


@dataclass
class Row:
    """A checked record on its way into the database."""

    record: object
    key: tuple
    source: str | None
    source_id: str | None
    columns: dict
    notes: list
    article_id: str
    parent: tuple | None = None
    # Where the parent is: its stored path, or its Row earlier in the batch.
    parent_place: object = None
    article_pk: int | None = None
    id: int | None = None
    path: str = ""


class Loader:
    """Writes records of one source: load(records) returns the Summary."""

    def __init__(self, source, settings, article_ids, *, dry_run=False, progress=lambda count: None):
        self.source, self.settings, self.article_ids = source, settings, article_ids
        self.dry_run, self.progress = dry_run, progress
        self.summary = Summary()
        self._named = (None, None)
        # A dry run writes nothing, so it remembers what it would have
        # written (keys only) to judge the replies and articles that follow.
        self._seen, self._seen_articles = set(), set()

    def load(self, records):
        """Import every record, a committed batch at a time."""
        batch = []
        for record in records:
            batch.append(record)
            if len(batch) >= self.settings.batch_size:
                self.write(batch)
                batch = []
        if batch:
            self.write(batch)
        return self.summary

    def write(self, records):
        """Check, place and store one batch in one transaction, then commit it."""
        summary = Summary()
        # Our own export lists every article, those without comments too.
        articles = [record for record in records if isinstance(record, ArticleRecord)]
        records = [record for record in records if not isinstance(record, ArticleRecord)]
        checked = self.checked_rows(records, summary)
        rows = self.without_existing(checked, summary)
        summary.articles_created = self.create_articles(rows, articles, checked)
        self.place(rows, self.stored_parents(rows), summary)
        if self.dry_run:
            self._seen.update(row.key for row in rows)
        else:
            self.store(rows)
            db.session.commit()
        self.add(summary)
        self.progress(len(records))

    def checked_rows(self, records, summary):
        """Rows of the records that pass our rules; the others counted by reason."""
        rows = []
        for record in records:
            article_id, checked = self.article_id_of(record.article), None
            if record.skip:
                reason = record.skip
            elif article_id is None:
                reason = NO_ARTICLE_ID
            elif len(record.source_id) > SOURCE_ID_MAX:
                reason = SOURCE_ID_TOO_LONG
            else:
                checked, reason = check_record(record, secret_key=self.settings.secret_key,
                                               body_max_length=self.settings.body_max_length)
            if checked is None:
                summary.skipped[reason] += 1
                continue
            rows.append(self.row_of(record, checked, article_id))
        return rows

    def row_of(self, record, checked, article_id):
        if record.keep_id is None:  # another system's comment: found again by its id there
            source, source_id = self.source, record.source_id
            key, parent = ("source", source_id), record.parent_source_id and ("source", record.parent_source_id)
        else:  # our own export: found again by the id it keeps, with the origin it had
            source, source_id = record.origin or (None, None)
            key = ("id", record.keep_id)
            parent = record.parent_source_id and ("id", int(record.parent_source_id))
        checked.columns.update(source=source, source_id=source_id)
        return Row(record, key, source, source_id, checked.columns, checked.notes, article_id, parent or None)

    def article_id_of(self, article):
        if self._named[0] is not article:  # comments come grouped by article: name it once
            self._named = (article, self.article_ids.article_id(article))
        return self._named[1]

    def without_existing(self, rows, summary):
        """Rows not stored yet: by their source pair, or (our export) by the id they keep."""
        pairs = {(row.source, row.source_id) for row in rows if row.source is not None}
        stored_pairs = set()
        for source in {source for source, _ in pairs}:
            wanted = [source_id for pair_source, source_id in pairs if pair_source == source]
            stored_pairs.update((source, found) for found in db.session.scalars(
                sa.select(_COMMENTS.c.source_id).where(_COMMENTS.c.source == source,
                                                       _COMMENTS.c.source_id.in_(wanted))))
        wanted_ids = [row.key[1] for row in rows if row.key[0] == "id"]
        stored_ids = dict(db.session.execute(
            sa.select(_COMMENTS.c.id, _COMMENTS.c.created_at).where(_COMMENTS.c.id.in_(wanted_ids)))
            .all()) if wanted_ids else {}
        kept, keys = [], set()
        for row in rows:
            if (row.source, row.source_id) in stored_pairs or row.key in self._seen or row.key in keys:
                summary.skipped[ALREADY] += 1
            elif row.key[0] == "id" and row.key[1] in stored_ids:
                same = stored_ids[row.key[1]] == row.columns["created_at"]
                summary.skipped[ALREADY if same else ID_TAKEN] += 1
            else:
                kept.append(row)
                keys.add(row.key)
        return kept

    def create_articles(self, rows, articles=(), checked=()):
        """Set each row's article pk, creating missing articles (in article-id
        order) with their title, URL, open or closed state and dates; how many
        were created. The articles of checked rows stored before are only
        filled in: a rerun gives them what an older import did not."""
        records, earlier = {}, {row.article_id: row.record.article for row in checked}
        for article in articles:
            if (article_id := self.article_ids.article_id(article)) is not None:
                records.setdefault(article_id, article)
        for row in rows:
            records.setdefault(row.article_id, row.record.article)
        wanted = sorted(records.keys() | earlier.keys())
        pks = dict(db.session.execute(sa.select(_ARTICLES.c.article_id, _ARTICLES.c.id).where(
            _ARTICLES.c.article_id.in_(wanted))).all()) if wanted else {}
        created = 0
        for article_id in wanted:
            article = records.get(article_id) or earlier[article_id]
            if article_id in pks:
                if not self.dry_run:
                    fill_in(pks[article_id], article)
                continue
            if article_id not in records:  # its comments are stored under another id: not ours to create
                continue
            if self.dry_run:
                created += article_id not in self._seen_articles
                self._seen_articles.add(article_id)
                continue
            pks[article_id] = create_article(article_id, article)
            created += 1
        for row in rows:
            row.article_pk = row.columns["article_pk"] = pks.get(row.article_id)
        return created

    def stored_parents(self, rows):
        """{parent key: (id, path, article pk)} of the parents stored before this batch."""
        by_source = {key[1] for row in rows if (key := row.parent) and key[0] == "source"}
        by_id = {key[1] for row in rows if (key := row.parent) and key[0] == "id"}
        found = {}
        columns = (_COMMENTS.c.id, _COMMENTS.c.path, _COMMENTS.c.article_pk)
        if by_source:
            for source_id, *place in db.session.execute(sa.select(_COMMENTS.c.source_id, *columns).where(
                    _COMMENTS.c.source == self.source, _COMMENTS.c.source_id.in_(by_source))):
                found[("source", source_id)] = tuple(place)
        if by_id:
            for comment_id, *place in db.session.execute(sa.select(_COMMENTS.c.id, *columns).where(
                    _COMMENTS.c.id.in_(by_id))):
                found[("id", comment_id)] = tuple(place)
        return found

    def place(self, rows, parents, summary):
        """Each reply's parent: stored before, or earlier in this batch, and
        on the same article; a reply without one becomes top-level."""
        in_batch = {}
        for row in rows:
            place, same_article = None, False
            if row.parent in parents:
                _id, place, parent_pk = parents[row.parent]
                same_article = parent_pk == row.article_pk
            elif row.parent in in_batch:
                place = in_batch[row.parent]
                same_article = place.article_id == row.article_id
            elif self.dry_run and row.parent in self._seen:
                place, same_article = "", True  # it would be stored by now
            if row.parent and not (place is not None and same_article):
                row.notes.append(TOP_LEVEL)
                place = None
            row.parent_place = place
            in_batch[row.key] = row
            summary.imported[str(row.columns["status"])] += 1
            summary.notes.update(row.notes)

    def store(self, rows):
        """Insert the rows, then give each its place (an id ends its own path,
        a parent's comes first in the batch), then bring the touched
        articles' counts and versions up to date."""
        if not rows:
            return
        connection = db.session.connection()
        keep_ids = rows[0].key[0] == "id"
        values = [{**row.columns, "path": "", "thread_id": 0, "parent_id": None, "depth": 0,
                   **({"id": row.key[1]} if keep_ids else {})} for row in rows]
        places = []
        for row, comment_id in zip(rows, connection.execute(_INSERT, values).scalars().all()):
            parent_path = row.parent_place.path if isinstance(row.parent_place, Row) else row.parent_place or ""
            # As a live reply: below MAX_THREAD_DEPTH it joins the deepest level.
            parent_path = parent_path[:self.settings.max_depth * PATH_SEGMENT]
            row.id, row.path = comment_id, parent_path + f"{comment_id:0{PATH_SEGMENT}d}"
            places.append({"comment_id": comment_id, "new_path": row.path,
                           "new_thread_id": int(row.path[:PATH_SEGMENT]),
                           "new_parent_id": int(parent_path[-PATH_SEGMENT:]) if parent_path else None,
                           "new_depth": len(parent_path) // PATH_SEGMENT})
        connection.execute(_PLACE, places)
        if keep_ids and connection.dialect.name == "postgresql":
            # Ids came from the file: the sequence must move past them.
            connection.execute(sa.text("SELECT setval(pg_get_serial_sequence('comments', 'id'), "
                                       "(SELECT max(id) FROM comments))"))
        recount_articles(sorted({row.article_pk for row in rows}))
        closing.note_first_comments(connection, ((row.article_pk, row.columns["created_at"]) for row in rows))

    def add(self, summary):
        self.summary.imported.update(summary.imported)
        self.summary.skipped.update(summary.skipped)
        self.summary.notes.update(summary.notes)
        self.summary.articles_created += summary.articles_created
