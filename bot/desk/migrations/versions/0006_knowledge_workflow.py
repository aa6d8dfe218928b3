"""The knowledge editor's workflow: gaps adopted by a version (status 'adopted', which version), staff proposals
(`proposed`) and their rejections with the reason, and the draft a merged version carries (`merged_from`).

Revision 0006, after 0005, made 2026-12-06.
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None

BEFORE = ("open", "dismissed")
AFTER = ("open", "dismissed", "adopted")


def _statuses(statuses: tuple[str, ...]) -> str:
    return "status IN (" + ", ".join(f"'{status}'" for status in statuses) + ")"


def upgrade() -> None:
    op.create_table('knowledge_rejections',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('version_id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('by', sa.String(length=64), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['version_id'], ['knowledge_versions.id'], ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('version_id')
    )
    with op.batch_alter_table('knowledge_versions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('proposed', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column('merged_from', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            'fk_knowledge_versions_merged_from', 'knowledge_versions', ['merged_from'], ['id'], ondelete='RESTRICT'
        )
    with op.batch_alter_table('knowledge_gaps', schema=None, recreate="auto") as batch_op:
        batch_op.add_column(sa.Column('version_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            'fk_knowledge_gaps_version_id', 'knowledge_versions', ['version_id'], ['id'], ondelete='RESTRICT'
        )
        batch_op.drop_constraint("ck_knowledge_gaps_status", type_="check")
        batch_op.create_check_constraint("ck_knowledge_gaps_status", sa.text(_statuses(AFTER)))


def downgrade() -> None:
    adopted = op.get_bind().execute(sa.text("SELECT count(*) FROM knowledge_gaps WHERE status = 'adopted'")).scalar()
    if adopted:
        raise RuntimeError(
            f"{adopted} gap(s) were adopted by a knowledge version: a downgrade would lose which; dismiss them first "
            "(UPDATE knowledge_gaps SET status = 'dismissed' WHERE status = 'adopted')"
        )
    with op.batch_alter_table('knowledge_gaps', schema=None, recreate="auto") as batch_op:
        batch_op.drop_constraint("ck_knowledge_gaps_status", type_="check")
        batch_op.create_check_constraint("ck_knowledge_gaps_status", sa.text(_statuses(BEFORE)))
        batch_op.drop_constraint('fk_knowledge_gaps_version_id', type_='foreignkey')
        batch_op.drop_column('version_id')
    with op.batch_alter_table('knowledge_versions', schema=None) as batch_op:
        batch_op.drop_constraint('fk_knowledge_versions_merged_from', type_='foreignkey')
        batch_op.drop_column('merged_from')
        batch_op.drop_column('proposed')
    op.drop_table('knowledge_rejections')
