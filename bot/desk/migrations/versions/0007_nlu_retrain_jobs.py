"""The NLU model's retraining jobs (bot/desk/retraining.py): who asked, from which publication, progress, the
held-out figures of the serving model and the candidate, and the decision; the newest swapped job names the model
the Rasa servers serve.

Revision 0007, after 0006 (written beside the knowledge workflow's 0006 and re-chained onto it when merged),
made 2026-12-06.
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('nlu_retrain_jobs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('active', sa.Integer(), nullable=True),
    sa.Column('requested_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('requested_by', sa.String(length=64), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('publication_id', sa.Integer(), nullable=True),
    sa.Column('options', sa.JSON(), nullable=False),
    sa.Column('progress', sa.JSON(), nullable=False),
    sa.Column('log_tail', sa.Text(), nullable=False),
    sa.Column('added_examples', sa.Integer(), nullable=True),
    sa.Column('examples_digest', sa.String(length=64), nullable=True),
    sa.Column('old_model', sa.Text(), nullable=True),
    sa.Column('new_model', sa.Text(), nullable=True),
    sa.Column('old_figures', sa.JSON(), nullable=True),
    sa.Column('new_figures', sa.JSON(), nullable=True),
    sa.Column('outcome', sa.Text(), nullable=True),
    sa.Column('runner', sa.String(length=128), nullable=True),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('heartbeat_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("state IN ('queued', 'preparing', 'training', 'evaluating', 'swapped', 'refused', 'failed')", name='ck_nlu_retrain_jobs_state'),
    sa.CheckConstraint('active IS NULL OR active = 1', name='ck_nlu_retrain_jobs_active'),
    sa.ForeignKeyConstraint(['publication_id'], ['knowledge_publications.id'], ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('active', name='uq_nlu_retrain_jobs_active')
    )
    with op.batch_alter_table('nlu_retrain_jobs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_nlu_retrain_jobs_publication_id'), ['publication_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_nlu_retrain_jobs_state'), ['state'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('nlu_retrain_jobs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_nlu_retrain_jobs_state'))
        batch_op.drop_index(batch_op.f('ix_nlu_retrain_jobs_publication_id'))

    op.drop_table('nlu_retrain_jobs')
