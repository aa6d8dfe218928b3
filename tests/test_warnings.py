"""Warnings on SQLite and PostgreSQL: what a subscription in the chat's words means, which warnings match it,
publishing that pushes each matching subscriber once through the outbox, blocked chats, expiry, the console form's
checks and the all-or-nothing import."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select, update

from bot.desk.schema import OutboxMessage, RiskWarning, WarningDelivery, WarningSubscriber
from bot.desk.outbox import OutboxWorker, RecipientBlocked
from bot.desk.risk_warnings import Criteria, WarningFormError, Warnings, mark_blocked, matches, parse_criteria


@pytest.fixture()
def warnings(desk_sessions, desk_clock, desk_settings, desk_vocabulary) -> Warnings:
    return Warnings(desk_sessions, desk_clock, desk_settings, vocabulary=desk_vocabulary)


def draft(warnings: Warnings, **values):
    return warnings.parse(
        {
            "title": "德国电动滑板车外观设计诉讼增多",
            "text": "近期多起诉讼。",
            "source": "省商务厅预警快报 2026年第9期",
            **values,
        }
    )


def pushes(desk_sessions) -> list[tuple[str, str, str]]:
    with desk_sessions() as session:
        rows = session.execute(
            select(OutboxMessage.channel, OutboxMessage.recipient, OutboxMessage.idempotency_key)
            .where(OutboxMessage.kind == "warning")
            .order_by(OutboxMessage.id)
        ).all()
    return [tuple(row) for row in rows]


# What a subscription in the chat's words means ---------------------------------------------------------------


@pytest.mark.parametrize(
    "text, expected",
    [
        ("订阅美国 机械 专利预警", Criteria(("美国",), ("机械装备",), ("专利",))),
        ("帮我订阅一下德国那边电子产品的外观设计专利预警", Criteria(("德国",), ("电子电器",), ("外观设计",))),
        ("以后欧盟光伏的风险提示推送给我", Criteria(("欧盟",), ("光伏",))),
        ("有老美和日本的新预警麻烦第一时间通知我", Criteria(("美国", "日本"))),
        ("我们做汽配的，出口墨西哥，帮忙订上", Criteria(("墨西哥",), ("汽车零部件",))),
        ("订阅商标预警", Criteria(ip_types=("商标",))),
        ("订阅产品：电动滑板车、无人机", Criteria(products=("电动滑板车", "无人机"))),
        ("帮我订阅电动滑板车产品的预警", Criteria(products=("电动滑板车",))),
        ("订阅德国电动滑板车产品预警", Criteria(("德国",), products=("电动滑板车",))),
        ("订阅全部预警", Criteria(everything=True)),
        ("所有预警都推送给我", Criteria(everything=True)),
        ("Subscribe me to EU solar alerts", Criteria(("欧盟",), ("光伏",))),
        (
            "subscribe to US patent warnings, products: e-scooters",
            Criteria(("美国",), ip_types=("专利",), products=("e-scooters",)),
        ),
        ("contact us about warnings", Criteria()),  # "us" in lower case is not the United States
        ("我想订阅预警", Criteria()),  # nothing named: the chat asks what to subscribe to
    ],
)
def test_a_subscription_in_chinese_and_english_phrasings(desk_vocabulary, text, expected) -> None:
    assert parse_criteria(text, desk_vocabulary) == expected


# Which warnings match ----------------------------------------------------------------------------------------


class W:
    def __init__(self, countries=(), industries=(), ip_types=(), products=(), title="预警", title_en=None):
        self.countries, self.industries, self.ip_types, self.products = countries, industries, ip_types, products
        self.title, self.title_en = title, title_en


@pytest.mark.parametrize(
    "warning, criteria, expected",
    [
        (W(countries=["德国"]), Criteria(("德国",)), True),
        (W(countries=["德国"]), Criteria(("欧盟",)), True),  # an EU subscriber hears of Germany
        (W(countries=["欧盟"]), Criteria(("法国",)), True),  # an EU-wide warning concerns France
        (W(countries=["德国"]), Criteria(("美国",)), False),
        (W(), Criteria(("美国",), ("机械装备",), ("专利",)), True),  # names nothing: concerns everyone
        (
            W(countries=["美国"], industries=["光伏"]),
            Criteria(("美国",), ("机械装备",)),
            False,
        ),  # every kind must match
        (W(countries=["美国"], ip_types=["外观设计"]), Criteria(ip_types=("专利",)), True),  # 专利 covers designs
        (W(ip_types=["商标"]), Criteria(ip_types=("专利",)), False),
        (W(products=["电动滑板车"]), Criteria(products=("滑板车",)), True),
        (W(title="德国：电动滑板车外观设计诉讼增多"), Criteria(products=("电动滑板车",)), True),  # named in the title
        (W(countries=["德国"]), Criteria(products=("电动滑板车",)), False),  # a product must be named to match
        (W(countries=["日本"]), Criteria(everything=True), True),
    ],
)
def test_matching_rules(warning, criteria, expected) -> None:
    assert matches(warning, criteria) is expected


# Publishing and pushing --------------------------------------------------------------------------------------


def test_publishing_queues_each_matching_subscriber_once(warnings, desk_sessions) -> None:
    vocabulary = warnings.vocabulary
    warnings.subscribe("telegram", "tg:1", parse_criteria("订阅德国预警", vocabulary), "zh")
    warnings.subscribe(
        "telegram", "tg:1", parse_criteria("订阅外观设计预警", vocabulary), "zh"
    )  # matches too: still once
    warnings.subscribe("rest", "web-2", parse_criteria("订阅欧盟预警", vocabulary), "en")
    warnings.subscribe("rest", "web-3", parse_criteria("订阅日本预警", vocabulary), "zh")
    warnings.subscribe("telegram", "tg:4", parse_criteria("订阅德国预警", vocabulary), "zh")
    with desk_sessions.begin() as session:
        session.execute(
            WarningSubscriber.__table__.update()
            .where(WarningSubscriber.sender_id == "tg:4")
            .values(blocked_at=warnings.clock.now())
        )

    published = warnings.publish(draft(warnings, countries=["德国"], ip_types=["外观设计"]), "staff:wang")
    assert published.queued == 2
    number = published.warning.id
    assert sorted((channel, recipient) for channel, recipient, _ in pushes(desk_sessions)) == [
        ("rest", "web-2"),
        ("telegram", "tg:1"),
    ]
    assert all(key.startswith(f"warning:{number}:") for _, _, key in pushes(desk_sessions))
    assert warnings.delivery_counts([number])[number].queued == 2

    # widened to Japan: only the Japanese subscriber is new; nobody gets it twice
    again = warnings.update(number, draft(warnings, countries=["德国", "日本"], ip_types=["外观设计"]), "staff:wang")
    assert again.queued == 1
    assert [recipient for _, recipient, _ in pushes(desk_sessions)].count("tg:1") == 1
    assert "web-3" in [recipient for _, recipient, _ in pushes(desk_sessions)]
    with desk_sessions() as session:
        assert session.scalar(select(func.count()).select_from(WarningDelivery)) == 3


def test_a_sample_warning_is_shown_as_such_and_never_pushed(warnings, desk_sessions) -> None:
    warnings.subscribe("rest", "web-1", Criteria(everything=True), "zh")
    sample = warnings.publish(draft(warnings, illustrative="是"), "staff:wang")
    assert sample.queued == 0 and pushes(desk_sessions) == []
    from bot.desk.risk_warnings import warning_text

    assert warning_text(sample.warning, "zh", warnings.vocabulary, full=True).startswith("【示例，非真实预警】")
    assert warning_text(sample.warning, "en", warnings.vocabulary, full=False).startswith("[Illustrative sample")


def test_a_chat_that_blocked_the_bot_is_marked_and_no_longer_tried(
    warnings, desk_sessions, desk_clock, desk_settings
) -> None:
    warnings.subscribe("telegram", "tg:9", Criteria(everything=True), "zh")
    warnings.subscribe("telegram", "tg:10", Criteria(everything=True), "zh")
    first = warnings.publish(draft(warnings, title="第一条"), "staff:wang").warning.id
    second = warnings.publish(draft(warnings, title="第二条"), "staff:wang").warning.id

    class Telegram:
        tried: list[str] = []

        def send(self, message: OutboxMessage) -> None:
            self.tried.append(message.idempotency_key)
            if message.recipient == "tg:9":
                raise RecipientBlocked("Forbidden: bot was blocked by the user")

    sender = Telegram()
    worker = OutboxWorker(
        desk_sessions, {"telegram": sender}, desk_clock, "w1", settings=desk_settings, on_blocked=mark_blocked
    )
    worker.run_once(limit=1)  # the first message, to the blocked chat
    blocked_key = sender.tried[0]
    assert blocked_key.startswith(f"warning:{first}:")
    with desk_sessions() as session:
        dead = session.scalars(select(OutboxMessage).where(OutboxMessage.recipient == "tg:9")).all()
        subscriber = session.scalar(select(WarningSubscriber).where(WarningSubscriber.sender_id == "tg:9"))
    assert [(m.status, m.attempts) for m in dead] == [("dead", 1), ("dead", 0)]  # its second warning is not tried
    assert subscriber.blocked_at is not None and "blocked" in subscriber.blocked_reason
    desk_clock.advance(timedelta(hours=2))
    worker.run_once()
    assert sender.tried.count(blocked_key) == 1 and len(sender.tried) == 3  # tg:9 never tried again; tg:10 got both
    counts = warnings.delivery_counts([first, second])
    assert (counts[first].blocked, counts[first].sent, counts[second].blocked, counts[second].sent) == (1, 1, 1, 1)

    third = warnings.publish(draft(warnings, title="第三条"), "staff:wang")
    assert third.queued == 1 and "tg:9" not in [
        r for _, r, k in pushes(desk_sessions) if k.startswith(f"warning:{third.warning.id}:")
    ]
    warnings.subscribe("telegram", "tg:9", Criteria(everything=True), "zh")  # writing to subscribe again: back on
    assert warnings.publish(draft(warnings, title="第四条"), "staff:wang").queued == 2


def test_a_blocked_chat_that_is_answered_again_takes_warnings_again(warnings, desk_sessions) -> None:
    warnings.subscribe("telegram", "tg:21", Criteria(countries=("德国",)), "zh")
    warnings.subscribe("telegram", "tg:22", Criteria(countries=("德国",)), "zh")
    with desk_sessions.begin() as session:
        session.execute(update(WarningSubscriber).values(blocked_at=warnings.clock.now(), blocked_reason="403"))
    assert warnings.publish(draft(warnings, title="封锁期间", countries="德国"), "staff:wang").queued == 0

    assert warnings.chat_open("telegram", "tg:21") is True
    assert warnings.chat_open("telegram", "tg:21") is False  # nothing left to lift
    assert warnings.chat_open("telegram", "tg:99") is False  # never subscribed: nothing made
    later = warnings.publish(draft(warnings, title="解除之后", countries="德国"), "staff:wang")
    assert [r for _, r, k in pushes(desk_sessions) if k.startswith(f"warning:{later.warning.id}:")] == ["tg:21"]
    assert warnings.subscriptions("telegram", "tg:21") == [Criteria(countries=("德国",))]


def test_unsubscribing_removes_what_names_the_given_values(warnings) -> None:
    vocabulary = warnings.vocabulary
    for text in ("订阅美国 机械 专利预警", "订阅美国商标预警", "订阅德国预警"):
        warnings.subscribe("rest", "web-1", parse_criteria(text, vocabulary), "zh")
    removed, left = warnings.unsubscribe("rest", "web-1", parse_criteria("退订美国预警", vocabulary))
    assert [c.countries for c in removed] == [("美国",), ("美国",)] and [c.countries for c in left] == [("德国",)]
    removed, left = warnings.unsubscribe("rest", "web-1", parse_criteria("退订日本预警", vocabulary))
    assert removed == [] and len(left) == 1
    removed, left = warnings.unsubscribe("rest", "web-1", parse_criteria("取消订阅", vocabulary))
    assert len(removed) == 1 and left == [] and warnings.subscriptions("rest", "web-1") == []


def test_subscribing_twice_to_the_same_thing_keeps_one_subscription(warnings) -> None:
    for text in ("订阅美国 专利预警", "订阅专利 美国预警"):
        warnings.subscribe("rest", "web-1", parse_criteria(text, warnings.vocabulary), "zh")
    assert warnings.subscriptions("rest", "web-1") == [Criteria(("美国",), ip_types=("专利",))]


# Current, expired ----------------------------------------------------------------------------------------------


def test_current_warnings_and_expiry(warnings, desk_clock) -> None:
    today = warnings.today()
    germany = warnings.publish(
        draft(warnings, countries="德国", valid_until=(today + timedelta(days=2)).isoformat()), "s"
    ).warning
    usa = warnings.publish(draft(warnings, title="美国337调查", countries="US"), "s").warning
    assert [w.id for w in warnings.current(parse_criteria("最近有什么关于德国的预警", warnings.vocabulary))] == [
        germany.id
    ]
    assert {w.id for w in warnings.current()} == {germany.id, usa.id}

    desk_clock.advance(timedelta(days=2))
    assert warnings.expire_due() == []  # its last day is still current
    desk_clock.advance(timedelta(days=1))
    assert warnings.expire_due() == [germany.id] and warnings.expire_due() == []
    assert [w.id for w in warnings.current()] == [usa.id]
    warnings.expire(usa.id, "staff:wang")
    assert warnings.current() == []
    with pytest.raises(WarningFormError):
        warnings.expire(usa.id, "staff:wang")
    with pytest.raises(WarningFormError):  # an expired warning is not edited back to life
        warnings.update(usa.id, draft(warnings), "staff:wang")


# What staff type -----------------------------------------------------------------------------------------------


def test_the_form_checks_every_field_and_says_what_is_wrong(warnings) -> None:
    today = warnings.today()
    with pytest.raises(WarningFormError) as refused:
        warnings.parse(
            {
                "title": " ",
                "text": "x" * 9000,
                "countries": ["德国", "火星"],
                "industries": "机械;香料",
                "published_on": (today + timedelta(days=1)).isoformat(),
                "valid_until": "2026-13-01",
                "title_en": "English title only",
                "illustrative": "maybe",
            }
        )
    errors = refused.value.errors
    assert set(errors) == {
        "title",
        "text",
        "source",
        "countries",
        "industries",
        "published_on",
        "valid_until",
        "text_en",
        "illustrative",
    }
    assert "火星" in errors["countries"] and "香料" in errors["industries"] and "晚于今天" in errors["published_on"]
    with pytest.raises(WarningFormError) as past:
        warnings.parse(
            {
                "title": "t",
                "text": "t",
                "source": "s",
                "published_on": (today - timedelta(days=5)).isoformat(),
                "valid_until": (today - timedelta(days=1)).isoformat(),
            }
        )
    assert "有效期已过" in past.value.errors["valid_until"]
    good = warnings.parse(
        {
            "title": "t",
            "text": "t",
            "source": "s",
            "countries": "US、欧盟",
            "ip_types": ["patent"],
            "products": "电动滑板车；无人机",
        }
    )
    assert (good.countries, good.ip_types, good.products, good.published_on) == (
        ("美国", "欧盟"),
        ("专利",),
        ("电动滑板车", "无人机"),
        today,
    )


# The import ----------------------------------------------------------------------------------------------------


def test_an_import_with_a_bad_row_reports_each_by_line_and_publishes_nothing(warnings, desk_sessions, tmp_path) -> None:
    warnings.subscribe("rest", "web-1", Criteria(everything=True), "zh")
    path = tmp_path / "warnings.yml"
    path.write_text(
        "- title: 美国337调查提示\n  text: 正文\n  countries: [美国]\n  source: 省商务厅\n"
        "- title: 坏的一行\n  text: 正文\n  countries: [火星]\n  source: 省商务厅\n"
        "- title: 缺来源\n  text: 正文\n"
        "- just text\n",
        encoding="utf-8",
    )
    report = warnings.import_file(path, "cli:test")
    assert [(e.line, e.name) for e in report.errors] == [(5, "坏的一行"), (9, "缺来源"), (11, None)]
    assert "火星" in report.errors[0].reason and "来源" in report.errors[1].reason
    with desk_sessions() as session:
        assert session.scalar(select(func.count()).select_from(RiskWarning)) == 0
    assert pushes(desk_sessions) == []


def test_a_good_csv_import_publishes_and_pushes_every_row(warnings, desk_sessions, tmp_path) -> None:
    warnings.subscribe("telegram", "tg:1", parse_criteria("订阅美国预警", warnings.vocabulary), "zh")
    path = tmp_path / "warnings.csv"
    path.write_text(
        "title,text,countries,industries,ip_types,products,source,valid_until\n"
        "美国337调查提示,正文,美国;欧盟,机械,专利,,省商务厅 预警快报,\n"
        "日本商标抢注提示,正文,日本,,商标,,省商务厅 预警快报,2099-12-31\n",
        encoding="gb18030",
    )
    report = warnings.import_file(path, "cli:test")
    assert report.ok and [p.queued for p in report.published] == [1, 0]
    assert len(pushes(desk_sessions)) == 1
    assert report.published[1].warning.valid_until == date(2099, 12, 31)


def test_the_command_line_import_reports_by_line_and_exits_1(tmp_path, monkeypatch, capsys) -> None:
    from bot.processes.cli import main

    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'desk.db'}")
    bad = tmp_path / "bad.csv"
    bad.write_text("title,text,source,countries\n好的,正文,省商务厅,美国\n坏的,正文,,火星\n", encoding="utf-8")
    assert main(["import-warnings", str(bad)]) == 1
    out, err = capsys.readouterr()
    assert f"{bad}:3: 坏的:" in err and "火星" in err and "nothing was published" in out
    good = tmp_path / "good.yml"
    good.write_text("- title: 好的\n  text: 正文\n  source: 省商务厅\n  countries: 美国\n", encoding="utf-8")
    assert main(["import-warnings", str(good), "--by", "wang"]) == 0
    assert "1 warning(s) published (warning:1)" in capsys.readouterr().out
    from bot.desk.db import make_engine, sessions
    from bot.desk.schema import AuditEntry

    engine = make_engine(f"sqlite:///{tmp_path / 'desk.db'}")
    with sessions(engine)() as session:
        entry = session.scalar(select(AuditEntry).where(AuditEntry.object_type == "warning"))
    engine.dispose()
    assert (entry.username, entry.action, entry.object_id) == ("wang", "publish", "1")


def test_the_shipped_sample_warnings_are_valid_and_marked_illustrative(warnings) -> None:
    report = warnings.seed_samples()
    assert report.ok and len(report.published) >= 3
    assert all(p.warning.illustrative and "示例" in p.warning.source and p.queued == 0 for p in report.published)
    assert warnings.seed_samples() is None  # a desk with warnings is left alone
