"""The desk: tickets, experts and matching, the SLA, the outbox, attachments, risk warnings, trade fairs, the chat
and hotline figures, retention and audit, and the models they are stored in. Channels, the console and the
processes use it; it uses none of them."""
