"""Scenario (g): the token route over HTTP/2 (h2c, prior knowledge) next to HTTP/1.1, one tool for both.

h2load (Debian nghttp2-client) loads Tollgate's token route with one repeated RS256 token (cache hit),
in three shapes per round, A B C A B C: HTTP/1.1 (`--h1`, 32 connections, one request in flight on
each), HTTP/2 with 100 concurrent streams on 1 connection, and 100 streams on each of 16 connections.
The proxy's CPU per request comes from its /proc times across each run, as for wrk scenarios.
"""
import re
import statistics
import subprocess
import time

from .metrics import Window
from .procs import pinned

SHAPES = [("h1 32 conns", ["--h1", "-c32", "-m1"]), ("h2 1 conn x 100 streams", ["-c1", "-m100"]),
          ("h2 16 conns x 100 streams", ["-c16", "-m100"])]


def h2load(url, headers, args, duration_s, cpu):
    argv = pinned(cpu, ["h2load", *args, "-D", str(duration_s), "-t1", "--warm-up-time=1",
                        *[f"-H{k}: {v}" for k, v in headers.items()], url])
    started = time.monotonic()
    out = subprocess.run(argv, capture_output=True, text=True, timeout=duration_s + 60)
    wall = time.monotonic() - started
    text = out.stdout + out.stderr
    done = re.search(r"requests: (\d+) total, (\d+) started, (\d+) done, (\d+) succeeded, (\d+) failed, (\d+) errored", text)
    rate = re.search(r"finished in ([\d.]+)s, ([\d.]+) req/s", text)
    codes = re.search(r"status codes: (\d+) 2xx, (\d+) 3xx, (\d+) 4xx, (\d+) 5xx", text)
    latency = re.search(r"time for request:\s+(\S+)\s+(\S+)\s+(\S+)\s+(\S+)", text)
    if out.returncode != 0 or not done or not rate or not codes:
        raise RuntimeError(f"h2load failed (exit {out.returncode}):\n{text}")
    return {"requests": int(done.group(3)), "succeeded": int(done.group(4)),
            "failed": int(done.group(5)) + int(done.group(6)), "non_2xx": sum(int(codes.group(i)) for i in (2, 3, 4)),
            "rps": float(rate.group(2)), "mean_latency": latency.group(3) if latency else None, "wall_s": wall}


def run_h2_scenario(scenario, target, origin, ctx, rounds, duration_s, progress):
    token = ctx.tokens.good["RS256"]
    url = target.url(scenario.path)
    progress(f"check {target.label}: h2c prior knowledge answers 200 with the token")
    probe = subprocess.run(["curl", "-s", "-o", "/dev/null", "-w", "%{http_code} %{http_version}",
                            "--http2-prior-knowledge", "-H", f"authorization: Bearer {token}", url],
                           capture_output=True, text=True, timeout=10)
    if probe.stdout.strip() != "200 2":
        raise RuntimeError(f"h2c check failed: {probe.stdout!r} {probe.stderr!r}")
    samples = []
    for round_no in range(1, rounds + 1):
        for label, args in SHAPES:
            with Window({"origin": origin.pid, "proxy": target.pid}) as window:
                result = h2load(url, {"authorization": f"Bearer {token}"}, args, duration_s, ctx.load_cpu)
            proxy_s = window.process_seconds("proxy")
            sample = {"round": round_no, "shape": label, **result,
                      "proxy_us_per_req": proxy_s / max(result["requests"], 1) * 1e6}
            samples.append(sample)
            progress(f"round {round_no} {label}: {result['rps']:,.0f} req/s, proxy CPU "
                     f"{sample['proxy_us_per_req']:.1f} µs/req, {result['failed']} failed, {result['non_2xx']} non-2xx")
    summary = {}
    for label, _ in SHAPES:
        mine = [s for s in samples if s["shape"] == label]
        summary[label] = {"rps": statistics.median(s["rps"] for s in mine),
                          "proxy_us_per_req": statistics.median(s["proxy_us_per_req"] for s in mine),
                          "failed": sum(s["failed"] + s["non_2xx"] for s in mine)}
    base = summary[SHAPES[0][0]]
    for row in summary.values():
        row["rps_vs_h1"] = row["rps"] / base["rps"] if base["rps"] else None
    return {"scenario": scenario.name, "title": scenario.title, "meaning": scenario.meaning, "path": scenario.path,
            "rounds": rounds, "h2_samples": samples, "h2_summary": summary,
            "load": f"h2load -t1 -D {duration_s} (shapes: " + "; ".join(f"{l}: {' '.join(a)}" for l, a in SHAPES) + ")"}


def markdown(result):
    lines = [f"## ({result['scenario']}) {result['title']}", "", result["meaning"], "",
             f"Load: `{result['load']}` on `{result['path']}`, {result['rounds']} rounds.", "",
             "| round | shape | req/s | proxy CPU µs/req | failed | non-2xx |", "|---|---|---|---|---|---|"]
    for s in result["h2_samples"]:
        lines.append(f"| {s['round']} | {s['shape']} | {s['rps']:,.0f} | {s['proxy_us_per_req']:.1f} | "
                     f"{s['failed']} | {s['non_2xx']} |")
    lines += ["", "Medians:", "", "| shape | req/s | vs HTTP/1.1 | proxy CPU µs/req |", "|---|---|---|---|"]
    for label, row in result["h2_summary"].items():
        lines.append(f"| {label} | {row['rps']:,.0f} | {row['rps_vs_h1']:.2f} | {row['proxy_us_per_req']:.1f} |")
    return lines + [""]
