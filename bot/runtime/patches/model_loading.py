"""The model loads in half the time. To load DIET, Rasa builds the model by training it one step on one example
(tracing the whole training graph: about 10 s of a 20 s start), then overwrites the weights with the trained ones.
For answering, the weights are restored as the model builds them for its first prediction, which Rasa makes
anyway; the training step is skipped.

Tested by tests/test_rasa_server.py (every held-out message gets the same intent ranking and entities either way).
"""

from __future__ import annotations

from typing import Any


def install() -> None:
    from rasa.utils.tensorflow.models import RasaModel

    _load_for_prediction(RasaModel)


def _load_for_prediction(model_class: Any) -> None:
    load = model_class.load.__func__

    def load_for_prediction(
        cls: Any,
        model_file_name: str,
        model_data_example: Any,
        predict_data_example: Any = None,
        finetune_mode: bool = False,
        *args: Any,
        **kwargs: Any,
    ) -> Any:
        if finetune_mode or predict_data_example is None:  # training goes on from these weights: Rasa's way
            return load(cls, model_file_name, model_data_example, predict_data_example, finetune_mode, *args, **kwargs)
        model = cls(*args, **kwargs)
        restoring = model.load_weights(model_file_name)  # restored as the first prediction creates each variable
        model.run_inference(predict_data_example)
        restoring.expect_partial()  # the optimizer's slots in the checkpoint are for training only
        restoring.assert_existing_objects_matched()
        return model

    model_class.load = classmethod(load_for_prediction)
