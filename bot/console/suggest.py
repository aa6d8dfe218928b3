"""The console's suggestion for a caller's question: the chat's own NLU (the Rasa server's parse) and knowledge
search, so staff read out what the bot would have answered, with the same sources.

When the Rasa server cannot be reached the suggestion still comes, from the text search alone, and says so:
staff on a call need something to read out more than they need the intent.
"""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass, field
from typing import Any

import aiohttp

from bot.console.topics import NOT_TOPICS, topic_label
from knowledge import KnowledgeBase, Language, LiveKnowledge, detect_language
from knowledge.answers import answer_text, item_label

log = logging.getLogger(__name__)

MAX_QUESTION = 2_000
RELATED = 3
ENTITIES = ("country", "ip_type", "dispute_type", "industry")


@dataclass(frozen=True)
class Suggestion:
    """What the console shows beside the call form."""

    language: str
    intent: str | None = None
    topic: str = "—"
    confidence: float | None = None
    entities: dict[str, list[str]] = field(default_factory=dict)
    item: str | None = None
    title: str | None = None
    answer: str | None = None
    sources: list[str] = field(default_factory=list)
    related: list[dict[str, str]] = field(default_factory=list)
    referral: str | None = None
    #: False when the Rasa server did not answer and only the text search ran.
    nlu: bool = True

    def as_json(self) -> dict[str, Any]:
        return asdict(self)

    def entity(self, name: str) -> str | None:
        values = self.entities.get(name) or []
        return values[0] if values else None


class Suggester:
    def __init__(self, rasa_url: str, token: str, knowledge: LiveKnowledge, *, timeout: float = 5.0) -> None:
        self.parse_url = f"{rasa_url.rstrip('/')}/model/parse"
        self.token = token
        self.knowledge = knowledge
        self.timeout = aiohttp.ClientTimeout(total=timeout)

    async def suggest(self, http: aiohttp.ClientSession, question: str) -> Suggestion:
        question = (question or "").strip()[:MAX_QUESTION]
        kb = self.knowledge.get()
        language = detect_language(question) if question else "zh"
        if not question:
            return Suggestion(language=language)
        parsed = await self._parse(http, question)
        if parsed is None:
            return self._from_search(
                kb,
                question,
                language,
                intent=None,
                ranking=None,
                entities=_vocabulary_entities(kb, question),
                nlu=False,
            )
        intent = (parsed.get("intent") or {}).get("name")
        confidence = (parsed.get("intent") or {}).get("confidence")
        ranking = {r["name"]: r["confidence"] for r in parsed.get("intent_ranking") or [] if r.get("name")}
        entities = kb.canonical_entities(parsed.get("entities") or [])
        if intent == "out_of_scope":
            referral = kb.referral_for(question)
            return Suggestion(
                language=language,
                intent=intent,
                topic=topic_label(intent),
                confidence=confidence,
                entities=entities,
                referral=referral.answer.get(language),
                sources=[referral.id],
            )
        if intent in NOT_TOPICS:
            return Suggestion(
                language=language, intent=intent, topic=topic_label(intent), confidence=confidence, entities=entities
            )
        return self._from_search(
            kb,
            question,
            language,
            intent=intent,
            ranking=ranking or None,
            entities=entities,
            confidence=confidence,
            nlu=True,
        )

    async def parse(self, http: aiohttp.ClientSession, question: str) -> dict[str, Any] | None:
        """The Rasa server's reading of `question` (its /model/parse answer: intent, ranking, entities); None when
        it cannot be asked (logged). The knowledge editor's retrieval test reads questions as the chat does."""
        return await self._parse(http, question)

    async def _parse(self, http: aiohttp.ClientSession, question: str) -> dict[str, Any] | None:
        try:
            async with http.post(
                self.parse_url, params={"token": self.token}, json={"text": question}, timeout=self.timeout
            ) as response:
                if response.status != 200:
                    log.error("console: Rasa parse answered %s: %s", response.status, (await response.text())[:300])
                    return None
                return await response.json()
        except (aiohttp.ClientError, TimeoutError) as error:
            log.warning("console: Rasa parse unavailable (%s); suggesting from the text search alone", error)
            return None

    @staticmethod
    def _from_search(
        kb: KnowledgeBase,
        question: str,
        language: Language,
        *,
        intent: str | None,
        ranking: dict[str, float] | None,
        entities: dict[str, list[str]],
        nlu: bool,
        confidence: float | None = None,
    ) -> Suggestion:
        if nlu:
            items = [
                hit.item for hit in kb.search(question, intent=ranking or intent, entities=entities, limit=RELATED + 1)
            ]
        else:
            # Without the NLU's intent the combined search has only half its evidence; plain BM25 over the items and
            # their example questions is the better ranker alone (`make eval`'s third line).
            ranked = kb.text_ranking(question, with_examples=True)
            items = [found for found in map(kb.get, ranked[: RELATED + 1]) if found is not None]
        if not items:
            return Suggestion(
                language=language,
                intent=intent,
                topic=topic_label(intent),
                confidence=confidence,
                entities=entities,
                nlu=nlu,
            )
        best = items[0]
        related = [{"id": item.id, "label": item_label(kb, item, language)} for item in items[1:]]
        return Suggestion(
            language=language,
            intent=intent,
            topic=topic_label(intent),
            confidence=confidence,
            entities=entities,
            item=best.id,
            title=best.title.get(language),
            answer=answer_text(kb, best, language),
            sources=[best.id, *best.policy],
            related=related,
            nlu=nlu,
        )


def _vocabulary_entities(kb: KnowledgeBase, question: str) -> dict[str, list[str]]:
    """Without the NLU, the entities the vocabulary itself finds in the question (the longest known form of each),
    so that a call logged while Rasa is down still carries its country and IP type to the desk's matching."""
    found: dict[str, list[str]] = {}
    for entity in ENTITIES:
        value = kb.vocabulary.canonical_within(entity, question)
        if value is not None:
            found[entity] = [value]
    return found
