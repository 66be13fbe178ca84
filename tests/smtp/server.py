"""A real SMTP server for Credence's tests, on aiosmtpd (PyPI).

    python3 tests/smtp/server.py PORT MAILDIR [REFUSE_FIRST]

Listens on 127.0.0.1:PORT and writes every message it accepts to MAILDIR as
NNNN.eml (the envelope recipients in an X-Envelope-To header first). The first
REFUSE_FIRST messages (default 0) are refused with a transient 451, as a server
under load does, so that the sender's retries can be seen. Prints "ready" once it
listens, and stops on SIGTERM or when stdin closes.
"""

import asyncio
import os
import signal
import sys

from aiosmtpd.controller import Controller


class Store:
    def __init__(self, maildir, refuse_first):
        self.maildir = maildir
        self.refuse_left = refuse_first
        self.count = 0

    async def handle_DATA(self, server, session, envelope):
        if self.refuse_left > 0:
            self.refuse_left -= 1
            return "451 4.3.0 Try again later"
        self.count += 1
        path = os.path.join(self.maildir, f"{self.count:04d}.eml")
        head = "X-Envelope-To: " + ", ".join(envelope.rcpt_tos) + "\r\n"
        with open(path + ".part", "wb") as f:
            f.write(head.encode("ascii"))
            f.write(envelope.original_content or envelope.content)
        os.replace(path + ".part", path)
        return "250 2.0.0 Accepted"


def main():
    port = int(sys.argv[1])
    maildir = sys.argv[2]
    refuse_first = int(sys.argv[3]) if len(sys.argv) > 3 else 0
    os.makedirs(maildir, exist_ok=True)
    controller = Controller(Store(maildir, refuse_first), hostname="127.0.0.1", port=port)
    controller.start()
    print("ready", flush=True)
    stop = asyncio.Event()
    loop = asyncio.new_event_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    loop.add_reader(sys.stdin.fileno(), lambda: stop.set() if not sys.stdin.readline() else None)
    loop.run_until_complete(stop.wait())
    controller.stop()


if __name__ == "__main__":
    main()
