#!/usr/bin/env python3
"""Places one call through the official twilio-python SDK and waits for its end.

Env: SWITCHBOARD_URL ACCOUNT_SID AUTH_TOKEN TO FROM, and TWIML or URL; optional
STATUS_CALLBACK (with every event requested), TIMEOUT (ring seconds), CANCEL_AFTER
(seconds after which the call is canceled through the API).
Prints the final call as JSON on the last line; exit 0 when the call reached a final status.
"""
import json
import os
import sys
import time

from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client

env = os.environ
client = Client(env["ACCOUNT_SID"], env["AUTH_TOKEN"], http_client=TwilioHttpClient(timeout=30))
client.api.base_url = env["SWITCHBOARD_URL"]

args = {"to": env["TO"], "from_": env["FROM"]}
if env.get("TWIML"):
    args["twiml"] = env["TWIML"]
else:
    args["url"] = env["URL"]
if env.get("STATUS_CALLBACK"):
    args["status_callback"] = env["STATUS_CALLBACK"]
    args["status_callback_event"] = ["initiated", "ringing", "answered", "completed"]
if env.get("TIMEOUT"):
    args["timeout"] = int(env["TIMEOUT"])

call = client.calls.create(**args)
print(f"created {call.sid} status={call.status}")
FINAL = {"completed", "busy", "failed", "no-answer", "canceled"}
cancel_at = time.monotonic() + float(env["CANCEL_AFTER"]) if env.get("CANCEL_AFTER") else None
deadline = time.monotonic() + 90
seen = []
while time.monotonic() < deadline:
    call = client.calls(call.sid).fetch()
    if not seen or seen[-1] != call.status:
        seen.append(call.status)
        print(f"status {call.status}")
    if call.status in FINAL:
        break
    if cancel_at is not None and time.monotonic() > cancel_at:
        client.calls(call.sid).update(status="canceled")
        cancel_at = None
    time.sleep(0.1)
print(
    json.dumps(
        {
            "sid": call.sid,
            "status": call.status,
            "duration": call.duration,
            "seen": seen,
            "start_time": str(call.start_time),
            "end_time": str(call.end_time),
        }
    )
)
sys.exit(0 if call.status in FINAL else 1)
