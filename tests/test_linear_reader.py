"""The second intent reader (nlu/linear.py): how its reading is blended into DIET's, where DIET's stands alone, and
that a trained reader is kept in the model and reads the same once loaded."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.nlu.constants import TOKENS_NAMES
from rasa.nlu.tokenizers.tokenizer import Token
from rasa.shared.nlu.constants import FEATURE_TYPE_SENTENCE, INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.features import Features
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from nlu.linear import LinearReader, blend, read_alone, softmax


def test_a_reading_diet_is_unsure_of_takes_the_linear_model_s_sure_one() -> None:
    diet = [{"name": "ask_exhibition", "confidence": 0.38}, {"name": "ask_risk_screening", "confidence": 0.35}]
    ranking = blend(diet, {"ask_risk_screening": 0.9, "ask_exhibition": 0.05, "ask_337": 0.05}, weight=0.85)
    assert ranking[0]["name"] == "ask_risk_screening"
    assert ranking[0]["confidence"] == pytest.approx(0.85 * 0.9 + 0.15 * 0.35)
    assert [r["name"] for r in ranking] == ["ask_risk_screening", "ask_exhibition", "ask_337"]


def test_an_intent_diet_did_not_rank_counts_as_nothing_from_diet() -> None:
    ranking = blend([{"name": "greet", "confidence": 1.0}], {"thank": 1.0}, weight=0.3)
    assert ranking == [{"name": "greet", "confidence": pytest.approx(0.7)}, {"name": "thank", "confidence": 0.3}]


def test_no_weight_leaves_diet_s_order_and_the_ranking_keeps_its_length() -> None:
    diet = [{"name": f"i{n}", "confidence": 0.5 - n / 100} for n in range(12)]
    ranking = blend(diet, {"i11": 1.0}, weight=0.0, length=10)
    assert [r["name"] for r in ranking] == [f"i{n}" for n in range(10)]


@pytest.mark.parametrize(
    "intent, words, alone",
    [
        ("harmful_request", 12, True),  # a refusal never depends on which reader wins
        ("bot_instruction", 8, True),
        ("request_human", 6, True),
        ("ask_trademark_squatting", 1, True),  # "商标": a topic named, not a question
        ("nlu_fallback", 2, True),  # "TRO 美国"
        ("ask_337", 3, False),
        ("out_of_scope", 14, False),
    ],
)
def test_diet_s_reading_stands_alone_for_refusals_persons_and_one_or_two_words(intent, words, alone) -> None:
    assert read_alone(intent, words) is alone


def test_a_clear_margin_is_a_sure_reading_and_every_row_sums_to_one() -> None:
    probabilities = softmax(np.array([[1.0, 0.2, -0.5], [0.1, 0.05, 0.0]]), temperature=0.1)
    assert probabilities.sum(axis=1) == pytest.approx([1.0, 1.0])
    assert probabilities[0, 0] > 0.99
    assert probabilities[1, 0] < 0.6  # margins close together stay an unsure reading


def _message(words: list[str], counts: list[float], intent: str | None = None) -> Message:
    message = Message(data={TEXT: " ".join(words), **({INTENT: intent} if intent else {})})
    message.set(TOKENS_NAMES[TEXT], [Token(word, 0) for word in words])
    matrix = scipy.sparse.coo_matrix(np.array([counts]))
    message.add_features(Features(matrix, FEATURE_TYPE_SENTENCE, TEXT, "CountVectorsFeaturizer"))
    return message


@pytest.fixture
def reader(tmp_path):
    storage = LocalModelStorage(tmp_path)
    context = ExecutionContext(GraphSchema({}), "test")
    resource = Resource("linear")
    component = LinearReader.create({}, storage, resource, context)
    examples = []  # six columns: three words of each of two intents
    for n in range(8):
        examples.append(_message(["展会", "禁令"], [1, 1, n % 2, 0, 0, 0], "ask_fair_dispute"))
        examples.append(_message(["商标", "抢注"], [0, 0, 0, 1, 1, n % 2], "ask_trademark_squatting"))
    component.train(TrainingData(examples))
    return component, storage, resource, context


def test_a_trained_reader_is_kept_in_the_model_and_reads_the_same_once_loaded(reader) -> None:
    component, storage, resource, context = reader
    loaded = LinearReader.load({}, storage, resource, context)

    def read(reader_: LinearReader) -> list[dict]:
        message = _message(["我们", "展会", "被", "禁令"], [1, 1, 0, 0, 0, 0])
        message.set(INTENT, {"name": "ask_trademark_squatting", "confidence": 0.4})
        message.set(
            INTENT_RANKING_KEY,
            [{"name": "ask_trademark_squatting", "confidence": 0.4}, {"name": "ask_fair_dispute", "confidence": 0.35}],
        )
        reader_.process([message])
        return message.get(INTENT_RANKING_KEY)

    ranking = read(component)
    assert ranking[0]["name"] == "ask_fair_dispute"  # DIET's weak reading gives way to the words
    assert read(loaded) == ranking


def test_a_refusal_keeps_diet_s_reading_whatever_the_words_say(reader) -> None:
    component = reader[0]
    message = _message(["怎么", "展会", "禁令", "躲过"], [1, 1, 0, 0, 0, 0])
    diet = [{"name": "harmful_request", "confidence": 0.6}, {"name": "ask_fair_dispute", "confidence": 0.3}]
    message.set(INTENT, dict(diet[0]))
    message.set(INTENT_RANKING_KEY, diet)
    component.process([message])
    assert message.get(INTENT)["name"] == "harmful_request"
    assert message.get(INTENT_RANKING_KEY) == diet


def test_a_message_with_nothing_to_featurize_keeps_diet_s_reading_beside_others_blended(reader) -> None:
    """Only zero-width or direction marks ("\u202e" * 2001) leave no words and no features: never a server error."""
    component = reader[0]
    empty = Message(data={TEXT: ""})
    empty.set(INTENT, {"name": "nlu_fallback", "confidence": 1.0})
    question = _message(["我们", "展会", "被", "禁令"], [1, 1, 0, 0, 0, 0])
    question.set(INTENT, {"name": "ask_trademark_squatting", "confidence": 0.4})
    question.set(INTENT_RANKING_KEY, [{"name": "ask_trademark_squatting", "confidence": 0.4}])
    component.process([empty])  # as the server parses it: alone
    assert empty.get(INTENT) == {"name": "nlu_fallback", "confidence": 1.0}
    component.process([empty, question])
    assert empty.get(INTENT) == {"name": "nlu_fallback", "confidence": 1.0}
    assert question.get(INTENT)["name"] == "ask_fair_dispute"


def test_a_model_without_a_trained_reader_leaves_diet_s_ranking(tmp_path, caplog) -> None:
    storage = LocalModelStorage(tmp_path)
    context = ExecutionContext(GraphSchema({}), "test")
    loaded = LinearReader.load({}, storage, Resource("never-trained"), context)
    assert "holds no linear reader" in caplog.text
    message = _message(["展会", "禁令", "怎么办"], [1, 1, 0, 0, 0, 0])
    message.set(INTENT, {"name": "ask_fair_dispute", "confidence": 0.5})
    assert loaded.process([message])[0].get(INTENT) == {"name": "ask_fair_dispute", "confidence": 0.5}
