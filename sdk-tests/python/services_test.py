#!/usr/bin/env python3
"""Messaging Services and scheduled messages through the official twilio-python SDK.

Env: SWITCHBOARD_URL ACCOUNT_SID AUTH_TOKEN (the server must allow SendAt two
seconds ahead: messaging.schedule_min_secs <= 2). Exit 0 when every check passes.
"""
import datetime
import os
import sys
import time

from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client

URL, SID, TOKEN = (os.environ[k] for k in ("SWITCHBOARD_URL", "ACCOUNT_SID", "AUTH_TOKEN"))
client = Client(SID, TOKEN, http_client=TwilioHttpClient(timeout=30))
client.api.base_url = URL
client.messaging.base_url = URL  # the v1 Services resource, on the same host

failures = []
checks = 0


def check(cond, msg):
    global checks
    checks += 1
    print(("ok   " if cond else "FAIL ") + msg)
    if not cond:
        failures.append(msg)


def wait_status(sid, wanted, timeout=30.0):
    deadline = time.monotonic() + timeout
    while True:
        m = client.messages(sid).fetch()
        if m.status in wanted or time.monotonic() > deadline:
            return m
        time.sleep(0.1)


svc = client.messaging.v1.services.create(friendly_name="Salon reminders")
check(svc.sid.startswith("MG"), f"service created: {svc.sid}")
check(svc.sticky_sender is True, "sticky sender on by default")
check(any(s.sid == svc.sid for s in client.messaging.v1.services.list()), "service listed")
senders = []
for n in ("+15550700101", "+15550700102"):
    pn = client.incoming_phone_numbers.create(phone_number=n)
    added = client.messaging.v1.services(svc.sid).phone_numbers.create(phone_number_sid=pn.sid)
    check(added.phone_number == n, f"{n} added to the pool")
    senders.append(n)
pool = client.messaging.v1.services(svc.sid).phone_numbers.list()
check(len(pool) == 2, "two numbers in the pool")

recipients = [f"+1555070020{i}" for i in range(5)]
sender_of = {}
sent = []
for i in range(20):
    to = recipients[i % 5]
    m = client.messages.create(to=to, messaging_service_sid=svc.sid, body=f"Reminder {i}")
    if i == 0:
        check(m.status == "accepted", f"a service send starts accepted (got {m.status})")
    if i < 2:
        check(m.from_ in senders, f"sender from the pool: {m.from_}")
    if sender_of.setdefault(to, m.from_) != m.from_:
        check(False, f"{to} got {m.from_} after {sender_of[to]}")
    sent.append(m.sid)
check(len(sender_of) == 5, "each recipient always from the same sender")
final = [wait_status(s, {"delivered", "undelivered", "failed"}).status for s in sent]
check(all(s == "delivered" for s in final), f"all 20 delivered ({set(final)})")

send_at = (datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(seconds=4)).replace(microsecond=0)
scheduled = [
    client.messages.create(to=recipients[0], messaging_service_sid=svc.sid, body="See you soon",
                           schedule_type="fixed", send_at=send_at)
    for _ in range(2)
]
check(all(m.status == "scheduled" for m in scheduled), "scheduled")
canceled = client.messages(scheduled[1].sid).update(status="canceled")
check(canceled.status == "canceled", "one canceled")
check(client.messages(scheduled[0].sid).fetch().status == "scheduled", "not sent before its time")
done = wait_status(scheduled[0].sid, {"delivered", "undelivered", "failed"})
check(done.status == "delivered", f"the other goes out at its time ({done.status})")
check(datetime.datetime.now(datetime.timezone.utc) >= send_at, "not before SendAt")
check(client.messages(scheduled[1].sid).fetch().status == "canceled", "the canceled one stays canceled")

print(f"python-sdk services: {checks} checks, {len(failures)} failed")
sys.exit(1 if failures else 0)
