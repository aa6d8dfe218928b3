"""The console's model retraining page (模型训练, issue 17 item 4): editors and admins request a retraining with a
reason and follow it; a second request while one runs is refused and stores nothing; staff and experts are kept
out; the versions page offers the retraining after a publish that changed example questions — on a real console
server over SQLite and PostgreSQL."""

from __future__ import annotations

import html

import pytest

from sqlalchemy import select

from bot.desk.knowledge_versions import KnowledgeVersions
from bot.desk.retraining import Retraining
from bot.desk.schema import AuditEntry, KnowledgeVersion, RetrainJob
from knowledge.snapshot import read_snapshot
from tests.helpers.console import ConsoleClient

QUESTION = "      - 老听人说美国那个337，到底是个什么程序，跟打官司一样吗\n"


def _jobs(console) -> list[RetrainJob]:
    with console.ctx.sessions() as session:
        return list(session.scalars(select(RetrainJob).order_by(RetrainJob.id)))


def test_staff_and_experts_cannot_see_or_request_a_retraining(console, console_user, add_expert, browser_client):
    console_user("wang", "staff")
    browser_client.sign_in("wang")
    assert browser_client.get("/knowledge/model").status == 403
    assert browser_client.post("/knowledge/model/retrain", {"reason": "试试"}).status == 403
    assert "模型训练" not in browser_client.get("/knowledge").text  # no tab for them
    console_user("zhao", "expert", expert_id=add_expert("赵律师"))
    expert = ConsoleClient(console.url)
    expert.sign_in("zhao")
    assert expert.get("/knowledge/model").status == 403
    assert _jobs(console) == []


def test_an_editor_requests_a_retraining_follows_it_and_cannot_start_a_second(console, console_user, browser_client):
    console_user("li.editor", "editor")
    browser_client.sign_in("li.editor")
    page = browser_client.get("/knowledge/model")
    assert page.status == 200 and 'id="request-retrain"' in page.text and "还没有训练过模型" in page.text
    assert "ipdesk.tar.gz" in page.text and "data-refresh" not in page.text

    assert browser_client.post("/knowledge/model/retrain", {"reason": "  "}).status == 400
    assert _jobs(console) == []
    requested = browser_client.post("/knowledge/model/retrain", {"reason": "发布了新的TRO问法"})
    assert requested.status == 200 and "已提交训练任务 #1" in html.unescape(requested.text)
    assert 'id="current-job" data-refresh="5"' in requested.text  # the page follows the job
    assert 'id="request-retrain"' not in requested.text and "发布了新的TRO问法" in requested.text

    console_user("admin", "admin")
    admin = ConsoleClient(console.url)
    admin.sign_in("admin")
    second = admin.post("/knowledge/model/retrain", {"reason": "再来一次"})
    assert second.status == 409 and "一次只训练一个模型" in html.unescape(second.text)
    assert [(job.state, job.requested_by) for job in _jobs(console)] == [("queued", "li.editor")]

    # The runner's progress shows on the page: the stage, DIET's epoch and the log tail.
    service = Retraining(console.ctx.sessions, console.ctx.clock)
    service.claim("test-runner")
    service.report(
        1, state="training", progress={"stage": "training", "epoch": 12, "epochs": 60}, log_tail="Epochs: 20%"
    )
    training = admin.get("/knowledge/model")
    assert "第 12/60 轮" in training.text and "Epochs: 20%" in training.text and "训练中" in training.text
    service.finish(
        1,
        "refused",
        "新模型未切换：意图准确率 0.500 低于现用模型的 0.929（容差 0.010）",
        new_figures={"accuracy": 0.5, "macro_f1": 0.4, "examples": 420},
        old_figures={"accuracy": 0.929, "macro_f1": 0.94, "examples": 420},
    )
    history = admin.get("/knowledge/model")
    row = history.text.split('id="job-1"')[1].split("</tr>")[0]
    assert (
        "0.929 / 0.940" in row and "0.500 / 0.400" in row and "未切换" in row and 'id="request-retrain"' in history.text
    )
    with console.ctx.sessions() as session:
        actions = session.scalars(
            select(AuditEntry.action).where(AuditEntry.object_type == "model").order_by(AuditEntry.id)
        ).all()
    assert actions == ["request_retrain", "refuse_model"]


def test_the_versions_page_offers_a_retraining_after_a_publish_that_changed_example_questions(
    console, console_user, browser_client
):
    console_user("li.editor", "editor")
    browser_client.sign_in("li.editor")
    service = KnowledgeVersions(console.ctx.sessions, console.ctx.clock)
    seed = service.save(read_snapshot(), "li.editor", reason="种子")
    service.publish(seed.id, "li.editor", reason="种子上线")
    assert 'id="retrain-offer"' not in browser_client.get("/knowledge/versions").text  # the questions are the files'

    files = read_snapshot()
    files["faq/us_disputes.yml"] = files["faq/us_disputes.yml"].replace(
        QUESTION, QUESTION + "      - 被ITC列成被申请人以后第一周最要紧的是做什么\n", 1
    )
    edited = service.save(files, "li.editor", reason="新增问法", based_on=seed.id)
    service.publish(edited.id, "li.editor", reason="新问法上线")
    versions = browser_client.get("/knowledge/versions")
    assert 'id="retrain-offer"' in versions.text and "faq:337-what" in versions.text.split('id="retrain-offer"')[1]
    offered = browser_client.post("/knowledge/model/retrain", {"reason": f"发布版本 {edited.id} 修改了示例问题"})
    assert offered.status == 200 and [job.publication_id for job in _jobs(console)] == [2]
    after = browser_client.get("/knowledge/versions")
    assert 'id="retrain-running"' in after.text and 'id="retrain-offer"' not in after.text


def test_a_job_the_runner_never_takes_is_pointed_out_and_can_be_cancelled_with_a_reason(
    console, console_user, browser_client
):
    from datetime import timedelta

    console_user("li.editor", "editor")
    browser_client.sign_in("li.editor")
    browser_client.post("/knowledge/model/retrain", {"reason": "新问法"})
    assert 'id="job-unclaimed"' not in browser_client.get("/knowledge/model").text
    console.ctx.clock.advance(timedelta(minutes=2))  # no runner took it
    waiting = browser_client.get("/knowledge/model")
    assert 'id="job-unclaimed"' in waiting.text and "bot.processes.trainer" in waiting.text

    assert browser_client.post("/knowledge/model/1/cancel", {"reason": ""}).status == 400
    cancelled = browser_client.post("/knowledge/model/1/cancel", {"reason": "训练进程没有运行"})
    assert cancelled.status == 200 and "已取消训练任务 #1" in html.unescape(cancelled.text)
    assert 'id="request-retrain"' in cancelled.text  # a new request may be made
    [job] = _jobs(console)
    assert job.state == "failed" and job.active is None and "由 li.editor 取消：训练进程没有运行" in (job.outcome or "")
    assert browser_client.post("/knowledge/model/1/cancel", {"reason": "再取消"}).status == 409
    with console.ctx.sessions() as session:
        entry = session.scalars(select(AuditEntry).where(AuditEntry.action == "cancel_retrain")).one()
    assert entry.username == "li.editor" and entry.object_id == "1"


def test_the_pages_still_open_when_the_knowledge_the_serving_model_learnt_no_longer_loads(
    console, console_user, browser_client
):
    """The knowledge of the last swap was published under older checks, which refuse it today: the versions page
    (where an editor rolls back) and the model page still open, instead of a server error."""
    console_user("li.editor", "editor")
    browser_client.sign_in("li.editor")
    service = KnowledgeVersions(console.ctx.sessions, console.ctx.clock)
    seed = service.save(read_snapshot(), "li.editor", reason="种子")
    service.publish(seed.id, "li.editor", reason="种子上线")
    retraining = Retraining(console.ctx.sessions, console.ctx.clock)
    job = retraining.request("li.editor", "新问法")
    retraining.claim("runner")
    retraining.finish(job.id, "swapped", "已切换", new_model="/nonexistent/ipdesk-retrain-1.tar.gz")
    with console.ctx.sessions.begin() as session:  # what today's checks refuse (here: no longer YAML)
        version = session.get(KnowledgeVersion, seed.id)
        assert version is not None
        version.files = {**version.files, "faq/us_disputes.yml": "- id: [unclosed"}
    files = read_snapshot()
    files["faq/us_disputes.yml"] = files["faq/us_disputes.yml"].replace(QUESTION, QUESTION + "      - 新问法一\n", 1)
    service.publish(service.save(files, "li.editor", reason="新问法").id, "li.editor", reason="上线")

    for path in ("/knowledge/versions", "/knowledge/model"):
        page = browser_client.get(path)
        assert page.status == 200, (path, page.text[-800:])


def test_a_swap_whose_runner_stopped_is_pointed_out_and_can_be_cancelled(console, console_user, browser_client):
    from datetime import timedelta

    from bot.desk.retraining import STALE_AFTER

    console_user("li.editor", "editor")
    browser_client.sign_in("li.editor")
    retraining = Retraining(console.ctx.sessions, console.ctx.clock)
    job = retraining.request("li.editor", "新问法")
    retraining.claim("runner")
    retraining.report(job.id, progress={"stage": "swapping", "servers": 2})
    page = browser_client.get("/knowledge/model").text
    assert 'id="cancel-retrain"' not in page and 'id="job-stalled"' not in page  # a swap under way: never cut in
    console.ctx.clock.advance(STALE_AFTER + timedelta(seconds=1))
    page = browser_client.get("/knowledge/model").text
    assert 'id="job-stalled"' in page and 'id="cancel-retrain"' in page
    cancelled = browser_client.post(f"/knowledge/model/{job.id}/cancel", {"reason": "训练进程所在机器已下线"})
    assert cancelled.status == 200 and 'id="request-retrain"' in cancelled.text
    [ended] = _jobs(console)
    assert ended.state == "failed" and "可能已加载新模型" in (ended.outcome or "")


@pytest.mark.parametrize("desk_engine", ["sqlite"], indirect=True)
def test_in_a_browser_an_editor_sees_the_running_job_and_the_history_with_each_decision(
    console, console_user, tmp_path
) -> None:
    from tests.helpers.browser import Browser, missing_browser
    from tests.helpers.console import PASSWORD

    problem = missing_browser()
    if problem:
        pytest.fail(problem, pytrace=False)
    service = Retraining(console.ctx.sessions, console.ctx.clock)
    old = {"accuracy": 0.929, "macro_f1": 0.94, "examples": 420}
    for reason, state, outcome, new in (
        (
            "发布了TRO账户冻结的新问法",
            "swapped",
            "新模型已切换：意图准确率 0.931（现用 0.929）",
            {**old, "accuracy": 0.931},
        ),
        (
            "试验：少训练几轮",
            "refused",
            "新模型未切换：意图准确率 0.500 低于现用模型的 0.929（容差 0.010）",
            {**old, "accuracy": 0.5},
        ),
    ):
        job = service.request("li.editor", reason)
        service.claim("trainer@host")
        service.finish(job.id, state, outcome, old_figures=old, new_figures=new)
    running = service.request("li.editor", "未答问题第3组加入了例句")
    service.claim("trainer@host")
    service.report(
        running.id, state="training", progress={"stage": "training", "epoch": 23, "epochs": 60}, log_tail="Epochs: 38%"
    )

    console_user("li.editor", "editor")
    browser = Browser(console.url)
    try:
        browser.sign_in("li.editor", PASSWORD)
        browser.open("/knowledge/model")
        current = browser.wait_for("#current-job", text="第 23/60 轮")
        assert "训练中" in current.text and "未答问题第3组加入了例句" in current.text
        page = browser.text
        assert "0.931" in page and "已切换" in page and "未切换" in page
        browser.screenshot("knowledge-model", tmp_path)
    finally:
        browser.quit()
