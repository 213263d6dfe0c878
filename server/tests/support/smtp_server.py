"""A real SMTP server on loopback for Rapport's tests (aiosmtpd from Debian's python3-aiosmtpd).

usage: smtp_server.py MODE PORT MAILDIR
  accept  store every message as MAILDIR/<n>.eml
  refuse  answer RCPT TO with 550 (a permanent failure)
  drop    accept the envelope, then cut the connection when the message data arrives

Prints READY once it listens and runs until it is terminated.
"""
import asyncio
import itertools
import os
import signal
import sys

from aiosmtpd.controller import Controller

mode, port, maildir = sys.argv[1], int(sys.argv[2]), sys.argv[3]
counter = itertools.count(1)


class Handler:
    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if mode == "refuse":
            return "550 5.1.1 No such mailbox here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if mode == "drop":
            server.transport.abort()
            return "451 connection dropped"
        path = os.path.join(maildir, f"{next(counter):04d}.eml")
        with open(path + ".tmp", "wb") as f:
            f.write(envelope.original_content or envelope.content)
        os.rename(path + ".tmp", path)
        return "250 Message accepted for delivery"


controller = Controller(Handler(), hostname="127.0.0.1", port=port)
controller.start()
print("READY", flush=True)
signal.sigwait({signal.SIGTERM, signal.SIGINT})
controller.stop()
