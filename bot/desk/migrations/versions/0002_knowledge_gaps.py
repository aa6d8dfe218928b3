"""The gap queue: a table of the chat turns that ended without a confident answer (asked back, referred, refused
or answered on a weak reading), for staff to learn from.

Revision 0002, after 0001, made 2026-12-06.
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('knowledge_gaps',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('channel', sa.String(length=32), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('language', sa.String(length=2), nullable=False),
    sa.Column('question', sa.Text(), nullable=False),
    sa.Column('intent', sa.String(length=64), nullable=True),
    sa.Column('confidence', sa.Float(), nullable=True),
    sa.Column('item_id', sa.String(length=80), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('handled_by', sa.String(length=64), nullable=True),
    sa.Column('handled_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("kind IN ('clarify', 'refer', 'refuse', 'weak_answer', 'unhelpful')", name='ck_knowledge_gaps_kind'),
    sa.CheckConstraint("status IN ('open', 'dismissed')", name='ck_knowledge_gaps_status'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('knowledge_gaps', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_knowledge_gaps_at'), ['at'], unique=False)
        batch_op.create_index(batch_op.f('ix_knowledge_gaps_status'), ['status'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('knowledge_gaps', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_knowledge_gaps_status'))
        batch_op.drop_index(batch_op.f('ix_knowledge_gaps_at'))

    op.drop_table('knowledge_gaps')
