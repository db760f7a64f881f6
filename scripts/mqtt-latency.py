#!/usr/bin/env python3
"""End-to-end latency of the team set-up on loopback: source -> MQTT -> gathering broker ->
WebSocket client (BENCHMARKS.md, "MQTT relay latency").

Broker A runs the mock source with an MQTT sink and records every frame it publishes (a stdout
sink with `path:`, whose lines carry the frame's `time`, taken when the mock published it); a
Mosquitto on a free loopback port carries it; broker C brings it in with an `mqtt` source and
serves it on its WebSocket sink; this script is C's WebSocket client. Each frame the client
receives is matched to A's recorded frame by its values, and its latency is the client's receive
time minus that frame's `time` (one machine, one clock).

    scripts/mqtt-latency.py [--seconds 30] [--rate 60] [--qos 0] [--broker .build/release/broker]

Needs mosquitto, mosquitto-clients and python3's `websockets`. Starts everything itself and stops it by its PID.
"""

import argparse
import asyncio
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time

import websockets

VARIABLES = ["SessionTime", "Speed", "RPM", "Gear", "LapDistPct", "Throttle", "Brake", "CarIdxLapDistPct"]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_port(port, process, name, timeout=30):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if process.poll() is not None:
            sys.exit(f"mqtt-latency: {name} exited at start (status {process.returncode})")
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    sys.exit(f"mqtt-latency: {name} did not listen on {port} within {timeout} s")


def start(command, folder, name):
    log = open(os.path.join(folder, f"{name}.log"), "w")
    return subprocess.Popen(command, stdout=log, stderr=log, stdin=subprocess.DEVNULL)


def stop(process):
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def percentile(values, fraction):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


async def watch(port, source, seconds, received):
    """Subscribes on C once `source` is listed, and records (receive time, data) for `seconds`."""
    async with websockets.connect(f"ws://127.0.0.1:{port}/", max_size=1 << 22) as client:
        subscribed_at = None
        while True:
            remaining = None if subscribed_at is None else seconds - (time.time() - subscribed_at)
            if remaining is not None and remaining <= 0:
                return
            try:
                text = await asyncio.wait_for(client.recv(), timeout=remaining if remaining else 30)
            except asyncio.TimeoutError:
                if subscribed_at is None:
                    sys.exit(f"mqtt-latency: C never listed source '{source}'")
                return
            now = time.time()
            message = json.loads(text)
            if message.get("type") == "status" and subscribed_at is None and source in message.get("sources", {}):
                await client.send("sub " + ",".join(VARIABLES))
                subscribed_at = time.time()
            elif message.get("type") == "telemetry" and message.get("source") == source:
                received.append((now, json.dumps(message["data"], sort_keys=True)))


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=30, help="how long the client measures")
    parser.add_argument("--rate", type=float, default=60, help="the mock's frames per second (every one is published)")
    parser.add_argument("--qos", type=int, default=0, choices=[0, 1], help="QoS of A's sink and C's subscription")
    parser.add_argument("--broker", default=".build/release/broker", help="the broker binary")
    parser.add_argument("--nagle", action="store_true", help="leave Mosquitto's default (Nagle's algorithm on its client sockets)")
    options = parser.parse_args()
    os.chdir(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
    mosquitto = shutil.which("mosquitto") or "/usr/sbin/mosquitto"
    if not os.access(options.broker, os.X_OK):
        sys.exit(f"mqtt-latency: {options.broker} is missing: swift build -c release --product broker")
    if not os.access(mosquitto, os.X_OK):
        sys.exit("mqtt-latency: mosquitto is missing: apt-get install -y mosquitto")

    folder = tempfile.mkdtemp(prefix="mqtt-latency-")
    mqtt_port, ws_port = free_port(), free_port()
    recording = os.path.join(folder, "a.ndjson")
    with open(os.path.join(folder, "mosquitto.conf"), "w") as conf:
        conf.write(f"listener {mqtt_port} 127.0.0.1\nallow_anonymous true\npersistence false\n")
        if not options.nagle:
            conf.write("set_tcp_nodelay true\n")  # Mosquitto's default delays small messages to its subscribers
        if os.geteuid() == 0:
            conf.write("user root\n")
    with open(os.path.join(folder, "a.yaml"), "w") as conf:
        conf.write(f"""sources:
  - type: mock
    id: car12
    seed: 1
    rate: {options.rate}
sinks:
  - type: mqtt
    url: mqtt://127.0.0.1:{mqtt_port}
    client_id: latency-a
    topic_prefix: bench
    qos: {options.qos}
    rate: 1000
    variables: [{", ".join(VARIABLES)}]
  - type: stdout
    path: {recording}
    rate: 1000
    variables: [{", ".join(VARIABLES)}]
""")
    with open(os.path.join(folder, "c.yaml"), "w") as conf:
        conf.write(f"""sources:
  - type: mqtt
    id: team
    url: mqtt://127.0.0.1:{mqtt_port}
    client_id: latency-c
    topic_prefix: bench
    qos: {options.qos}
    id_prefix: "league/"
sinks:
  - type: websocket
    host: 127.0.0.1
    port: {ws_port}
    rate: 1000
    mdns: {{enabled: false}}
""")
    environment = dict(os.environ, DBUS_SYSTEM_BUS_ADDRESS="unix:path=/nonexistent/mqtt-latency-no-dbus")
    processes = []
    try:
        server = start([mosquitto, "-c", os.path.join(folder, "mosquitto.conf")], folder, "mosquitto")
        processes.append(server)
        wait_for_port(mqtt_port, server, "mosquitto")
        first_hop = open(os.path.join(folder, "sub.txt"), "w")
        subscriber = subprocess.Popen([shutil.which("mosquitto_sub") or "/usr/bin/mosquitto_sub", "-h", "127.0.0.1", "-p", str(mqtt_port),
                                       "-t", "bench/car12/telemetry", "-F", "%U %p"], stdout=first_hop, stderr=subprocess.DEVNULL)
        processes.append(subscriber)
        c = subprocess.Popen([options.broker, "--config", os.path.join(folder, "c.yaml")], env=environment,
                             stdout=subprocess.DEVNULL, stderr=open(os.path.join(folder, "c.log"), "w"))
        processes.append(c)
        wait_for_port(ws_port, c, "broker C")
        a = subprocess.Popen([options.broker, "--config", os.path.join(folder, "a.yaml")], env=environment,
                             stdout=subprocess.DEVNULL, stderr=open(os.path.join(folder, "a.log"), "w"))
        processes.append(a)
        load = os.getloadavg()
        received = []
        asyncio.run(watch(ws_port, "league/car12", options.seconds, received))
    finally:
        for process in reversed(processes):
            stop(process)

    published = {}
    with open(recording) as lines:
        for line in lines:
            message = json.loads(line)
            if message.get("type") == "telemetry":
                published.setdefault(json.dumps(message["data"], sort_keys=True), message["time"])
    latencies = [(at - published[data]) * 1000 for at, data in received if data in published]
    if not latencies:
        sys.exit(f"mqtt-latency: no frame matched (received {len(received)}, recorded {len(published)}); logs in {folder}")
    hop = []
    with open(os.path.join(folder, "sub.txt")) as lines:
        for line in lines:
            at, _, payload = line.partition(" ")
            data = json.dumps(json.loads(payload)["data"], sort_keys=True)
            if data in published:
                hop.append((float(at) - published[data]) * 1000)
    shutil.rmtree(folder)
    print(f"mqtt-latency: {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, {os.cpu_count()} cores, "
          f"load average at start {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
    print(f"  mock {options.rate:g} Hz -> A's mqtt sink (QoS {options.qos}) -> Mosquitto ({'Nagle on' if options.nagle else 'set_tcp_nodelay true'}) "
          f"-> C's mqtt source -> C's websocket sink -> client, {options.seconds:g} s, {options.broker}")
    print(f"  frames received {len(received)}, matched {len(latencies)}, published {len(published)}")
    for name, values in [("source -> C's WebSocket client", latencies), ("source -> mosquitto_sub (first hop)", hop)]:
        if values:
            print(f"  {name}, ms: p50 {percentile(values, 0.5):.2f}  p90 {percentile(values, 0.9):.2f}  "
                  f"p99 {percentile(values, 0.99):.2f}  max {max(values):.2f}  mean {statistics.mean(values):.2f}  min {min(values):.2f}")


if __name__ == "__main__":
    main()
