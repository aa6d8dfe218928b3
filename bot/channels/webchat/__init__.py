"""The web chat: a public chat page and an embeddable widget for the service's websites, served by its own process
(`python -m bot.channels.webchat`), beside and apart from the staff console.

Its parts: `sessions` (the signed, expiring browser session that is a visitor's only key to a conversation),
`rasa_channel` (the "webchat" input channel inside the Rasa server, which only this server may call), `rasa_client`
(this server's calls to Rasa), `inbox` (messages kept while Rasa cannot answer), `rendering` (tracker events as chat
messages), `server` (the HTTP application) and `static/` (the page, the widget and their style, no CDN).
"""
