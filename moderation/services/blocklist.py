"""The blocklists moderators keep: words, email addresses, domains, networks."""

import ipaddress
from functools import lru_cache

import orjson
import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import aggregate_order_by

from ..extensions import db
from ..sql import insert_for
from ..errors import ValidationFailed
from ..models import BlockEntry, BlockKind, utcnow
from ..privacy import EMAIL_KEY_MAX, normalise_email
from ..rules import Blocklist
from ..wordfilter import normalise_text

# How each kind of entry is stored, so it compares with what the rules see.
NORMALISERS = {
    BlockKind.WORD: normalise_text,
    BlockKind.EMAIL: normalise_email,
    BlockKind.DOMAIN: lambda domain: domain.strip().lstrip("@").rstrip(".").casefold(),
    BlockKind.NETWORK: lambda network: str(ipaddress.ip_network(network.strip(), strict=False)),
}


_TABLE = BlockEntry.__table__
_ENTRIES = sa.select(_TABLE.c.kind, _TABLE.c.value).order_by(_TABLE.c.id)


def entries_as_json(dialect_name):
    """A scalar subquery: every entry as a JSON array of [kind, value] pairs,
    so that a submission reads the lists in the same statement as its article
    (on every submission, so that an edit applies at once in every worker)."""
    if dialect_name == "postgresql":
        pairs = sa.func.json_build_array(_TABLE.c.kind, _TABLE.c.value)
        aggregate = sa.func.json_agg(aggregate_order_by(pairs, _TABLE.c.id))
        return sa.select(sa.func.coalesce(sa.cast(aggregate, sa.Text), "[]")).scalar_subquery()
    # SQLite: json_group_array keeps the order of the rows it is given.
    ordered = _ENTRIES.subquery()
    return sa.select(sa.func.json_group_array(sa.func.json_array(ordered.c.kind, ordered.c.value))) \
        .scalar_subquery()


@lru_cache(maxsize=4)
def blocklist_from_json(text):
    """The rules' Blocklist for what entries_as_json() read; parsed and built
    again only when the lists change."""
    entries = {kind: set() for kind in BlockKind}
    for kind, value in orjson.loads(text):
        entries[BlockKind(kind)].add(value)
    return Blocklist(
        words=frozenset(entries[BlockKind.WORD]), emails=frozenset(entries[BlockKind.EMAIL]),
        domains=frozenset(entries[BlockKind.DOMAIN]),
        networks=tuple(ipaddress.ip_network(n) for n in sorted(entries[BlockKind.NETWORK])),
    )


def read_blocklist():
    """The rules' Blocklist as the database has it now."""
    connection = db.session.connection()
    return blocklist_from_json(connection.execute(sa.select(entries_as_json(connection.dialect.name))).scalar_one())


def list_rules():
    """The lists as moderators edit them: {kind: [values, sorted]}."""
    rules = {kind.value: [] for kind in BlockKind}
    for kind, value in db.session.execute(
            sa.select(BlockEntry.kind, BlockEntry.value).order_by(BlockEntry.value)):
        rules[kind.value].append(value)
    return rules


def normalised_values(kind_name, values):
    """The entries of one list as they are stored; too long ones are a 422."""
    kind = BlockKind(kind_name)
    normalised = {NORMALISERS[kind](value) for value in values} - {""}
    if any(len(value) > EMAIL_KEY_MAX for value in normalised):
        raise ValidationFailed(fields={kind_name: [f"Entries must be at most {EMAIL_KEY_MAX} characters "
                                                   "once normalised."]})
    return normalised


def replace_lists(rules):
    """Replace the lists given in rules ({kind: [values]}) within the caller's
    transaction; kinds not given stay. Returns the kinds replaced."""
    kinds = []
    for kind_name, values in rules.items():
        kind, normalised = BlockKind(kind_name), normalised_values(kind_name, values)
        db.session.execute(sa.delete(BlockEntry).where(BlockEntry.kind == kind))
        db.session.add_all(BlockEntry(kind=kind, value=value) for value in sorted(normalised))
        kinds.append(kind)
    return kinds


def edit_lists(additions, removals):
    """Add and remove single entries ({kind: [values]} each) within the
    caller's transaction, leaving the rest of each list as it is; an entry in
    both ends up listed. Returns the kinds that changed."""
    edits = sorted([(BlockKind(name), value, 0) for name, values in removals.items()
                    for value in normalised_values(name, values)]
                   + [(BlockKind(name), value, 1) for name, values in additions.items()
                      for value in normalised_values(name, values)])
    changed = set()
    # One row at a time in (kind, value) order: two edits of the same entries
    # wait for each other rather than deadlock.
    for kind, value, is_addition in edits:
        if is_addition:
            is_changed = add_entry(kind, value) is not None
        else:
            is_changed = db.session.execute(sa.delete(BlockEntry).where(
                BlockEntry.kind == kind, BlockEntry.value == value)).rowcount > 0
        if is_changed:
            changed.add(kind)
    return sorted(changed)


def add_entry(kind, value):
    """Add one entry unless it is there already, within the caller's
    transaction; returns it as stored if it was added, else None.
    Insert-or-ignore: two moderators blocking one address at once both succeed."""
    value = NORMALISERS[kind](value)
    added = db.session.execute(insert_for(_TABLE).values(kind=kind, value=value, created_at=utcnow())
                               .on_conflict_do_nothing(index_elements=[_TABLE.c.kind, _TABLE.c.value])
                               .returning(_TABLE.c.id)).first()
    return value if added is not None else None


def remove_email(email_key):
    """Drop an address from the blocklist (an erasure request covers it too)."""
    db.session.execute(sa.delete(BlockEntry).where(
        BlockEntry.kind == BlockKind.EMAIL, BlockEntry.value == email_key))
