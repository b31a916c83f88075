#!/usr/bin/env python3
"""Switchboard conformance checks driven by the official twilio-python SDK.

Env: SWITCHBOARD_URL ACCOUNT_SID AUTH_TOKEN OTHER_ACCOUNT_SID OTHER_AUTH_TOKEN
     DEFER_TO DELIVER_TO FROM.  Exit 0 when every check passes, 1 otherwise.
"""
import datetime
import os
import sys
import time
import uuid

import twilio
from twilio.base.exceptions import TwilioRestException
from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client

ENV_VARS = ("SWITCHBOARD_URL", "ACCOUNT_SID", "AUTH_TOKEN", "OTHER_ACCOUNT_SID",
            "OTHER_AUTH_TOKEN", "DEFER_TO", "DELIVER_TO", "FROM")
missing = [k for k in ENV_VARS if not os.environ.get(k)]
if missing:
    print(f"python-sdk: missing environment variable(s): {', '.join(missing)}", file=sys.stderr)
    sys.exit(2)
E = {k: os.environ[k] for k in ENV_VARS}

MAX_PAGES = 2000  # guards against a next_page_uri cycle


class Failure(Exception):
    pass


def expect(cond, msg):
    if not cond:
        raise Failure(msg)


def expect_eq(what, got, want):
    expect(got == want, f"{what}: expected {want!r}, got {got!r}")


def make_client(sid, token, **kw):
    # twilio-python has no request timeout by default; twilio-node uses 30 s.
    client = Client(sid, token, http_client=TwilioHttpClient(timeout=30), **kw)
    client.api.base_url = E["SWITCHBOARD_URL"]
    return client


def rest_error(fn):
    """Run fn, which must raise TwilioRestException; return the exception."""
    try:
        result = fn()
    except TwilioRestException as e:
        return e
    raise Failure(f"expected TwilioRestException, got success: {result!r}")


def expect_error(fn, status, code):
    e = rest_error(fn)
    expect((e.status, e.code) == (status, code),
           f"expected HTTP {status} code {code}, got HTTP {e.status} code {e.code} ({e.msg})")
    return e


def send(body, to=None):
    return client.messages.create(to=to or E["DELIVER_TO"], from_=E["FROM"], body=body)


def wait_status(sid, want, timeout=20.0):
    deadline, status = time.monotonic() + timeout, None
    while time.monotonic() < deadline:
        status = client.messages(sid).fetch().status
        if status == want:
            return
        time.sleep(0.1)
    raise Failure(f"{sid} not {want} after {timeout:g}s, last status {status!r}")


client = make_client(E["ACCOUNT_SID"], E["AUTH_TOKEN"])
state = {}
results = {"passed": 0, "failed": 0}


def check(name, fn):
    try:
        fn()
    except Exception as e:  # noqa: BLE001 -- any error fails the check
        results["failed"] += 1
        reason = str(e) if isinstance(e, Failure) else f"{type(e).__name__}: {e}"
        print(f"FAIL {name}: {reason}", flush=True)
    else:
        results["passed"] += 1
        print(f"ok {name}", flush=True)


def created_sid():
    expect("sid" in state, "no message sid (create failed)")
    return state["sid"]


def t_create():
    m = send("hello from sdk")
    expect(isinstance(m.sid, str) and m.sid.startswith("SM") and len(m.sid) == 34,
           f"sid: expected SM + 32 chars, got {m.sid!r}")
    state["sid"] = m.sid
    expect_eq("status", m.status, "queued")
    expect_eq("body", m.body, "hello from sdk")
    expect_eq("to", m.to, E["DELIVER_TO"])
    expect_eq("from_", m.from_, E["FROM"])
    expect_eq("num_segments", m.num_segments, "1")
    expect_eq("direction", m.direction, "outbound-api")
    expect(isinstance(m.date_created, datetime.datetime),
           f"date_created: expected a datetime, got {m.date_created!r}")


def t_fetch():
    m = client.messages(created_sid()).fetch()
    expect_eq("sid", m.sid, state["sid"])
    expect_eq("body", m.body, "hello from sdk")


def t_delivered():
    wait_status(created_sid(), "delivered")


def t_list_pages():
    marker = f"page-test-{uuid.uuid4().hex[:12]}"
    want = {send(f"{marker} {i}").sid for i in range(5)}

    # Explicit page chain first: it is bounded, so a next_page_uri cycle fails here
    # instead of hanging list() below.
    page, pages, seen = client.messages.page(to=E["DELIVER_TO"], page_size=2), 0, set()
    while page is not None:
        pages += 1
        expect(pages <= MAX_PAGES, f"more than {MAX_PAGES} pages: next_page_uri never ends")
        sids = [m.sid for m in page]
        expect(len(sids) <= 2, f"page {pages} has {len(sids)} records, page_size was 2")
        dup = seen.intersection(sids)
        expect(not dup, f"page {pages} repeats sid(s) already seen: {sorted(dup)}")
        seen.update(sids)
        page = page.next_page()
    expect(pages >= 3, f"expected at least 3 pages of 2, got {pages}")
    expect(want <= seen, f"page chain is missing marker sid(s): {sorted(want - seen)}")

    listed = [m.sid for m in client.messages.list(to=E["DELIVER_TO"], page_size=2)]
    expect(len(listed) == len(set(listed)), "list() returned a sid twice")
    expect(want <= set(listed), f"list() is missing marker sid(s): {sorted(want - set(listed))}")


def t_invalid_to():
    expect_error(lambda: send("bad to", to="123"), 400, 21211)


def t_wrong_token():
    bad = make_client(E["ACCOUNT_SID"], "0" * 32)
    sid = state.get("sid", "SM" + "0" * 32)
    expect_error(lambda: bad.messages(sid).fetch(), 401, 20003)


def t_isolation():
    sid = created_sid()
    # OTHER's credentials, ACCOUNT's path: must not see ACCOUNT's data.
    cross = make_client(E["OTHER_ACCOUNT_SID"], E["OTHER_AUTH_TOKEN"], account_sid=E["ACCOUNT_SID"])
    e = rest_error(lambda: cross.messages(sid).fetch())
    expect(e.status in (401, 404), f"cross-account fetch: expected HTTP 401/404, got {e.status} code {e.code}")
    state["isolation"] = f"cross-account path answered HTTP {e.status} code {e.code}"
    # OTHER's own account path: ACCOUNT's sid does not exist there.
    other = make_client(E["OTHER_ACCOUNT_SID"], E["OTHER_AUTH_TOKEN"])
    expect_error(lambda: other.messages(sid).fetch(), 404, 20404)


def t_cancel():
    sid = send("cancel me", to=E["DEFER_TO"]).sid
    deadline, last = time.monotonic() + 10.0, None
    while True:
        try:
            last = client.messages(sid).update(status="canceled").status
            if last == "canceled":
                break
        except TwilioRestException as e:
            if e.code != 30409:
                raise Failure(f"cancel: HTTP {e.status} code {e.code} ({e.msg})")
            last = f"error 30409 ({e.msg})"
        expect(time.monotonic() < deadline, f"not canceled after 10s, last result: {last}")
        time.sleep(0.1)
    expect_eq("status after fetch", client.messages(sid).fetch().status, "canceled")


def t_delete():
    sid = send("delete me").sid
    wait_status(sid, "delivered")
    expect_eq("delete()", client.messages(sid).delete(), True)
    expect_error(lambda: client.messages(sid).fetch(), 404, 20404)


def t_redact():
    sid = send("redact me").sid
    wait_status(sid, "delivered")
    expect_eq("body after redact", client.messages(sid).update(body="").body, "")


print(f"python-sdk: twilio-python {twilio.__version__} against {E['SWITCHBOARD_URL']}", flush=True)
check("create", t_create)
check("fetch", t_fetch)
check("delivered", t_delivered)
check("list-pages", t_list_pages)
check("invalid-to", t_invalid_to)
check("wrong-token", t_wrong_token)
check("isolation", t_isolation)
check("cancel", t_cancel)
check("delete", t_delete)
check("redact", t_redact)
if "isolation" in state:
    print(f"note: {state['isolation']}")
print(f"python-sdk: {results['passed']} passed, {results['failed']} failed")
sys.exit(1 if results["failed"] else 0)
