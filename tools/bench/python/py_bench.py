#!/usr/bin/python3
"""Python execnet side of the tools/bench harness.

Usage: /usr/bin/python3 tools/bench/python/py_bench.py --section NAME [--quick]

Runs one section in this process (the harness starts a fresh process per section, so the
peak RSS is the section's own) and prints one JSON object on stdout; progress goes to
stderr. Exits with status 3 when execnet cannot be imported (Debian: python3-execnet,
importable by /usr/bin/python3 only).

The sections mirror the baseline reference script py_execnet_bench.py, with the same
definitions and result keys, so the TypeScript side can be compared figure by figure
(popen gateway, default `thread` execmodel, remote = this interpreter):

  startup     N=20 (after 2 warm-ups): t(makegateway('popen') + remote_exec('channel.send(1)')
              .receive() + gw.exit()); also the split, and the time until the child is reaped.
              Also `python3 -c pass` spawn+exit in the same harness (subprocess.run), N=20.
  rtt         remote `for x in channel: channel.send(x)`; 200 warm-up, then 3 x 10,000 timed
              send(i)/receive() ping-pongs of a small int; median us per round trip.
  small_r2l   remote sends 200,000 items after a 'go' message; items/s measured at the receiver
              (from sending 'go' to the last receive()).  Kinds: int i; str 'item-%d' % i;
              dict {'id': i, 'name': 'x'}.
  small_l2r   local sends 200,000 items (same kinds), remote counts them and replies; items/s
              from first send to the reply.
  bulk_r2l    1 GiB as 1024 x 1 MiB `bytes` items remote->local; MB/s; RSS local+remote.
  bulk_l2r    1 GiB as 1024 x 1 MiB `bytes` items local->remote; MB/s; RSS local+remote.
              (Beyond the reference, the remote also reports its VmRSS before the transfer,
              outside the timed region, so that its growth can be given.)
  channels    not in the reference: 1,000 concurrent remote_exec echo channels on one gateway;
              phases open (remote_exec all), send (one int each), echo (receive all), close
              (close all, then waitclose all); 1 warm-up round, median of 3; then remote_status,
              polled for up to 5 s until no channel is open and no exec runs.

  serializer  execnet.dumps / execnet.loads of STANDARD_PAYLOAD (make_payload) and of
              SMALL_DICT; median of >= 5 reps and >= 1 s; MB/s of the execnet-encoded size;
              small dict: 100,000 calls per rep, >= 3 reps and >= 0.5 s.  Also the sha256 of
              the encodings, which the TypeScript dumps(x, {version: 1}) must reproduce.

  ssh         not in the reference: gateways over ssh (OpenSSH client) to the sshd given by
              TEST_SSH_PORT / TEST_SSH_KEY / TEST_SSH_KNOWN_HOSTS (the harness starts one), Python
              worker //python=/usr/bin/python3: first gateway and a second one while the first is
              open (N=7 after a warm-up), rtt (200 + 3 x 2,000), 64 x 1 MiB both ways.
  python      rtt, small_r2l and small_l2r in one process (the TS side drives the same Python
              worker from a TypeScript master).

--quick uses small sizes and short timings (a smoke test; numbers meaningless).
Units: MB = 10**6 bytes, MiB = 2**20 bytes.
"""
import argparse
import hashlib
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import time

NO_EXECNET = 3


def make_payload(n):
    """STANDARD_PAYLOAD: n dicts; mirrored by makePayload in src/lib/payload.ts."""
    payload = []
    for i in range(n):
        payload.append(
            {
                "id": i,
                "name": "user-%05d" % i,
                "tags": ["alpha", "tag-%d" % (i % 10)],
                "score": i * 0.5 + 0.25,
                "ok": i % 2 == 0,
                "blob": bytes([(i + k) % 256 for k in range(32)]),
            }
        )
    return payload


SMALL_DICT = {"id": 12345, "name": "x"}


def median_time(fn, min_reps, min_seconds):
    """Call fn until both min_reps calls and min_seconds have passed; median duration (s)."""
    durations = []
    start = time.perf_counter()
    while len(durations) < min_reps or time.perf_counter() - start < min_seconds:
        t0 = time.perf_counter()
        fn()
        durations.append(time.perf_counter() - t0)
    return statistics.median(durations), len(durations)


def sec_serializer(quick):
    import execnet

    payload = make_payload(1000 if quick else 10000)
    min_s, k, small_min_s = (0.1, 10000, 0.05) if quick else (1.0, 100000, 0.5)
    data = execnet.dumps(payload)
    if execnet.loads(data) != payload:
        raise AssertionError("execnet round trip of STANDARD_PAYLOAD differs")
    size = len(data)
    t_dumps, n_dumps = median_time(lambda: execnet.dumps(payload), 5, min_s)
    t_loads, n_loads = median_time(lambda: execnet.loads(data), 5, min_s)

    small = execnet.dumps(SMALL_DICT)
    dumps, loads = execnet.dumps, execnet.loads

    def small_dumps():
        for _ in range(k):
            dumps(SMALL_DICT)

    def small_loads():
        for _ in range(k):
            loads(small)

    t_sd, _ = median_time(small_dumps, 3, small_min_s)
    t_sl, _ = median_time(small_loads, 3, small_min_s)
    return {
        "payload_items": len(payload),
        "encoded_bytes": size,
        "dumps_ms": round(t_dumps * 1e3, 2),
        "dumps_MB_per_s": round(size / t_dumps / 1e6, 1),
        "dumps_ops_per_s": round(1 / t_dumps, 2),
        "loads_ms": round(t_loads * 1e3, 2),
        "loads_MB_per_s": round(size / t_loads / 1e6, 1),
        "loads_ops_per_s": round(1 / t_loads, 2),
        "reps": [n_dumps, n_loads],
        "small_dict_encoded_bytes": len(small),
        "small_dict_dumps_ops_per_s": round(k / t_sd),
        "small_dict_loads_ops_per_s": round(k / t_sl),
        "dumps_v1_bytes": size,
        "dumps_v1_sha256": hashlib.sha256(data).hexdigest(),
        "small_dict_dumps_v1_bytes": len(small),
        "small_dict_dumps_v1_sha256": hashlib.sha256(small).hexdigest(),
    }


def rss_kib(field="VmRSS"):
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return None


def med(xs):
    return statistics.median(xs)


def sec_startup(quick):
    import execnet

    n = 5 if quick else 20
    tot, create, firstexec, exit_, reap = [], [], [], [], []
    for i in range(n + 2):
        t0 = time.perf_counter()
        gw = execnet.makegateway("popen")
        t1 = time.perf_counter()
        ch = gw.remote_exec("channel.send(1)")
        assert ch.receive() == 1
        t2 = time.perf_counter()
        gw.exit()
        t3 = time.perf_counter()
        gw._io.wait()
        gw.join()
        t4 = time.perf_counter()
        if i < 2:
            continue
        tot.append(t3 - t0)
        create.append(t1 - t0)
        firstexec.append(t2 - t1)
        exit_.append(t3 - t2)
        reap.append(t4 - t0)
    pyc = []
    for i in range(n + 2):
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-c", "pass"], check=True)
        t1 = time.perf_counter()
        if i >= 2:
            pyc.append(t1 - t0)
    ms = lambda xs: round(med(xs) * 1e3, 3)
    return {
        "n": n,
        "startup_ms": ms(tot),
        "startup_min_ms": round(min(tot) * 1e3, 3),
        "makegateway_ms": ms(create),
        "first_remote_exec_roundtrip_ms": ms(firstexec),
        "exit_call_ms": ms(exit_),
        "startup_incl_child_reap_ms": ms(reap),
        "python_c_pass_ms": ms(pyc),
        "ratio_startup_vs_python_c_pass": round(med(tot) / med(pyc), 3),
    }


ECHO = "for x in channel:\n    channel.send(x)\n"


def sec_rtt(quick):
    import execnet

    n = 1000 if quick else 10000
    gw = execnet.makegateway("popen")
    ch = gw.remote_exec(ECHO)
    for i in range(200):
        ch.send(i)
        ch.receive()
    res = []
    for rep in range(3):  # 3 inner reps, median
        t0 = time.perf_counter()
        for i in range(n):
            ch.send(i)
            ch.receive()
        res.append(time.perf_counter() - t0)
    ch.close()
    ch.waitclose(10)
    gw.exit()
    gw.join()
    return {"n": n, "us_per_roundtrip": round(med(res) / n * 1e6, 2), "inner_reps_us": [round(r / n * 1e6, 2) for r in res]}


SMALL_R2L = """
kind, n = channel.receive()
assert channel.receive() == 'go'
send = channel.send
if kind == 'int':
    for i in range(n):
        send(i)
elif kind == 'str':
    for i in range(n):
        send('item-%d' % i)
elif kind == 'dict':
    for i in range(n):
        send({'id': i, 'name': 'x'})
send(None)
"""

SMALL_L2R = """
c = 0
receive = channel.receive
while True:
    x = receive()
    if x is None:
        break
    c += 1
channel.send(c)
"""


def sec_small_r2l(quick):
    import execnet

    n = 20000 if quick else 200000
    out = {"n": n}
    gw = execnet.makegateway("popen")
    for kind in ("int", "str", "dict"):
        ch = gw.remote_exec(SMALL_R2L)
        ch.send((kind, n))
        recv = ch.receive
        t0 = time.perf_counter()
        ch.send("go")
        for i in range(n):
            recv()
        assert recv() is None
        dt = time.perf_counter() - t0
        ch.waitclose(10)
        out[kind + "_items_per_s"] = round(n / dt)
    gw.exit()
    gw.join()
    return out


def sec_small_l2r(quick):
    import execnet

    n = 20000 if quick else 200000
    out = {"n": n}
    gw = execnet.makegateway("popen")
    for kind in ("int", "str", "dict"):
        ch = gw.remote_exec(SMALL_L2R)
        ch.send(0)  # make sure the remote is up before timing: first item is not counted
        send = ch.send
        if kind == "int":
            items = range(n)
        elif kind == "str":
            items = ["item-%d" % i for i in range(n)]
        else:
            items = [{"id": i, "name": "x"} for i in range(n)]
        time.sleep(0.2)
        t0 = time.perf_counter()
        for x in items:
            send(x)
        send(None)
        c = ch.receive()
        dt = time.perf_counter() - t0
        assert c == n + 1, c
        ch.waitclose(10)
        out[kind + "_items_per_s"] = round(n / dt)
    gw.exit()
    gw.join()
    return out


# As the reference, plus the remote's VmRSS before the transfer (read outside the timed region).
BULK_R2L = """
import os, resource
def vmrss():
    with open('/proc/self/status') as f:
        for line in f:
            if line.startswith('VmRSS:'):
                return int(line.split()[1])
n, size = channel.receive()
buf = os.urandom(size)
before = vmrss()
assert channel.receive() == 'go'
for i in range(n):
    channel.send(buf)
channel.send((resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, before))
"""

BULK_L2R = """
import resource
def vmrss():
    with open('/proc/self/status') as f:
        for line in f:
            if line.startswith('VmRSS:'):
                return int(line.split()[1])
n = channel.receive()
before = vmrss()
total = 0
for i in range(n):
    total += len(channel.receive())
channel.send((total, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, before))
"""


def _bulk_params(quick):
    size = 1 << 20
    n = 64 if quick else 1024
    return n, size


def _bulk_result(total, dt, base_kib, peak_kib, remote_peak_kib, remote_before_kib):
    mib = lambda kib: round(kib / 1024, 1)
    return {
        "bytes": total,
        "MB_per_s": round(total / dt / 1e6, 1),
        "seconds": round(dt, 3),
        "local_rss_before_MiB": mib(base_kib),
        "local_peak_rss_MiB": mib(peak_kib),
        "local_rss_growth_MiB": mib(peak_kib - base_kib),
        "remote_rss_before_MiB": mib(remote_before_kib),
        "remote_peak_rss_MiB": mib(remote_peak_kib),
        "remote_rss_growth_MiB": mib(remote_peak_kib - remote_before_kib),
    }


def sec_bulk_r2l(quick):
    import execnet

    n, size = _bulk_params(quick)
    gw = execnet.makegateway("popen")
    ch = gw.remote_exec(BULK_R2L)
    ch.send((n, size))
    time.sleep(0.3)
    base_kib = rss_kib("VmRSS")
    total = 0
    t0 = time.perf_counter()
    ch.send("go")
    for i in range(n):
        total += len(ch.receive())
    dt = time.perf_counter() - t0
    remote_peak_kib, remote_before_kib = ch.receive()
    peak_kib = rss_kib("VmHWM")
    ch.waitclose(10)
    gw.exit()
    gw.join()
    assert total == n * size
    return _bulk_result(total, dt, base_kib, peak_kib, remote_peak_kib, remote_before_kib)


def sec_bulk_l2r(quick):
    import execnet

    n, size = _bulk_params(quick)
    gw = execnet.makegateway("popen")
    ch = gw.remote_exec(BULK_L2R)
    ch.send(n)
    buf = os.urandom(size)
    time.sleep(0.3)
    base_kib = rss_kib("VmRSS")
    t0 = time.perf_counter()
    for i in range(n):
        ch.send(buf)
    total, remote_peak_kib, remote_before_kib = ch.receive()
    dt = time.perf_counter() - t0
    peak_kib = rss_kib("VmHWM")
    ch.waitclose(10)
    gw.exit()
    gw.join()
    assert total == n * size
    return _bulk_result(total, dt, base_kib, peak_kib, remote_peak_kib, remote_before_kib)


def sec_channels(quick):
    import execnet

    c = 100 if quick else 1000
    gw = execnet.makegateway("popen")

    def one_round():
        t0 = time.perf_counter()
        chans = [gw.remote_exec(ECHO) for _ in range(c)]
        t1 = time.perf_counter()
        for i, ch in enumerate(chans):
            ch.send(i)
        t2 = time.perf_counter()
        got = [ch.receive(60) for ch in chans]
        t3 = time.perf_counter()
        for ch in chans:
            ch.close()
        for ch in chans:
            ch.waitclose(60)
        t4 = time.perf_counter()
        wrong = sum(1 for i, x in enumerate(got) if x != i)
        return {"open": t1 - t0, "send": t2 - t1, "echo": t3 - t2, "close": t4 - t3, "total": t4 - t0, "wrong": wrong}

    warm = one_round()
    rounds = [one_round() for _ in range(3)]
    # The exec threads may still be winding down after their channels closed: poll.
    t0 = time.perf_counter()
    while True:
        status = gw.remote_status()
        if (status.numchannels == 0 and status.numexecuting == 0) or time.perf_counter() - t0 > 5:
            break
        time.sleep(0.01)
    settle_ms = round((time.perf_counter() - t0) * 1e3, 1)
    gw.exit()
    gw.join()
    wrong = warm["wrong"] + sum(r["wrong"] for r in rounds)
    assert wrong == 0, "%d wrong echoes" % wrong
    ms = lambda k: round(med([r[k] for r in rounds]) * 1e3, 2)
    return {
        "channels": c,
        "reps": len(rounds),
        "total_ms": ms("total"),
        "open_ms": ms("open"),
        "send_ms": ms("send"),
        "echo_ms": ms("echo"),
        "close_ms": ms("close"),
        "us_per_channel": round(med([r["total"] for r in rounds]) / c * 1e6, 1),
        "remote_settle_ms": settle_ms,
        "remote_numchannels_after": status.numchannels,
        "remote_numexecuting_after": status.numexecuting,
    }


def _cycle(make):
    """makegateway + remote_exec('channel.send(1)').receive() + exit(); then join. Seconds."""
    t0 = time.perf_counter()
    gw = make()
    t1 = time.perf_counter()
    ch = gw.remote_exec("channel.send(1)")
    assert ch.receive(30) == 1
    t2 = time.perf_counter()
    gw.exit()
    t3 = time.perf_counter()
    gw.join()
    t4 = time.perf_counter()
    return {"total": t3 - t0, "create": t1 - t0, "firstexec": t2 - t1, "exit": t3 - t2, "reap": t4 - t0}


def _cycle_medians(prefix, cycles):
    ms = lambda k: round(med([c[k] for c in cycles]) * 1e3, 2)
    return {
        prefix + "_ms": ms("total"),
        prefix + "_min_ms": round(min(c["total"] for c in cycles) * 1e3, 2),
        prefix + "_create_ms": ms("create"),
        prefix + "_firstexec_ms": ms("firstexec"),
        prefix + "_exit_ms": ms("exit"),
        prefix + "_reap_ms": ms("reap"),
    }


def _rtt_on(gw, n, reps=3, warmup=200):
    ch = gw.remote_exec(ECHO)
    for i in range(warmup):
        ch.send(i)
        ch.receive()
    res = []
    for rep in range(reps):
        t0 = time.perf_counter()
        for i in range(n):
            ch.send(i)
            ch.receive()
        res.append(time.perf_counter() - t0)
    ch.close()
    ch.waitclose(10)
    return {"us_per_roundtrip": round(med(res) / n * 1e6, 2), "inner_reps_us": [round(r / n * 1e6, 2) for r in res]}


BULK_R2L_PLAIN = """
import os
n, size = channel.receive()
buf = os.urandom(size)
assert channel.receive() == 'go'
for i in range(n):
    channel.send(buf)
channel.send(None)
"""

BULK_L2R_PLAIN = """
n = channel.receive()
total = 0
for i in range(n):
    total += len(channel.receive())
channel.send(total)
"""


def _bulk_on(gw, direction, n, size=1 << 20):
    if direction == "r2l":
        ch = gw.remote_exec(BULK_R2L_PLAIN)
        ch.send((n, size))
        total = 0
        t0 = time.perf_counter()
        ch.send("go")
        for i in range(n):
            total += len(ch.receive(60))
        dt = time.perf_counter() - t0
        assert ch.receive(60) is None
    else:
        ch = gw.remote_exec(BULK_L2R_PLAIN)
        ch.send(n)
        buf = os.urandom(size)
        t0 = time.perf_counter()
        for i in range(n):
            ch.send(buf)
        total = ch.receive(60)
        dt = time.perf_counter() - t0
    ch.waitclose(10)
    assert total == n * size, total
    return {"bytes": total, "MB_per_s": round(total / dt / 1e6, 1), "seconds": round(dt, 3)}


def sec_ssh(quick):
    """Gateways over ssh (OpenSSH client) to a Python worker on the sshd of TEST_SSH_*."""
    import execnet

    port, key, kh = os.environ["TEST_SSH_PORT"], os.environ["TEST_SSH_KEY"], os.environ["TEST_SSH_KNOWN_HOSTS"]
    spec = "ssh=-p %s -i %s -o UserKnownHostsFile=%s -o StrictHostKeyChecking=yes root@127.0.0.1//python=/usr/bin/python3" % (port, key, kh)
    n = 2 if quick else 7
    rtt_n = 200 if quick else 2000
    bulk_n = 8 if quick else 64
    make = lambda: execnet.makegateway(spec)
    _cycle(make)  # warm-up
    first, second = [], []
    for i in range(n):
        print("[py_bench] ssh: startup cycle %d of %d ..." % (i + 1, n), file=sys.stderr, flush=True)
        t0 = time.perf_counter()
        gw1 = make()
        t1 = time.perf_counter()
        assert gw1.remote_exec("channel.send(1)").receive(30) == 1
        t2 = time.perf_counter()
        second.append(_cycle(make))
        t3 = time.perf_counter()
        gw1.exit()
        exit_s = time.perf_counter() - t3
        gw1.join()
        t4 = time.perf_counter()
        first.append({"total": t2 - t0 + exit_s, "create": t1 - t0, "firstexec": t2 - t1, "exit": exit_s, "reap": t4 - t3 + (t2 - t0)})
    out = {"spec": spec, "n": n, "rtt_n": rtt_n, "bulk_items": bulk_n}
    out.update(_cycle_medians("first_gateway", first))
    out.update(_cycle_medians("second_gateway", second))
    gw = make()
    out["rtt"] = _rtt_on(gw, rtt_n)
    for d in ("r2l", "l2r"):
        print("[py_bench] ssh: bulk %s ..." % d, file=sys.stderr, flush=True)
        out["bulk_" + d] = _bulk_on(gw, d, bulk_n)
    gw.exit()
    gw.join()
    return out


def sec_rsync(quick):
    """Versions only: Python execnet's RSync is timed by packages/rsync/bench/rsync-bench.ts
    (bench/py_rsync_server.py) inside the TS side's run, interleaved with the other tools."""
    return {"note": "Python execnet RSync figures come from the TS side's run of rsync-bench.ts"}


def sec_python(quick):
    """Python execnet master, popen gateway to a Python worker: rtt and small items both ways."""
    return {"rtt": sec_rtt(quick), "small_r2l": sec_small_r2l(quick), "small_l2r": sec_small_l2r(quick)}


SECTIONS = {
    "serializer": sec_serializer,
    "startup": sec_startup,
    "rtt": sec_rtt,
    "small_r2l": sec_small_r2l,
    "small_l2r": sec_small_l2r,
    "bulk_r2l": sec_bulk_r2l,
    "bulk_l2r": sec_bulk_l2r,
    "channels": sec_channels,
    "ssh": sec_ssh,
    "python": sec_python,
    "rsync": sec_rsync,
}


def main(argv):
    ap = argparse.ArgumentParser(description="Python execnet side of tools/bench")
    ap.add_argument("--section", required=True, choices=sorted(SECTIONS))
    ap.add_argument("--quick", action="store_true")
    args = ap.parse_args(argv)
    try:
        import execnet
    except ImportError as exc:
        print("py_bench: cannot import execnet with %s: %s" % (sys.executable, exc), file=sys.stderr)
        return NO_EXECNET
    print("[py_bench] %s (execnet %s) ..." % (args.section, execnet.__version__), file=sys.stderr, flush=True)
    t0 = time.perf_counter()
    result = SECTIONS[args.section](args.quick)
    result["section_wall_s"] = round(time.perf_counter() - t0, 2)
    result["section_peak_rss_MiB"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0, 1)
    result["python"] = platform.python_version()
    result["python_executable"] = sys.executable
    result["execnet"] = execnet.__version__
    result["quick"] = args.quick
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
