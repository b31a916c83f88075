#!/usr/bin/env python3
"""Twilio Verify v2 through the official twilio-python SDK: a service, an SMS
verification whose code is read where a handset would get it (the built-in SMSC
simulator's GET /messages), checks, and the send and check limits.

Env: SWITCHBOARD_URL ACCOUNT_SID AUTH_TOKEN SMSC_URL. Exit 0 when every check passes.
"""
import json
import os
import re
import sys
import time
import urllib.parse
import urllib.request

from twilio.base.exceptions import TwilioRestException
from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client

URL, SID, TOKEN, SMSC = (
    os.environ[k] for k in ("SWITCHBOARD_URL", "ACCOUNT_SID", "AUTH_TOKEN", "SMSC_URL")
)
client = Client(SID, TOKEN, http_client=TwilioHttpClient(timeout=30))
client.verify.base_url = URL

failures = []
checks = 0


def check(cond, msg):
    global checks
    checks += 1
    print(("ok   " if cond else "FAIL ") + msg)
    if not cond:
        failures.append(msg)


def texts_to(number, n, timeout=30.0):
    """The texts the SMSC accepted for `number`, once there are at least n."""
    q = urllib.parse.urlencode({"to": number})
    deadline = time.monotonic() + timeout
    while True:
        with urllib.request.urlopen(f"{SMSC}/messages?{q}") as r:
            texts = [m["text"] for m in json.load(r)["messages"]]
        if len(texts) >= n or time.monotonic() > deadline:
            return texts
        time.sleep(0.05)


def code_in(text):
    found = re.findall(r"\d{4,10}", text)
    return found[-1] if found else ""


def error_of(call):
    try:
        call()
    except TwilioRestException as e:
        return e.status, e.code
    return None


svc = client.verify.v2.services.create(friendly_name="Salon Bella", code_length=6)
check(svc.sid.startswith("VA"), f"service created: {svc.sid}")
check(svc.code_length == 6, "code length 6")
check(svc.date_created is not None and svc.date_created.tzinfo is not None, "ISO date parsed")
check(any(s.sid == svc.sid for s in client.verify.v2.services.list()), "service listed")
check(client.verify.v2.services(svc.sid).fetch().friendly_name == "Salon Bella", "service fetched")

to = "+393331240001"
v = client.verify.v2.services(svc.sid).verifications.create(to=to, channel="sms")
check(v.sid.startswith("VE") and v.status == "pending", f"verification pending: {v.sid}")
check(len(v.send_code_attempts) == 1, "one send attempt")
texts = texts_to(to, 1)
code = code_in(texts[0]) if texts else ""
check(len(code) == 6 and "Salon Bella" in texts[0], f"code read at the SMSC: {texts[:1]}")

wrong = "000000" if code != "000000" else "111111"
c = client.verify.v2.services(svc.sid).verification_checks.create(to=to, code=wrong)
check(c.status == "pending" and c.valid is False, "a wrong code leaves it pending")
c = client.verify.v2.services(svc.sid).verification_checks.create(to=to, code=code)
check(c.status == "approved" and c.valid is True, "the right code approves it")
err = error_of(lambda: client.verify.v2.services(svc.sid).verification_checks.create(to=to, code=code))
check(err == (404, 20404), f"a second check is 404/20404: {err}")

# sends: the 6th within the window is refused
to2 = "+393471882345"
for i in range(5):
    client.verify.v2.services(svc.sid).verifications.create(to=to2, channel="sms")
err = error_of(lambda: client.verify.v2.services(svc.sid).verifications.create(to=to2, channel="sms"))
check(err == (429, 60203), f"6th send is 429/60203: {err}")
texts = texts_to(to2, 5)
check(len({code_in(t) for t in texts}) == 1, "every resend carried the same code")

# checks: the 6th wrong check is refused
to3 = "+393209954417"
client.verify.v2.services(svc.sid).verifications.create(to=to3, channel="sms")
code3 = code_in(texts_to(to3, 1)[0])
wrong3 = "000000" if code3 != "000000" else "111111"
statuses = [
    client.verify.v2.services(svc.sid).verification_checks.create(to=to3, code=wrong3).status
    for _ in range(5)
]
check(statuses == ["pending"] * 5, f"five wrong checks pending: {statuses}")
err = error_of(lambda: client.verify.v2.services(svc.sid).verification_checks.create(to=to3, code=wrong3))
check(err == (429, 60202), f"6th wrong check is 429/60202: {err}")

# cancel through the update endpoint
to4 = "+393512277603"
v4 = client.verify.v2.services(svc.sid).verifications.create(to=to4, channel="sms")
v4 = client.verify.v2.services(svc.sid).verifications(v4.sid).update(status="canceled")
check(v4.status == "canceled", "canceled")
err = error_of(lambda: client.verify.v2.services(svc.sid).verifications(v4.sid).fetch())
check(err == (404, 20404), f"a canceled verification is gone: {err}")

# programmable rate limits: 1 start per minute per end-user IP
rk = client.verify.v2.services(svc.sid).rate_limits.create(unique_name="end_user_ip", description="IP")
check(rk.sid.startswith("RK"), f"rate limit created: {rk.sid}")
bl = client.verify.v2.services(svc.sid).rate_limits(rk.sid).buckets.create(max=1, interval=60)
check(bl.sid.startswith("BL") and bl.max == 1 and bl.interval == 60, "bucket created")
check(len(client.verify.v2.services(svc.sid).rate_limits.list()) == 1, "rate limit listed")
svcs = client.verify.v2.services(svc.sid)
svcs.verifications.create(to="+393398810026", channel="sms", rate_limits={"end_user_ip": "198.51.100.7"})
err = error_of(lambda: svcs.verifications.create(to="+393664401938", channel="sms", rate_limits={"end_user_ip": "198.51.100.7"}))
check(err == (429, 20429), f"the bucket is full for that IP: {err}")

check(client.verify.v2.services(svc.sid).delete() is True, "service deleted")

print(f"python-sdk verify: {checks} checks, {len(failures)} failed")
sys.exit(1 if failures else 0)
