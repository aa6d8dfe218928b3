"""The retraining runner: takes a queued job (bot/desk/retraining.py), trains a candidate model, evaluates it and the
serving model on the held-out set, and swaps the candidate into every Rasa server only if it is not worse.

- **Training** is `rasa train` in a subprocess of the venv's Python, `nice`d so that the chat keeps its cores, on a
  scratch copy of nlu/train with the published knowledge's example questions added (nlu/training_data.py), into a
  new file under the models folder: `retrained/ipdesk-retrain-<job>-<time>.tar.gz`. The serving model's file is
  never written. The job's progress is the stage and DIET's epoch, read from rasa's progress bar, with the end of
  its output as the log tail.
- **Evaluation** runs `python -m bot.processes.trainer evaluate MODEL` in a subprocess (`nlu.evaluate.evaluate`,
  what `make eval` reports: intent accuracy and macro F1 on nlu/heldout): TensorFlow's memory goes with the process.
  A model file evaluated before (same SHA-256, same held-out set) is not evaluated again.
- **The swap** is Rasa's own `PUT /model` (body `{"model_file": path}`, the API's token) on each configured Rasa
  server in turn, checked by `GET /status`; a server that fails puts the servers already swapped back on the old
  model, and the job fails. The servers must read the path: the models folder is on every Rasa server's machine
  or on shared storage.

A refused or failed candidate's file is deleted; the swapped-in one stays, and the launcher serves it after a
restart (`Retraining.serving_model`); of the models swapped in before, the one before it stays too (to go back to by
hand) and older ones are deleted.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable

import httpx

from bot.desk.retraining import Figures, Retraining, decide
from bot.desk.schema import RetrainJob
from nlu.training_data import DOMAIN, write_training_data

log = logging.getLogger(__name__)

ROOT = Path(__file__).resolve().parents[2]
CONFIG = ROOT / "config.yml"
HELDOUT = ROOT / "nlu" / "heldout" / "nlu_heldout.yml"
#: Lines of rasa's output kept as the job's log tail, and its longest length.
TAIL_LINES, TAIL_CHARS = 40, 6000
#: How often a running job's progress and heartbeat are written.
REPORT_SECONDS = 3.0
#: The longest a training or an evaluation may take before it is stopped (training takes about 5 minutes).
TRAIN_TIMEOUT, EVALUATE_TIMEOUT = 3 * 3600.0, 3600.0
#: Loading a model in a Rasa server takes seconds to a minute on a loaded machine.
SWAP_TIMEOUT = 300.0
#: tqdm's bar of DIET's training: "Epochs:  45%|████▌     | 27/60 [00:30<00:37, …]".
_EPOCHS = re.compile(r"Epochs:\s*\d+%\|[^|]*\|\s*(\d+)/(\d+)")
#: Rasa's graph trainer names each component it trains.
_COMPONENT = re.compile(r"Starting to train component '(\w+)'")


class JobStopped(Exception):
    """The job ended under the runner's feet (failed as abandoned) or the runner is stopping."""


class SwapFailed(Exception):
    """A Rasa server did not take the new model."""


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


@dataclass
class Progress:
    """What a subprocess's output says of its progress; fed line by line."""

    stage: str
    tail: deque = field(default_factory=lambda: deque(maxlen=TAIL_LINES))
    epoch: int | None = None
    epochs: int | None = None
    component: str | None = None
    started: float = field(default_factory=time.monotonic)
    #: What earlier stages left to show (how long training took, its last epoch), kept through the later stages.
    carry: dict[str, Any] = field(default_factory=dict)

    def feed(self, line: str) -> None:
        line = line.rstrip()
        if not line:
            return
        epochs = _EPOCHS.search(line)
        if epochs:
            self.epoch, self.epochs = int(epochs.group(1)), int(epochs.group(2))
            if self.tail and _EPOCHS.search(self.tail[-1]):
                self.tail[-1] = line  # a progress bar redraws itself: keep its last state only
                return
        component = _COMPONENT.search(line)
        if component:
            self.component = component.group(1)
        self.tail.append(line[:500])

    def as_dict(self) -> dict[str, Any]:
        found: dict[str, Any] = {**self.carry, "stage": self.stage, "elapsed": round(time.monotonic() - self.started)}
        if self.epochs:
            found.update(epoch=self.epoch, epochs=self.epochs)
        if self.component:
            found["component"] = self.component
        return found

    def log_tail(self) -> str:
        return "\n".join(self.tail)[-TAIL_CHARS:]


@dataclass(frozen=True)
class RunnerSettings:
    """Where the runner finds the Rasa servers and puts the models."""

    #: Every Rasa server to swap, as http://host:port (not a balancer in front of several: each must get the model).
    rasa_servers: tuple[str, ...]
    rasa_token: str
    #: What `make model` builds: the serving model while no swap is newer.
    default_model: Path
    #: Where candidates are written (a folder of their own beside the default model).
    models_dir: Path
    config: Path = CONFIG
    python: str = sys.executable
    #: Lower priority for training and evaluation, so that the chat keeps its cores.
    niceness: int = 10
    #: Rasa's training cache (RASA_CACHE_DIRECTORY); None: Rasa's own, .rasa/cache in the repository, which `make
    #: model` fills too, so components whose inputs did not change are restored instead of trained again.
    cache_dir: Path | None = None


class Retrainer:
    """Runs retraining jobs one at a time (see the module's docstring)."""

    def __init__(
        self, service: Retraining, settings: RunnerSettings, name: str, stop: threading.Event | None = None
    ) -> None:
        self.service = service
        self.settings = settings
        self.name = name
        self.stop = stop or threading.Event()

    def run_once(self) -> RetrainJob | None:
        """Fail abandoned jobs, then run the oldest queued one to its end; the job as it ended, None if none."""
        self.service.fail_abandoned()
        job = self.service.claim(self.name)
        if job is None:
            return None
        log.info("retraining: job %d claimed by %s", job.id, self.name)
        self.run(job)
        return self.service.job(job.id)

    def run(self, job: RetrainJob) -> None:
        candidate: Path | None = None
        made = False  # whether this runner wrote the candidate (and may delete it)
        carry: dict[str, Any] = {}  # the training's summary, shown through the later stages
        try:
            with tempfile.TemporaryDirectory(prefix=f"ipdesk-retrain-{job.id}-") as scratch:
                examples = write_training_data(self.service.knowledge_of(job), Path(scratch) / "data")
                self._report(
                    job.id,
                    added_examples=len(examples.added),
                    examples_digest=examples.digest,
                    progress={"stage": "preparing", "added": len(examples.added), "held_out": len(examples.held_out)},
                )
                given = job.options.get("candidate")
                if given:
                    candidate = Path(str(given))
                    if not candidate.is_file():
                        raise FileNotFoundError(f"候选模型文件不存在：{candidate}")
                    self._report(job.id, state="training", progress={"stage": "training", "given": True})
                else:
                    candidate, made = self._train(job, Path(scratch) / "data", carry), True
            old = self.service.serving_model(self.settings.default_model)
            self._report(job.id, state="evaluating", old_model=str(old), new_model=str(candidate))
            old_figures = self._figures(job.id, old, "evaluating old", carry)
            self._report(job.id, old_figures=old_figures.as_dict())
            new_figures = self._figures(job.id, candidate, "evaluating new", carry)
            self._report(job.id, new_figures=new_figures.as_dict())
            decision = decide(old_figures, new_figures)
            if not decision.swap:
                self.service.finish(job.id, "refused", f"新模型未切换：{decision.text}；现用模型不变")
                return
            self._report(job.id, progress={**carry, "stage": "swapping", "servers": len(self.settings.rasa_servers)})
            self._swap(job.id, old, candidate)
            made = False  # it serves now: keep it
            recorded = self.service.finish(
                job.id, "swapped", f"新模型已切换到 {len(self.settings.rasa_servers)} 台 Rasa 服务器：{decision.text}"
            )
            if not recorded:  # ended meanwhile (cancelled as stale): the servers serve a model the record does not say
                log.error(
                    "retraining: job %d was ended while its swap ran; the Rasa servers now serve %s although the job "
                    "is not recorded as swapped — a restart serves the last recorded model",
                    job.id,
                    candidate,
                )
            self._prune()
        except JobStopped as stopped:
            log.warning("retraining: job %d stopped: %s", job.id, stopped)
            self.service.finish(job.id, "failed", f"任务中止：{stopped}；现用模型不变")
        except Exception as error:  # noqa: BLE001 — any failure ends the job, recorded; the old model keeps serving
            log.exception("retraining: job %d failed", job.id)
            self.service.finish(job.id, "failed", f"{type(error).__name__}: {error}"[:2000] + "；现用模型不变")
        finally:
            if made and candidate is not None and candidate.exists():
                candidate.unlink()

    # --- the steps

    def _report(self, job_id: int, **values: Any) -> None:
        if not self.service.report(job_id, **values):
            raise JobStopped("任务已被标记为结束")

    def _train(self, job: RetrainJob, data: Path, carry: dict[str, Any]) -> Path:
        """`rasa train` on `data` into a new file; its path. `carry` gets the training's last epoch and duration."""
        self._report(job.id, state="training", progress={"stage": "training"})
        out = self.settings.models_dir
        out.mkdir(parents=True, exist_ok=True)
        name = f"ipdesk-retrain-{job.id}-{datetime.now(timezone.utc):%Y%m%d%H%M%S}"
        config = Path(str(job.options.get("config") or self.settings.config))
        command = [
            self.settings.python,
            "-m",
            "rasa",
            "train",
            "--config",
            str(config),
            "--domain",
            str(DOMAIN),
            "--data",
            str(data),
            "--out",
            str(out),
            "--fixed-model-name",
            name,
        ]
        progress = Progress("training")
        code = self._follow(job.id, command, progress, TRAIN_TIMEOUT)
        carry.update(trained_epochs=f"{progress.epoch}/{progress.epochs}" if progress.epochs else None)
        carry["training_seconds"] = round(time.monotonic() - progress.started)
        path = out / f"{name}.tar.gz"
        if code != 0 or not path.is_file():
            raise RuntimeError(f"rasa train 退出码 {code}，没有生成模型；见日志末尾")
        return path

    def _figures(self, job_id: int, model: Path, stage: str, carry: dict[str, Any]) -> Figures:
        """The model's held-out figures: measured before for the same file, or now in a subprocess."""
        model_sha, heldout_sha = sha256_of(model), sha256_of(HELDOUT)
        known = self.service.figures_for(model_sha, heldout_sha)
        if known is not None:
            return known
        progress = Progress(stage, carry=carry)
        output: list[str] = []

        def keep(line: str) -> None:
            output.append(line)
            progress.feed(line)

        command = [self.settings.python, "-m", "bot.processes.trainer", "evaluate", str(model)]
        code = self._follow(job_id, command, progress, EVALUATE_TIMEOUT, on_line=keep)
        # The figures are the last line of JSON (after whatever TensorFlow and Rasa printed, colour codes included).
        result = next((line[line.index('{"accuracy"') :] for line in reversed(output) if '{"accuracy"' in line), None)
        if code != 0 or result is None:
            raise RuntimeError(f"评估 {model.name} 失败（退出码 {code}）；见日志末尾")
        figures = json.loads(result)
        return Figures(figures["accuracy"], figures["macro_f1"], figures["examples"], model_sha, heldout_sha)

    def _follow(
        self,
        job_id: int,
        command: list[str],
        progress: Progress,
        timeout: float,
        on_line: Callable[[str], None] | None = None,
    ) -> int:
        """Run `command` at low priority, feeding its output to `progress` and writing the job's progress and log
        tail every few seconds; its exit code. Stopped (and JobStopped raised) when the runner stops or the job
        ended meanwhile."""
        nice = shutil.which("nice")
        if nice and self.settings.niceness:
            command = [nice, "-n", str(self.settings.niceness), *command]
        env = {
            **os.environ,
            "RASA_TELEMETRY_ENABLED": "false",
            "TF_CPP_MIN_LOG_LEVEL": "2",
            "PYTHONUNBUFFERED": "1",
        }
        if self.settings.cache_dir is not None:
            env["RASA_CACHE_DIRECTORY"] = str(self.settings.cache_dir)
        process = subprocess.Popen(
            command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env, start_new_session=True
        )
        assert process.stdout is not None
        feed = on_line or progress.feed

        def read(stream: Any) -> None:
            pending = b""
            for chunk in iter(lambda: stream.read1(4096), b""):
                parts = re.split(rb"[\r\n]", pending + chunk)
                pending = parts.pop()
                for part in parts:
                    feed(part.decode("utf-8", "replace"))
            if pending:
                feed(pending.decode("utf-8", "replace"))

        reader = threading.Thread(target=read, args=(process.stdout,), daemon=True)
        reader.start()
        deadline = time.monotonic() + timeout
        try:
            while process.poll() is None:
                if self.stop.is_set():
                    raise JobStopped("训练进程正在停止")
                if time.monotonic() > deadline:
                    raise JobStopped(f"超过 {timeout / 60:.0f} 分钟未完成")
                self._report(job_id, progress=progress.as_dict(), log_tail=progress.log_tail())
                self.stop.wait(REPORT_SECONDS)
        except BaseException:
            _kill(process)
            raise
        reader.join(timeout=10)
        self._report(job_id, progress=progress.as_dict(), log_tail=progress.log_tail())
        return process.returncode

    def _swap(self, job_id: int, old: Path, new: Path) -> None:
        """Load `new` into every Rasa server in turn; on a failure, put every server it was sent to back on `old` —
        the failing one too, which may have loaded it before its check failed."""
        done: list[str] = []
        with httpx.Client(timeout=SWAP_TIMEOUT, trust_env=False) as client:
            try:
                for server in self.settings.rasa_servers:
                    done.append(server)
                    self._load(client, server, new)
                    self.service.report(job_id)  # alive: each server takes up to a minute to load the model
            except (httpx.HTTPError, SwapFailed) as error:
                for server in done:
                    try:
                        self._load(client, server, old)
                    except (httpx.HTTPError, SwapFailed):
                        log.exception("retraining: could not put %s back on %s", server, old)
                raise SwapFailed(
                    f"Rasa 服务器未能加载新模型（{error}）；已切换的 {len(done) - 1} 台已恢复原模型"
                ) from error

    def _prune(self) -> None:
        """Delete the files of models swapped in before the last two, if this runner wrote them (in its folder)."""
        folder = self.settings.models_dir.resolve()
        for path in self.service.superseded_models():
            try:
                if path.resolve().parent == folder and path.is_file():
                    path.unlink()
                    log.info("retraining: deleted %s, superseded by later swaps", path)
            except OSError:  # a file left behind costs disk space, not the swap
                log.exception("retraining: could not delete the superseded model %s", path)

    def _load(self, client: httpx.Client, server: str, model: Path) -> None:
        base, params = server.rstrip("/"), {"token": self.settings.rasa_token}
        response = client.put(f"{base}/model", params=params, json={"model_file": str(model)})
        if response.status_code != 204:
            raise SwapFailed(f"{server}: PUT /model 返回 {response.status_code} {response.text[:300]}")
        status = client.get(f"{base}/status", params=params)
        try:  # a body that is no JSON object is a failed check, so that the servers already switched go back
            served = status.json().get("model_file") if status.status_code == 200 else None
        except (ValueError, AttributeError):
            served = None
        if served != model.name:
            raise SwapFailed(f"{server}: 加载后 /status 报告的模型是 {served}，不是 {model.name}")
        log.info("retraining: %s now serves %s", server, model)


def _kill(process: subprocess.Popen) -> None:
    """Stop a training or evaluation process group (rasa starts workers of its own)."""
    import signal

    for signum, wait in ((signal.SIGTERM, 10), (signal.SIGKILL, 10)):
        try:
            os.killpg(process.pid, signum)
        except ProcessLookupError:
            return
        try:
            process.wait(timeout=wait)
            return
        except subprocess.TimeoutExpired:
            continue
