"""A webhook receiver that checks every request with twilio-python's
RequestValidator, the way a Twilio customer's app does.

Usage: webhook_receiver.py AUTH_TOKEN [/path=<TwiML> ...]
(each /path=<TwiML> answers requests to /path with that document)

Prints one JSON line per event on stdout:
  {"ev": "listening", "port": N}
  {"ev": "request", "method": ..., "path": ..., "params": {...},
   "valid": bool, "tampered_valid": bool}
"""

import json
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit

from twilio.request_validator import RequestValidator

VALIDATOR = RequestValidator(sys.argv[1])
ANSWERS = dict(a.split("=", 1) for a in sys.argv[2:])


def emit(obj):
    sys.stdout.write(json.dumps(obj) + "\n")
    sys.stdout.flush()


class Handler(BaseHTTPRequestHandler):
    def _handle(self, method):
        url = f"http://{self.headers['Host']}{self.path}"
        if method == "POST":
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length).decode("utf-8")
            params = dict(parse_qsl(raw, keep_blank_values=True))
        else:
            params = {}
        signature = self.headers.get("X-Twilio-Signature", "")
        valid = VALIDATOR.validate(url, params, signature)
        if params:
            key = sorted(params)[0]
            tampered = dict(params, **{key: params[key] + "x"})
        else:
            tampered = {"Injected": "1"}
        tampered_valid = VALIDATOR.validate(url, tampered, signature)
        path = urlsplit(self.path).path
        query = dict(parse_qsl(urlsplit(self.path).query, keep_blank_values=True))
        emit({"ev": "request", "method": method, "path": path,
              "params": params or query, "valid": valid,
              "tampered_valid": tampered_valid,
              "idempotency": self.headers.get("I-Twilio-Idempotency-Token")})
        twiml = ANSWERS.get(path, "")
        body = twiml.encode("utf-8")
        self.send_response(200)
        self.send_header("Content-Type", "text/xml")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self):
        self._handle("POST")

    def do_GET(self):
        self._handle("GET")

    def log_message(self, *args):
        pass


if __name__ == "__main__":
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    emit({"ev": "listening", "port": server.server_address[1]})
    server.serve_forever()
