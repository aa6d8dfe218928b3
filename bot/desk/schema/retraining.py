"""The NLU model's retraining jobs: who asked for a new model from which published knowledge, how far it got, the
held-out figures of the serving model and of the candidate, and whether the candidate was swapped in.

The newest job in state `swapped` names the model the Rasa servers serve (bot/desk/retraining.py,
`serving_model`): the launcher reads it at start, so a swapped-in model survives a restart.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, CheckConstraint, Column, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped

from bot.desk.schema.base import Base, UTCDateTime, sql_in

#: A job's life: waiting for the runner, building the training data, `rasa train`, the held-out evaluation of both
#: models; then the candidate serves (swapped), was worse (refused), or something broke (failed).
RETRAIN_STATES = ("queued", "preparing", "training", "evaluating", "swapped", "refused", "failed")


class RetrainJob(Base):
    """One request to retrain the NLU model and what came of it.

    `active` is 1 while the job is queued or running and NULL once it has ended: a unique column, so the database
    itself refuses a second job while one is under way (both SQLite and PostgreSQL allow many NULLs in a unique
    column). `progress` is the stage and, while DIET trains, its epoch and epochs (parsed from rasa's output);
    `old_figures` / `new_figures` the held-out accuracy and macro F1 of the serving model and the candidate;
    `options` what a test asks for instead of the defaults (another config, a subset, an existing candidate file).
    """

    __tablename__ = "nlu_retrain_jobs"

    id: Mapped[int] = Column(Integer, primary_key=True)
    state: Mapped[str] = Column(String(16), nullable=False, default="queued", index=True)
    active: Mapped[int | None] = Column(Integer)
    requested_at: Mapped[datetime] = Column(UTCDateTime, nullable=False)
    requested_by: Mapped[str] = Column(String(64), nullable=False)
    reason: Mapped[str] = Column(Text, nullable=False)
    #: The publication whose example questions are trained on; NULL: the files in knowledge/data (nothing published).
    publication_id: Mapped[int | None] = Column(
        Integer, ForeignKey("knowledge_publications.id", ondelete="RESTRICT"), index=True
    )
    options: Mapped[dict[str, Any]] = Column(JSON, nullable=False, default=dict)
    progress: Mapped[dict[str, Any]] = Column(JSON, nullable=False, default=dict)
    log_tail: Mapped[str] = Column(Text, nullable=False, default="")
    #: How many example questions of the knowledge were added to nlu/train, and a digest of them.
    added_examples: Mapped[int | None] = Column(Integer)
    examples_digest: Mapped[str | None] = Column(String(64))
    old_model: Mapped[str | None] = Column(Text)
    new_model: Mapped[str | None] = Column(Text)
    old_figures: Mapped[dict[str, Any] | None] = Column(JSON)
    new_figures: Mapped[dict[str, Any] | None] = Column(JSON)
    #: Why it ended as it did, in words (the decision rule's reasons, or the error).
    outcome: Mapped[str | None] = Column(Text)
    runner: Mapped[str | None] = Column(String(128))
    started_at: Mapped[datetime | None] = Column(UTCDateTime)
    heartbeat_at: Mapped[datetime | None] = Column(UTCDateTime)
    finished_at: Mapped[datetime | None] = Column(UTCDateTime)

    __table_args__ = (
        CheckConstraint(sql_in("state", RETRAIN_STATES), name="ck_nlu_retrain_jobs_state"),
        CheckConstraint("active IS NULL OR active = 1", name="ck_nlu_retrain_jobs_active"),
        UniqueConstraint("active", name="uq_nlu_retrain_jobs_active"),
    )

    def __repr__(self) -> str:
        return f"<RetrainJob {self.id} {self.state}>"
