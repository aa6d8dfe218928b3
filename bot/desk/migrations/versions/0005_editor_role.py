"""The console's editor role (知识编辑): people who keep the knowledge — edit, test, publish and roll back — without
the hotline's calls and tickets.

Revision 0005, after 0004, made 2026-12-06.
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None

BEFORE = ("staff", "expert", "admin")
AFTER = ("staff", "expert", "admin", "editor")


def _roles(roles: tuple[str, ...]) -> str:
    return "role IN (" + ", ".join(f"'{role}'" for role in roles) + ")"


def upgrade() -> None:
    with op.batch_alter_table("console_users", schema=None, recreate="auto") as batch_op:
        batch_op.drop_constraint("ck_console_users_role", type_="check")
        batch_op.create_check_constraint("ck_console_users_role", sa.text(_roles(AFTER)))


def downgrade() -> None:
    editors = op.get_bind().execute(sa.text("SELECT count(*) FROM console_users WHERE role = 'editor'")).scalar()
    if editors:
        raise RuntimeError(
            f"{editors} console account(s) have the editor role: give them another role or deactivate and rename them "
            "before downgrading (a downgrade does not choose what an editor may see)"
        )
    with op.batch_alter_table("console_users", schema=None, recreate="auto") as batch_op:
        batch_op.drop_constraint("ck_console_users_role", type_="check")
        batch_op.create_check_constraint("ck_console_users_role", sa.text(_roles(BEFORE)))
