"""Answer feedback: what enterprises said of the bot's answers (有帮助 / 没帮助, an optional comment), one verdict per
enterprise (a keyed hash) and item.

Revision 0004, after 0003, made 2026-12-06.
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('knowledge_answer_feedback',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('channel', sa.String(length=32), nullable=False),
    sa.Column('sender_key', sa.String(length=64), nullable=False),
    sa.Column('item_id', sa.String(length=80), nullable=False),
    sa.Column('helpful', sa.Boolean(), nullable=False),
    sa.Column('language', sa.String(length=2), nullable=False),
    sa.Column('comment', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('sender_key', 'item_id', name='uq_knowledge_answer_feedback_sender_item')
    )
    with op.batch_alter_table('knowledge_answer_feedback', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_knowledge_answer_feedback_at'), ['at'], unique=False)
        batch_op.create_index(batch_op.f('ix_knowledge_answer_feedback_item_id'), ['item_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('knowledge_answer_feedback', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_knowledge_answer_feedback_item_id'))
        batch_op.drop_index(batch_op.f('ix_knowledge_answer_feedback_at'))

    op.drop_table('knowledge_answer_feedback')
