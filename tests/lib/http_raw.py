#!/usr/bin/env python3
"""http_raw.py - HTTP clients curl cannot be: raw bytes, endless uploads, slow clients.

  http_raw.py send PORT 'REQUEST'        send REQUEST (\\r\\n written as \\r\\n), print all
                                         that comes back until the server closes (10 s at most)
  http_raw.py ask PORT 'REQUEST'         the same, summarised as JSON: {"answers": status lines
                                         seen, "status", "content_type", "body"}
  http_raw.py endless PORT PATH          a chunked upload that never ends (64 MiB at most),
                                         reading while sending; prints a JSON report
  http_raw.py slowloris PORT SECONDS N ADDRS
                                         N connections spread over the source addresses ADDRS
                                         (comma separated, 127.x.y.z), each sending one header line a
                                         second and reconnecting when cut off by a 408, while a client
                                         on 127.0.0.250 asks GET /healthz every 0.25 s; prints a JSON
                                         report of the probes and the slow connections

Every wait is bounded; the tests assert what the server answered, and
only generous correctness bounds on time ("no probe waited 5 s").
"""
import json
import select
import socket
import sys
import time


def recv_all(s, limit=10.0):
    s.settimeout(limit)
    out = b""
    end = time.monotonic() + limit
    while time.monotonic() < end:
        try:
            d = s.recv(65536)
        except (socket.timeout, ConnectionResetError):
            break
        if not d:
            break
        out += d
    return out


def cmd_send(port, request):
    s = socket.create_connection(("127.0.0.1", int(port)), timeout=5)
    s.sendall(request.encode().decode("unicode_escape").encode("latin-1"))
    sys.stdout.write(recv_all(s).decode("latin-1"))


def cmd_ask(port, request):
    s = socket.create_connection(("127.0.0.1", int(port)), timeout=5)
    s.sendall(request.encode().decode("unicode_escape").encode("latin-1"))
    got = recv_all(s).decode("latin-1")
    head, _, body = got.partition("\r\n\r\n")
    lines = head.split("\r\n")
    ctype = [l.split(":", 1)[1].strip() for l in lines if l.lower().startswith("content-type:")]
    print(json.dumps({"answers": got.count("HTTP/1."), "status": lines[0][9:12] if lines[0] else "",
                      "content_type": ctype[0] if ctype else "", "body": body}))


def cmd_endless(port, path):
    s = socket.create_connection(("127.0.0.1", int(port)), timeout=5)
    s.sendall(("POST %s HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
               "Transfer-Encoding: chunked\r\n\r\n" % path).encode())
    chunk = b"%x\r\n%s\r\n" % (65536, b" " * 65536)
    sent, got, closed = 0, b"", False
    s.setblocking(False)
    deadline = time.monotonic() + 30
    while sent < 64 * 1024 * 1024 and time.monotonic() < deadline and not closed:
        r, w, _ = select.select([s], [s], [], 1.0)
        if r:
            try:
                d = s.recv(65536)
            except (BlockingIOError, ConnectionResetError):
                d = b""
            if not d:
                closed = True
            got += d
            if b"\r\n\r\n" in got:
                break
        if w and not closed:
            try:
                sent += s.send(chunk)
            except BlockingIOError:
                pass
            except (BrokenPipeError, ConnectionResetError):
                closed = True
    s.setblocking(True)
    if not closed:
        got += recv_all(s, 5.0)
    head, _, body = got.decode("latin-1").partition("\r\n\r\n")
    print(json.dumps({"sent": sent, "status_line": head.split("\r\n")[0], "head": head, "body": body}))


def cmd_slowloris(port, seconds, n, addrs):
    port, seconds, n = int(port), float(seconds), int(n)
    addrs = addrs.split(",")
    slow = {}  # socket -> (address, opened at)
    stats = {"opened": 0, "refused": 0, "closed_by_server": 0, "answered_408": 0, "longest_open": 0.0}

    def open_one(i):
        a = addrs[i % len(addrs)]
        s = socket.socket()
        s.setblocking(False)
        try:
            s.bind((a, 0))
            s.connect_ex(("127.0.0.1", port))
        except OSError:
            s.close()
            stats["refused"] += 1
            return
        slow[s] = [a, time.monotonic(), b"", 0]
        stats["opened"] += 1

    for i in range(n):
        open_one(i)
    probes, worst, failed = 0, 0.0, []
    t_end = time.monotonic() + seconds
    next_line = time.monotonic() + 1
    next_probe = time.monotonic()
    i = n
    while time.monotonic() < t_end:
        now = time.monotonic()
        if now >= next_probe:
            next_probe = now + 0.25
            t0 = time.monotonic()
            try:
                p = socket.socket()
                p.bind(("127.0.0.250", 0))
                p.settimeout(5.0)
                p.connect(("127.0.0.1", port))
                p.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
                r = recv_all(p, 5.0)
                p.close()
                if not r.startswith(b"HTTP/1.1 200"):
                    failed.append("%.1f s: %r" % (t0 - (t_end - seconds), r[:60]))
            except OSError as e:
                failed.append("%.1f s: %s" % (t0 - (t_end - seconds), e))
            worst = max(worst, time.monotonic() - t0)
            probes += 1
        if now >= next_line:
            next_line = now + 1
            for s in list(slow):
                try:
                    s.send(b"GET /healthz HTTP/1.1\r\n" if slow[s][3] == 0 else b"X-Slow: %d\r\n" % slow[s][3])
                    slow[s][3] += 1
                except (BlockingIOError, OSError):
                    pass
        poller = select.poll()
        byfd = {}
        for s in slow:
            poller.register(s, select.POLLIN)
            byfd[s.fileno()] = s
        for fd, _ in poller.poll(50):
            s = byfd[fd]
            try:
                d = s.recv(4096)
            except OSError:
                d = b""
            if d:
                slow[s][2] += d
                continue
            a, opened, got, _ = slow.pop(s)
            stats["closed_by_server"] += 1
            stats["longest_open"] = max(stats["longest_open"], time.monotonic() - opened)
            s.close()
            if got.startswith(b"HTTP/1.1 408") and b'"request_timeout"' in got:
                stats["answered_408"] += 1
                open_one(i)  # cut off by the deadline: the attacker comes back
                i += 1
    for s, (a, opened, got, _) in slow.items():
        stats["longest_open"] = max(stats["longest_open"], time.monotonic() - opened)
        s.close()
    stats.update({"probes": probes, "worst_probe": round(worst, 3), "failed_probes": failed[:5],
                  "failed": len(failed)})
    print(json.dumps(stats))


if __name__ == "__main__":
    cmd = sys.argv[1]
    if cmd == "send":
        cmd_send(sys.argv[2], sys.argv[3])
    elif cmd == "ask":
        cmd_ask(sys.argv[2], sys.argv[3])
    elif cmd == "endless":
        cmd_endless(sys.argv[2], sys.argv[3])
    elif cmd == "slowloris":
        cmd_slowloris(*sys.argv[2:6])
    else:
        sys.exit("unknown command " + cmd)
