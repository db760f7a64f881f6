#!/usr/bin/env python3
"""Soak test of the broker's WebSocket sink: one broker, many clients of every kind, for a while.

Started by scripts/soak.sh, which picks the broker binary. This script:
  - writes a config (mock source at 60 Hz, WebSocket sink on a free loopback port, mDNS off, the
    sink's limits at their defaults) and starts the broker with it;
  - runs the clients (200 by default) for the given time, every one on loopback, each group from its
    own 127.x.y.z addresses so the per-address connection limit sees "machines":
      normal       subscribe to ~10 variables (some at `rate 30`), read everything, send a command
                   now and then; their messages per 10 s window are checked against their rate
      slow         subscribe to everything; some read only a message every half second, some stop
                   reading for 15 s at a time (the sink closes those after 10 s) and come back
      reconnecting connect, maybe subscribe, leave (cleanly or by dropping the TCP connection), again
      garbage      random bytes, bad HTTP, binary frames, unknown commands, invalid UTF-8, oversize
                   messages, huge length headers, unmasked frames, reserved opcodes, command floods
      flood        (2 of the garbage share) open upgrades from one address well past max_connects_per_s
  - with --tls-dir, the sink serves wss:// only (certificates from scripts/make-test-certificates.sh)
    and every client, raw ones included, speaks TLS trusting the run's CA; one more garbage action
    sends a plain ws:// upgrade to the TLS port;
  - samples the broker's resident memory from /proc every 2 s;
  - ends with SIGTERM to the broker while the clients are still connected, and checks it exits 0
    within 2 s.
It prints a report (and writes it as JSON with --json) and exits 1 when a check fails:
  - the broker died, or did not exit 0 within 2 s of SIGTERM;
  - its RSS grew faster than --rss-slope-limit MB/min over the samples after warm-up (the first 20 %),
    in runs of 60 s or more (a shorter run is all warm-up, a TLS one most of all); or its RSS ever
    went over --rss-ceiling MB (150, SPEC 9's bound at 1,000 clients);
  - a normal client got under 80 % of the frames owed to it in a 10 s window after warm-up (the
    frames the source published then, times its share by rate);
  - the broker logged more than 100 lines at warning level or above (a log flood);
  - an unmasked frame (with the upgrade request, right after the 101, or mid-session) was not
    answered with a close frame 1002 (RFC 6455 5.1), or no such client ran (one caught by the
    final SIGTERM may get the shutdown's 1001, or the connection's end, instead);
  - with TLS: a plain upgrade on the TLS port was not answered with HTTP 400, or none was sent.
Only the broker process this script started is ever signalled, by its PID.
"""

import argparse
import asyncio
import base64
import json
import os
import random
import signal
import socket
import ssl
import struct
import subprocess
import sys
import tempfile
import time
import urllib.request

import websockets
from websockets.asyncio.client import connect

HZ = 60  # the mock's frame rate and the sink's rate
WINDOW_S = 10  # starvation is judged per window of this length
STARVED_SHARE = 0.8  # a normal client must get at least this share of its rate in every window
WARM_UP_SHARE = 0.2  # samples and windows in the first 20 % of the run are not judged
LOG_FLOOD_LINES = 100


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def address(group, index):
    """A loopback address of its own for client `index` of `group` (127.<group>.x.y)."""
    return f"127.{group}.{index // 250}.{index % 250 + 1}"


def resident_mb(pid):
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def cpu_seconds(pid):
    """User + system CPU time the process has used, in seconds."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return None


def slope_per_minute(samples):
    """Least-squares slope of (seconds, MB) samples, in MB per minute."""
    if len(samples) < 3:
        return 0.0
    n = len(samples)
    mean_t = sum(t for t, _ in samples) / n
    mean_v = sum(v for _, v in samples) / n
    var = sum((t - mean_t) ** 2 for t, _ in samples)
    if var == 0:
        return 0.0
    cov = sum((t - mean_t) * (v - mean_v) for t, v in samples)
    return cov / var * 60


class Stats:
    """Counters shared by every client task."""

    def __init__(self):
        self.counts = {}

    def add(self, key, n=1):
        self.counts[key] = self.counts.get(key, 0) + n


# --- raw WebSocket pieces, for what a client library refuses to send ---------------------------

async def raw_open(port, local, timeout=5, ssl=None):
    """A TCP connection from `local` (over TLS with `ssl`), for what a client library refuses to send."""
    return await asyncio.wait_for(
        asyncio.open_connection("127.0.0.1", port, local_addr=(local, 0), ssl=ssl,
                                server_hostname="127.0.0.1" if ssl else None), timeout)


def upgrade_request(port, path="/"):
    key = base64.b64encode(os.urandom(16)).decode()
    return (f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\n"
            f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n").encode()


async def read_status(reader, timeout=5):
    """The status code of the HTTP response head (None when the connection closed first)."""
    head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), timeout)
    parts = head.split(b" ", 2)
    return int(parts[1]) if len(parts) >= 2 and parts[1].isdigit() else None


def client_frame(opcode, payload, masked=True, fin=True, claimed_length=None):
    length = len(payload) if claimed_length is None else claimed_length
    first = (0x80 if fin else 0) | opcode
    mask_bit = 0x80 if masked else 0
    if length < 126:
        header = bytes([first, mask_bit | length])
    elif length < 1 << 16:
        header = bytes([first, mask_bit | 126]) + struct.pack(">H", length)
    else:
        header = bytes([first, mask_bit | 127]) + struct.pack(">Q", length)
    if not masked:
        return header + payload
    mask = os.urandom(4)
    return header + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(payload))


async def close_code(reader, timeout=5):
    """Reads server frames until a close frame; its code, 'eof' if the connection ended without
    one, 'open after 5 s (N frames)' if neither happened in time."""
    deadline = time.monotonic() + timeout
    frames = 0
    try:
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                return f"open after {timeout} s ({frames} frames)"
            head = await asyncio.wait_for(reader.readexactly(2), left)
            length = head[1] & 0x7F
            if length == 126:
                length = struct.unpack(">H", await reader.readexactly(2))[0]
            elif length == 127:
                length = struct.unpack(">Q", await reader.readexactly(8))[0]
            payload = await asyncio.wait_for(reader.readexactly(length), max(0.1, deadline - time.monotonic()))
            if head[0] & 0x0F == 0x8:
                return struct.unpack(">H", payload[:2])[0] if len(payload) >= 2 else "no code"
            frames += 1
    except (asyncio.IncompleteReadError, ConnectionError):
        return "eof"
    except asyncio.TimeoutError:
        return f"open after {timeout} s ({frames} frames)"


async def send_frame(writer, frame):
    """Writes a frame; a connection the server has already closed is not an error here, since what
    the server said before closing (a close frame with its code) is still there to read. Over TLS
    this happens whenever the broker closes first (a 1001 at shutdown): Python's TLS transport
    answers the server's close_notify by closing the connection at once, and a later write fails."""
    try:
        writer.write(frame)
        await writer.drain()
    except ConnectionError:
        pass


def close_writer(writer, abort=False):
    try:
        if abort:
            writer.transport.abort()
        else:
            writer.close()
    except Exception:
        pass


# --- the clients ----------------------------------------------------------------------------------

class Soak:
    def __init__(self, port, seconds, clients, variables, seed, ssl_context=None):
        self.port = port
        self.ssl = ssl_context  # wss:// and TLS raw connections when set
        self.uri = f"{'wss' if ssl_context else 'ws'}://127.0.0.1:{port}/"
        self.seconds = seconds
        self.clients = clients
        self.variables = variables
        self.random = random.Random(seed)
        self.stats = Stats()
        self.start = 0.0
        self.end = 0.0
        self.normal = []  # per normal client: {"rate": hz, "per_second": [messages], ...}
        # The source's frame number (telemetry `seq`) early in each second of the run, the most
        # any normal client saw: how many frames the source published, whatever the machine's load.
        self.seq_by_second = {}
        self.loop_lag_max = 0.0
        self.stopping = False

    def running(self):
        return not self.stopping and time.monotonic() < self.end

    def options(self, local, **extra):
        if self.ssl:
            extra["ssl"] = self.ssl
        return dict(proxy=None, compression=None, open_timeout=10, close_timeout=2, ping_interval=None,
                    local_addr=(local, 0), **extra)

    async def normal_client(self, index):
        local = address(1, index)
        rng = random.Random(index)
        # Eight shared variable sets (clients on one set share an encoding), and every tenth client
        # a set of its own.
        pool_rng = random.Random(1000 + (index if index % 10 == 9 else index % 8))
        names = pool_rng.sample(self.variables, 10)
        rate = 30 if index % 4 == 3 else HZ
        # Telemetry messages received in each second of the run.
        per_second = [0] * (int(self.seconds) + 30)
        record = {"rate": rate, "per_second": per_second, "disconnects": 0, "errors": 0, "replies": 0}
        self.normal.append(record)
        while self.running():
            try:
                async with connect(self.uri, **self.options(local)) as ws:
                    if rate != HZ:
                        await ws.send(f"rate {rate}")
                    await ws.send("sub " + ",".join(names))
                    next_command = time.monotonic() + rng.uniform(2, 6)
                    while self.running():
                        try:
                            message = await asyncio.wait_for(ws.recv(), 1)
                        except asyncio.TimeoutError:
                            continue
                        now = time.monotonic()
                        if message.startswith('{"type":"telemetry"'):
                            second = int(now - self.start)
                            if second < len(per_second):
                                if per_second[second] == 0:
                                    self.note_seq(second, message)
                                per_second[second] += 1
                        elif message.startswith('{"type":"error"'):
                            record["errors"] += 1
                        else:
                            record["replies"] += 1
                        if now >= next_command:
                            next_command = now + rng.uniform(3, 8)
                            await ws.send(rng.choice(["ping", "status", "read " + names[0], "metrics", "vars"]))
            except (websockets.ConnectionClosed, OSError, websockets.InvalidHandshake, asyncio.TimeoutError) as error:
                if self.running():
                    record["disconnects"] += 1
                    self.stats.add(f"normal: disconnected ({type(error).__name__})")
                    await asyncio.sleep(1)

    def note_seq(self, second, message):
        at = message.find('"seq":')
        if at < 0:
            return
        end = at + 6
        while end < len(message) and message[end].isdigit():
            end += 1
        if end > at + 6:
            seq = int(message[at + 6:end])
            self.seq_by_second[second] = max(seq, self.seq_by_second.get(second, 0))

    async def slow_client(self, index):
        local = address(2, index)
        stalls = index % 2 == 1
        while self.running():
            try:
                async with connect(self.uri, **self.options(local, max_queue=4)) as ws:
                    await ws.send("sub all")
                    self.stats.add("slow: connected")
                    if not stalls:
                        while self.running():
                            await asyncio.wait_for(ws.recv(), 15)
                            self.stats.add("slow: messages read")
                            await asyncio.sleep(0.5)
                        continue
                    # Read normally for a few seconds, then stop reading for 15 s.
                    until = time.monotonic() + 3
                    while self.running() and time.monotonic() < until:
                        await asyncio.wait_for(ws.recv(), 5)
                    await self.sleep_while_running(15)
                    if not self.running():
                        continue
                    try:
                        for _ in range(10000):  # drain what is buffered until the end shows
                            await asyncio.wait_for(ws.recv(), 5)
                        self.stats.add("slow: stalled 15 s and was still connected")
                    except websockets.ConnectionClosed:
                        self.stats.add("slow: stalled 15 s and was closed by the sink")
            except (websockets.ConnectionClosed, OSError, websockets.InvalidHandshake, asyncio.TimeoutError) as error:
                if self.running():
                    detail = type(error).__name__
                    if isinstance(error, websockets.ConnectionClosed):
                        detail += f", received {error.rcvd.code if error.rcvd else 'no close frame'}"
                        detail += f", sent {error.sent.code if error.sent else 'no close frame'}"
                    self.stats.add(f"slow ({'stalling' if stalls else 'sluggish'}): connection ended ({detail})")
                    await asyncio.sleep(0.5)

    async def reconnecting_client(self, index):
        local = address(3, index)
        rng = random.Random(3000 + index)
        while self.running():
            try:
                ws = await connect(self.uri, **self.options(local))
            except websockets.InvalidStatus as error:
                self.stats.add(f"reconnecting: refused {error.response.status_code}")
                await asyncio.sleep(1)
                continue
            except (OSError, websockets.InvalidHandshake, asyncio.TimeoutError) as error:
                self.stats.add(f"reconnecting: connect failed ({type(error).__name__})")
                await asyncio.sleep(1)
                continue
            self.stats.add("reconnecting: connected")
            try:
                await asyncio.wait_for(ws.recv(), 5)  # the status greeting
                if rng.random() < 0.7:
                    await ws.send("sub " + ",".join(rng.sample(self.variables, 5)))
                    await asyncio.wait_for(ws.recv(), 5)
                how = rng.random()
                if how < 0.5:
                    await ws.close()
                else:
                    ws.transport.abort()  # gone without a close frame
                    self.stats.add("reconnecting: dropped without closing")
            except (websockets.ConnectionClosed, OSError, asyncio.TimeoutError) as error:
                self.stats.add(f"reconnecting: session failed ({type(error).__name__})")
                ws.transport.abort()
            await asyncio.sleep(rng.uniform(0.1, 0.4))

    async def garbage_client(self, index):
        local = address(4, index)
        rng = random.Random(4000 + index)
        actions = [
            self.garbage_random_bytes, self.garbage_bad_http, self.garbage_commands, self.garbage_binary,
            self.garbage_oversize, self.garbage_invalid_utf8, self.garbage_huge_length, self.garbage_unmasked,
            self.garbage_reserved_opcode, self.garbage_command_flood, self.garbage_partial_head,
        ] + ([self.garbage_plain_on_tls] if self.ssl else [])
        while self.running():
            action = rng.choice(actions)
            name = action.__name__.replace("garbage_", "")
            try:
                outcome = await asyncio.wait_for(action(local, rng), 20)
            except (OSError, asyncio.IncompleteReadError, websockets.ConnectionClosed, websockets.InvalidHandshake) as error:
                outcome = f"connection ended ({type(error).__name__})"
                if not self.running():
                    outcome += " at shutdown"  # the broker is closing every connection: not this action's answer
            except asyncio.TimeoutError:
                outcome = "no answer within 20 s"
            self.stats.add(f"garbage {name}: {outcome}")
            await asyncio.sleep(rng.uniform(0.1, 0.4))

    async def garbage_random_bytes(self, local, rng):
        reader, writer = await raw_open(self.port, local, ssl=self.ssl)
        writer.write(rng.randbytes(rng.randint(1, 8192)))
        await writer.drain()
        try:
            status = await read_status(reader, timeout=15)
            return f"HTTP {status}"
        except (asyncio.IncompleteReadError, ConnectionError):
            return "closed"
        finally:
            close_writer(writer)

    async def garbage_bad_http(self, local, rng):
        reader, writer = await raw_open(self.port, local, ssl=self.ssl)
        choice = rng.randrange(3)
        if choice == 0:
            kind, request = "100 kB header", b"GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 100_000 + b"\r\n\r\n"
        elif choice == 1:
            kind, request = "unknown method", b"BREW /pot HTTP/9.9\r\n\r\n"
        else:
            kind = "binary path"
            request = b"GET /" + rng.randbytes(50).replace(b"\r", b"").replace(b"\n", b"") + b" HTTP/1.1\r\nHost: x\r\n\r\n"
        writer.write(request)
        try:
            await writer.drain()
            status = await read_status(reader, timeout=15)
            return f"{kind}: HTTP {status}"
        except (asyncio.IncompleteReadError, ConnectionError):
            return "closed"
        finally:
            close_writer(writer)

    async def garbage_commands(self, local, rng):
        async with connect(self.uri, **self.options(local)) as ws:
            await asyncio.wait_for(ws.recv(), 5)
            for _ in range(5):
                word = "".join(rng.choice("abcdefghijklmnopqrstuvwxyz !,/%") for _ in range(rng.randint(1, 60)))
                await ws.send(word)
            errors = 0
            for _ in range(5):
                message = await asyncio.wait_for(ws.recv(), 5)
                errors += message.startswith('{"type":"error"')
            return f"{errors}/5 error replies"

    async def garbage_binary(self, local, rng):
        async with connect(self.uri, **self.options(local)) as ws:
            await asyncio.wait_for(ws.recv(), 5)
            await ws.send(rng.randbytes(rng.randint(1, 2000)))
            message = await asyncio.wait_for(ws.recv(), 5)
            return "error reply" if message.startswith('{"type":"error"') else "other reply"

    async def garbage_oversize(self, local, rng):
        async with connect(self.uri, **self.options(local)) as ws:
            await asyncio.wait_for(ws.recv(), 5)
            await ws.send("sub " + "x" * 10_000)
            try:
                while True:
                    await asyncio.wait_for(ws.recv(), 5)
            except websockets.ConnectionClosed as closed:
                return f"closed {closed.rcvd.code if closed.rcvd else 'without a close frame'}"

    async def raw_upgraded(self, local):
        reader, writer = await raw_open(self.port, local, ssl=self.ssl)
        writer.write(upgrade_request(self.port))
        await writer.drain()
        status = await read_status(reader)
        if status != 101:
            close_writer(writer)
            raise ConnectionError(f"upgrade answered {status}")
        return reader, writer

    async def raw_frame_then_close_code(self, local, frame):
        reader, writer = await self.raw_upgraded(local)
        try:
            await send_frame(writer, frame)
            code = await close_code(reader)
            return f"closed {code}" if isinstance(code, int) else code
        finally:
            close_writer(writer)

    async def garbage_invalid_utf8(self, local, rng):
        return await self.raw_frame_then_close_code(local, client_frame(0x1, b"sub \xff\xfe\xc3\x28"))

    async def garbage_huge_length(self, local, rng):
        return await self.raw_frame_then_close_code(local, client_frame(0x1, b"abcd", claimed_length=1 << 40))

    async def garbage_unmasked(self, local, rng):
        """An unmasked frame (RFC 6455 5.1): sent with the upgrade request, right after the 101, or
        once the session has begun. Every one must be answered with a close frame 1002."""
        frame = client_frame(0x1, b"ping", masked=False)
        when = rng.choice(("pipelined", "after the 101", "mid-session"))
        # A connection that fails before the frame is sent says nothing about how frames are answered.
        try:
            if when == "after the 101":
                reader, writer = await self.raw_upgraded(local)
            else:
                reader, writer = await raw_open(self.port, local, ssl=self.ssl)
        except (OSError, asyncio.TimeoutError, asyncio.IncompleteReadError) as error:
            return f"{when}: could not connect ({type(error).__name__})"
        try:
            if when != "after the 101":
                writer.write(upgrade_request(self.port) + (frame if when == "pipelined" else b""))
                await writer.drain()
                status = await read_status(reader)
                if status != 101:
                    return f"{when}: upgrade answered {status}"
            else:
                await send_frame(writer, frame)
            if when == "mid-session":
                await asyncio.sleep(rng.uniform(0, 0.3))
                await send_frame(writer, frame)
            code = await close_code(reader)
            return self.unmasked_outcome(when, f"closed {code}" if isinstance(code, int) else code)
        finally:
            close_writer(writer)

    def unmasked_outcome(self, when, outcome):
        """A 1001 (going away), or the connection ending, once the run is over is the broker's
        shutdown, not an answer."""
        if outcome in ("closed 1001", "eof") and not self.running():
            return f"{when}: {outcome} at shutdown"
        return f"{when}: {outcome}"

    async def garbage_reserved_opcode(self, local, rng):
        return await self.raw_frame_then_close_code(local, client_frame(0x3, b"????"))

    async def garbage_command_flood(self, local, rng):
        async with connect(self.uri, **self.options(local)) as ws:
            await asyncio.wait_for(ws.recv(), 5)
            for _ in range(200):
                await ws.send("ping")
            refused = 0
            for _ in range(200):
                message = await asyncio.wait_for(ws.recv(), 5)
                refused += '"too many commands' in message
            return "some refused (max_commands_per_s)" if refused else "none refused"

    async def garbage_plain_on_tls(self, local, rng):
        """A plain ws:// upgrade on the TLS port: it must get a plain-text HTTP 400, not garbage."""
        reader, writer = await raw_open(self.port, local)
        try:
            writer.write(upgrade_request(self.port))
            await writer.drain()
            return f"HTTP {await read_status(reader)}"
        except (asyncio.IncompleteReadError, ConnectionError, ValueError, IndexError):
            return "no HTTP answer" + ("" if self.running() else " at shutdown")
        finally:
            close_writer(writer)

    async def garbage_partial_head(self, local, rng):
        reader, writer = await raw_open(self.port, local, ssl=self.ssl)
        try:
            for piece in (b"GET / HT", b"TP/1.1\r\nUpgr", b"ade: websocket\r\n"):
                writer.write(piece)
                await writer.drain()
                await asyncio.sleep(0.5)
            return "left half-way"
        finally:
            close_writer(writer, abort=rng.random() < 0.5)

    async def flood_client(self, index):
        """Opens upgrades from one address far faster than max_connects_per_s, in bursts."""
        local = address(5, index)
        while self.running():
            burst_start = time.monotonic()

            async def attempt():
                try:
                    reader, writer = await raw_open(self.port, local, ssl=self.ssl)
                except (OSError, asyncio.TimeoutError):
                    return "connect failed"
                try:
                    writer.write(upgrade_request(self.port))
                    await writer.drain()
                    return f"HTTP {await read_status(reader)}"
                except (asyncio.IncompleteReadError, ConnectionError, asyncio.TimeoutError) as error:
                    return type(error).__name__
                finally:
                    close_writer(writer)

            for outcome in await asyncio.gather(*(attempt() for _ in range(40))):
                self.stats.add(f"flood: {outcome}")
            await asyncio.sleep(max(0.0, 1 - (time.monotonic() - burst_start)))

    async def sleep_while_running(self, seconds):
        until = time.monotonic() + seconds
        while self.running() and time.monotonic() < until:
            await asyncio.sleep(min(0.5, until - time.monotonic()))

    async def lag_monitor(self):
        """How late this process's own event loop runs: a lagging client cannot count arrivals."""
        while self.running():
            before = time.monotonic()
            await asyncio.sleep(0.1)
            self.loop_lag_max = max(self.loop_lag_max, time.monotonic() - before - 0.1)

    def groups(self):
        total = self.clients
        slow = max(1, total // 10)
        reconnecting = max(1, total // 10)
        flood = 2 if total >= 50 else 1
        garbage = max(1, total // 10) - flood
        normal = total - slow - reconnecting - garbage - flood
        return {"normal": normal, "slow": slow, "reconnecting": reconnecting, "garbage": max(garbage, 1), "flood": flood}

    async def run(self, on_tick):
        self.start = time.monotonic()
        self.end = self.start + self.seconds
        groups = self.groups()
        tasks = [asyncio.create_task(self.lag_monitor())]
        # Normal clients first, so every one of them is measured from early on.
        for index in range(groups["normal"]):
            tasks.append(asyncio.create_task(self.normal_client(index)))
        kinds = [(self.slow_client, "slow"), (self.reconnecting_client, "reconnecting"),
                 (self.garbage_client, "garbage"), (self.flood_client, "flood")]
        for function, kind in kinds:
            for index in range(groups[kind]):
                tasks.append(asyncio.create_task(function(index)))
        while time.monotonic() < self.end:
            on_tick(time.monotonic() - self.start)
            await asyncio.sleep(min(2, max(0.0, self.end - time.monotonic())))
        return groups, tasks


def starvation(soak, warm_up_s, measured_until):
    """Per normal client and 10 s window after warm-up: the share it received of what it was owed.

    A client is owed every frame the source published in the window (its `seq` advance), scaled by
    its rate (a 30 Hz client of a 60 Hz source, half of them). Judging against the frames actually
    published rather than the nominal 60 Hz keeps a machine too busy to run the source at full
    rate from passing for a starved client; the source's own rate is reported beside."""
    windows = []
    t = int(warm_up_s + 0.999)
    while t + WINDOW_S <= measured_until:
        begin_seq, end_seq = soak.seq_by_second.get(t), soak.seq_by_second.get(t + WINDOW_S)
        if begin_seq is not None and end_seq is not None:
            windows.append((t, t + WINDOW_S, end_seq - begin_seq))
        t += WINDOW_S
    worst = None
    starved = []
    for index, record in enumerate(soak.normal):
        per_second = record["per_second"]
        for begin, end, published in windows:
            got = sum(per_second[begin:end])
            owed = max(1.0, published * min(1.0, record["rate"] / HZ))
            share = got / owed
            if worst is None or share < worst[0]:
                worst = (share, index, begin)
            if share < STARVED_SHARE:
                starved.append({"client": index, "window_s": [begin, end], "got": got, "owed": round(owed)})
    return windows, worst, starved


def prometheus_counters(port, ssl_context=None):
    try:
        with urllib.request.urlopen(f"{'https' if ssl_context else 'http'}://127.0.0.1:{port}/metrics", timeout=5,
                                    context=ssl_context) as response:
            text = response.read().decode()
    except OSError as error:
        return {"error": str(error)}
    counters = {}
    for line in text.splitlines():
        if line.startswith("broker_websocket_") and "_bucket{" not in line:
            name, _, value = line.rpartition(" ")
            counters[name.split("{")[0].removeprefix("broker_websocket_")] = float(value)
    return counters


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--broker", required=True)
    parser.add_argument("--seconds", type=float, default=600)
    parser.add_argument("--clients", type=int, default=200)
    parser.add_argument("--rss-ceiling", type=float, default=150, help="MB the broker's RSS may never exceed")
    parser.add_argument("--rss-slope-limit", type=float, default=None,
                        help="MB/min; default 1 for runs of 5 min or more, 5 from 60 s, none under 60 s (the ceiling only)")
    parser.add_argument("--json", help="write the report here too")
    parser.add_argument("--tls-dir", help="serve wss:// with FOLDER/server.pem and server.key, clients trusting "
                                          "FOLDER/ca.pem (scripts/make-test-certificates.sh makes them)")
    args = parser.parse_args()
    slope_limit = args.rss_slope_limit if args.rss_slope_limit is not None else (
        1.0 if args.seconds >= 300 else 5.0 if args.seconds >= 60 else None)

    work = tempfile.mkdtemp(prefix="broker-soak-")
    ssl_context = None
    tls_lines = ""
    if args.tls_dir:
        ssl_context = ssl.create_default_context(cafile=os.path.join(args.tls_dir, "ca.pem"))
        tls_lines = (f"\n    tls:\n      cert: {os.path.join(args.tls_dir, 'server.pem')}"
                     f"\n      key: {os.path.join(args.tls_dir, 'server.key')}")
    port = free_port()
    config_path = os.path.join(work, "soak.yaml")
    with open(config_path, "w") as config:
        config.write(f"""broker:
  log_level: info
sources:
  - type: mock
    rate: {HZ}
    seed: 42
sinks:
  - type: websocket
    id: ws
    host: 127.0.0.1
    port: {port}
    rate: {HZ}
    mdns:
      enabled: false{tls_lines}
""")
    log_path = os.path.join(work, "broker.log")
    log = open(log_path, "wb")
    broker = subprocess.Popen([args.broker, "--config", config_path], stdin=subprocess.DEVNULL,
                              stdout=subprocess.DEVNULL, stderr=log)
    failures = []
    report = {"seconds": args.seconds, "clients": args.clients, "broker": args.broker, "port": port, "tls": bool(ssl_context)}
    try:
        variables = None
        for _ in range(300):
            if broker.poll() is not None:
                break
            try:
                with urllib.request.urlopen(f"{'https' if ssl_context else 'http'}://127.0.0.1:{port}/vars", timeout=2,
                                            context=ssl_context) as response:
                    catalogue = json.load(response)
                variables = [v["name"] for v in catalogue if "mock" in v.get("sources", [])]
                if variables:
                    break
            except (OSError, ValueError):
                pass
            time.sleep(0.1)
        if not variables:
            raise RuntimeError(f"the broker did not start serving (exit status {broker.poll()}); log: {log_path}")

        soak = Soak(port, args.seconds, args.clients, variables, seed=42, ssl_context=ssl_context)
        rss = []
        cpu = []

        def on_tick(elapsed):
            value = resident_mb(broker.pid)
            used = cpu_seconds(broker.pid)
            if value is not None and used is not None and broker.poll() is None:
                rss.append((elapsed, value))
                cpu.append((elapsed, used))

        async def run_all():
            groups, tasks = await soak.run(on_tick)
            counters = prometheus_counters(port, ssl_context)
            # SIGTERM while every client is still connected: the shutdown path under load.
            soak.stopping = True
            terminated = time.monotonic()
            alive = broker.poll() is None
            if alive:
                broker.send_signal(signal.SIGTERM)
            status = None
            while time.monotonic() - terminated < 5:
                status = broker.poll()
                if status is not None:
                    break
                await asyncio.sleep(0.02)
            exit_s = time.monotonic() - terminated
            if status is None and b"Backtracing" in open(log_path, "rb").read():
                # It crashed and Swift is writing a backtrace into the log: let it finish.
                for _ in range(400):
                    if broker.poll() is not None:
                        break
                    await asyncio.sleep(0.1)
            for task in tasks:
                task.cancel()
            await asyncio.wait(tasks, timeout=5)
            return groups, counters, alive, status, exit_s

        groups, counters, alive, status, exit_s = asyncio.run(run_all())
        report["groups"] = groups
        measured_until = int(args.seconds)
        warm_up = args.seconds * WARM_UP_SHARE

        if not alive:
            failures.append(f"the broker died during the run (exit status {broker.poll()})")
        report["shutdown"] = {"exit_status": status, "seconds": round(exit_s, 3)}
        if status is None:
            failures.append("the broker did not exit within 5 s of SIGTERM")
        elif status != 0 or exit_s > 2:
            failures.append(f"the broker exited with status {status} {exit_s:.2f} s after SIGTERM (want 0 within 2 s)")

        after = [(t, v) for t, v in rss if t >= warm_up]
        slope = slope_per_minute(after)
        report["rss_mb"] = {
            "first": round(rss[0][1], 1) if rss else None,
            "after_warm_up": round(after[0][1], 1) if after else None,
            "last": round(rss[-1][1], 1) if rss else None,
            "peak": round(max(v for _, v in rss), 1) if rss else None,
            "samples": len(rss),
            "slope_mb_per_min": round(slope, 3),
            "slope_limit_mb_per_min": slope_limit,
            "timeline": [(round(t), round(v, 1)) for t, v in rss],
        }
        cpu_after = [(t, c) for t, c in cpu if t >= warm_up]
        if len(cpu_after) >= 2 and cpu_after[-1][0] > cpu_after[0][0]:
            report["broker_cpu_share_of_one_core"] = round(
                (cpu_after[-1][1] - cpu_after[0][1]) / (cpu_after[-1][0] - cpu_after[0][0]), 3)
        report["broker_cpu_timeline"] = [
            (round(t1), round((c1 - c0) / (t1 - t0), 2)) for (t0, c0), (t1, c1) in zip(cpu, cpu[1:]) if t1 > t0]
        if len(after) < 3:
            failures.append("too few RSS samples after warm-up")
        elif slope_limit is not None and slope > slope_limit:
            failures.append(f"RSS grew {slope:.2f} MB/min after warm-up (limit {slope_limit})")
        peak = max((v for _, v in rss), default=0)
        report["rss_mb"]["ceiling"] = args.rss_ceiling
        if peak > args.rss_ceiling:
            failures.append(f"RSS reached {peak:.1f} MB (ceiling {args.rss_ceiling:.0f} MB)")

        windows, worst, starved = starvation(soak, warm_up, measured_until)
        report["starvation"] = {
            "normal_clients": len(soak.normal),
            "windows": len(windows),
            "source_hz_per_window": [round(published / WINDOW_S, 1) for _, _, published in windows],
            "worst_share": round(worst[0], 3) if worst else None,
            "worst": {"client": worst[1], "rate_hz": soak.normal[worst[1]]["rate"], "window_start_s": round(worst[2], 1)} if worst else None,
            "starved": starved[:20],
            "starved_count": len(starved),
            "normal_disconnects": sum(r["disconnects"] for r in soak.normal),
            "normal_error_replies": sum(r["errors"] for r in soak.normal),
            "normal_other_replies": sum(r["replies"] for r in soak.normal),
            "soak_loop_lag_max_s": round(soak.loop_lag_max, 3),
        }
        # Per second: the mean telemetry messages per full-rate normal client, and the source's
        # frames (seq advance) — where a dip comes from, when there is one.
        full_rate = [r["per_second"] for r in soak.normal if r["rate"] == HZ]
        report["timeline_per_second"] = [
            (second, round(sum(c[second] for c in full_rate) / max(1, len(full_rate)), 1),
             (soak.seq_by_second[second + 1] - soak.seq_by_second[second])
             if second in soak.seq_by_second and second + 1 in soak.seq_by_second else None)
            for second in range(int(args.seconds))]
        if not windows:
            failures.append("the run is too short for one 10 s window after warm-up")
        if starved:
            failures.append(f"{len(starved)} (client, window) pairs got under {STARVED_SHARE:.0%} of the frames owed to them")
        slow_windows = [published / WINDOW_S for _, _, published in windows if published / WINDOW_S < 0.9 * HZ]
        if slow_windows:
            report.setdefault("notes", []).append(
                f"the mock published under 90 % of {HZ} Hz in {len(slow_windows)} window(s) (down to "
                f"{min(slow_windows):.1f} Hz): the machine had too little CPU for the broker; starvation is judged "
                "against the frames actually published")

        with open(log_path, "rb") as broker_log:
            lines = broker_log.read().decode(errors="replace").splitlines()
        loud = [line for line in lines if any(level in line.lower() for level in ("warning", "error", "critical"))]
        report["broker_log"] = {"lines": len(lines), "warning_or_worse": len(loud), "first_lines": lines[:12], "path": log_path}
        crash = next((line for line in lines if "Fatal error" in line or "Backtracing" in line), None)
        if crash:
            report["broker_log"]["crash"] = "\n".join(lines[lines.index(crash):][:80])
            failures.append(f"the broker crashed: {crash}")
        if len(loud) > LOG_FLOOD_LINES:
            failures.append(f"the broker logged {len(loud)} lines at warning or above (a flood)")
        # RFC 6455 5.1: every unmasked frame closes its connection with 1002, whenever it is sent
        # (a refused upgrade is not a WebSocket connection, and is not counted).
        unmasked = {key: n for key, n in soak.stats.counts.items() if key.startswith("garbage unmasked:")}
        left_open = {key: n for key, n in unmasked.items()
                     if not key.endswith("closed 1002") and "upgrade answered" not in key and "could not connect" not in key
                     and not key.endswith("at shutdown")}
        report["unmasked_frames"] = {"outcomes": unmasked, "not_closed_with_1002": sum(left_open.values())}
        if not unmasked:
            failures.append("no unmasked-frame client ran")
        if left_open:
            failures.append(f"{sum(left_open.values())} unmasked-frame connections were not closed with 1002: {left_open}")

        # With TLS: every plain upgrade on the TLS port must have had its clear 400 (and one ran).
        if ssl_context:
            # (one caught by the final SIGTERM may find the port closed: the shutdown's, not an answer)
            plain = {key: n for key, n in soak.stats.counts.items()
                     if key.startswith("garbage plain_on_tls:") and not key.endswith("at shutdown")}
            report["plain_on_tls"] = plain
            if not plain:
                failures.append("no plain-request-on-the-TLS-port client ran")
            elif set(plain) != {"garbage plain_on_tls: HTTP 400"}:
                failures.append(f"plain requests on the TLS port were not all refused with HTTP 400: {plain}")
        report["sink_counters"] = counters
        report["client_outcomes"] = dict(sorted(soak.stats.counts.items()))
    except Exception as error:  # a broken soak is a failure too, with its reason
        failures.append(f"soak error: {type(error).__name__}: {error}")
    finally:
        if broker.poll() is None:
            broker.kill()  # only the broker this script started, by its PID
            broker.wait()
        log.close()

    report["failures"] = failures
    report["ok"] = not failures
    text = json.dumps(report, indent=2)
    print(text)
    if args.json:
        with open(args.json, "w") as output:
            output.write(text + "\n")
    print("soak: " + ("PASS" if not failures else "FAIL: " + "; ".join(failures)), file=sys.stderr)
    sys.exit(0 if not failures else 1)


if __name__ == "__main__":
    main()
