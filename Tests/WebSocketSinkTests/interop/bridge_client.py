#!/usr/bin/env python3
"""A client of the Python iRacing WebSocket bridge, written the way that bridge's own clients are:
plain `websockets`, text commands, JSON replies told apart by their "type" field.

Run against the broker's WebSocket sink, it checks the message shapes the bridge documents and that
a subscription streams at 60 Hz. Usage: bridge_client.py ws://127.0.0.1:PORT/ [seconds]
It prints one JSON line with what it measured and exits 0 when every check passed, 1 otherwise.
"""

import asyncio
import json
import sys
import time

import websockets

TIME_KEYS = {"min_ms", "max_ms", "mean_ms", "p50_ms", "p90_ms", "p95_ms", "samples"}


class Failed(Exception):
    pass


def check(condition, what):
    if not condition:
        raise Failed(what)


async def receive(ws, wanted, timeout=5.0):
    """The next message of type `wanted`, skipping others (telemetry keeps flowing meanwhile)."""
    deadline = time.monotonic() + timeout
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise Failed(f"no '{wanted}' message within {timeout} s")
        message = json.loads(await asyncio.wait_for(ws.recv(), remaining))
        check(isinstance(message, dict) and "type" in message, f"a message without a type: {message!r}")
        if message["type"] == wanted:
            return message


async def run(uri, seconds):
    report = {}
    async with websockets.connect(uri, max_size=2**22) as ws:
        status = await receive(ws, "status")
        check(isinstance(status["connected"], bool), "status.connected is a bool")
        check(status["connected"] is True, "the test source is connected")

        await ws.send("ping")
        check(await receive(ws, "pong") == {"type": "pong"}, "pong is exactly {'type': 'pong'}")

        await ws.send("status")
        check((await receive(ws, "status"))["connected"] is True, "status answers")

        await ws.send("read Speed,RPM,Gear")
        read = await receive(ws, "read")
        check(set(read["data"]) == {"Speed", "RPM", "Gear"}, f"read data keys: {sorted(read['data'])}")
        check(isinstance(read["data"]["Gear"], int), "Gear is an int")
        check(isinstance(read["data"]["Speed"], (int, float)), "Speed is a number")

        await ws.send("sessioninfo")
        session = await receive(ws, "sessionInfo")
        check(isinstance(session["data"], dict) and "WeekendInfo" in session["data"], "sessionInfo.data has WeekendInfo")

        await ws.send("metrics")
        metrics = (await receive(ws, "metrics"))["data"]
        check(TIME_KEYS <= set(metrics["loop"]["time"]), "metrics.loop.time keys")
        for key in ("get_count", "skip_count", "get_vs_skip", "max_get_streak"):
            check(key in metrics["loop"], f"metrics.loop.{key}")
        check(TIME_KEYS <= set(metrics["var_get"]["time"]), "metrics.var_get.time keys")

        await ws.send("sub Bogus")
        error = await receive(ws, "error")
        check(error.get("unknown") == ["Bogus"], f"error for an unknown variable: {error}")

        await ws.send("sub Speed,RPM,Gear")
        first = await receive(ws, "telemetry", timeout=2)
        check(set(first["data"]) == {"Speed", "RPM", "Gear"}, f"telemetry data keys: {sorted(first['data'])}")
        count = 0
        started = time.monotonic()
        while time.monotonic() - started < seconds:
            message = json.loads(await asyncio.wait_for(ws.recv(), 2))
            if message["type"] == "telemetry":
                check(set(message["data"]) == {"Speed", "RPM", "Gear"}, "every telemetry message has the subscribed keys")
                count += 1
        elapsed = time.monotonic() - started
        report["messages"] = count
        report["rate"] = count / elapsed

        await ws.send("unsub all")
        await ws.send("ping")
        await receive(ws, "pong")
    return report


def main():
    uri = sys.argv[1]
    seconds = float(sys.argv[2]) if len(sys.argv) > 2 else 3.0
    try:
        report = asyncio.run(run(uri, seconds))
        report["ok"] = True
    except Failed as failure:
        report = {"ok": False, "failure": str(failure)}
    except Exception as error:  # connection problems, timeouts: report them as one line
        report = {"ok": False, "failure": f"{type(error).__name__}: {error}"}
    print(json.dumps(report))
    sys.exit(0 if report["ok"] else 1)


if __name__ == "__main__":
    main()
