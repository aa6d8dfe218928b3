"""Channels and the desk: how people reach the bot (REST, Telegram, the hotline console) and the processes
that serve them."""
