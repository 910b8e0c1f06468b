"""A loopback SMTP server for the alert tests (backend/src/alerts/tests.rs).

Usage: smtp_sink.py OUTDIR [--auth USER:PASSWORD] [--reject ADDRESS]... [--starttls CERT:KEY]
       [--implicit-tls CERT:KEY]

--starttls offers STARTTLS with the given PEM certificate and key and refuses mail before it;
--implicit-tls speaks TLS from the first byte (SMTPS).

Listens on 127.0.0.1 on a port the OS picks and prints that port on the first line of stdout, so
the test needs no port guessing. Every accepted message becomes OUTDIR/NNNN.json (written to a
temp name, then renamed, so a test never reads half a file) with the envelope and the message
parsed by Python's own `email` package: a second MIME implementation checks what lettre built.
Exits when stdin closes, i.e. when the test that started it ends, however it ends.
"""

import asyncio
import email
import email.policy
import json
import logging
import os
import ssl
import sys
import warnings

from aiosmtpd.smtp import SMTP, AuthResult

# AUTH without TLS is deliberate here (loopback, test credentials): keep the test output clean.
warnings.simplefilter("ignore")
logging.getLogger("mail.log").setLevel(logging.ERROR)


class Sink:
    def __init__(self, outdir, rejected):
        self.outdir = outdir
        self.rejected = {a.lower() for a in rejected}
        self.count = 0

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.lower() in self.rejected:
            return "550 5.1.1 <%s>: mailbox unavailable" % address
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        msg = email.message_from_bytes(envelope.original_content, policy=email.policy.default)
        parts = {}
        for part in msg.walk():
            if part.get_content_type() in ("text/plain", "text/html"):
                parts[part.get_content_type()] = part.get_content()
        login = session.auth_data.login if session.authenticated else None
        record = {
            "mail_from": envelope.mail_from,
            "rcpt_tos": envelope.rcpt_tos,
            "login": login.decode() if isinstance(login, bytes) else login,
            "subject": str(msg["subject"]),
            "from": str(msg["from"]),
            "to": str(msg["to"]),
            "content_type": msg.get_content_type(),
            "parts": parts,
            "raw": envelope.original_content.decode("utf-8", "replace"),
        }
        self.count += 1
        path = os.path.join(self.outdir, "%04d.json" % self.count)
        with open(path + ".tmp", "w", encoding="utf-8") as f:
            json.dump(record, f)
        os.replace(path + ".tmp", path)
        return "250 2.0.0 Message accepted for delivery"


def authenticator(expected):
    def check(server, session, envelope, mechanism, auth_data):
        ok = (auth_data.login, auth_data.password) == expected
        return AuthResult(success=ok, handled=False, auth_data=auth_data if ok else None)

    return check


async def main():
    args = sys.argv[1:]
    outdir, rejected, auth = args[0], [], None
    starttls, implicit = None, None
    i = 1
    while i < len(args):
        if args[i] == "--reject":
            rejected.append(args[i + 1])
        elif args[i] == "--auth":
            user, password = args[i + 1].split(":", 1)
            auth = (user.encode(), password.encode())
        elif args[i] in ("--starttls", "--implicit-tls"):
            cert, key = args[i + 1].split(":", 1)
            ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            ctx.load_cert_chain(cert, key)
            if args[i] == "--starttls":
                starttls = ctx
            else:
                implicit = ctx
        i += 2
    handler = Sink(outdir, rejected)

    def factory():
        options = {}
        if starttls is not None:
            options.update(tls_context=starttls, require_starttls=True)
        if auth is not None:
            options.update(
                authenticator=authenticator(auth),
                auth_required=True,
                auth_require_tls=starttls is not None,
            )
        return SMTP(handler, **options)

    loop = asyncio.get_running_loop()
    server = await loop.create_server(factory, "127.0.0.1", 0, ssl=implicit)
    print(server.sockets[0].getsockname()[1], flush=True)
    await loop.run_in_executor(None, sys.stdin.read)
    server.close()


asyncio.run(main())
