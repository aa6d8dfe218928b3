"""The WeChat worker's server URL and its API calls, without Rasa: signatures, URL verification, the safe mode,
hostile XML, WeChat's retries, the access token shared under concurrency, the menu CLI, secrets kept out of logs.

The worker (`python -m bot.channels.wechat`) runs as `make run` starts it, against the fake WeChat API on loopback;
its Rasa URL points at a closed port, so every message waits and the follower is told once that it was received.
"""

from __future__ import annotations

import secrets
import subprocess
import sys
import threading
import urllib.error
import urllib.request
from datetime import datetime, timezone
from urllib.parse import urlencode

import pytest

from bot.channels.wechat.api import WeChatApi
from bot.channels.wechat.tokens import TokenStore
from bot.desk.db import make_engine
from tests.helpers.databases import empty_database
from tests.helpers.stack import free_port
from tests.helpers.wechat_fake import (
    AES_KEY,
    APP_ID,
    SECRET,
    TOKEN,
    FakeWeChatApi,
    WeChatServerSide,
    WorkerProcess,
    text_xml,
    worker_environment,
)

RECEIVED = "已收到您的问题"


@pytest.fixture(scope="module")
def api():
    fake = FakeWeChatApi()
    yield fake
    fake.close()


@pytest.fixture(scope="module")
def worker(api, tmp_path_factory):
    """A worker in safe mode (it takes plaintext too), Rasa unreachable."""
    var_dir = tmp_path_factory.mktemp("wechat")
    port = free_port()
    env = worker_environment(
        api=api,
        port=port,
        rasa_url=f"http://127.0.0.1:{free_port()}",
        rasa_token=secrets.token_urlsafe(24),  # Rasa is unreachable here: any token, never a fixed one
        database_url=f"sqlite:///{var_dir / 'desk.db'}",
        var_dir=var_dir,
        WECHAT_AES_KEY=AES_KEY,
    )
    process = WorkerProcess(env, var_dir / "worker.log", url=f"http://127.0.0.1:{port}/wechat")
    process.start()
    process.wait_listening()
    yield process
    code = process.stop()
    assert code == 0, f"the worker did not stop cleanly ({code}):\n{process.output()[-3000:]}"


def get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def test_url_verification_echoes_a_signed_echostr_and_refuses_a_bad_signature(worker) -> None:
    wechat = WeChatServerSide(worker.url)
    assert get(f"{worker.url}?{urlencode(wechat.signed(echostr='4828930214771'))}") == (200, "4828930214771")
    forged = WeChatServerSide(worker.url, token="notTheToken")
    assert get(f"{worker.url}?{urlencode(forged.signed(echostr='1'))}")[0] == 403
    assert get(f"{worker.url}?echostr=1")[0] == 403
    # A message without a valid signature is refused before it is read, and nothing is stored or answered.
    answer = forged.says("o_forged", "337调查一般要多久")
    assert answer.status == 403
    assert "o_forged" not in worker.output()


def test_broken_or_hostile_xml_is_refused_with_a_400_never_a_500(worker) -> None:
    wechat = WeChatServerSide(worker.url)
    laughs = (
        '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;">'
        '<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;">]><xml><ToUserName>a</ToUserName><FromUserName>&lol3;</FromUserName>'
        "<CreateTime>1</CreateTime><MsgType>text</MsgType><Content>x</Content><MsgId>1</MsgId></xml>"
    )
    external = (
        '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><xml><ToUserName>a</ToUserName>'
        "<FromUserName>o_x</FromUserName><CreateTime>1</CreateTime><MsgType>text</MsgType><Content>&e;</Content>"
        "<MsgId>2</MsgId></xml>"
    )
    bodies = [
        b"",
        b"not xml at all",
        b"<xml><unclosed>",
        b"<notxml><a>1</a></notxml>",
        b"<xml>just text</xml>",
        b"<xml><ToUserName>a</ToUserName><MsgType>text</MsgType></xml>",  # no sender, no time
        b"<xml><ToUserName>a</ToUserName><FromUserName><x>1</x></FromUserName><CreateTime>1</CreateTime>"
        b"<MsgType>text</MsgType></xml>",
        "<xml><ToUserName>a</ToUserName>\udcff</xml>".encode("utf-8", "surrogatepass"),
        b"\xff\xfe<\x00x\x00",
        laughs.encode(),
        external.encode(),
        b"<xml>" + b"<a>" * 50_000 + b"</xml>",  # nested past the body limit
    ]
    for body in bodies:
        answer = wechat.post(body)
        assert 400 <= answer.status < 500, (body[:80], answer)
    # An encrypted-mode request whose envelope is broken, or encrypted with another key, is a 4xx as well.
    params = wechat.signed(encrypt_type="aes", msg_signature="0" * 40)
    assert 400 <= wechat.post(b"<xml><Encrypt>bm90IGEgY2lwaGVy</Encrypt></xml>", params).status < 500
    assert 400 <= wechat.post(b"<xml><Nothing/></xml>", wechat.signed(encrypt_type="aes")).status < 500
    assert "root:" not in worker.output()
    # The worker is still up and answering.
    assert wechat.says("o_after_attack", "你好").status == 200


def test_a_message_in_safe_mode_is_decrypted_and_answered_encrypted(worker) -> None:
    wechat = WeChatServerSide(worker.url, aes=True)
    answer = wechat.says("o_safe_mode", "海外展会被投诉侵权怎么办")
    assert answer.status == 200
    assert answer.text is not None and RECEIVED in answer.text  # Rasa is down: received, answered later
    # A forged msg_signature over a real envelope is refused.
    forged = WeChatServerSide(worker.url, token="notTheToken", aes=True)
    params = wechat.signed()
    forged_answer = forged.post(text_xml("o_safe_forged", "x", 7), params)
    assert forged_answer.status == 403


def test_a_retried_msgid_is_answered_once(worker, api) -> None:
    wechat = WeChatServerSide(worker.url)
    first = wechat.says("o_retry", "海关扣货怎么办", msg_id=990001)
    again = wechat.says("o_retry", "海关扣货怎么办", msg_id=990001)
    assert first.status == again.status == 200
    assert first.text is not None and RECEIVED in first.text
    assert again.text == first.text  # the same reply, repeated for a request whose answer may have been lost
    assert api.sent("o_retry") == []  # told once, in the reply itself, never again through the API
    assert worker.output().count("msg:990001 of o_retry waits") >= 1


def test_the_access_token_is_refreshed_once_by_concurrent_processes(tmp_path) -> None:
    """Eight clients, each with its own engine (as separate processes have), find no token at once: one fetches it,
    the others wait for that refresh and use its token; a token WeChat refuses is replaced once, not eight times."""
    for backend in ("sqlite", "postgresql"):
        fake = FakeWeChatApi()
        fake.token_delay = 0.5  # the refresh takes a while, so the others certainly arrive during it
        try:
            with empty_database(backend, tmp_path) as engine:
                url = engine.url.render_as_string(hide_password=False)
                options = None
                if backend == "postgresql":  # the test's own schema, as the engine's connections have it
                    with engine.connect() as connection:
                        path = connection.exec_driver_sql("SHOW search_path").scalar()
                    options = {"options": f"-csearch_path={path}"}
                results = _concurrent_clients(fake, url, options, 8)
                assert len(results) == 8, backend
                assert fake.token_calls == 1, backend
                assert set(results) == {fake.valid_token}, backend
                assert [c.errcode for c in fake.calls if c.path.endswith("custom/send")] == [0] * 8
        finally:
            fake.close()


def test_the_menu_cli_sets_the_four_entries_through_the_api_base(api, tmp_path) -> None:
    env = worker_environment(
        api=api,
        port=free_port(),
        rasa_url="http://127.0.0.1:9",
        rasa_token="unused",
        database_url=f"sqlite:///{tmp_path / 'desk.db'}",
        var_dir=tmp_path,
    )
    before = len(api.calls)
    done = subprocess.run(
        [sys.executable, "-m", "bot.channels.wechat", "menu"], env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    calls = api.calls[before:]
    assert [c.path for c in calls] == ["/cgi-bin/token", "/cgi-bin/menu/create"]  # every call went to the fake
    names = [b["name"] for b in calls[1].body["button"]] + [
        s["name"] for b in calls[1].body["button"] for s in b.get("sub_button", [])
    ]
    assert {"问政策", "找专家", "我的工单", "订阅预警"} <= set(names)
    assert SECRET not in done.stdout + done.stderr


def test_secrets_never_reach_the_log(worker, api) -> None:
    log = worker.output()
    assert "listens on" in log
    for secret in (
        SECRET,
        TOKEN,
        AES_KEY,
        *(c.params.get("access_token") for c in api.calls if c.params.get("access_token")),
    ):
        assert secret and secret not in log


def _concurrent_clients(fake: FakeWeChatApi, url: str, options: dict | None, count: int) -> list[str]:
    """`count` threads, each with an engine of its own, each making one API call; the tokens they ended with."""
    results: list[str] = []

    def client() -> None:
        own = make_engine(url, connect_args=options)
        api = WeChatApi(fake.base_url, APP_ID, SECRET)
        tokens = api.tokens = TokenStore(own, APP_ID, api.fetch_token, lambda: datetime.now(timezone.utc))
        api.call("/cgi-bin/message/custom/send", {"touser": "o_t", "msgtype": "text", "text": {"content": "x"}})
        results.append(tokens.get())
        api.close()
        own.dispose()

    threads = [threading.Thread(target=client) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return results


def test_a_message_over_the_limit_is_asked_to_be_summarised_at_once_not_cut(worker, api) -> None:
    wechat = WeChatServerSide(worker.url)
    reply = wechat.says("o_paste", "我们的货在德国被海关扣了" * 400, msg_id=990101)
    assert reply.status == 200 and reply.text is not None
    assert "超过4000字" in reply.text and "请概括您的问题" in reply.text and RECEIVED not in reply.text
    english = wechat.says("o_paste", "our goods were seized by customs in Germany " * 100, msg_id=990102)
    assert english.text is not None and "Please summarise your question" in english.text
    assert "o_paste waits" not in worker.output()  # nothing of it was kept to be sent to Rasa later
    assert api.sent("o_paste") == []
