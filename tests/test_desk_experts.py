"""Importing the expert pool: bad rows come back by line with the reason, good rows are kept, nothing is half
imported, and the shipped illustrative pool imports cleanly."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.processes import cli
from bot.desk.expert_import import import_experts
from bot.desk.schema import Expert

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "bot" / "desk" / "data" / "experts.yml"
NOW = datetime(2026, 11, 23, 2, 0, tzinfo=timezone.utc)

YAML_POOL = """\
- name: 示例专家·甲
  ip_types: [patent, 外观设计]
  countries: [US, 欧盟]
  industries: [machinery]
  languages: [zh, en]
  email: Jia@Example.org
  max_open_cases: 2
- name: 示例专家·乙
  ip_types: [商标]
  countries: [Atlantis]
  email: yi@example.org
- ip_types: [商标]
  email: noname@example.org
- name: 示例专家·丙
  ip_types: [商标]
  countries: [越南]
  languages: [fr]
  max_open_cases: 0
  phone: 138-0000-0003
- name: 示例专家·丁
  ip_types: [地理标志]
  countries: [欧盟]
- name: 示例专家·戊
  ip_types: [地理标志]
  countries: [欧盟]
  phone: 138-0000-0005
  colour: blue
- just a string
- name: 示例专家·己
  ip_types: 商标、著作权
  countries: 泰国; 越南
  telegram_chat_id: 123456789
  available: no
"""


def line_of(text: str, needle: str) -> int:
    return next(n for n, line in enumerate(text.splitlines(), 1) if needle in line)


def stored(sessions) -> dict[str, Expert]:
    with sessions() as session:
        return {expert.name: expert for expert in session.scalars(select(Expert))}


def test_bad_rows_are_reported_by_line_and_good_rows_are_kept(desk_sessions, desk_vocabulary, tmp_path) -> None:
    path = tmp_path / "pool.yml"
    path.write_text(YAML_POOL, encoding="utf-8")
    with desk_sessions.begin() as session:
        report = import_experts(session, path, now=NOW, vocabulary=desk_vocabulary)

    errors = {error.line: error for error in report.errors}
    assert sorted(errors) == [
        line_of(YAML_POOL, needle)
        for needle in (
            "示例专家·乙",
            "- ip_types: [商标]",
            "示例专家·丙",
            "示例专家·丁",
            "示例专家·戊",
            "just a string",
        )
    ]
    assert "'Atlantis' is not a known country" in errors[line_of(YAML_POOL, "示例专家·乙")].reason
    assert "name is missing" in errors[line_of(YAML_POOL, "- ip_types: [商标]")].reason
    both = errors[line_of(YAML_POOL, "示例专家·丙")].reason
    assert "'fr' not supported" in both and "max_open_cases: 0" in both  # every problem of a row at once
    assert "no way to reach the expert" in errors[line_of(YAML_POOL, "示例专家·丁")].reason
    assert "unknown field(s) 'colour'" in errors[line_of(YAML_POOL, "示例专家·戊")].reason
    assert "must be a mapping" in errors[line_of(YAML_POOL, "just a string")].reason
    assert str(errors[line_of(YAML_POOL, "示例专家·乙")]).startswith(
        f"line {line_of(YAML_POOL, '示例专家·乙')} (示例专家·乙): "
    )

    assert sorted(report.created) == ["示例专家·己", "示例专家·甲"] and not report.ok
    pool = stored(desk_sessions)
    assert set(pool) == {"示例专家·甲", "示例专家·己"}
    jia, ji = pool["示例专家·甲"], pool["示例专家·己"]
    assert (jia.ip_types, jia.countries, jia.industries) == (["专利", "外观设计"], ["美国", "欧盟"], ["机械装备"])
    assert (jia.languages, jia.email, jia.max_open_cases, jia.available, jia.show_name) == (
        ["zh", "en"],
        "jia@example.org",
        2,
        True,
        False,
    )
    assert (ji.ip_types, ji.countries, ji.telegram_chat_id, ji.available, ji.languages) == (
        ["商标", "著作权"],
        ["泰国", "越南"],
        "123456789",
        False,
        ["zh"],
    )


def test_csv_from_excel_with_chinese_separators_and_gbk(desk_sessions, desk_vocabulary, tmp_path) -> None:
    text = (
        "name,ip_types,countries,languages,email,phone,max_open_cases,show_name\n"
        "示例专家·甲,专利;商标,美国、加拿大,zh;en,jia@example.org,,4,是\n"
        '示例专家·乙,"商标",泰国,zh,,,"three",否\n'
        '示例专家·丙,著作权,"越南",zh,,138-0000-0003,2,no\n'
        "\n"
        "示例专家·丁,專利,Mars,zh,ding@example.org,,2,yes\n"
    )
    path = tmp_path / "pool.csv"
    path.write_bytes(text.encode("gb18030"))
    with desk_sessions.begin() as session:
        report = import_experts(session, path, now=NOW, vocabulary=desk_vocabulary)

    assert [(e.line, e.name) for e in report.errors] == [(3, "示例专家·乙"), (6, "示例专家·丁")]
    assert "max_open_cases: 'three'" in report.errors[0].reason and "no way to reach" in report.errors[0].reason
    assert "'Mars' is not a known country" in report.errors[1].reason
    pool = stored(desk_sessions)
    assert set(pool) == {"示例专家·甲", "示例专家·丙"}
    assert (pool["示例专家·甲"].ip_types, pool["示例专家·甲"].countries, pool["示例专家·甲"].show_name) == (
        ["专利", "商标"],
        ["美国", "加拿大"],
        True,
    )


def test_csv_line_numbers_survive_multi_line_cells_and_bad_headers(desk_sessions, desk_vocabulary, tmp_path) -> None:
    path = tmp_path / "pool.csv"
    path.write_text(
        '\ufeffname,ip_types,email,note\n示例专家·甲,专利,jia@example.org,"第一行\n第二行"\n'
        "示例专家·乙,UFO,yi@example.org,\n",
        encoding="utf-8",
    )
    with desk_sessions.begin() as session:
        report = import_experts(session, path, now=NOW, vocabulary=desk_vocabulary)
    assert [(e.line, e.name) for e in report.errors] == [(4, "示例专家·乙")]
    assert stored(desk_sessions)["示例专家·甲"].note == "第一行\n第二行"

    path.write_text("name,ip_type,email\n示例专家·丙,专利,bing@example.org\n", encoding="utf-8")
    with desk_sessions.begin() as session:
        report = import_experts(session, path, now=NOW, vocabulary=desk_vocabulary)
    assert [(e.line, e.reason[:24]) for e in report.errors] == [(1, "unknown column(s) 'ip_ty")]
    assert "示例专家·丙" not in stored(desk_sessions)


def test_rows_update_the_pool_by_email_else_by_name(desk_sessions, desk_vocabulary, tmp_path, add_expert) -> None:
    by_email = add_expert("旧名字", email="jia@example.org", max_open_cases=1)
    by_name = add_expert("示例专家·乙", email=None, phone="138-0000-0002")
    add_expert("同名", email=None, phone="138-0000-0010")
    add_expert("同名", email=None, phone="138-0000-0011")
    path = tmp_path / "pool.yml"
    path.write_text(
        "- {name: 示例专家·甲, ip_types: [专利], email: JIA@example.org, max_open_cases: 5}\n"
        "- {name: 示例专家·乙, ip_types: [商标], phone: 138-0000-0022}\n"
        "- {name: 同名, ip_types: [商标], phone: 138-0000-0012}\n"
        "- {name: 示例专家·丙, ip_types: [商标], email: bing@example.org}\n"
        "- {name: 示例专家·丙, ip_types: [专利], email: bing@example.org}\n",
        encoding="utf-8",
    )
    with desk_sessions.begin() as session:
        report = import_experts(session, path, now=NOW, vocabulary=desk_vocabulary)

    assert (sorted(report.updated), report.created) == (["示例专家·乙", "示例专家·甲"], ["示例专家·丙"])
    assert [(e.line, e.reason) for e in report.errors] == [
        (3, "2 experts in the pool are named 同名; add the e-mail to say which one this row is"),
        (5, "the same e-mail as line 4"),
    ]
    pool = stored(desk_sessions)
    assert (pool["示例专家·甲"].id, pool["示例专家·甲"].max_open_cases) == (by_email, 5)
    assert (pool["示例专家·乙"].id, pool["示例专家·乙"].phone) == (by_name, "138-0000-0022")
    assert "旧名字" not in pool and pool["示例专家·丙"].ip_types == ["商标"]
    with desk_sessions() as session:
        assert sorted(e.phone for e in session.scalars(select(Expert).where(Expert.name == "同名"))) == [
            "138-0000-0010",
            "138-0000-0011",
        ]


def test_the_shipped_pool_is_clean_and_obviously_illustrative(desk_sessions, desk_vocabulary) -> None:
    with desk_sessions.begin() as session:
        report = import_experts(session, SAMPLE, now=NOW, vocabulary=desk_vocabulary)
    assert report.ok, [str(e) for e in report.errors]
    pool = stored(desk_sessions)
    assert 8 <= len(pool) <= 10
    for expert in pool.values():
        assert expert.illustrative and ("示例" in expert.name or "Illustrative" in expert.name)
        assert expert.email.endswith("@example.org")
        assert expert.phone.startswith("138-0000-00")
        assert expert.telegram_chat_id is None
    covered = {(ip, country) for e in pool.values() for ip in e.ip_types for country in e.countries}
    assert {("专利", "美国"), ("专利", "德国"), ("商标", "东南亚"), ("地理标志", "欧盟")} <= covered
    assert {tuple(e.languages) for e in pool.values()} >= {("zh",), ("zh", "en"), ("en",)}

    with desk_sessions.begin() as session:  # importing again updates, never duplicates
        again = import_experts(session, SAMPLE, now=NOW, vocabulary=desk_vocabulary)
    assert (len(again.created), len(again.updated)) == (0, len(pool))


@pytest.fixture()
def cli_database(tmp_path, monkeypatch) -> str:
    url = f"sqlite:///{tmp_path / 'cli' / 'desk.db'}"
    monkeypatch.setenv("DATABASE_URL", url)
    return url


def test_the_command_line_reports_refused_rows_and_fails(cli_database, tmp_path, capsys) -> None:
    path = tmp_path / "pool.yml"
    path.write_text(YAML_POOL, encoding="utf-8")
    assert cli.main(["import-experts", str(path)]) == 1
    out, err = capsys.readouterr()
    assert f"{path}:{line_of(YAML_POOL, '示例专家·乙')}: 示例专家·乙: countries: 'Atlantis'" in err
    assert "2 expert(s) added, 0 updated, 6 row(s) refused" in out

    assert cli.main(["import-experts", str(SAMPLE)]) == 0
    assert cli.main(["import-experts", str(tmp_path / "missing.yml")]) == 1
    assert "no such file" in capsys.readouterr().err
    assert cli.main(["init-db"]) == 0
    assert cli.main(["check-sla"]) == 0
    assert "no assignment overdue" in capsys.readouterr().out
