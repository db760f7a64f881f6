#!/usr/bin/env python3
"""Scrapes a broker's GET /metrics the way a Prometheus server would read it, with the reference
Python client's own text parser (prometheus_client.parser), while one WebSocket client is connected.

Usage: scrape_metrics.py HOST:PORT
It connects a `websockets` client (`sub Speed`, waits for one telemetry message), fetches
http://HOST:PORT/metrics, parses it and prints one JSON object:
  {"content_type": "...", "families": {NAME: {"type": T, "help": H, "samples": [[SAMPLE, {LABELS}, VALUE], ...]}}}
A body the parser rejects, or a family listed twice, exits 1 with the reason on stderr.
"""

import asyncio
import json
import sys
import urllib.request

import websockets
from prometheus_client.parser import text_string_to_metric_families


def scrape(address):
    with urllib.request.urlopen(f"http://{address}/metrics", timeout=5) as response:
        return response.headers.get("Content-Type", ""), response.read().decode("utf-8")


async def scrape_while_connected(address):
    async with websockets.connect(f"ws://{address}/", open_timeout=5) as ws:
        await ws.send("sub Speed")
        while True:
            message = json.loads(await asyncio.wait_for(ws.recv(), 5))
            if message.get("type") == "telemetry":
                break
        return await asyncio.to_thread(scrape, address)


def main():
    content_type, body = asyncio.run(scrape_while_connected(sys.argv[1]))
    families = {}
    for family in text_string_to_metric_families(body):
        if family.name in families:
            sys.exit(f"family {family.name} appears twice")
        families[family.name] = {
            "type": family.type,
            "help": family.documentation,
            "samples": [[sample.name, sample.labels, sample.value] for sample in family.samples],
        }
    print(json.dumps({"content_type": content_type, "families": families}))


if __name__ == "__main__":
    main()
