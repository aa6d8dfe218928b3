"""The console's audit trail: every sign-in, page view of personal data, change and export, with who and when.

Entries are written in the same transaction as the change they describe, so a change that rolled back leaves no
entry and an entry never describes something that did not happen.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Protocol, Union

from sqlalchemy.orm import Session

from bot.desk.schema import AuditEntry


class Actor(Protocol):
    """Who did it, as the trail records them: the console's signed-in `Principal` is one."""

    @property
    def user_id(self) -> int: ...
    @property
    def username(self) -> str: ...
    @property
    def role(self) -> str: ...
    @property
    def ip(self) -> str | None: ...


#: Every action the trail records, with the name the console gives it.
ACTION_LABELS = {
    "sign_in": "登录",
    "sign_in_failed": "登录失败",
    "sign_in_throttled": "登录被限制",
    "sign_out": "退出",
    "view": "查看",
    "create": "登记",
    "change": "修改",
    "escalate": "转专家",
    "export": "导出",
    "purge": "匿名化清理",
    "accept": "受理",
    "decline": "婉拒",
    "answer": "答复",
    "assign": "分配",
    "close": "关闭",
    "reopen": "重新打开",
    "acknowledge": "已处理",
    "publish": "发布",
    "expire": "失效",
    "refused": "拒绝访问",
    "view_contact": "查看联系方式",
    "allow_contact": "同意专家直接联系",
    "dismiss": "忽略",
    "adopt": "采纳为知识",
    # The knowledge's versions (bot/desk/knowledge_versions.py).
    "save_knowledge": "保存知识库版本",
    "publish_knowledge": "发布知识库版本",
    "rollback_knowledge": "回滚知识库版本",
    "reject_knowledge": "退回知识库提议",
    # The NLU model's retraining (bot/desk/retraining.py).
    "request_retrain": "申请重新训练模型",
    "swap_model": "切换NLU模型",
    "refuse_model": "拒绝新模型",
    "retrain_failed": "模型训练失败",
    "cancel_retrain": "取消模型训练",
}
ACTIONS = tuple(ACTION_LABELS)


def record(
    session: Session,
    who: Actor | None,
    action: str,
    *,
    at: datetime,
    object_type: str | None = None,
    object_id: str | int | None = None,
    detail: dict[str, Any] | None = None,
    ip: str | None = None,
    username: str | None = None,
) -> AuditEntry:
    """Add an entry to `session`'s transaction. `username` names the actor when nobody is signed in (a failed
    sign-in, a command-line purge)."""
    if action not in ACTIONS:
        raise ValueError(f"unknown audit action {action!r}")
    entry = AuditEntry(
        at=at,
        user_id=who.user_id if who else None,
        username=(who.username if who else username) or "system",
        role=who.role if who else None,
        action=action,
        object_type=object_type,
        object_id=None if object_id is None else str(object_id),
        detail=detail or {},
        ip=ip if ip is not None else (who.ip if who else None),
    )
    session.add(entry)
    return entry


#: Who acts on something audited by name: the console's signed-in person, or a name when there is none (the command
#: line's `--by`, a process such as the retraining runner).
Who = Union[Actor, str]
#: The longest reason kept with a change (the history and the trail show it at a glance).
MAX_REASON = 500


def name_of(who: Who) -> str:
    """The username the trail and the records keep for `who`."""
    return (who if isinstance(who, str) else who.username)[:64] or "system"


def folded(reason: str | None) -> str:
    """A typed reason on one line: runs of whitespace (newlines too) become one space."""
    return " ".join((reason or "").split())


def required_reason(reason: str | None, missing: Exception) -> str:
    """The reason, folded and cut to MAX_REASON; `missing` is raised when none was given."""
    text = folded(reason)
    if not text:
        raise missing
    return text[:MAX_REASON]


def record_as(
    session: Session,
    who: Who,
    action: str,
    *,
    at: datetime,
    object_type: str,
    object_id: str | int,
    detail: dict[str, Any],
) -> AuditEntry:
    """`record` for whoever acts: the console's signed-in person, or a name when there is none (the command line's
    `--by`, a process such as the retraining runner)."""
    if isinstance(who, str):
        return record(
            session,
            None,
            action,
            at=at,
            object_type=object_type,
            object_id=object_id,
            detail=detail,
            username=name_of(who),
        )
    return record(session, who, action, at=at, object_type=object_type, object_id=object_id, detail=detail)
