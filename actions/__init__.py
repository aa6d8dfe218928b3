"""Rasa SDK custom actions: answers from the knowledge base, declines, and the conversation's small talk.

The action server imports every module of this package (`rasa run actions --actions actions`). Every action
ends its turn with one message whose `custom` object follows the reply contract of docs/ARCHITECTURE.md (see `turn`).
"""
