#!/usr/bin/env python3
"""Appointment reminders for a hairdresser, on Switchboard (or Twilio).

A small web app built on the Python standard library and the official
`twilio` SDK only:

  POST /appointments              book: {"name", "phone", "time", "service"?} -> 201 {"id", ...}
  GET  /appointments              every appointment
  GET  /appointments/{id}         one appointment (status: booked, reminded, confirmed, cancelled)
  POST /appointments/{id}/remind  text the client a reminder ("Reply 1 to confirm or 2 to cancel")
  POST /sms                       the salon number's SmsUrl: a client's reply, answered in TwiML
  POST /status                    StatusCallback of the reminders (records their delivery status)

Replies: 1 or C confirms, 2 or X cancels (with an offer to rebook by phone),
anything else gets a short help text. The app never asks clients to reply
"CANCEL": that word is an opt-out keyword (like STOP) and would block the salon
from texting them. Opt-out keywords (STOP, CANCEL, ...) arrive with
`OptOutType`; Switchboard already answers those, so the app answers with an
empty <Response/>.

Every request to /sms and /status must carry a valid X-Twilio-Signature
(checked with twilio's RequestValidator against PUBLIC_URL + path); otherwise 403.

On start the app registers the salon number (IncomingPhoneNumbers) with
SmsUrl = PUBLIC_URL/sms, or updates it if the account already holds it.

Configuration (flags override environment variables):
  --switchboard-url  SWITCHBOARD_URL   the Switchboard API (default http://127.0.0.1:8080)
  --account-sid      ACCOUNT_SID       } or --credentials FILE / SWITCHBOARD_CREDENTIALS:
  --auth-token       AUTH_TOKEN        } the credentials.json written by `switchboard serve`
  --salon-number     SALON_NUMBER      E.164 number the salon holds (required)
  --salon-phone      SALON_PHONE       number clients call to rebook (default: SALON_NUMBER)
  --salon-name       SALON_NAME        shown in reminders (optional)
  --public-url       PUBLIC_URL        how Switchboard reaches this app (default http://HOST:PORT)
  --host             HOST              (default 127.0.0.1)
  --port             PORT              (default 5000; 0 = any free port)
  --db               APPOINTMENTS_DB   SQLite file (default appointments.db)
  --no-setup                           do not register the number on start

Prints JSON lines on stdout: {"ev": "listening", "port": N}, then
{"ev": "ready", ...} once the number is registered, then one line per event.

This is an example (Apache-2.0, like Switchboard): the booking API has
no authentication, so keep it on a private address.
"""

import argparse
import datetime
import json
import os
import re
import sqlite3
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit

from twilio.base.exceptions import TwilioRestException
from twilio.http.http_client import TwilioHttpClient
from twilio.request_validator import RequestValidator
from twilio.rest import Client
from twilio.twiml.messaging_response import MessagingResponse
from twilio.twiml.voice_response import Gather, VoiceResponse

E164 = re.compile(r"^\+[1-9][0-9]{1,14}$")
CONFIRM = {"1", "C"}
CANCEL_KEYS = {"2", "X"}  # never the word CANCEL: it is an opt-out keyword
OPEN = ("booked", "reminded", "confirmed")


class Conflict(Exception):
    """The request is valid but the appointment's state does not allow it (HTTP 409)."""


def emit(**event):
    sys.stdout.write(json.dumps(event) + "\n")
    sys.stdout.flush()


def now():
    return datetime.datetime.now()


def when(start, on=False):
    """'today at 10:00', 'tomorrow at 10:00' or '[on ]Thu 12 Jun at 10:00'."""
    days = (start.date() - now().date()).days
    clock = start.strftime("%H:%M")
    if days == 0:
        return f"today at {clock}"
    if days == 1:
        return f"tomorrow at {clock}"
    date = f"{start.strftime('%a')} {start.day} {start.strftime('%b')}"
    if start.year != now().year:
        date += f" {start.year}"
    return f"{'on ' if on else ''}{date} at {clock}"


# --- storage -----------------------------------------------------------------


class Store:
    """Appointments in SQLite: one connection behind a lock (an example, not a busy app)."""

    def __init__(self, path):
        self.lock = threading.Lock()
        self.db = sqlite3.connect(path, check_same_thread=False)
        self.db.row_factory = sqlite3.Row
        with self.lock, self.db:
            self.db.execute(
                """CREATE TABLE IF NOT EXISTS appointments (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    name TEXT NOT NULL,
                    phone TEXT NOT NULL,
                    service TEXT NOT NULL,
                    start TEXT NOT NULL,
                    status TEXT NOT NULL,
                    reminder_sid TEXT,
                    reminder_status TEXT,
                    reminded_at TEXT,
                    last_reply TEXT,
                    created_at TEXT NOT NULL,
                    updated_at TEXT NOT NULL)"""
            )

    @staticmethod
    def _json(row):
        return dict(row) if row is not None else None

    def book(self, name, phone, service, start):
        stamp = now().isoformat(timespec="seconds")
        with self.lock, self.db:
            cur = self.db.execute(
                "INSERT INTO appointments (name, phone, service, start, status, created_at,"
                " updated_at) VALUES (?, ?, ?, ?, 'booked', ?, ?)",
                (name, phone, service, start.isoformat(timespec="minutes"), stamp, stamp),
            )
            return self._get(cur.lastrowid)

    def _get(self, appt_id):
        return self._json(
            self.db.execute("SELECT * FROM appointments WHERE id = ?", (appt_id,)).fetchone()
        )

    def get(self, appt_id):
        with self.lock:
            return self._get(appt_id)

    def all(self):
        with self.lock:
            rows = self.db.execute("SELECT * FROM appointments ORDER BY start, id").fetchall()
            return [dict(r) for r in rows]

    def update(self, appt_id, **fields):
        fields["updated_at"] = now().isoformat(timespec="seconds")
        cols = ", ".join(f"{k} = ?" for k in fields)
        with self.lock, self.db:
            self.db.execute(
                f"UPDATE appointments SET {cols} WHERE id = ?", (*fields.values(), appt_id)
            )
            return self._get(appt_id)

    def open_for(self, phone):
        """The appointment a reply from `phone` is about: the most recently reminded open one,
        else the next booked one."""
        with self.lock:
            row = self.db.execute(
                "SELECT * FROM appointments WHERE phone = ? AND status IN (?, ?, ?)"
                " ORDER BY reminded_at IS NULL, reminded_at DESC, start, id LIMIT 1",
                (phone, *OPEN),
            ).fetchone()
            return self._json(row)

    def set_reminder_status(self, sid, status):
        with self.lock, self.db:
            self.db.execute(
                "UPDATE appointments SET reminder_status = ? WHERE reminder_sid = ?", (status, sid)
            )


# --- the app -----------------------------------------------------------------


class Salon:
    def __init__(self, cfg, store):
        self.cfg = cfg
        self.store = store
        self.validator = RequestValidator(cfg.auth_token)
        # The only change from talking to Twilio: the base URL.
        self.client = Client(
            cfg.account_sid, cfg.auth_token, http_client=TwilioHttpClient(timeout=30)
        )
        self.client.api.base_url = cfg.switchboard_url.rstrip("/")

    def register_number(self):
        """Point the salon number's SmsUrl at this app (create the number if needed)."""
        sms_url = self.cfg.public_url + "/sms"
        held = [
            n
            for n in self.client.incoming_phone_numbers.list(phone_number=self.cfg.salon_number)
            if n.phone_number == self.cfg.salon_number
        ]
        if held:
            number = self.client.incoming_phone_numbers(held[0].sid).update(
                sms_url=sms_url, sms_method="POST"
            )
        else:
            number = self.client.incoming_phone_numbers.create(
                phone_number=self.cfg.salon_number,
                sms_url=sms_url,
                sms_method="POST",
                friendly_name=self.cfg.salon_name or self.cfg.salon_number,
            )
        return number

    # -- booking and reminders --

    def book(self, data):
        name = str(data.get("name") or "").strip()
        phone = str(data.get("phone") or "").strip()
        service = str(data.get("service") or "haircut").strip()
        if not name or len(name) > 64:
            raise ValueError("name is required (at most 64 characters)")
        if not E164.match(phone):
            raise ValueError(
                "phone must be an E.164 number, e.g. +15551230099 (in a form body, + is %2B)"
            )
        try:
            start = datetime.datetime.fromisoformat(str(data.get("time") or ""))
        except ValueError:
            raise ValueError("time must be an ISO date and time, e.g. 2030-06-12T10:00") from None
        if start.tzinfo is not None:
            start = start.astimezone().replace(tzinfo=None)  # the salon's local time
        appt = self.store.book(name, phone, service, start)
        emit(ev="booked", id=appt["id"], phone=phone, time=appt["start"])
        return appt

    def remind(self, appt):
        if appt["status"] not in ("booked", "reminded"):
            raise Conflict(f"appointment {appt['id']} is {appt['status']}")
        start = datetime.datetime.fromisoformat(appt["start"])
        at = f" at {self.cfg.salon_name}" if self.cfg.salon_name else ""
        body = (
            f"Hi {appt['name']}, your {appt['service']}{at} is {when(start, on=True)}. "
            "Reply 1 to confirm or 2 to cancel."
        )
        msg = self.client.messages.create(
            from_=self.cfg.salon_number,
            to=appt["phone"],
            body=body,
            status_callback=self.cfg.public_url + "/status",
        )
        appt = self.store.update(
            appt["id"],
            status="reminded",
            reminder_sid=msg.sid,
            reminder_status=msg.status,
            reminded_at=now().isoformat(timespec="microseconds"),
        )
        emit(ev="reminded", id=appt["id"], message_sid=msg.sid)
        return appt

    def call(self, appt):
        """Call a client who does not read texts: the reminder is spoken, 1 confirms, 2 cancels."""
        if appt["status"] not in ("booked", "reminded"):
            raise Conflict(f"appointment {appt['id']} is {appt['status']}")
        call = self.client.calls.create(
            from_=self.cfg.salon_number,
            to=appt["phone"],
            url=f"{self.cfg.public_url}/voice/{appt['id']}",
        )
        appt = self.store.update(
            appt["id"],
            status="reminded",
            reminder_sid=call.sid,
            reminder_status=call.status,
            reminded_at=now().isoformat(timespec="microseconds"),
        )
        emit(ev="called", id=appt["id"], call_sid=call.sid)
        return appt

    def voice(self, appt_id):
        """The TwiML the call runs when the client answers."""
        appt = self.store.get(appt_id)
        twiml = VoiceResponse()
        if appt is None:
            twiml.say("Sorry, we can't find your appointment. Goodbye.")
            twiml.hangup()
            return twiml
        start = datetime.datetime.fromisoformat(appt["start"])
        at = f" at {self.cfg.salon_name}" if self.cfg.salon_name else ""
        gather = Gather(num_digits=1, action=f"/voice/{appt_id}/reply", timeout=5)
        gather.say(
            f"Hello {appt['name']}. Your {appt['service']}{at} is {when(start, on=True)}. "
            "Press 1 to confirm, or 2 to cancel."
        )
        twiml.append(gather)
        twiml.say("We did not get your answer. Goodbye.")
        return twiml

    def voice_reply(self, appt_id, params):
        """The client's key press (Digits) on the call."""
        appt = self.store.get(appt_id)
        twiml = VoiceResponse()
        key = params.get("Digits", "")
        if appt is None:
            twiml.hangup()
            return twiml
        if key in CONFIRM:
            self.store.update(appt_id, status="confirmed", last_reply=key)
            twiml.say("Thank you, you are confirmed. See you then.")
            action = "confirmed"
        elif key in CANCEL_KEYS:
            self.store.update(appt_id, status="cancelled", last_reply=key)
            twiml.say("Your appointment is cancelled. Call us to book a new time.")
            action = "cancelled"
        else:
            twiml.say("Sorry, we didn't get that.")
            twiml.redirect(f"/voice/{appt_id}")
            action = "help"
        twiml.hangup()
        emit(ev="voice-reply", id=appt_id, digits=key, action=action)
        return twiml

    # -- replies --

    def reply(self, params):
        """The TwiML answer to an inbound message."""
        twiml = MessagingResponse()
        if params.get("OptOutType"):
            # STOP / START / HELP (and CANCEL, an opt-out keyword): Switchboard has answered.
            emit(ev="opt-out", phone=params.get("From"), type=params["OptOutType"])
            return twiml
        phone = params.get("From", "")
        key = params.get("Body", "").strip().upper().rstrip(".!")
        appt = self.store.open_for(phone)
        if appt is None:
            twiml.message(
                f"Sorry, we can't find an upcoming appointment for this number. "
                f"Call us on {self.cfg.salon_phone} to book."
            )
            emit(ev="reply", phone=phone, body=key, action="unknown-client")
            return twiml
        start = datetime.datetime.fromisoformat(appt["start"])
        if key in CONFIRM:
            self.store.update(appt["id"], status="confirmed", last_reply=key)
            twiml.message(f"Thanks {appt['name']}, you're confirmed for {when(start)}.")
            action = "confirmed"
        elif key in CANCEL_KEYS:
            self.store.update(appt["id"], status="cancelled", last_reply=key)
            twiml.message(
                f"OK {appt['name']}, your {appt['service']} {when(start, on=True)} is cancelled. "
                f"Call us on {self.cfg.salon_phone} to book a new time."
            )
            action = "cancelled"
        else:
            twiml.message(
                f"Sorry, we didn't get that. Reply 1 to confirm your {appt['service']} "
                f"{when(start, on=True)} or 2 to cancel it."
            )
            action = "help"
        emit(ev="reply", id=appt["id"], phone=phone, body=key, action=action)
        return twiml


# --- HTTP --------------------------------------------------------------------


class Handler(BaseHTTPRequestHandler):
    salon = None  # set by main()
    server_version = "salon-appointments/1"

    def _send(self, status, body, content_type="application/json"):
        if not isinstance(body, (bytes, str)):
            body = json.dumps(body)
        data = body.encode("utf-8") if isinstance(body, str) else body
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _body(self):
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _form(self, raw):
        return dict(parse_qsl(raw.decode("utf-8"), keep_blank_values=True))

    def _signed(self, params):
        """X-Twilio-Signature over PUBLIC_URL + path (with query) and the form parameters."""
        url = self.salon.cfg.public_url + self.path
        signature = self.headers.get("X-Twilio-Signature", "")
        return self.salon.validator.validate(url, params, signature)

    def _appointment_id(self, path):
        m = re.fullmatch(r"/appointments/([0-9]+)(/remind|/call)?", path)
        return (int(m.group(1)), m.group(2) or "") if m else (None, "")

    def do_GET(self):
        path = urlsplit(self.path).path
        if path == "/appointments":
            return self._send(200, {"appointments": self.salon.store.all()})
        appt_id, action = self._appointment_id(path)
        if appt_id is not None and not action:
            appt = self.salon.store.get(appt_id)
            return self._send(200, appt) if appt else self._send(404, {"error": "not found"})
        return self._send(404, {"error": "not found"})

    def do_POST(self):
        path = urlsplit(self.path).path
        raw = self._body()
        try:
            if path == "/sms":
                params = self._form(raw)
                if not self._signed(params):
                    emit(ev="forbidden", path=path)
                    return self._send(403, {"error": "invalid X-Twilio-Signature"})
                twiml = self.salon.reply(params)
                return self._send(200, str(twiml), "text/xml; charset=utf-8")
            if path == "/status":
                params = self._form(raw)
                if not self._signed(params):
                    emit(ev="forbidden", path=path)
                    return self._send(403, {"error": "invalid X-Twilio-Signature"})
                self.salon.store.set_reminder_status(
                    params.get("MessageSid", ""), params.get("MessageStatus", "")
                )
                return self._send(204, b"")
            if path == "/appointments":
                if "json" in (self.headers.get("Content-Type") or ""):
                    data = json.loads(raw or b"{}")
                else:
                    data = self._form(raw)
                if not isinstance(data, dict):
                    raise ValueError("expected a JSON object")
                return self._send(201, self.salon.book(data))
            voice = re.fullmatch(r"/voice/([0-9]+)(/reply)?", path)
            if voice:
                params = self._form(raw)
                if not self._signed(params):
                    emit(ev="forbidden", path=path)
                    return self._send(403, {"error": "invalid X-Twilio-Signature"})
                appt_id = int(voice.group(1))
                if voice.group(2):
                    twiml = self.salon.voice_reply(appt_id, params)
                else:
                    twiml = self.salon.voice(appt_id)
                return self._send(200, str(twiml), "text/xml; charset=utf-8")
            appt_id, action = self._appointment_id(path)
            if appt_id is not None and action:
                appt = self.salon.store.get(appt_id)
                if appt is None:
                    return self._send(404, {"error": "not found"})
                if action == "/call":
                    return self._send(200, self.salon.call(appt))
                return self._send(200, self.salon.remind(appt))
            return self._send(404, {"error": "not found"})
        except (ValueError, UnicodeDecodeError) as e:
            return self._send(400, {"error": str(e)})
        except Conflict as e:
            return self._send(409, {"error": str(e)})
        except TwilioRestException as e:
            # e.g. 21610: the client replied STOP (or CANCEL) and cannot be texted any more.
            emit(ev="twilio-error", status=e.status, code=e.code, message=e.msg)
            status = 409 if 400 <= (e.status or 0) < 500 else 502
            return self._send(status, {"error": e.msg, "code": e.code})

    def log_message(self, fmt, *args):
        sys.stderr.write("%s %s\n" % (self.address_string(), fmt % args))


# --- configuration -----------------------------------------------------------


def config(argv):
    env = os.environ.get
    p = argparse.ArgumentParser(description="Appointment reminders for a hairdresser.")
    p.add_argument("--switchboard-url", default=env("SWITCHBOARD_URL", "http://127.0.0.1:8080"))
    p.add_argument("--account-sid", default=env("ACCOUNT_SID"))
    p.add_argument("--auth-token", default=env("AUTH_TOKEN"))
    p.add_argument("--credentials", default=env("SWITCHBOARD_CREDENTIALS"),
                   help="credentials.json written by `switchboard serve`")
    p.add_argument("--salon-number", default=env("SALON_NUMBER"))
    p.add_argument("--salon-phone", default=env("SALON_PHONE"))
    p.add_argument("--salon-name", default=env("SALON_NAME", ""))
    p.add_argument("--public-url", default=env("PUBLIC_URL"))
    p.add_argument("--host", default=env("HOST", "127.0.0.1"))
    p.add_argument("--port", type=int, default=int(env("PORT", "5000")))
    p.add_argument("--db", default=env("APPOINTMENTS_DB", "appointments.db"))
    p.add_argument("--no-setup", action="store_true", help="do not register the salon number")
    cfg = p.parse_args(argv)
    if cfg.credentials and not (cfg.account_sid and cfg.auth_token):
        with open(cfg.credentials, encoding="utf-8") as f:
            creds = json.load(f)
        cfg.account_sid = cfg.account_sid or creds["account_sid"]
        cfg.auth_token = cfg.auth_token or creds["auth_token"]
    missing = [n for n in ("account_sid", "auth_token", "salon_number") if not getattr(cfg, n)]
    if missing:
        p.error("missing " + ", ".join(n.upper() for n in missing)
                + " (flags or environment; credentials also via --credentials)")
    if not E164.match(cfg.salon_number):
        p.error("SALON_NUMBER must be E.164, e.g. +15551230001")
    cfg.salon_phone = cfg.salon_phone or cfg.salon_number
    return cfg


def main(argv=None):
    cfg = config(argv)
    store = Store(cfg.db)
    server = ThreadingHTTPServer((cfg.host, cfg.port), Handler)
    server.daemon_threads = True
    port = server.server_address[1]
    emit(ev="listening", port=port)
    # The public URL is known only once the port is bound (port 0).
    cfg.public_url = (cfg.public_url or f"http://{cfg.host}:{port}").rstrip("/")
    salon = Salon(cfg, store)
    Handler.salon = salon
    number_sid = None
    if not cfg.no_setup:
        try:
            number_sid = salon.register_number().sid
        except TwilioRestException as e:
            print(f"cannot register {cfg.salon_number}: HTTP {e.status}, code {e.code}: {e.msg}",
                  file=sys.stderr)
            return 1
        except Exception as e:  # connection refused, DNS, ...
            print(f"cannot reach Switchboard at {cfg.switchboard_url}: {e}", file=sys.stderr)
            return 1
    emit(ev="ready", port=port, public_url=cfg.public_url, sms_url=cfg.public_url + "/sms",
         number_sid=number_sid)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
