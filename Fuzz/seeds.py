#!/usr/bin/env python3
"""Writes the seed corpora for the fuzzers in Fuzz/ (run by scripts/fuzz.sh).

usage: seeds.py OUTPUT_DIR [SHARED_DATA_DIR]

OUTPUT_DIR/<Fuzzer>/ receives:
- synthetic inputs built here, packet by packet (always);
- inputs derived from the real data in SHARED_DATA_DIR when it exists: the InSim packet vectors,
  the iRacing files made compact (header, variables, session info and a few rows, offsets
  rewritten so the result is still a valid file), and their session-info text.
The real data is only read, never copied into the repository.
"""

import os
import re
import struct
import sys


def write(folder, name, data):
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, name), "wb") as f:
        f.write(data)


def pad_text(text, size):
    raw = text.encode("latin-1") if isinstance(text, str) else text
    return raw[:size].ljust(size, b"\0")


# --- InSim -------------------------------------------------------------------------------------

def packet(ptype, reqi, data, body):
    """An InSim packet: Size (length / 4), Type, ReqI, Data byte, body; padded to a multiple of 4."""
    raw = bytes([0, ptype, reqi, data]) + body
    raw += b"\0" * (-len(raw) % 4)
    return bytes([len(raw) // 4]) + raw[1:]


def comp_car(node, lap, plid, position, info, x, y, z, speed, direction, heading, angvel):
    return struct.pack("<HHBBBxiiiHHHh", node, lap, plid, position, info, x, y, z, speed, direction, heading, angvel)


def synthetic_insim():
    """A race as LFS would report it, plus the odd packets the decoder must refuse or skip."""
    ver = packet(2, 1, 0, pad_text("0.7F", 8) + pad_text("S3", 6) + bytes([10, 0]))
    sta = packet(5, 2, 0, struct.pack("<fHBBBBBBBBBB", 1.0, 0x0008, 3, 1, 2, 2, 0, 1, 0, 5, 0, 1) + pad_text("BL1R", 6) + bytes([1, 2]))
    rst = packet(17, 3, 0, bytes([5, 0, 2, 0]) + pad_text("BL1R", 6) + bytes([1, 2]) + struct.pack("<HHHHHH", 0x0040, 300, 12, 90, 180, 0))
    ism = packet(10, 4, 0, bytes([0, 0, 0, 0]) + pad_text("^1Host ^7name^v", 32))
    ncn = packet(18, 5, 1, pad_text("racer", 24) + pad_text(b"^4Ra^7cer ^J\x82\xb1", 24) + bytes([1, 2, 0, 0]))
    ncn2 = packet(18, 0, 2, pad_text("other", 24) + pad_text(b"^E\xa3ukasz^8!", 24) + bytes([0, 3, 1, 0]))
    npl = packet(21, 6, 7, bytes([1, 0]) + struct.pack("<H", 0x0001) + pad_text("^4Ra^7cer", 24) + pad_text("AB 12", 8)
                 + b"XRT\0" + pad_text("DEFAULT", 16) + bytes([1, 1, 2, 2, 10, 5, 0, 0, 0, 0, 0, 0, 0, 2, 0, 100]))
    npl_mod = packet(21, 0, 9, bytes([2, 2]) + struct.pack("<H", 0) + pad_text("AI 1", 24) + pad_text("", 8)
                     + bytes([0xE6, 0x82, 0x58, 0]) + pad_text("", 16) + bytes([0] * 16))
    cars = comp_car(10, 1, 7, 1, 64, 65536 * 100, -65536 * 50, 65536 * 2, 16384, 8192, 8192, 100) + comp_car(
        280, 2, 9, 2, 128 | 2, 0, 0, 0, 0, 0, 65535, -100)
    mci = packet(38, 0, 2, cars)
    nlp = packet(37, 0, 2, struct.pack("<HHBB", 10, 1, 7, 1) + struct.pack("<HHBB", 280, 2, 9, 2))
    lap = packet(24, 0, 7, struct.pack("<IIHHBBBB", 83512, 170000, 2, 0, 0, 1, 0, 180))
    spx = packet(25, 0, 7, struct.pack("<IIBBBB", 30100, 113612, 1, 0, 0, 255))
    pla = packet(28, 0, 7, bytes([1, 0, 0, 0]))
    pit = packet(26, 0, 7, struct.pack("<HHBBBx", 2, 0, 20, 0, 1) + bytes([2, 2, 255, 255]) + struct.pack("<II", 0x0100, 0))
    psf = packet(27, 0, 7, struct.pack("<II", 23450, 0))
    pen = packet(30, 0, 9, bytes([0, 1, 4, 0]))
    toc = packet(31, 0, 7, bytes([1, 2, 0, 0]))
    fin = packet(34, 0, 7, struct.pack("<IIxBBxHH", 420000, 83000, 1, 1, 5, 0))
    res = packet(35, 0, 7, pad_text("racer", 24) + pad_text("^4Ra^7cer", 24) + pad_text("AB 12", 8) + b"XRT\0"
                 + struct.pack("<IIxBBxHHBBH", 420000, 83000, 1, 1, 5, 0, 0, 2, 10))
    mso = packet(11, 0, 0, bytes([1, 7, 1, 6]) + b"^4Racer^7 : ^Chello^^ ^vthere\0")
    iii = packet(12, 0, 0, bytes([1, 7, 0, 0]) + b"!help me\0")
    cpr = packet(20, 0, 1, pad_text("^2New^7Name", 24) + pad_text("XY 99", 8))
    cnl = packet(19, 0, 2, bytes([1, 2, 0, 0]))
    plp = packet(22, 0, 9, b"")
    pll = packet(23, 0, 9, b"")
    keepalive = packet(3, 0, 0, b"")
    pong = packet(3, 7, 4, b"")
    vote = packet(16, 0, 1, bytes([0, 1, 0, 0]))  # IS_VTN: known, skipped
    race = [ver, sta, rst, ism, ncn, ncn2, npl, npl_mod, pong, mci, nlp, lap, spx, pla, pit, psf, pen, toc, fin, res,
            mso, iii, cpr, keepalive, vote, plp, cnl, pll, mci]
    seeds = {
        "race.bin": b"".join(race),
        "mci-sets.bin": ver + npl + npl_mod + packet(38, 0, 1, cars[:28]) + packet(38, 0, 1, cars[28:]) + mci,
        "zero-size.bin": ver + npl + bytes([0, 3, 0, 0]) + mci,
        "truncated.bin": ver + npl + mci[:-5],
        "wrong-count.bin": ver + bytes([mci[0], 38, 0, 3]) + mci[4:],
        "unknown-type.bin": ver + bytes([1, 99, 0, 0]),
    }
    og = struct.pack("<I4sHBB", 1234, b"XRT\0", 0x4000 | 0x2000, 3, 7) + struct.pack("<fffffff", 33.3, 6500, 0.7, 90, 0.5, 3.2, 95)
    og += struct.pack("<II", 0x0109, 0x0001) + struct.pack("<fff", 1.0, 0.0, 0.0) + pad_text("Fuel 45%", 16) + pad_text("^1Brake bal", 16)
    seeds["outgauge.bin"] = og
    seeds["outgauge-id.bin"] = og + struct.pack("<i", 42)
    return seeds


def insim_vectors(path):
    """Every hex block of vectors.md, one seed each, and all the InSim ones as one stream."""
    text = open(path, encoding="utf-8").read()
    seeds = {}
    for number, block in enumerate(re.findall(r"```\n([0-9a-fA-F \n]+?)```", text)):
        seeds[f"vector-{number:02}.bin"] = bytes.fromhex(block.replace("\n", " "))
    return seeds


# --- irsdk -------------------------------------------------------------------------------------

HEADER = struct.Struct("<10i")  # version status tickRate sessionInfoUpdate sessionInfoLen sessionInfoOffset numVars varHeaderOffset numBuf bufLen


def var_header(vtype, offset, count, name, desc="", unit="", count_as_time=0):
    return struct.pack("<iiiB3x", vtype, offset, count, count_as_time) + pad_text(name, 32) + pad_text(desc, 64) + pad_text(unit, 32)


SYNTHETIC_VARS = [  # type, offset, count, name, unit
    (2, 0, 1, "SessionTick", ""), (4, 4, 1, "Speed", "m/s"), (2, 8, 1, "Lap", ""), (2, 12, 1, "LapCompleted", ""),
    (4, 16, 4, "CarIdxLapDistPct", "%"), (0, 32, 8, "DriverName", ""), (1, 40, 1, "OnPitRoad", ""),
    (5, 41, 1, "SessionTime", "s"), (3, 49, 1, "SessionFlags", "irsdk_Flags"), (3, 53, 1, "CarLeftRight", "irsdk_CarLeftRight"),
    (4, 57, 1, "LFSHshockDefl", "m"), (4, 61, 1, "LapLastLapTime", "s"),
]
SYNTHETIC_ROW = 65

SYNTHETIC_YAML = (
    "---\nWeekendInfo:\n TrackName: tsukuba 1k outer\n TrackID: 328\n TrackLength: 0.68 km\n Date: 2024-04-01\n"
    " CourseCautions: off\n\nDriverInfo:\n DriverCarIdx: 0\n Drivers:\n - CarIdx: 0\n   UserName: *Admin #1, the: best\n"
    "   TeamName: - BLACKSUIT\n   AbbrevName: \n   CarNumber: \"64\"\n   CarClassColor: 0xffffff\n"
    "   DriverSetupName: my\nsetup\n\nCarSetup:\n Tires:\n  LeftFront: 89C, 91C, 95C\n...\n"
).encode("utf-8")


def synthetic_row(tick, speed, lap):
    row = struct.pack("<ifii4f", tick, speed, lap, max(lap - 1, 0), 0.1, 0.2, 0.3, float("nan")) + pad_text("Ana", 8)
    row += struct.pack("<BdIIff", 1, tick / 60, 0x80000004, 4, 0.01, 83.5)
    assert len(row) == SYNTHETIC_ROW
    return row


def synthetic_ibt(rows=3):
    variables = b"".join(var_header(t, o, c, n, unit=u) for t, o, c, n, u in SYNTHETIC_VARS)
    var_offset = 144
    text_offset = var_offset + len(variables)
    rows_offset = text_offset + len(SYNTHETIC_YAML)
    header = HEADER.pack(2, 1, 60, 0, len(SYNTHETIC_YAML), text_offset, len(SYNTHETIC_VARS), var_offset, 1, SYNTHETIC_ROW)
    header += struct.pack("<2i", 0, 0) + struct.pack("<iiii", 0, rows_offset, 0, 0) + b"\0" * 48
    assert len(header) == 112
    disk = struct.pack("<qddii", 1719258336, 0.0, rows / 60, 1, rows)
    body = b"".join(synthetic_row(i, 10.0 * i, i) for i in range(rows))
    return header + disk + variables + SYNTHETIC_YAML + body


def synthetic_live_map():
    """Three row buffers, tickCounts 7, 9, 8: buffer 1 is the newest."""
    variables = b"".join(var_header(t, o, c, n, unit=u) for t, o, c, n, u in SYNTHETIC_VARS)
    text_offset = 112
    area = SYNTHETIC_YAML + b"\0" * 64
    var_offset = text_offset + len(area)
    rows_offset = var_offset + len(variables)
    buffers = b"".join(struct.pack("<iiii", tick, rows_offset + i * SYNTHETIC_ROW, 0, 0) for i, tick in enumerate([7, 9, 8]))
    header = HEADER.pack(2, 1, 60, 3, len(area), text_offset, len(SYNTHETIC_VARS), var_offset, 3, SYNTHETIC_ROW)
    header += struct.pack("<2i", 0, 0) + buffers + b"\0" * 16
    assert len(header) == 112
    return header + area + variables + b"".join(synthetic_row(t, 20.0, 2) for t in [7, 9, 8])


def compact_irsdk(data, keep_rows=4):
    """The real file with its session text trimmed to its length and only a few rows, every offset
    rewritten to match, so the seed is small yet valid (the fuzzer then mutates real layouts)."""
    fields = list(HEADER.unpack_from(data, 0))
    _, _, _, _, info_len, info_offset, num_vars, var_offset, num_buf, buf_len = fields
    text = data[info_offset:info_offset + info_len].split(b"\0")[0] + b"\0"
    table = data[var_offset:var_offset + num_vars * 144]
    is_ibt = num_buf == 1
    prefix = 144 if is_ibt else 112
    new_text_offset = prefix
    new_var_offset = new_text_offset + len(text)
    rows_start = new_var_offset + len(table)
    if is_ibt:
        first = struct.unpack_from("<i", data, 52)[0]
        rows = data[first:first + keep_rows * buf_len]
        offsets = [rows_start]
    else:
        offsets, rows = [], b""
        for index in range(num_buf):
            offset = struct.unpack_from("<i", data, 48 + 16 * index + 4)[0]
            offsets.append(rows_start + len(rows))
            rows += data[offset:offset + buf_len]
    out = bytearray(data[:prefix])
    fields[4], fields[5], fields[7] = len(text), new_text_offset, new_var_offset
    HEADER.pack_into(out, 0, *fields)
    for index, offset in enumerate(offsets):
        struct.pack_into("<i", out, 48 + 16 * index + 4, offset)
    if is_ibt:
        struct.pack_into("<i", out, 140, len(rows) // buf_len)
    return bytes(out) + text + table + rows


def session_text(data):
    fields = HEADER.unpack_from(data, 0)
    return data[fields[5]:fields[5] + fields[4]].split(b"\0")[0]


# --- config ------------------------------------------------------------------------------------

CONFIG_SEEDS = {
    "everything.yaml": """broker: {rate: 30, log_level: debug}
sources:
  - &lfs {type: insim, id: lfs, host: "::1", port: 29999, flags: [mci, nlp, mso_cols], reconnect: {min_s: 0.5, max_s: 4}}
  - type: mock
    id: mock-1
    seed: 7
    cars: 64
    values: {Speed: 12.5, RPM: {min: 800, max: 9000}, Throttle: {wave: sine, min: 0, max: 1, period_s: 2}}
  - type: iracing
    ibt: ../shared/data/iracing/formulavee_tsukuba.ibt
    speed: 0
    loop: true
sinks:
  - {type: stdout, sources: [lfs, mock-1], variables: [Speed, lfs/RPM, CarIdxLap], path: rec.ndjson, rate: 10}
  - type: udp
    target: "239.1.2.3:9999"
    variables: all
    ttl: 2
    max_datagram_bytes: 512
""",
    "errors.yaml": """sources:
  - type: mok
    intervall_ms: 5
  - type: insim
    name: a-name-longer-than-fifteen-bytes
    port: 70000
    token: ${BROKER_TOKEN}
    admin: ${UNSET_VARIABLE}
sinks:
  - type: udp
    target: nowhere
    variables: [Sped]
    sources: [nope]
  - type: udp
    target: 127.0.0.1:9
    variables: all
""",
}


# --- WebSocket ---------------------------------------------------------------------------------

WEBSOCKET_SEEDS = {
    "session.txt": "/?token=s3cret\nAuthorization: Bearer s3cret\nsub Speed,RPM,mock/Gear\nunsub mock/Speed\n"
                   "sub all\nunsub CarIdxX, lfs/Speed\nread all\nread Speed, nosuch/Speed, Bogus\nrate 30\nrate 0\n"
                   "events on\nEVENTS off\nstauts\nsessioninfo\nmetrics\nvars\nping\n",
    "upgrade.txt": "/ws?a=1&token=%73%33cret&token=+x+\nauthorization:   bearer   s3cret  \nsub\n   \n",
    "bridge.txt": "/\nsub Speed, RPM, Gear, Throttle, Brake, LapDistPct, CarIdxLapDistPct\nread SessionTime\nunsub all\n",
}


# --- MQTT ----------------------------------------------------------------------------------------

def mqtt_length(n):
    """MQTT's remaining length: seven bits a byte, least significant first."""
    out = bytearray()
    while True:
        byte, n = n & 0x7F, n >> 7
        out.append(byte | (0x80 if n else 0))
        if not n:
            return bytes(out)


def mqtt_publish(topic, payload, qos=0, retain=False, packet_id=1):
    topic = topic.encode("utf-8")
    body = struct.pack(">H", len(topic)) + topic + (struct.pack(">H", packet_id) if qos else b"") + payload.encode("utf-8")
    return bytes([0x30 | (qos << 1) | (1 if retain else 0)]) + mqtt_length(len(body)) + body


def synthetic_mqtt():
    """What a server sends the mqtt source (topic prefix `t`, as the fuzz target subscribes): the
    SUBACK, then a remote sink's retained declarations, status and session info, frames, an event, a
    last will, a ping answer."""
    declarations = ('{"type":"vars","source":"car","data":[{"name":"Speed","type":"float","count":1,"unit":"m/s","desc":"","min":0.0,'
                    '"max":100.0,"sources":["car"]},{"name":"Gear","type":"int","count":1},{"name":"Pos","type":"float","count":3},'
                    '{"name":"Pit","type":"bool","count":1},{"name":"Name","type":"string","count":1}]}')
    status = '{"type":"status","connected":true,"sources":{"car":{"connected":true,"type":"mock","seed":1}}}'
    will = '{"type":"status","connected":false,"sources":{"car":{"connected":false,"type":"mock","reason":"broker connection lost"}}}'
    frame = '{"type":"telemetry","source":"car","seq":%d,"data":{"Speed":%s,"Gear":3,"Pos":[0.5,null,1],"Pit":false,"Name":"box"}}'
    stream = bytes([0x90, 0x07, 0x00, 0x01, 0x00, 0x00, 0x01, 0x00, 0x80])
    stream += mqtt_publish("t/car/declarations", declarations, retain=True)
    stream += mqtt_publish("t/car/status", status, retain=True)
    stream += mqtt_publish("t/car/sessionInfo", '{"type":"sessionInfo","source":"car","data":{"WeekendInfo":{"TrackName":"x"}}}', retain=True)
    stream += mqtt_publish("t/car/telemetry", frame % (1, "42.5"))
    stream += mqtt_publish("t/car/telemetry", frame % (2, "1e400"), qos=1, packet_id=9)
    stream += mqtt_publish("t/car/event", '{"type":"event","source":"car","name":"lap","data":{"Lap":2}}')
    stream += mqtt_publish("t/car/status", will, retain=True)
    stream += bytes([0xD0, 0x00])
    garbage = mqtt_publish("t/x/telemetry", '{"type":"telemetry",') + mqtt_publish("t/taken/status", status) + mqtt_publish("t/a/b/event", "[]")
    return {"remote-sink.bin": stream, "garbage.bin": bytes([0x90, 0x03, 0x00, 0x01, 0x01]) + garbage}


# --- main --------------------------------------------------------------------------------------

def main():
    out = sys.argv[1]
    shared = sys.argv[2] if len(sys.argv) > 2 else None
    for name, data in synthetic_insim().items():
        write(f"{out}/FuzzInSim", name, data)
    write(f"{out}/FuzzIRSDK", "synthetic.ibt", synthetic_ibt())
    write(f"{out}/FuzzIRSDK", "synthetic-live.bin", synthetic_live_map())
    write(f"{out}/FuzzSessionInfo", "synthetic.yaml", SYNTHETIC_YAML)
    write(f"{out}/FuzzSessionInfo", "windows-1252.yaml", b"---\nDriverInfo:\n Drivers:\n - UserName: J\xfcrgen M\x9fller\x81\n   Initials: J\xc2\x9f\n")
    for name, text in WEBSOCKET_SEEDS.items():
        write(f"{out}/FuzzWebSocket", name, text.encode("utf-8"))
    for name, text in CONFIG_SEEDS.items():
        write(f"{out}/FuzzConfig", name, text.encode("utf-8"))
    for name, data in synthetic_mqtt().items():
        write(f"{out}/FuzzMQTT", name, data)
    if not shared or not os.path.isdir(shared):
        print(f"seeds.py: no shared data at {shared}: synthetic seeds only", file=sys.stderr)
        return
    vectors = os.path.join(shared, "insim/vectors.md")
    if os.path.exists(vectors):
        for name, data in insim_vectors(vectors).items():
            write(f"{out}/FuzzInSim", name, data)
    for name in ["formulavee_tsukuba.ibt", "w13_redbullring.ibt", "w13_monza_livemem.bin", "truncated_fragment.ibt"]:
        path = os.path.join(shared, "iracing", name)
        if not os.path.exists(path):
            continue
        data = open(path, "rb").read()
        if struct.unpack_from("<i", data, 0)[0] not in (1, 2):
            write(f"{out}/FuzzIRSDK", f"head-{name}", data[:65536])  # not an irsdk header: its start as it is
            continue
        try:
            write(f"{out}/FuzzIRSDK", f"compact-{name}", compact_irsdk(data))
            write(f"{out}/FuzzSessionInfo", f"{name}.yaml", session_text(data))
        except (struct.error, ValueError):
            write(f"{out}/FuzzIRSDK", f"head-{name}", data[:65536])  # not a readable layout: its start as it is


if __name__ == "__main__":
    main()
