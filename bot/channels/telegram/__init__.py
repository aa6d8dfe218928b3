"""The Telegram channel: a worker (`python -m bot.channels.telegram`) that serves the bot with python-telegram-bot.

Enterprises' messages go through the worker to Rasa and the replies come back as Telegram messages; experts
linked to a Telegram chat get their case notices there, accept or decline with a button and answer by
replying. Every update is stored before it is handled (`inbox`), so a restart or a component that is down
loses nothing. The worker runs beside the Rasa server; `rasa_channel` is the one module that runs inside it.

This package's `__init__` imports nothing, so that the Rasa server can load `rasa_channel` without the
worker's dependencies.
"""
