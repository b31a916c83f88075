#!/usr/bin/env python3
"""API keys (the Keys resource) and scopes through the official twilio-python SDK.

Env: SWITCHBOARD_URL ACCOUNT_SID AUTH_TOKEN FROM DELIVER_TO. Exit 0 when every check passes.
"""
import os
import sys

from twilio.base.exceptions import TwilioRestException
from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client

URL, SID, TOKEN = (os.environ[k] for k in ("SWITCHBOARD_URL", "ACCOUNT_SID", "AUTH_TOKEN"))
FROM, TO = os.environ["FROM"], os.environ["DELIVER_TO"]


def client_for(user, password):
    c = Client(user, password, SID, http_client=TwilioHttpClient(timeout=30))
    c.api.base_url = URL
    return c


client = client_for(SID, TOKEN)
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


key = client.new_keys.create(friendly_name="ci key")
check(key.sid.startswith("SK"), f"key created: {key.sid}")
check(bool(key.secret), "the secret is returned on creation")
check(key.friendly_name == "ci key", "friendly name kept")
listed = client.keys.list()
check(any(k.sid == key.sid for k in listed), "key listed")
fetched = client.keys(key.sid).fetch()
check(fetched.friendly_name == "ci key", "key fetched")
renamed = client.keys(key.sid).update(friendly_name="renamed")
check(renamed.friendly_name == "renamed", "key renamed")

# A standard key sends messages but cannot manage keys.
with_key = client_for(key.sid, key.secret)
m = with_key.messages.create(to=TO, from_=FROM, body="sent with an API key")
check(m.sid.startswith("SM"), "a standard key sends")
err = error_of(lambda: with_key.keys(key.sid).fetch())
check(err is not None and err[0] == 403 and err[1] == 20403, f"a standard key cannot read keys: {err}")
check(err is not None and "keys:write" in err[2], "the 403 names the missing scope")

# Deleting a key revokes it at once.
check(client.keys(key.sid).delete() is True, "key deleted")
err = error_of(lambda: with_key.messages(m.sid).fetch())
check(err is not None and err[0] == 401, f"a deleted key no longer authenticates: {err}")
err = error_of(lambda: client.keys(key.sid).fetch())
check(err is not None and err[0] == 404, "a deleted key is not found")

print(f"{checks} checks, {len(failures)} failed")
sys.exit(1 if failures else 0)
