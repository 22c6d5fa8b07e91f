#!/usr/bin/python3
"""Python execnet side of the tools/bench harness.

Usage: /usr/bin/python3 tools/bench/python/py_bench.py --section NAME [--quick]

Runs one section in this process (the harness starts a fresh process per section, so the
peak RSS is the section's own) and prints one JSON object on stdout; progress goes to
stderr. Exits with status 3 when execnet cannot be imported (Debian: python3-execnet,
importable by /usr/bin/python3 only).

The sections mirror the baseline reference script py_execnet_bench.py, with the same
definitions and result keys, so the TypeScript side can be compared figure by figure:

  serializer  execnet.dumps / execnet.loads of STANDARD_PAYLOAD (make_payload) and of
              SMALL_DICT; median of >= 5 reps and >= 1 s; MB/s of the execnet-encoded size;
              small dict: 100,000 calls per rep, >= 3 reps and >= 0.5 s.  Also the sha256 of
              the encodings, which the TypeScript dumps(x, {version: 1}) must reproduce.

--quick uses 1,000 payload items and short timings (a smoke test; numbers meaningless).
Units: MB = 10**6 bytes, MiB = 2**20 bytes.
"""
import argparse
import hashlib
import json
import platform
import resource
import statistics
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


SECTIONS = {"serializer": sec_serializer}


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
