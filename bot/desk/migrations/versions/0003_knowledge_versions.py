"""Knowledge versions: complete snapshots of the knowledge files (who, when, why, based on which), and the log of
publishes and rollbacks whose newest row is the version every process serves.

Revision 0003, after 0002, made 2026-12-06.
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('knowledge_versions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('author', sa.String(length=64), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('based_on', sa.Integer(), nullable=True),
    sa.Column('digest', sa.String(length=64), nullable=False),
    sa.Column('items', sa.Integer(), nullable=False),
    sa.Column('files', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['based_on'], ['knowledge_versions.id'], ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('knowledge_versions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_knowledge_versions_digest'), ['digest'], unique=False)

    op.create_table('knowledge_publications',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('version_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('by', sa.String(length=64), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.CheckConstraint("kind IN ('publish', 'rollback')", name='ck_knowledge_publications_kind'),
    sa.ForeignKeyConstraint(['version_id'], ['knowledge_versions.id'], ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('knowledge_publications', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_knowledge_publications_version_id'), ['version_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('knowledge_publications', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_knowledge_publications_version_id'))

    op.drop_table('knowledge_publications')
    with op.batch_alter_table('knowledge_versions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_knowledge_versions_digest'))

    op.drop_table('knowledge_versions')
