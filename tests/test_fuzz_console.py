"""The console's forms under random input (hypothesis), on a real server and database (SQLite and PostgreSQL): random
Unicode, control characters, script tags, 100 000-character fields, impossible dates and broken bodies get a page or a
clear error — never a 500 — and what was stored before is unchanged; what a valid form stores is clean."""

from __future__ import annotations

import re
import unicodedata

import pytest
import requests
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from bot.desk.schema import Call, ConsoleUser, Ticket, TicketEvent

FUZZ = settings(
    max_examples=40,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
#: Statuses a person may see for bad input: a page with the problem, a refusal, a redirect after a valid change.
FINE = {200, 303, 400, 403, 404, 409, 413, 422}

field_text = st.one_of(
    st.text(max_size=60),
    st.text(alphabet=st.characters(min_codepoint=0, max_codepoint=0x1F), max_size=30),  # control characters
    st.sampled_from(
        [
            "<script>alert(1)</script>",
            "' OR 1=1; DROP TABLE hotline_calls; --",
            "2026-02-30",
            "9999-99-99",
            "\u202e\u200b\ufeff",
            "𠀀𪚥🀄️",
            "%00",
            "../../etc/passwd",
            "{{7*7}}",
        ]
    ),
    st.builds(
        lambda unit, n: unit * n,
        st.sampled_from(["专", "a", "\u0000", "<b>"]),
        st.sampled_from([5_001, 10_001, 100_000]),
    ),
)
CALL_FIELDS = ("company", "caller_name", "phone", "channel", "question", "notes", "follow_up_on", "then")


@pytest.fixture()
def staff(console, console_user, browser_client, add_expert, desk):
    """Staff signed in, with one call and one ticket already stored (what the fuzzing must leave alone)."""
    add_expert("赵律师", ip_types=["专利"], countries=["美国"])
    console_user("wang", "staff")
    browser_client.sign_in("wang")
    page = browser_client.log_call(
        {
            "company": "朔州陶瓷有限公司",
            "phone": "13800000009",
            "question": "我们在美国被起诉专利侵权，收到了起诉书",
            "then": "escalate",
        }
    )
    assert "已转为工单" in page.text
    return browser_client


def stored(console) -> dict[str, list[tuple]]:
    """Everything the fuzzing must not change, as plain tuples."""
    with console.ctx.sessions() as session:
        return {
            "calls": [
                (c.id, c.company, c.phone, c.question, c.answer, c.notes, c.follow_up_on, c.ticket_id)
                for c in session.scalars(select(Call).order_by(Call.id))
            ],
            "tickets": [
                (t.number, t.status, t.company, t.contact, t.description, t.expert_id)
                for t in session.scalars(select(Ticket).order_by(Ticket.id))
            ],
            "events": [(e.id, e.action) for e in session.scalars(select(TicketEvent).order_by(TicketEvent.id))],
            "users": [
                (u.id, u.username, u.role, u.password_hash, u.active)
                for u in session.scalars(select(ConsoleUser).order_by(ConsoleUser.id))
            ],
        }


def assert_clean(call: Call) -> None:
    """A stored call holds no control characters and nothing longer than its limits."""
    for value in (call.company, call.caller_name, call.question, call.notes):
        if value is not None:
            assert not CONTROL.search(value), repr(value[:80])
            assert value == value.strip() and unicodedata.is_normalized("NFC", value)
    assert len(call.company) <= 200 and len(call.question) <= 5_000 and len(call.notes or "") <= 5_000


def test_random_call_forms_never_break_the_page_and_store_only_clean_calls(console, staff):
    before = stored(console)

    @FUZZ
    @given(form=st.dictionaries(st.sampled_from(CALL_FIELDS), field_text, max_size=len(CALL_FIELDS)))
    def post(form):
        page = staff.post("/calls", form)
        assert page.status in FINE, (page.status, form)
        assert "Traceback" not in page.text and "<script>alert(1)</script>" not in page.text

    post()
    after = stored(console)
    assert after["calls"][: len(before["calls"])] == before["calls"]  # new calls may be added, none changed
    assert after["tickets"][: len(before["tickets"])] == before["tickets"]
    assert after["users"] == before["users"]
    with console.ctx.sessions() as session:
        for call in session.scalars(select(Call)):
            assert_clean(call)


def test_random_changes_to_calls_tickets_and_accounts_leave_stored_data_alone(console, staff):
    before = stored(console)
    call_id, number = before["calls"][0][0], before["tickets"][0][0]
    # Moves that a random form must not be able to make: each one needs a field the fuzzer fills with garbage, or
    # targets something that does not exist.
    targets = st.sampled_from(
        [
            (f"/calls/{call_id}/follow-up", ("follow_up_on",)),
            (f"/calls/{call_id}/escalate", ("deadline",)),
            ("/calls/999999/answer", ("answer", "given")),
            (f"/tickets/{number}/assign", ("expert_id",)),
            ("/tickets/SX-00000000-0000/close", ("reason",)),
            ("/inbox/999999/acknowledge", ()),
            ("/admin/users", ("username", "display_name", "role", "password", "expert_id")),
        ]
    )

    @FUZZ
    @given(target=targets, values=st.lists(field_text, min_size=5, max_size=5))
    def post(target, values):
        path, names = target
        form = dict(zip(names, values))
        if "follow_up_on" in form and not _bad_date(form["follow_up_on"]):
            form["follow_up_on"] = "2026-02-30"
        if "deadline" in form and not _bad_date(form["deadline"]):
            form["deadline"] = "not a date"
        if "expert_id" in form:
            form["expert_id"] = "x" + form["expert_id"]
        page = staff.post(path, form)
        assert page.status in FINE, (page.status, path, form)

    post()
    assert stored(console) == before


def _bad_date(value: str) -> bool:
    from datetime import date

    try:
        date.fromisoformat(value.strip())
    except ValueError:
        return True
    return False


@pytest.mark.parametrize(
    ("content_type", "body"),
    [
        ("application/json", b'{"question": '),
        ("application/json", b"[1, 2, 3]"),
        ("application/json", b'{"question": 5}'),
        ("application/json", '{"question": "\ud800"}'.encode("utf-8", "surrogatepass")),
        ("application/x-www-form-urlencoded", b"\xff\xfe\x00garbage=%%%"),
        ("multipart/form-data; boundary=x", b"--x\r\nbroken"),
        ("application/json", b'{"question": "' + "专".encode() * 100_000 + b'"}'),
    ],
)
def test_broken_bodies_get_a_clear_error_not_a_crash(console, staff, content_type, body):
    before = stored(console)
    for path in ("/api/suggest", "/calls"):
        response = staff.http.post(
            staff.base + path,
            data=body,
            timeout=60,
            allow_redirects=False,
            headers={"Content-Type": content_type, "X-CSRF-Token": staff.csrf},
        )
        assert response.status_code in FINE, (path, response.status_code, response.text[:300])
        if path == "/api/suggest" and response.status_code == 400:
            assert "error" in response.json()
    assert stored(console) == before


def test_an_oversized_body_is_refused_whole(console, staff):
    before = stored(console)
    response = staff.http.post(
        staff.base + "/calls",
        timeout=60,
        allow_redirects=False,
        data={"csrf_token": staff.csrf, "company": "x" * 3_000_000, "question": "专利"},
    )
    assert response.status_code == 413
    assert stored(console) == before
    assert staff.get("/calls").status == 200  # and the console goes on serving


def test_a_random_sign_in_never_breaks_and_never_signs_in(console, staff):
    fresh = requests.Session()

    @FUZZ
    @given(username=field_text, password=field_text)
    def sign_in(username, password):
        page = fresh.get(console.url + "/login", timeout=30)
        token = re.search(r'name="csrf_token" value="([^"]*)"', page.text).group(1)  # type: ignore[union-attr]
        response = fresh.post(
            console.url + "/login",
            data={"csrf_token": token, "username": username, "password": password},
            timeout=30,
            allow_redirects=False,
        )
        assert response.status_code in (200, 401, 403, 422, 429), response.status_code
        assert fresh.get(console.url + "/calls", timeout=30, allow_redirects=False).status_code in (302, 303)

    sign_in()


def test_random_filters_and_searches_never_break_a_list(console, staff):
    before = stored(console)
    lists = st.sampled_from(
        [
            ("/calls", ("q", "date_from", "date_to", "status", "topic", "country", "ip_type", "staff", "expert")),
            ("/calls.csv", ("q", "date_from", "status")),
            ("/tickets", ("q", "date_from", "date_to", "status", "priority", "country", "channel", "expert")),
            ("/tickets.csv", ("q", "status", "full")),
            ("/api/companies", ("q",)),
            ("/dashboard", ("from", "to")),
            ("/inbox", ()),
        ]
    )

    @FUZZ
    @given(target=lists, values=st.lists(field_text.map(lambda v: v[:3_000]), min_size=9, max_size=9))
    @example(target=("/calls", ("q", "country")), values=["ab\x00cd", "\x00"] + [""] * 7)
    @example(target=("/tickets", ("q", "channel")), values=["\x00", "ab\x00"] + [""] * 7)
    @example(target=("/api/companies", ("q",)), values=["晋城\x00"] + [""] * 8)
    def look(target, values):
        path, names = target
        response = staff.raw_get(path, **dict(zip(names, values)))
        assert response.status_code in FINE, (response.status_code, path, values)

    look()
    assert stored(console) == before


WARNING_FIELDS = (
    "title",
    "text",
    "title_en",
    "text_en",
    "countries",
    "industries",
    "ip_types",
    "products",
    "source",
    "published_on",
    "valid_until",
    "illustrative",
)


def test_random_warning_forms_never_break_the_page_and_store_only_clean_warnings(console, staff):
    from bot.desk.schema import RiskWarning

    before = stored(console)

    @FUZZ
    @given(form=st.dictionaries(st.sampled_from(WARNING_FIELDS), field_text, max_size=len(WARNING_FIELDS)))
    @example(form={"title": "标题\u0000", "text": "正文", "source": "来源", "products": "滑板车\u0000、\u0007"})
    def post(form):
        page = staff.post("/warnings", form)
        assert page.status in FINE, (page.status, form)
        assert "Traceback" not in page.text and "<script>alert(1)</script>" not in page.text

    post()
    assert stored(console) == before
    with console.ctx.sessions() as session:
        warnings = session.scalars(select(RiskWarning)).all()
    assert warnings, "the example form is valid and was published"
    for warning in warnings:
        for value in (
            warning.title,
            warning.text,
            warning.source,
            warning.title_en,
            warning.text_en,
            *warning.products,
        ):
            if value is not None:
                assert value and not CONTROL.search(value), repr(value[:80])
        assert len(warning.title) <= 200 and len(warning.text) <= 8_000


def test_random_onsite_contacts_never_break_the_fairs_page(console, staff):
    @FUZZ
    @given(contact=field_text, registration=st.one_of(field_text, st.sampled_from(["1", "999999999", "-1"])))
    def post(contact, registration):
        page = staff.post("/exhibitions/contact", {"onsite_contact": contact, "registration": registration})
        assert page.status in FINE, (page.status, contact, registration)
        assert "Traceback" not in page.text

    post()
