"""The channels enterprises reach the bot through: REST (inside the Rasa server) and Telegram (a worker of its own),
with the sender-id prefixes they share (identity.py)."""
