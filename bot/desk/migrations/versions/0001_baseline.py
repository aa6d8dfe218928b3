"""Baseline: the desk's schema when migrations began (the tables `create_schema` made until then).

Revision 0001, the first, made 2026-12-05.
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('console_sign_in_attempts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('username', sa.String(length=64), nullable=False),
    sa.Column('ip', sa.String(length=64), nullable=True),
    sa.Column('succeeded', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('console_sign_in_attempts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_console_sign_in_attempts_at'), ['at'], unique=False)
        batch_op.create_index(batch_op.f('ix_console_sign_in_attempts_ip'), ['ip'], unique=False)
        batch_op.create_index(batch_op.f('ix_console_sign_in_attempts_username'), ['username'], unique=False)

    op.create_table('desk_experts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('organisation', sa.String(length=200), nullable=True),
    sa.Column('ip_types', sa.JSON(), nullable=False),
    sa.Column('countries', sa.JSON(), nullable=False),
    sa.Column('industries', sa.JSON(), nullable=False),
    sa.Column('languages', sa.JSON(), nullable=False),
    sa.Column('telegram_chat_id', sa.String(length=64), nullable=True),
    sa.Column('phone', sa.String(length=50), nullable=True),
    sa.Column('email', sa.String(length=254), nullable=True),
    sa.Column('available', sa.Boolean(), nullable=False),
    sa.Column('max_open_cases', sa.Integer(), nullable=False),
    sa.Column('show_name', sa.Boolean(), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('illustrative', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('max_open_cases > 0', name='ck_desk_experts_cap'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('email')
    )
    with op.batch_alter_table('desk_experts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_desk_experts_name'), ['name'], unique=False)

    op.create_table('desk_outbox',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('idempotency_key', sa.String(length=200), nullable=False),
    sa.Column('channel', sa.String(length=32), nullable=False),
    sa.Column('recipient', sa.String(length=254), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('payload', sa.JSON(), nullable=False),
    sa.Column('status', sa.String(length=8), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('claimed_by', sa.String(length=100), nullable=True),
    sa.Column('lease_until', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("status IN ('pending', 'sending', 'sent', 'dead')", name='ck_desk_outbox_status'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('idempotency_key')
    )
    with op.batch_alter_table('desk_outbox', schema=None) as batch_op:
        batch_op.create_index('ix_desk_outbox_due', ['status', 'next_attempt_at'], unique=False)

    op.create_table('desk_ticket_counters',
    sa.Column('day', sa.String(length=8), nullable=False),
    sa.Column('last', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('day')
    )
    op.create_table('exhibition_registrations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('channel', sa.String(length=32), nullable=False),
    sa.Column('sender_id', sa.String(length=128), nullable=False),
    sa.Column('language', sa.String(length=2), nullable=False),
    sa.Column('company', sa.String(length=200), nullable=False),
    sa.Column('contact_name', sa.String(length=100), nullable=True),
    sa.Column('contact', sa.String(length=254), nullable=False),
    sa.Column('fair_name', sa.String(length=200), nullable=False),
    sa.Column('place', sa.String(length=200), nullable=False),
    sa.Column('country', sa.String(length=50), nullable=True),
    sa.Column('starts_on', sa.Date(), nullable=False),
    sa.Column('ends_on', sa.Date(), nullable=False),
    sa.Column('products', sa.Text(), nullable=False),
    sa.Column('rights_held', sa.Text(), nullable=False),
    sa.Column('new_products', sa.Boolean(), nullable=False),
    sa.Column('onsite_contact', sa.Text(), nullable=True),
    sa.Column('training_requested_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('screening_ticket', sa.String(length=20), nullable=True),
    sa.Column('outcome', sa.String(length=8), nullable=True),
    sa.Column('outcome_note', sa.Text(), nullable=True),
    sa.Column('outcome_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('case_ticket', sa.String(length=20), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("outcome IS NULL OR outcome IN ('none', 'case')", name='ck_exhibition_outcome'),
    sa.CheckConstraint('ends_on >= starts_on', name='ck_exhibition_registrations_dates'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('exhibition_registrations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_exhibition_registrations_country'), ['country'], unique=False)
        batch_op.create_index(batch_op.f('ix_exhibition_registrations_sender_id'), ['sender_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_exhibition_registrations_starts_on'), ['starts_on'], unique=False)

    op.create_table('hotline_chat_turns',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('channel', sa.String(length=32), nullable=False),
    sa.Column('sender_key', sa.String(length=64), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('intent', sa.String(length=64), nullable=True),
    sa.Column('language', sa.String(length=2), nullable=False),
    sa.Column('country', sa.String(length=50), nullable=True),
    sa.Column('ip_type', sa.String(length=50), nullable=True),
    sa.Column('dispute_type', sa.String(length=50), nullable=True),
    sa.Column('sources', sa.JSON(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('hotline_chat_turns', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_hotline_chat_turns_at'), ['at'], unique=False)

    op.create_table('warning_subscribers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('channel', sa.String(length=32), nullable=False),
    sa.Column('sender_id', sa.String(length=128), nullable=False),
    sa.Column('language', sa.String(length=2), nullable=False),
    sa.Column('blocked_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('blocked_reason', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('channel', 'sender_id', name='uq_warning_subscribers_conversation')
    )
    op.create_table('warnings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('title_en', sa.String(length=200), nullable=True),
    sa.Column('text_en', sa.Text(), nullable=True),
    sa.Column('countries', sa.JSON(), nullable=False),
    sa.Column('industries', sa.JSON(), nullable=False),
    sa.Column('ip_types', sa.JSON(), nullable=False),
    sa.Column('products', sa.JSON(), nullable=False),
    sa.Column('source', sa.String(length=300), nullable=False),
    sa.Column('published_on', sa.Date(), nullable=False),
    sa.Column('valid_until', sa.Date(), nullable=True),
    sa.Column('illustrative', sa.Boolean(), nullable=False),
    sa.Column('expired_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('expired_by', sa.String(length=64), nullable=True),
    sa.Column('created_by', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('warnings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_warnings_expired_at'), ['expired_at'], unique=False)

    op.create_table('console_users',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('username', sa.String(length=64), nullable=False),
    sa.Column('display_name', sa.String(length=100), nullable=False),
    sa.Column('role', sa.String(length=8), nullable=False),
    sa.Column('password_hash', sa.String(length=255), nullable=False),
    sa.Column('expert_id', sa.Integer(), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('last_sign_in_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("role <> 'expert' OR expert_id IS NOT NULL", name='ck_console_users_expert'),
    sa.CheckConstraint("role IN ('staff', 'expert', 'admin')", name='ck_console_users_role'),
    sa.ForeignKeyConstraint(['expert_id'], ['desk_experts.id'], ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('expert_id'),
    sa.UniqueConstraint('username')
    )
    op.create_table('desk_tickets',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('number', sa.String(length=20), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('priority', sa.String(length=8), nullable=False),
    sa.Column('channel', sa.String(length=32), nullable=False),
    sa.Column('sender_id', sa.String(length=128), nullable=False),
    sa.Column('company', sa.String(length=200), nullable=False),
    sa.Column('contact_name', sa.String(length=100), nullable=True),
    sa.Column('contact', sa.String(length=254), nullable=False),
    sa.Column('country', sa.String(length=50), nullable=True),
    sa.Column('ip_type', sa.String(length=50), nullable=True),
    sa.Column('dispute_type', sa.String(length=50), nullable=True),
    sa.Column('industry', sa.String(length=50), nullable=True),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('deadline', sa.Date(), nullable=True),
    sa.Column('language', sa.String(length=2), nullable=False),
    sa.Column('expert_id', sa.Integer(), nullable=True),
    sa.Column('candidates', sa.JSON(), nullable=False),
    sa.Column('assigned_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('sla_due_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('accepted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('answered_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('rating', sa.Integer(), nullable=True),
    sa.Column('rating_comment', sa.Text(), nullable=True),
    sa.Column('follow_up_due_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('follow_up_sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('follow_up_note', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("language IN ('zh', 'en')", name='ck_desk_tickets_language'),
    sa.CheckConstraint("priority IN ('urgent', 'normal')", name='ck_desk_tickets_priority'),
    sa.CheckConstraint("status IN ('new', 'assigned', 'accepted', 'answered', 'closed')", name='ck_desk_tickets_status'),
    sa.CheckConstraint('rating IS NULL OR rating BETWEEN 1 AND 5', name='ck_desk_tickets_rating'),
    sa.ForeignKeyConstraint(['expert_id'], ['desk_experts.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('number')
    )
    with op.batch_alter_table('desk_tickets', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_desk_tickets_contact'), ['contact'], unique=False)
        batch_op.create_index(batch_op.f('ix_desk_tickets_expert_id'), ['expert_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_desk_tickets_sender_id'), ['sender_id'], unique=False)
        batch_op.create_index('ix_desk_tickets_sla', ['status', 'sla_due_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_desk_tickets_status'), ['status'], unique=False)

    op.create_table('exhibition_notices',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('registration_id', sa.Integer(), nullable=False),
    sa.Column('stage', sa.String(length=16), nullable=False),
    sa.Column('due_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('stale_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('skipped_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('skip_reason', sa.String(length=200), nullable=True),
    sa.CheckConstraint("stage IN ('week_before', 'day_before', 'on_site', 'after')", name='ck_exhibition_notices_stage'),
    sa.ForeignKeyConstraint(['registration_id'], ['exhibition_registrations.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('registration_id', 'stage', name='uq_exhibition_notices_stage')
    )
    with op.batch_alter_table('exhibition_notices', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_exhibition_notices_due_at'), ['due_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_exhibition_notices_registration_id'), ['registration_id'], unique=False)

    op.create_table('warning_deliveries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('warning_id', sa.Integer(), nullable=False),
    sa.Column('subscriber_id', sa.Integer(), nullable=False),
    sa.Column('outbox_key', sa.String(length=200), nullable=False),
    sa.Column('queued_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('blocked_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['subscriber_id'], ['warning_subscribers.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['warning_id'], ['warnings.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('outbox_key'),
    sa.UniqueConstraint('warning_id', 'subscriber_id', name='uq_warning_deliveries_once')
    )
    with op.batch_alter_table('warning_deliveries', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_warning_deliveries_subscriber_id'), ['subscriber_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_warning_deliveries_warning_id'), ['warning_id'], unique=False)

    op.create_table('warning_subscriptions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('subscriber_id', sa.Integer(), nullable=False),
    sa.Column('countries', sa.JSON(), nullable=False),
    sa.Column('industries', sa.JSON(), nullable=False),
    sa.Column('ip_types', sa.JSON(), nullable=False),
    sa.Column('products', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['subscriber_id'], ['warning_subscribers.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('warning_subscriptions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_warning_subscriptions_subscriber_id'), ['subscriber_id'], unique=False)

    op.create_table('console_audit',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('username', sa.String(length=64), nullable=False),
    sa.Column('role', sa.String(length=8), nullable=True),
    sa.Column('action', sa.String(length=32), nullable=False),
    sa.Column('object_type', sa.String(length=32), nullable=True),
    sa.Column('object_id', sa.String(length=64), nullable=True),
    sa.Column('detail', sa.JSON(), nullable=False),
    sa.Column('ip', sa.String(length=64), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['console_users.id'], ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('console_audit', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_console_audit_at'), ['at'], unique=False)
        batch_op.create_index('ix_console_audit_object', ['object_type', 'object_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_console_audit_user_id'), ['user_id'], unique=False)

    op.create_table('console_sessions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('csrf_token', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_seen_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ip', sa.String(length=64), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['console_users.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('token_hash')
    )
    with op.batch_alter_table('console_sessions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_console_sessions_expires_at'), ['expires_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_console_sessions_user_id'), ['user_id'], unique=False)

    op.create_table('desk_attachments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ticket_id', sa.Integer(), nullable=True),
    sa.Column('sender_id', sa.String(length=128), nullable=False),
    sa.Column('source_key', sa.String(length=200), nullable=False),
    sa.Column('file_name', sa.String(length=255), nullable=False),
    sa.Column('mime_type', sa.String(length=255), nullable=True),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('path', sa.Text(), nullable=False),
    sa.Column('telegram_file_id', sa.String(length=255), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['ticket_id'], ['desk_tickets.id'], ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('source_key')
    )
    with op.batch_alter_table('desk_attachments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_desk_attachments_sender_id'), ['sender_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_desk_attachments_ticket_id'), ['ticket_id'], unique=False)

    op.create_table('desk_ticket_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ticket_id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('actor', sa.String(length=64), nullable=False),
    sa.Column('action', sa.String(length=32), nullable=False),
    sa.Column('from_status', sa.String(length=16), nullable=True),
    sa.Column('to_status', sa.String(length=16), nullable=True),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('data', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['ticket_id'], ['desk_tickets.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('desk_ticket_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_desk_ticket_events_ticket_id'), ['ticket_id'], unique=False)

    op.create_table('desk_transcript_lines',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ticket_id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('role', sa.String(length=8), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.CheckConstraint("role IN ('user', 'bot', 'expert', 'staff')", name='ck_desk_transcript_role'),
    sa.ForeignKeyConstraint(['ticket_id'], ['desk_tickets.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('desk_transcript_lines', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_desk_transcript_lines_ticket_id'), ['ticket_id'], unique=False)

    op.create_table('hotline_calls',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('channel', sa.String(length=16), nullable=False),
    sa.Column('caller_name', sa.String(length=100), nullable=True),
    sa.Column('company', sa.String(length=200), nullable=False),
    sa.Column('phone', sa.String(length=32), nullable=True),
    sa.Column('question', sa.Text(), nullable=False),
    sa.Column('notes', sa.Text(), nullable=True),
    sa.Column('intent', sa.String(length=64), nullable=True),
    sa.Column('intent_confidence', sa.Float(), nullable=True),
    sa.Column('entities', sa.JSON(), nullable=False),
    sa.Column('country', sa.String(length=50), nullable=True),
    sa.Column('ip_type', sa.String(length=50), nullable=True),
    sa.Column('dispute_type', sa.String(length=50), nullable=True),
    sa.Column('suggested_sources', sa.JSON(), nullable=False),
    sa.Column('answer', sa.Text(), nullable=True),
    sa.Column('answer_given_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('ticket_id', sa.Integer(), nullable=True),
    sa.Column('staff_user_id', sa.Integer(), nullable=True),
    sa.Column('follow_up_on', sa.Date(), nullable=True),
    sa.Column('follow_up_done_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('anonymised_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("channel IN ('phone', 'wechat', 'email', 'visit', 'other')", name='ck_hotline_calls_channel'),
    sa.ForeignKeyConstraint(['staff_user_id'], ['console_users.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['ticket_id'], ['desk_tickets.id'], ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('ticket_id')
    )
    with op.batch_alter_table('hotline_calls', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_hotline_calls_company'), ['company'], unique=False)
        batch_op.create_index(batch_op.f('ix_hotline_calls_country'), ['country'], unique=False)
        batch_op.create_index(batch_op.f('ix_hotline_calls_follow_up_on'), ['follow_up_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_hotline_calls_intent'), ['intent'], unique=False)
        batch_op.create_index(batch_op.f('ix_hotline_calls_ip_type'), ['ip_type'], unique=False)
        batch_op.create_index(batch_op.f('ix_hotline_calls_phone'), ['phone'], unique=False)
        batch_op.create_index(batch_op.f('ix_hotline_calls_received_at'), ['received_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_hotline_calls_staff_user_id'), ['staff_user_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('hotline_calls', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_hotline_calls_staff_user_id'))
        batch_op.drop_index(batch_op.f('ix_hotline_calls_received_at'))
        batch_op.drop_index(batch_op.f('ix_hotline_calls_phone'))
        batch_op.drop_index(batch_op.f('ix_hotline_calls_ip_type'))
        batch_op.drop_index(batch_op.f('ix_hotline_calls_intent'))
        batch_op.drop_index(batch_op.f('ix_hotline_calls_follow_up_on'))
        batch_op.drop_index(batch_op.f('ix_hotline_calls_country'))
        batch_op.drop_index(batch_op.f('ix_hotline_calls_company'))

    op.drop_table('hotline_calls')
    with op.batch_alter_table('desk_transcript_lines', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_desk_transcript_lines_ticket_id'))

    op.drop_table('desk_transcript_lines')
    with op.batch_alter_table('desk_ticket_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_desk_ticket_events_ticket_id'))

    op.drop_table('desk_ticket_events')
    with op.batch_alter_table('desk_attachments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_desk_attachments_ticket_id'))
        batch_op.drop_index(batch_op.f('ix_desk_attachments_sender_id'))

    op.drop_table('desk_attachments')
    with op.batch_alter_table('console_sessions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_console_sessions_user_id'))
        batch_op.drop_index(batch_op.f('ix_console_sessions_expires_at'))

    op.drop_table('console_sessions')
    with op.batch_alter_table('console_audit', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_console_audit_user_id'))
        batch_op.drop_index('ix_console_audit_object')
        batch_op.drop_index(batch_op.f('ix_console_audit_at'))

    op.drop_table('console_audit')
    with op.batch_alter_table('warning_subscriptions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_warning_subscriptions_subscriber_id'))

    op.drop_table('warning_subscriptions')
    with op.batch_alter_table('warning_deliveries', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_warning_deliveries_warning_id'))
        batch_op.drop_index(batch_op.f('ix_warning_deliveries_subscriber_id'))

    op.drop_table('warning_deliveries')
    with op.batch_alter_table('exhibition_notices', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_exhibition_notices_registration_id'))
        batch_op.drop_index(batch_op.f('ix_exhibition_notices_due_at'))

    op.drop_table('exhibition_notices')
    with op.batch_alter_table('desk_tickets', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_desk_tickets_status'))
        batch_op.drop_index('ix_desk_tickets_sla')
        batch_op.drop_index(batch_op.f('ix_desk_tickets_sender_id'))
        batch_op.drop_index(batch_op.f('ix_desk_tickets_expert_id'))
        batch_op.drop_index(batch_op.f('ix_desk_tickets_contact'))

    op.drop_table('desk_tickets')
    op.drop_table('console_users')
    with op.batch_alter_table('warnings', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_warnings_expired_at'))

    op.drop_table('warnings')
    op.drop_table('warning_subscribers')
    with op.batch_alter_table('hotline_chat_turns', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_hotline_chat_turns_at'))

    op.drop_table('hotline_chat_turns')
    with op.batch_alter_table('exhibition_registrations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_exhibition_registrations_starts_on'))
        batch_op.drop_index(batch_op.f('ix_exhibition_registrations_sender_id'))
        batch_op.drop_index(batch_op.f('ix_exhibition_registrations_country'))

    op.drop_table('exhibition_registrations')
    op.drop_table('desk_ticket_counters')
    with op.batch_alter_table('desk_outbox', schema=None) as batch_op:
        batch_op.drop_index('ix_desk_outbox_due')

    op.drop_table('desk_outbox')
    with op.batch_alter_table('desk_experts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_desk_experts_name'))

    op.drop_table('desk_experts')
    with op.batch_alter_table('console_sign_in_attempts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_console_sign_in_attempts_username'))
        batch_op.drop_index(batch_op.f('ix_console_sign_in_attempts_ip'))
        batch_op.drop_index(batch_op.f('ix_console_sign_in_attempts_at'))

    op.drop_table('console_sign_in_attempts')
