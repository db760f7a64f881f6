#!/usr/bin/env python3
"""A wss:// client for the WebSocket sink's TLS tests: Python's `websockets` with an SSL context
that trusts only the given CA file (or, with "-", the system's roots).

Usage: tls_client.py wss://127.0.0.1:PORT/ CA_FILE|- SECONDS
It connects, waits for the status greeting, subscribes to Speed and counts telemetry messages for
SECONDS. It prints one JSON line: ok, failure (on error), the SHA-256 of the server's certificate,
messages, and late_messages (those in the last second, to show a stream still flowing).
"""

import asyncio
import hashlib
import json
import ssl
import sys
import time

import websockets


async def run(uri, ca_file, seconds):
    context = ssl.create_default_context(cafile=None if ca_file == "-" else ca_file)
    report = {}
    async with websockets.connect(uri, ssl=context, max_size=2**22, open_timeout=30) as ws:
        der = ws.transport.get_extra_info("ssl_object").getpeercert(binary_form=True)
        report["fingerprint"] = hashlib.sha256(der).hexdigest()
        print(json.dumps({"connected": True, "fingerprint": report["fingerprint"]}), file=sys.stderr, flush=True)
        while json.loads(await asyncio.wait_for(ws.recv(), 15)).get("type") != "status":
            pass
        await ws.send("sub Speed")
        count = late = 0
        started = time.monotonic()
        while (now := time.monotonic()) - started < seconds:
            message = json.loads(await asyncio.wait_for(ws.recv(), 5))
            if message.get("type") == "telemetry":
                count += 1
                if now - started >= seconds - 1:
                    late += 1
        report["messages"] = count
        report["late_messages"] = late
    return report


def main():
    try:
        report = asyncio.run(run(sys.argv[1], sys.argv[2], float(sys.argv[3])))
        report["ok"] = True
    except Exception as error:  # handshake failures, refusals, timeouts: one line each
        report = {"ok": False, "failure": f"{type(error).__name__}: {error}"}
    print(json.dumps(report))
    sys.exit(0 if report["ok"] else 1)


if __name__ == "__main__":
    main()
