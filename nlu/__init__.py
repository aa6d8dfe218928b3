"""Rasa training data (nlu/train/), the held-out evaluation set (nlu/heldout/, never trained on) and the
evaluation that measures the trained model against it."""
