"""The Rasa server as the launcher runs it (bot/rasa_server.py) understands exactly what Rasa's own does."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from nlu.evaluate import load_examples

ROOT = Path(__file__).resolve().parent.parent
PARSE = """
import json, sys
if sys.argv[1] == "ours":
    from bot.rasa_server import install
    install()
from nlu.evaluate import parse_all
texts = json.load(sys.stdin)
parsed = parse_all(sys.argv[2], texts)
with open(sys.argv[3], "w", encoding="utf-8") as out:
    json.dump([[[(r["name"], round(r["confidence"], 5)) for r in p["intent_ranking"]],
                sorted((e["entity"], e["value"]) for e in p["entities"])] for p in parsed], out)
"""


def parses(model: Path, texts: list[str], which: str, out: Path) -> list:
    result = subprocess.run([sys.executable, "-c", PARSE, which, str(model), str(out)], input=json.dumps(texts),
                            cwd=ROOT, capture_output=True, text=True, timeout=600,
                            env={**os.environ, "RASA_TELEMETRY_ENABLED": "false", "TF_CPP_MIN_LOG_LEVEL": "2"})
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(out.read_text(encoding="utf-8"))


def test_the_model_loaded_for_prediction_only_reads_every_heldout_message_as_rasa_does(trained_model, tmp_path) -> None:
    texts = [example.text for example in load_examples()]
    ours = parses(trained_model, texts, "ours", tmp_path / "ours.json")
    assert len(ours) == len(texts) >= 300
    assert ours == parses(trained_model, texts, "rasa's", tmp_path / "rasa.json")
