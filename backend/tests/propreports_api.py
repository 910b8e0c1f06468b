"""A local stand-in for a firm's PropReports API (`api.php`), for `backend/tests/pull.rs`.

It answers the documented shapes (propreports.atlassian.net, page "API"): form POSTs; `action=login`
answers a 32-character token; `action=fills` with `startDate`, `endDate`, optional `accountId` and
`page` answers the fills export's CSV rows of those dates, at most `--page-size` records a page,
ending with a `Page k/n` trailer when a page was asked for; `action=logout`; any problem is HTTP
500 with the message as the body. It enforces the documented rate limit (40 requests in any 4
seconds: more is refused with HTTP 429 and counted) and can misbehave on purpose, once each:
expire the token after some requests, refuse a request as over the rate, cut a page short.

Usage: propreports_api.py --fills FILE --log FILE [--page-size N] [--token-requests N]
       [--refuse-request N] [--truncate-request N] [--always-truncate] [--password P]
Prints the port it listens on (127.0.0.1), then serves until killed. Every request is appended
to the log as one JSON line: time, action, fields (password removed) and the status answered.
"""

import argparse
import csv
import io
import json
import secrets
import sys
import threading
import time
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

RATE_LIMIT, RATE_WINDOW = 40, 4.0

args = None
header = ""
rows = []  # (date, account, line)
lock = threading.Lock()
state = {"requests": 0, "tokens": {}, "sent": [], "rate_refusals": 0}


def load(path):
    global header
    with open(path, newline="", encoding="utf-8") as f:
        lines = f.read().splitlines()
    header = lines[0]
    cols = next(csv.reader([header]))
    at, acc = cols.index("Date/Time"), cols.index("Account")
    for line in lines[1:]:
        if not line.strip():
            continue
        rec = next(csv.reader([line]))
        day = datetime.strptime(rec[at], "%m/%d/%Y %H:%M:%S").date()
        rows.append((day, rec[acc], line))


class Api(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *a):
        pass

    def answer(self, status, body, extra=None):
        data = body.encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        for k, v in (extra or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)

    def do_POST(self):
        n = int(self.headers.get("Content-Length", "0"))
        form = {k: v[0] for k, v in parse_qs(self.rfile.read(n).decode("utf-8")).items()}
        status, body, extra = self.handle_form(form)
        logged = {k: v for k, v in form.items() if k != "password"}
        with lock, open(args.log, "a", encoding="utf-8") as log:
            log.write(json.dumps({"t": time.time(), "fields": logged, "status": status}) + "\n")
        self.answer(status, body, extra)

    def handle_form(self, form):
        with lock:
            now = time.monotonic()
            state["sent"] = [t for t in state["sent"] if now - t < RATE_WINDOW]
            state["sent"].append(now)
            state["requests"] += 1
            number = state["requests"]
            if len(state["sent"]) > RATE_LIMIT:
                state["rate_refusals"] += 1
                return 429, "Request rate limit exceeded.", None
            if number == args.refuse_request:
                return 429, "Request rate limit exceeded.", {"Retry-After": "1"}
        action = form.get("action", "")
        if action == "login":
            if form.get("user") != "jdoe" or form.get("password") != args.password:
                return 500, "Invalid user or password.", None
            token = secrets.token_hex(16)
            with lock:
                state["tokens"][token] = 0
            # The documented example answer carries more after the 32 characters.
            return 200, token + "1e:485", None
        token = form.get("token", "")
        with lock:
            if token not in state["tokens"]:
                return 500, "Invalid token.", None
            state["tokens"][token] += 1
            if args.token_requests and state["tokens"][token] > args.token_requests:
                del state["tokens"][token]
                return 500, "Invalid token.", None
        if action == "logout":
            return 200, "Logged out.", None
        if action != "fills":
            return 500, "Unknown action.", None
        try:
            start = datetime.strptime(form["startDate"], "%Y-%m-%d").date()
            end = datetime.strptime(form["endDate"], "%Y-%m-%d").date()
        except (KeyError, ValueError):
            return 500, "Invalid date.", None
        account = form.get("accountId")
        if account is not None and not any(a == account for _, a, _ in rows):
            return 500, "Invalid account: " + account, None
        picked = [l for d, a, l in rows if start <= d <= end and (account is None or a == account)]
        size = args.page_size
        pages = (len(picked) + size - 1) // size
        page = int(form.get("page", "0") or 0)
        chunk = picked[(max(page, 1) - 1) * size:][:size]
        out = io.StringIO()
        out.write(header + "\r\n")
        for line in chunk:
            out.write(line + "\r\n")
        if page:
            out.write("Page %d/%d\r\n" % (page, pages))
        body = out.getvalue()
        if args.always_truncate or number == args.truncate_request:
            # Cut mid-row: the trailer and the end of the last record are lost.
            body = body[: max(len(header) + 2, len(body) - 40)]
        return 200, body, None


def main():
    global args
    p = argparse.ArgumentParser()
    p.add_argument("--fills", required=True)
    p.add_argument("--log", required=True)
    p.add_argument("--page-size", type=int, default=50000)
    p.add_argument("--token-requests", type=int, default=0)
    p.add_argument("--refuse-request", type=int, default=0)
    p.add_argument("--truncate-request", type=int, default=0)
    p.add_argument("--always-truncate", action="store_true")
    p.add_argument("--password", default="aardvark123")
    args = p.parse_args()
    load(args.fills)
    server = ThreadingHTTPServer(("127.0.0.1", 0), Api)
    print(server.server_address[1], flush=True)
    server.serve_forever()


if __name__ == "__main__":
    sys.exit(main())
