"""The WeChat Official Account (公众号) channel: a worker (`python -m bot.channels.wechat`) serving the account's server
URL, and `python -m bot.channels.wechat menu`, which sets the account's custom menu.

WeChat posts each follower's message to the server URL and waits five seconds for a reply. The worker checks the
signature, stores the message in its inbox (`inbox`), hands it to Rasa through the "wechat" channel and answers in
the reply itself when the turn is quick, else through the customer-service message API (`api`). The desk's answers
come back through the outbox (`outbox`), by template message once the 48-hour window is closed. `rasa_channel` is
the one module that runs inside the Rasa server.

This package's `__init__` imports nothing, so that the Rasa server can load `rasa_channel` without the worker's
dependencies.
"""
