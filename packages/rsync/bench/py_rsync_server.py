"""Times Python execnet's RSync for bench/rsync-bench.ts.

Opens one popen gateway (not timed), then for each line "SRC DST" on stdin runs
RSync(SRC, verbose=False).add_target(gw, DST).send() and prints the seconds it took.
"""
import sys
import time

import execnet


def main():
    gw = execnet.makegateway("popen")
    print("ready", flush=True)
    for line in sys.stdin:
        src, dst = line.split()
        t0 = time.perf_counter()
        rs = execnet.RSync(src, verbose=False)
        rs.add_target(gw, dst)
        rs.send()
        print(repr(time.perf_counter() - t0), flush=True)
    gw.exit()
    gw.join()


if __name__ == "__main__":
    main()
