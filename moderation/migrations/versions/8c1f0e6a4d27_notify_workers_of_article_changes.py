"""Notify workers of article changes (PostgreSQL) — retired

This revision once added a trigger that announced every change of an article
row to the workers' copies of those rows. The copies are gone and so is the
trigger (revision 3e9a7c1d5b60 drops it where it was created); the revision
stays, empty, so that databases which passed through it upgrade as before.

Revision ID: 8c1f0e6a4d27
Revises: 5b7c3d2e9f10
Create Date: 2026-11-26 00:50:00

"""

revision = '8c1f0e6a4d27'
down_revision = '5b7c3d2e9f10'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
