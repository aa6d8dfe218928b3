"""The channels enterprises reach the bot through: REST (inside the Rasa server), the web chat, and the Telegram and
WeChat workers (processes of their own, sharing one inbox and processor: inbox.py, processing.py), with the
sender-id prefixes they share (identity.py)."""
