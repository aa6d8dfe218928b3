"""The Rasa runtime: the Rasa server with its fixes, a turn run under the conversation's lock, the lock store, the
per-sender rate limit, questions held while the action server is down, and the relay of desk messages into Rasa."""
