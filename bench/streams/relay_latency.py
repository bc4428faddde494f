#!/usr/bin/env python3
"""Per-event relay latency from a loopback capture (bench/streams).

usage: relay_latency.py CAPTURE.pcap FAKE_PORT NAME=PORT [NAME=PORT ...]

The capture (tcpdump -i lo --time-stamp-precision=nano) holds the fake's packets and the
proxies' packets to their clients. A content_block_delta's text is the key: the time the
fake's packet carrying it left (source port FAKE_PORT) and the time the proxy's packet
carrying it to the client left (source port PORT) are kernel timestamps on one clock, so
their difference is what the proxy added to that event, the client's own delays left
out. Texts seen more than once on either side (short deltas repeat across streams) are
dropped. A relayed event with an `id:` line is counted under NAME+"-turn" (a session
turn's events_url), the others under NAME. Prints one JSON object.
"""
import json
import re
import struct
import sys
from collections import defaultdict

DELTA = re.compile(rb'"type":"text_delta","text":"((?:[^"\\]|\\.)*)"')


def packets(path):
    with open(path, "rb") as f:
        head = f.read(24)
        magic = struct.unpack("<I", head[:4])[0]
        if magic == 0xA1B23C4D:
            scale = 1e-9
        elif magic == 0xA1B2C3D4:
            scale = 1e-6
        else:
            raise SystemExit(f"{path}: not a little-endian pcap file")
        linktype = struct.unpack("<I", head[20:24])[0]
        link_len = {1: 14, 113: 16, 0: 4, 276: 20}.get(linktype)
        if link_len is None:
            raise SystemExit(f"{path}: link type {linktype} not handled")
        while True:
            rec = f.read(16)
            if len(rec) < 16:
                return
            sec, frac, incl, _ = struct.unpack("<IIII", rec)
            data = f.read(incl)
            ip = data[link_len:]
            if len(ip) < 20 or ip[0] >> 4 != 4 or ip[9] != 6:
                continue
            tcp = ip[(ip[0] & 15) * 4:]
            if len(tcp) < 20:
                continue
            sport, dport = struct.unpack(">HH", tcp[:4])
            payload = tcp[(tcp[12] >> 4) * 4:]
            if payload:
                yield sec + frac * scale, sport, payload


def pct(s, p):
    return s[min(len(s) - 1, max(0, -(-p * len(s) // 100) - 1))] if s else None


def main():
    path, fake_port = sys.argv[1], int(sys.argv[2])
    proxies = {int(port): name for name, port in (a.split("=", 1) for a in sys.argv[3:])}
    sent = defaultdict(list)                        # text -> fake send times
    relayed = defaultdict(lambda: defaultdict(list))  # name -> text -> relay send times
    for t, sport, payload in packets(path):
        if sport == fake_port:
            for m in DELTA.finditer(payload):
                sent[m.group(1)].append(t)
        elif sport in proxies:
            name = proxies[sport]
            for block in payload.split(b"\n\n"):
                turn = b"\nid: " in b"\n" + block
                for m in DELTA.finditer(block):
                    relayed[name + ("-turn" if turn else "")][m.group(1)].append(t)
    out = {}
    for name, texts in relayed.items():
        added = sorted((ts[0] - sent[k][0]) * 1e3 for k, ts in texts.items()
                       if len(ts) == 1 and len(sent.get(k, ())) == 1)
        r = lambda x: None if x is None else round(x, 3)
        out[name] = {"n": len(added), "relayed": sum(len(v) for v in texts.values()),
                     "p50": r(pct(added, 50)), "p90": r(pct(added, 90)),
                     "p99": r(pct(added, 99)), "max": r(added[-1] if added else None)}
    print(json.dumps(out))


if __name__ == "__main__":
    main()
