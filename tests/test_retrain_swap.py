"""The retraining job end to end against a running Rasa server (issue 17 item 4): a worse candidate — really trained
by `rasa train`, with DIET given one epoch — is refused and Rasa keeps serving the old model; a candidate as good as
the serving model (a copy of it) is swapped in through Rasa's `PUT /model`, and is the model a restart loads.

Slow: one small training and the held-out evaluations take minutes on two cores (the copy's figures are the serving
model's, measured once)."""

from __future__ import annotations

import shutil
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from bot.clock import SystemClock
from bot.desk.db import create_schema, make_engine, sessions
from bot.desk.retraining import Retraining
from bot.desk.schema import AuditEntry
from bot.runtime.retrain import Retrainer, RunnerSettings
from tests.helpers.stack import stack_settings, start_or_fail

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def rasa(trained_model, tmp_path_factory):
    """One Rasa server of its own on the trained model (its model is swapped here, so not the shared stack's)."""
    from bot.processes.launcher import Stack, rasa_server

    var_dir = tmp_path_factory.mktemp("retrain")
    settings = stack_settings(trained_model, var_dir)
    stack = Stack([rasa_server(settings)], log_dir=var_dir / "logs")
    start_or_fail(stack, var_dir / "logs", 300)
    yield settings
    stack.stop()


def _served(settings) -> str:
    status = httpx.get(
        f"{settings.rasa_url}/status", params={"token": settings.rasa_token}, timeout=30, trust_env=False
    )
    assert status.status_code == 200, status.text
    return status.json()["model_file"]


def test_a_worse_model_is_refused_and_a_not_worse_one_is_swapped_in_and_survives_a_restart(
    rasa, trained_model, tmp_path
) -> None:
    from bot.processes.launcher import serving_model

    engine = make_engine(rasa.environment()["IPDESK_DATABASE_URL"])
    create_schema(engine)
    service = Retraining(sessions(engine), SystemClock())
    models = tmp_path / "retrained"
    runner = Retrainer(
        service,
        RunnerSettings(
            rasa_servers=(rasa.rasa_url,),
            rasa_token=rasa.rasa_token,
            default_model=trained_model,
            models_dir=models,
            cache_dir=tmp_path / "rasa-cache",  # DIET is trained, not restored from an earlier run's cache
        ),
        "test-runner",
    )
    assert _served(rasa) == trained_model.name

    # A deliberately worse candidate: the same data, DIET trained for one epoch.
    one_epoch = tmp_path / "config-one-epoch.yml"
    config = (ROOT / "config.yml").read_text(encoding="utf-8")
    assert "    epochs: 60\n" in config
    one_epoch.write_text(config.replace("    epochs: 60\n", "    epochs: 1\n"), encoding="utf-8")
    worse = service.request("li.editor", "测试：一轮训练的模型", options={"config": str(one_epoch)})
    refused = runner.run_once()
    assert refused is not None and refused.id == worse.id
    assert refused.state == "refused", (refused.outcome, refused.log_tail)
    assert refused.added_examples and refused.added_examples > 500
    assert refused.new_figures["accuracy"] < refused.old_figures["accuracy"] - 0.01
    assert "低于现用模型" in (refused.outcome or "") and "现用模型不变" in (refused.outcome or "")
    assert _served(rasa) == trained_model.name  # the old model still serves
    assert list(models.glob("*.tar.gz")) == []  # the refused candidate is not kept

    # A candidate as good as the serving model: a copy of it, swapped in by PUT /model.
    copy = models / "ipdesk-copy-for-test.tar.gz"
    shutil.copyfile(trained_model, copy)
    same = service.request("li.editor", "测试：与现用模型相同的模型", options={"candidate": str(copy)})
    swapped = runner.run_once()
    assert swapped is not None and swapped.id == same.id
    assert swapped.state == "swapped", (swapped.outcome, swapped.log_tail)
    assert swapped.new_figures == swapped.old_figures  # the same file: measured once, in the first job
    assert _served(rasa) == copy.name
    assert copy.exists()

    # After a restart the launcher loads the swapped-in model, not the one `make model` built before it.
    assert service.serving_model(trained_model) == copy
    assert serving_model(rasa) == copy
    with engine.connect() as connection:
        actions = connection.execute(
            select(AuditEntry.action, AuditEntry.username)
            .where(AuditEntry.object_type == "model")
            .order_by(AuditEntry.id)
        ).all()
    assert [tuple(row) for row in actions] == [
        ("request_retrain", "li.editor"),
        ("refuse_model", "trainer"),
        ("request_retrain", "li.editor"),
        ("swap_model", "trainer"),
    ]
    # The page showed the training's progress: DIET's epochs, read from rasa's progress bar, kept after training.
    assert refused.progress.get("trained_epochs") == "1/1", refused.progress
    engine.dispose()
