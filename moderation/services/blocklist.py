"""The blocklists moderators keep: words, email addresses, domains, networks."""

import ipaddress
from functools import lru_cache

import sqlalchemy as sa

from ..extensions import db
from ..models import BlockEntry, BlockKind
from ..privacy import normalise_email
from ..rules import Blocklist, normalise_text

# How each kind of entry is stored, so it compares with what the rules see.
NORMALISERS = {
    BlockKind.WORD: normalise_text,
    BlockKind.EMAIL: normalise_email,
    BlockKind.DOMAIN: lambda domain: domain.strip().lstrip("@").rstrip(".").casefold(),
    BlockKind.NETWORK: lambda network: str(ipaddress.ip_network(network.strip(), strict=False)),
}


_ENTRIES = sa.select(BlockEntry.__table__.c.kind, BlockEntry.__table__.c.value).order_by(
    BlockEntry.__table__.c.id)


def load_blocklist():
    """Every list, ready for the rules, in one query (read on every submission,
    so that an edit applies at once in every worker)."""
    return _as_blocklist(tuple(db.session.connection().execute(_ENTRIES).tuples()))


@lru_cache(maxsize=4)
def _as_blocklist(rows):
    """The rules' Blocklist for the rows as read; built again only when they change."""
    entries = {kind: set() for kind in BlockKind}
    for kind, value in rows:
        entries[BlockKind(kind)].add(value)
    return Blocklist(
        words=frozenset(entries[BlockKind.WORD]), emails=frozenset(entries[BlockKind.EMAIL]),
        domains=frozenset(entries[BlockKind.DOMAIN]),
        networks=tuple(ipaddress.ip_network(n) for n in sorted(entries[BlockKind.NETWORK])),
    )


def list_rules():
    """The lists as moderators edit them: {kind: [values, sorted]}."""
    rules = {kind.value: [] for kind in BlockKind}
    for kind, value in db.session.execute(
            sa.select(BlockEntry.kind, BlockEntry.value).order_by(BlockEntry.value)):
        rules[kind.value].append(value)
    return rules


def replace_lists(rules):
    """Replace the lists given in rules ({kind: [values]}) within the caller's
    transaction; kinds not given stay. Returns the kinds replaced."""
    kinds = []
    for kind_name, values in rules.items():
        kind = BlockKind(kind_name)
        normalised = {NORMALISERS[kind](value) for value in values} - {""}
        db.session.execute(sa.delete(BlockEntry).where(BlockEntry.kind == kind))
        db.session.add_all(BlockEntry(kind=kind, value=value) for value in sorted(normalised))
        kinds.append(kind)
    return kinds


def add_entry(kind, value):
    """Add one entry unless it is there already; within the caller's transaction."""
    value = NORMALISERS[kind](value)
    exists = db.session.scalar(
        sa.select(BlockEntry.id).where(BlockEntry.kind == kind, BlockEntry.value == value))
    if not exists:
        db.session.add(BlockEntry(kind=kind, value=value))


def remove_email(email_key):
    """Drop an address from the blocklist (an erasure request covers it too)."""
    db.session.execute(sa.delete(BlockEntry).where(
        BlockEntry.kind == BlockKind.EMAIL, BlockEntry.value == email_key))
