"""Retraining the NLU model (issue 17 item 4): the rule that keeps a worse model out, the training data built from the
published knowledge without anything held out, and the jobs in the desk's database (one at a time, audited, a
swapped model chosen at restart) on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import os
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.desk.retraining import STALE_AFTER, TOLERANCE, Figures, Retraining, RetrainRefused, decide
from bot.desk.schema import AuditEntry, RetrainJob
from knowledge.snapshot import load_snapshot, read_snapshot
from tests.helpers.crossing import Crossing
from nlu.hard import HALVES, TRAINED, load
from nlu.training_data import (
    HELDOUT_NLU,
    KNOWLEDGE_FILE,
    _nlu_examples,
    heldout_texts,
    knowledge_examples,
    measured_texts,
    norm,
    topic_intent,
    write_training_data,
)

ROOT = Path(__file__).resolve().parent.parent
SERVING = Figures(accuracy=0.929, macro_f1=0.940, examples=420, heldout_sha256="h")


def _figures(accuracy: float, macro_f1: float) -> Figures:
    return Figures(accuracy=accuracy, macro_f1=macro_f1, examples=420, heldout_sha256="h")


# --- the decision rule


def test_a_candidate_as_good_or_slightly_below_within_the_tolerance_is_swapped_in() -> None:
    assert decide(SERVING, SERVING).swap
    assert decide(SERVING, _figures(0.95, 0.96)).swap
    just_within = _figures(SERVING.accuracy - TOLERANCE + 0.0005, SERVING.macro_f1 - TOLERANCE + 0.0005)
    decision = decide(SERVING, just_within)
    assert decision.swap and "0.929" in decision.text


def test_a_worse_candidate_is_refused_with_the_figure_that_fell() -> None:
    lower_accuracy = decide(SERVING, _figures(0.90, 0.95))
    assert not lower_accuracy.swap and "意图准确率 0.900 低于现用模型的 0.929" in lower_accuracy.text
    lower_f1 = decide(SERVING, _figures(0.93, 0.90))
    assert not lower_f1.swap and "宏平均F1" in lower_f1.text and "准确率" not in lower_f1.text
    assert not decide(SERVING, _figures(0.2, 0.1)).swap
    assert decide(SERVING, _figures(0.929, 0.940), tolerance=0.0).swap  # equal is never worse


def test_figures_of_different_held_out_sets_are_not_compared() -> None:
    other_set = Figures(0.99, 0.99, 400, heldout_sha256="h")
    assert not decide(SERVING, other_set).swap
    assert not decide(SERVING, Figures(0.99, 0.99, 420, heldout_sha256="changed")).swap


# --- the training data


def _with_questions(*questions: str):
    """The repository's knowledge with `questions` added to faq:337-what's example questions."""
    files = read_snapshot()
    anchor = "      - 老听人说美国那个337，到底是个什么程序，跟打官司一样吗\n"
    assert anchor in files["faq/us_disputes.yml"]
    added = "".join(f"      - {json.dumps(q, ensure_ascii=False)}\n" for q in questions)
    files["faq/us_disputes.yml"] = files["faq/us_disputes.yml"].replace(anchor, anchor + added, 1)
    return load_snapshot(files)


def test_the_knowledge_questions_join_nlu_train_under_the_items_first_topic_intent_minus_what_is_held_out(
    tmp_path,
) -> None:
    heldout = next(text for _, text in _nlu_examples(HELDOUT_NLU))
    trained = next(text for _, text in _nlu_examples(ROOT / "nlu" / "train" / "intents" / "disputes.yml"))
    new = "我们厂第一次碰到337这种事，被申请人到底要准备哪些材料才算齐全"
    kb = _with_questions(heldout, trained, new)
    examples = knowledge_examples(kb)
    intent = topic_intent(kb.items["faq:337-what"].intents)
    assert intent == "ask_337"
    assert (intent, new) in examples.added
    assert heldout in examples.held_out and all(text != heldout for _, text in examples.added)
    assert all(norm(text) != norm(trained) for _, text in examples.added)
    assert examples.digest != knowledge_examples(_with_questions()).digest

    data = write_training_data(kb, tmp_path / "data")
    assert (tmp_path / "data" / "intents").is_dir() and data.added == examples.added
    written = (tmp_path / "data" / KNOWLEDGE_FILE).read_text(encoding="utf-8")
    assert f"    - {new}\n" in written and "- intent: ask_337" in written
    # The knowledge's questions hold nothing of a held-out or development set, and the whole folder nothing of what is
    # measured but never trained on (nlu.hard.TRAINED are, through nlu/train/intents/independent.yml) longer than a word
    # or two (the hard set's "人工！！！" is a training example too, as tests/test_nlu_model.py allows).
    added = [text for _, text in _nlu_examples(tmp_path / "data" / KNOWLEDGE_FILE)]
    assert new in added and not [text for text in added if norm(text) in heldout_texts()]
    unseen = [case for half in HALVES if half not in TRAINED for case in load(half)]
    never = measured_texts() | {norm(text) for case in unseen for text in (case.text, *case.context)}
    leaked = [
        text
        for path in (tmp_path / "data").rglob("*.yml")
        for _, text in _nlu_examples(path)
        if len(norm(text)) > 3 and norm(text) in never
    ]
    assert not leaked, leaked
    assert (ROOT / "nlu" / "train" / KNOWLEDGE_FILE).exists() is False  # the repository's nlu/train is untouched


def test_questions_a_second_item_gives_another_intent_and_items_without_a_topic_are_left_out() -> None:
    kb = load_snapshot(read_snapshot())
    examples = knowledge_examples(kb)
    referral = next(item for item in kb.items.values() if item.intents == ("out_of_scope",) and item.questions)
    assert any(intent == "out_of_scope" for intent, _ in examples.added)  # a referral's questions are out of scope
    assert topic_intent(("report_dispute",)) is None and topic_intent(("report_dispute", "ask_337")) == "ask_337"
    assert topic_intent(("no_such_intent",)) is None
    assert referral.id  # the knowledge has referrals with questions


# --- the jobs


@pytest.fixture()
def retraining(desk_sessions, desk_clock):
    return Retraining(desk_sessions, desk_clock)


def _audit(desk_sessions) -> list[tuple[str, str]]:
    with desk_sessions() as session:
        rows = session.execute(
            select(AuditEntry.action, AuditEntry.username)
            .where(AuditEntry.object_type == "model")
            .order_by(AuditEntry.id)
        )
        return [(row.action, row.username) for row in rows]


def test_one_job_at_a_time_each_request_and_ending_audited(retraining, desk_sessions) -> None:
    with pytest.raises(RetrainRefused, match="原因"):
        retraining.request("li.editor", "   ")
    first = retraining.request("li.editor", "发布了新的TRO问法")
    assert first.state == "queued" and first.active == 1 and first.publication_id is None
    with pytest.raises(RetrainRefused, match=f"#{first.id}.*一次只训练一个模型"):
        retraining.request("wang.admin", "再来一次")
    with desk_sessions() as session:
        assert len(session.scalars(select(RetrainJob)).all()) == 1  # the refused request stored nothing

    claimed = retraining.claim("runner-1")
    assert claimed is not None and claimed.state == "preparing" and claimed.runner == "runner-1"
    assert retraining.claim("runner-2") is None  # nothing else queued: a second runner gets nothing
    assert retraining.report(first.id, state="training", progress={"stage": "training", "epoch": 3, "epochs": 60})
    with pytest.raises(RetrainRefused):
        retraining.request("li.editor", "训练中再提交")
    retraining.finish(first.id, "refused", "新模型未切换：意图准确率 0.500 低于现用模型的 0.929")
    ended = retraining.job(first.id)
    assert ended is not None and ended.state == "refused" and ended.active is None and ended.finished_at
    assert not retraining.report(first.id, progress={})  # an ended job takes no more progress

    second = retraining.request("li.editor", "再训练一次")
    assert second.id != first.id and retraining.current().id == second.id  # type: ignore[union-attr]
    assert _audit(desk_sessions) == [
        ("request_retrain", "li.editor"),
        ("refuse_model", "trainer"),
        ("request_retrain", "li.editor"),
    ]


def test_a_job_whose_runner_died_is_failed_and_frees_the_slot(retraining, desk_clock) -> None:
    job = retraining.request("li.editor", "发布后重新训练")
    retraining.claim("runner-1")
    assert retraining.fail_abandoned() == []
    desk_clock.advance(STALE_AFTER + timedelta(seconds=1))
    assert retraining.fail_abandoned() == [job.id]
    failed = retraining.job(job.id)
    assert failed is not None and failed.state == "failed" and "中断" in (failed.outcome or "")
    assert retraining.current() is None


def test_the_last_swapped_model_serves_after_a_restart_unless_make_built_a_newer_one(
    retraining, desk_clock, tmp_path
) -> None:
    default = tmp_path / "ipdesk.tar.gz"
    default.write_bytes(b"make's model")
    os.utime(default, (desk_clock.now().timestamp() - 3600,) * 2)
    assert retraining.serving_model(default) == default  # nothing swapped yet

    candidate = tmp_path / "retrained" / "ipdesk-retrain-1.tar.gz"
    candidate.parent.mkdir()
    candidate.write_bytes(b"retrained")
    job = retraining.request("li.editor", "新问法")
    retraining.claim("runner")
    retraining.finish(job.id, "swapped", "已切换", new_model=str(candidate), old_model=str(default))
    assert retraining.serving_model(default) == candidate

    os.utime(default, (desk_clock.now().timestamp() + 60,) * 2)  # `make model` trained again afterwards
    assert retraining.serving_model(default) == default
    os.utime(default, (desk_clock.now().timestamp() - 3600,) * 2)
    candidate.unlink()  # the swapped file is gone: the default serves rather than nothing
    assert retraining.serving_model(default) == default


def test_figures_measured_once_are_reused_for_the_same_file_and_held_out_set(retraining) -> None:
    job = retraining.request("li.editor", "新问法")
    retraining.claim("runner")
    retraining.finish(
        job.id,
        "refused",
        "较差",
        old_figures=Figures(0.93, 0.94, 420, "old-sha", "h").as_dict(),
        new_figures=Figures(0.5, 0.4, 420, "new-sha", "h").as_dict(),
    )
    assert retraining.figures_for("old-sha", "h") == Figures(0.93, 0.94, 420, "old-sha", "h")
    assert retraining.figures_for("new-sha", "h").accuracy == 0.5  # type: ignore[union-attr]
    assert retraining.figures_for("old-sha", "other held-out set") is None


# --- the runner, without Rasa


def test_rasas_progress_bar_gives_the_epoch_and_the_log_tail_keeps_its_last_state() -> None:
    from bot.runtime.retrain import Progress

    progress = Progress("training")
    progress.feed(
        "2026-12-06 04:00:01 INFO     rasa.engine.training.hooks  - Starting to train component 'DIETClassifier'."
    )
    progress.feed("Epochs:   0%|          | 0/60 [00:00<?, ?it/s]")
    progress.feed("Epochs:  45%|████▌     | 27/60 [00:30<00:37,  1.12s/it, t_loss=1.2, i_acc=0.91]")
    shown = progress.as_dict()
    assert (shown["stage"], shown["epoch"], shown["epochs"], shown["component"]) == (
        "training",
        27,
        60,
        "DIETClassifier",
    )
    assert progress.log_tail().splitlines()[-1].startswith("Epochs:  45%")  # the bar's redraws are one line
    assert len(progress.log_tail().splitlines()) == 2


def test_a_job_that_cannot_run_fails_with_why_and_frees_the_slot(retraining, desk_sessions, tmp_path) -> None:
    from bot.runtime.retrain import Retrainer, RunnerSettings

    runner = Retrainer(
        retraining,
        RunnerSettings(("http://127.0.0.1:9",), "token", tmp_path / "ipdesk.tar.gz", tmp_path / "retrained"),
        "test-runner",
    )
    assert runner.run_once() is None  # nothing queued
    job = retraining.request("li.editor", "给定的候选模型", options={"candidate": str(tmp_path / "missing.tar.gz")})
    ended = runner.run_once()
    assert ended is not None and ended.id == job.id and ended.state == "failed"
    assert "候选模型文件不存在" in (ended.outcome or "") and "现用模型不变" in (ended.outcome or "")
    assert ended.added_examples and ended.added_examples > 500  # the training data was built first
    assert retraining.current() is None and ("retrain_failed", "trainer") in _audit(desk_sessions)


def test_make_run_starts_the_trainer_which_swaps_every_configured_rasa_server(tmp_path) -> None:
    from bot.processes.cluster import Layout, cluster_services
    from bot.processes.launcher import Settings, all_services
    from bot.processes.trainer import runner_settings

    settings = Settings(var_dir=tmp_path, rasa_token="secret")
    trainer = {s.name: s for s in all_services(settings)}["trainer"]
    assert trainer.command[-2:] == ["-m", "bot.processes.trainer"] and trainer.env is not None
    runner = runner_settings(trainer.env)
    assert runner.rasa_servers == (settings.rasa_url,) and runner.rasa_token == "secret"
    assert runner.default_model == settings.model and runner.models_dir == settings.model.parent / "retrained"

    base = Settings(var_dir=tmp_path, database_url="postgresql://u@127.0.0.1/x", redis_url="redis://127.0.0.1:6379/0")
    layout = Layout(
        base,
        rasa_ports=(5101, 5102),
        action_ports=(5151,),
        public_port=5005,
        internal_port=5004,
        actions_entry_port=5054,
    )
    cluster_trainer = {s.name: s for s in cluster_services(layout)}["trainer"]
    assert cluster_trainer.env is not None  # each Rasa server itself, not nginx's entry in front of them
    assert runner_settings(cluster_trainer.env).rasa_servers == ("http://127.0.0.1:5101", "http://127.0.0.1:5102")


def test_a_running_job_cancelled_stops_its_runner_but_not_a_swap_under_way(retraining) -> None:
    job = retraining.request("li.editor", "新问法")
    retraining.claim("runner")
    retraining.report(job.id, state="evaluating", progress={"stage": "swapping"})
    with pytest.raises(RetrainRefused, match="不能中途取消"):
        retraining.cancel(job.id, "li.editor", "不要了")
    retraining.report(job.id, progress={"stage": "evaluating new"})
    retraining.cancel(job.id, "li.editor", "不要了")
    assert not retraining.report(job.id, progress={})  # the runner's next report says stop
    with pytest.raises(RetrainRefused, match="不在进行中"):
        retraining.cancel(job.id, "li.editor", "再取消")


def test_a_cancel_that_crosses_the_runners_start_of_the_swap_is_refused_not_recorded_over_the_swap(
    retraining, desk_sessions, desk_clock
) -> None:
    """The runner records stage 'swapping' in the moment between the cancel's look at the job and its write: the
    cancel must be refused, not mark failed ('现用模型不变') a job whose model the Rasa servers are loading."""
    job = retraining.request("li.editor", "新问法")
    retraining.claim("runner")
    retraining.report(job.id, state="evaluating", progress={"stage": "evaluating new"})

    # The canceller reading the time is when the runner, elsewhere, starts the swap.
    starts_swap = lambda: retraining.report(job.id, progress={"stage": "swapping", "servers": 1})  # noqa: E731
    canceller = Retraining(desk_sessions, Crossing(desk_clock, starts_swap))
    with pytest.raises(RetrainRefused, match="不能中途取消"):
        canceller.cancel(job.id, "li.editor", "不要了")
    running = retraining.job(job.id)
    assert running is not None and running.active == 1 and running.state == "evaluating"
    assert retraining.finish(job.id, "swapped", "已切换")  # the runner's ending is what is recorded
    assert [action for action, _ in _audit(desk_sessions)] == ["request_retrain", "swap_model"]


def test_a_swap_whose_runner_died_can_be_cancelled_so_no_job_blocks_retraining_forever(retraining, desk_clock) -> None:
    job = retraining.request("li.editor", "新问法")
    retraining.claim("runner")
    retraining.report(job.id, progress={"stage": "swapping", "servers": 2})
    desk_clock.advance(STALE_AFTER - timedelta(seconds=1))
    with pytest.raises(RetrainRefused, match="不能中途取消"):  # a runner that still writes: never cut in
        retraining.cancel(job.id, "li.editor", "卡住了")
    desk_clock.advance(timedelta(seconds=2))  # no runner has written for longer than a swap takes
    retraining.cancel(job.id, "li.editor", "训练进程已停止")
    ended = retraining.job(job.id)
    assert ended is not None and ended.state == "failed" and retraining.current() is None
    assert "可能已加载新模型" in (ended.outcome or "") and "现用模型不变" not in (ended.outcome or "")
    assert retraining.request("li.editor", "重新训练").id != job.id


def test_models_swapped_in_before_the_last_two_are_superseded(retraining, tmp_path) -> None:
    paths = []
    for number in range(1, 5):
        job = retraining.request("li.editor", f"第 {number} 次")
        retraining.claim("runner")
        paths.append(tmp_path / f"ipdesk-retrain-{number}.tar.gz")
        retraining.finish(job.id, "swapped", "已切换", new_model=str(paths[-1]))
    refused = retraining.request("li.editor", "较差的一次")
    retraining.claim("runner")
    retraining.finish(refused.id, "refused", "较差", new_model=str(tmp_path / "refused.tar.gz"))
    assert retraining.superseded_models() == [paths[1], paths[0]]  # the serving one and the one before it stay

    from bot.runtime.retrain import Retrainer, RunnerSettings

    for path in paths:
        path.write_bytes(b"model")
    elsewhere = tmp_path / "elsewhere"
    runner = Retrainer(retraining, RunnerSettings(("http://127.0.0.1:9",), "t", elsewhere / "m", elsewhere), "runner")
    runner._prune()  # not its folder: a candidate handed in from elsewhere is never deleted
    assert all(path.exists() for path in paths)
    Retrainer(retraining, RunnerSettings(("http://127.0.0.1:9",), "t", tmp_path / "m", tmp_path), "runner")._prune()
    assert [path.exists() for path in paths] == [False, False, True, True]


@pytest.mark.parametrize("desk_engine", ["sqlite"], indirect=True)
def test_a_server_whose_status_is_no_json_fails_the_swap_and_the_servers_switched_go_back(
    tmp_path, desk_sessions, desk_clock
) -> None:
    """Two Rasa servers on loopback: the first loads the new model; the second says 204 to the PUT but its /status
    is no JSON. The swap fails, and both are put back on the old model — no server is left on the new one."""
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    from bot.runtime.retrain import Retrainer, RunnerSettings, SwapFailed

    def server(broken: bool) -> tuple[ThreadingHTTPServer, list[str]]:
        loaded: list[str] = []

        class Rasa(BaseHTTPRequestHandler):
            def do_PUT(self) -> None:  # noqa: N802 - http.server's naming
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                loaded.append(Path(body["model_file"]).name)
                self.send_response(204)
                self.end_headers()

            def do_GET(self) -> None:  # noqa: N802
                answer = b"<html>proxy error</html>" if broken else json.dumps({"model_file": loaded[-1]}).encode()
                self.send_response(200)
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, *args: object) -> None:
                pass

        httpd = ThreadingHTTPServer(("127.0.0.1", 0), Rasa)
        threading.Thread(target=httpd.serve_forever, daemon=True).start()
        return httpd, loaded

    (first, first_loaded), (second, second_loaded) = server(False), server(True)
    try:
        settings = RunnerSettings(
            rasa_servers=tuple(f"http://127.0.0.1:{s.server_address[1]}" for s in (first, second)),
            rasa_token="t",
            default_model=tmp_path / "old.tar.gz",
            models_dir=tmp_path,
        )
        runner = Retrainer(Retraining(desk_sessions, desk_clock), settings, "test")
        with pytest.raises(SwapFailed, match="已恢复原模型"):
            runner._swap(1, tmp_path / "old.tar.gz", tmp_path / "new.tar.gz")
        # The second is put back too: it may have loaded the new model before its check failed.
        assert first_loaded == ["new.tar.gz", "old.tar.gz"] and second_loaded == ["new.tar.gz", "old.tar.gz"]
    finally:
        first.shutdown()
        second.shutdown()
