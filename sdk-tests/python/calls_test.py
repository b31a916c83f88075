#!/usr/bin/env python3
"""The Calls resource through the official twilio-python SDK. No call engine runs,
so calls stay queued until the API cancels them.

Env: SWITCHBOARD_URL ACCOUNT_SID AUTH_TOKEN FROM DELIVER_TO. Exit 0 when every check passes.
"""
import os
import sys

from twilio.base.exceptions import TwilioRestException
from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client

URL, SID, TOKEN = (os.environ[k] for k in ("SWITCHBOARD_URL", "ACCOUNT_SID", "AUTH_TOKEN"))
FROM, TO = os.environ["FROM"], os.environ["DELIVER_TO"]

client = Client(SID, TOKEN, http_client=TwilioHttpClient(timeout=30))
client.api.base_url = URL
failures = []
checks = 0


def check(cond, msg):
    global checks
    checks += 1
    print(("ok   " if cond else "FAIL ") + msg)
    if not cond:
        failures.append(msg)


def error_of(call):
    try:
        call()
    except TwilioRestException as e:
        return e.status, e.code, e.msg
    return None


call = client.calls.create(to=TO, from_=FROM, twiml="<Response><Say>Hi</Say></Response>")
check(call.sid.startswith("CA") and len(call.sid) == 34, f"call created: {call.sid}")
check(call.status == "queued", f"queued: {call.status}")
check(call.direction == "outbound-api", f"direction: {call.direction}")
check(call.to == TO and call._from == FROM, f"numbers: {call.to} {call._from}")
check(call.duration is None and call.start_time is None, "no duration or start yet")
check(call.date_created is not None, "date_created parses (RFC 2822)")

fetched = client.calls(call.sid).fetch()
check(fetched.sid == call.sid and fetched.status == "queued", "fetched")

queued = client.calls.list(status="queued")
check(any(c.sid == call.sid for c in queued), "listed with status=queued")
check(all(c.status == "queued" for c in queued), "the status filter holds")
check(client.calls.list(to=TO, limit=5)[0].sid == call.sid, "filtered by To, newest first")

canceled = client.calls(call.sid).update(status="canceled")
check(canceled.status == "canceled", f"canceled: {canceled.status}")
check(canceled.duration == "0" and canceled.end_time is not None, "ended with no duration")
check(not any(c.sid == call.sid for c in client.calls.list(status="queued")), "no longer queued")

err = error_of(lambda: client.calls(call.sid).update(url="https://app.example/next"))
check(err is not None and err[:2] == (400, 21220), f"a final call cannot be redirected: {err}")
err = error_of(lambda: client.calls.create(to=TO, from_="+15550109999", url="https://app.example/v"))
check(err is not None and err[:2] == (400, 21210), f"From must be the account's: {err}")
err = error_of(lambda: client.calls.create(to="12", from_=FROM, url="https://app.example/v"))
check(err is not None and err[:2] == (400, 21211), f"To must be a number or SIP URI: {err}")

check(client.calls(call.sid).delete() is True, "a final call is deleted")
err = error_of(lambda: client.calls(call.sid).fetch())
check(err is not None and err[0] == 404, "deleted: not found")

print(f"{checks} checks, {len(failures)} failed")
sys.exit(1 if failures else 0)
