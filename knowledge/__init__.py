"""The policy knowledge base: the policy's measures as bilingual items, and the search that finds them."""

from knowledge.base import KnowledgeBase, LiveKnowledge
from knowledge.items import Item, Localized
from knowledge.search import Hit
from knowledge.text import Language, detect_language
from knowledge.yamlfile import KnowledgeError

__all__ = [
    "Hit",
    "Item",
    "KnowledgeBase",
    "KnowledgeError",
    "Language",
    "LiveKnowledge",
    "Localized",
    "detect_language",
]
