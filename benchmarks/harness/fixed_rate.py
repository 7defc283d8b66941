"""Scenario (i): latency at a fixed rate, open loop. HAProxy's saturation req/s is measured first in the
same run (a short wrk run of (b)'s load on `haproxy-jwt`); then every target is loaded at half of it by
h2load (`--h1 -c32 --rps R/32 --rate=1 --rate-period=1ms -n N`: 32 HTTP/1.1 clients, each sending on
its own timer whether or not earlier answers came back), A B A B. The clients start 1 ms apart, so their
timers are out of phase: started together (h2load's default), all 32 fire at once and every request
waits behind up to 31 others, which measures the proxy's burst drain time (32 × its CPU per request),
not its latency at that rate; staggered, at most about three requests arrive together. h2load's `-D`
cannot be combined with a staggered start, so the run is `-n` requests (1 s more than a sample) and the
first second is dropped. Latencies come from h2load's per-request log (`--log-file`), so p50/p99/p99.9
are exact; p99 added is each target's p99 minus the direct upstream's in the same round.

h2load times a request from when it sends it: a request a client could not send on time (its previous
one still unanswered) waits and its wait is not counted (coordinated omission). At half the peer's
saturation that is rare; the achieved rate is shown next to the asked one so it would show.
"""
import statistics
import subprocess
import time

from .load import WRK_DIR, load, script_for
from .metrics import Window
from .procs import pinned
from .scenarios import REQUEST_LUA, Rotation, Shape, token_checks

CLIENTS = 32
SHARE = 0.5
BAR_MS = 1.0
WARMUP_S = 1


def percentile(sorted_values, q):
    if not sorted_values:
        return None
    index = min(len(sorted_values) - 1, max(0, int(round(q / 100 * len(sorted_values) + 0.5)) - 1))
    return sorted_values[index]


def h2load_argv(rate, duration_s, log_path):
    per_client = max(1, round(rate / CLIENTS))
    total = per_client * CLIENTS * (duration_s + WARMUP_S)
    return per_client, ["h2load", "--h1", f"-c{CLIENTS}", "-t1", f"--rps={per_client}", "--rate=1",
                        "--rate-period=1ms", "-n", str(total), f"--log-file={log_path}"]


def h2load_fixed_rate(url, headers, rate, duration_s, cpu, log_path):
    per_client, args = h2load_argv(rate, duration_s, log_path)
    argv = pinned(cpu, [*args, *[f"-H{k}: {v}" for k, v in headers.items()], url])
    started = time.monotonic()
    out = subprocess.run(argv, capture_output=True, text=True, timeout=duration_s + 60)
    wall = time.monotonic() - started
    entries = []
    with open(log_path) as log:
        for line in log:
            fields = line.split("\t")
            if len(fields) >= 3:
                entries.append((int(fields[0]), fields[1], int(fields[2])))
    first = min((e[0] for e in entries), default=0)
    latencies, statuses = [], {}
    for start_us, status, latency_us in entries:
        if start_us - first >= WARMUP_S * 1e6:
            statuses[status] = statuses.get(status, 0) + 1
            latencies.append(latency_us)
    if out.returncode != 0 or not latencies:
        raise RuntimeError(f"h2load failed (exit {out.returncode}):\n{out.stdout}{out.stderr}")
    latencies.sort()
    failed = sum(v for k, v in statuses.items() if not k.startswith("2"))
    return {"asked_rps": per_client * CLIENTS, "achieved_rps": len(latencies) / duration_s, "requests": len(latencies),
            "non_2xx": failed, "statuses": statuses, "wall_s": wall,
            **{f"p{name}_ms": percentile(latencies, q) / 1000 for name, q in (("50", 50), ("99", 99), ("999", 99.9))},
            "max_ms": latencies[-1] / 1000}


def run_fixed_rate_scenario(scenario, targets, origin, ctx, rounds, duration_s, warmup_s, progress):
    chosen = [targets[key] for key in scenario.targets]
    token = ctx.tokens.good["RS256"]
    for target in chosen:
        checks = token_checks("RS256")(ctx.tokens, target)
        progress(f"check {target.label}: {len(checks)} requests")
        target.check(checks)
    peer = targets["haproxy-jwt"]
    rotation = Rotation(ctx, Shape(token=("one", "RS256")))
    script = script_for(WRK_DIR / REQUEST_LUA, ctx.run_dir, rotation.prelude(peer, 1), name="wrk-i-saturation.lua")
    saturation_s = max(2, duration_s // 2)
    progress(f"saturation: {peer.label}, wrk -t1 -c32 -d{saturation_s}s (after a {warmup_s}s warm-up)")
    load(peer.url(scenario.path), 1, 32, warmup_s, script, ctx.load_cpu)
    saturation = load(peer.url(scenario.path), 1, 32, saturation_s, script, ctx.load_cpu)
    rate = saturation.rps * SHARE
    progress(f"saturation: {peer.label} {saturation.rps:,.0f} req/s; every target at {rate:,.0f} req/s "
             f"({CLIENTS} clients × {max(1, round(rate / CLIENTS))} req/s)")
    samples = []
    headers = {"authorization": f"Bearer {token}"}
    for round_no in range(1, rounds + 1):
        for target in chosen:
            pids = {"origin": origin.pid}
            if target.pid:
                pids["proxy"] = target.pid
            log_path = ctx.run_dir / f"h2load-i-{target.key}-r{round_no}.tsv"
            with Window(pids) as window:
                result = h2load_fixed_rate(target.url(scenario.path), headers, rate, duration_s, ctx.load_cpu, log_path)
            proxy_s = window.process_seconds("proxy") if "proxy" in pids else None
            sample = {"round": round_no, "target": target.key, "label": target.label, **result,
                      "proxy_us_per_req": proxy_s / result["requests"] * 1e6 if proxy_s is not None else None,
                      "proxy_busy_pct": proxy_s / result["wall_s"] * 100 if proxy_s is not None else None,
                      "proxy_wait_pct": window.run_queue_wait_seconds("proxy") / result["wall_s"] * 100
                      if proxy_s is not None else None}
            samples.append(sample)
            progress(f"round {round_no} {target.label}: {result['achieved_rps']:,.0f} of {result['asked_rps']:,} req/s, "
                     f"p50 {result['p50_ms']:.2f} / p99 {result['p99_ms']:.2f} / p99.9 {result['p999_ms']:.2f} ms"
                     + (f", {result['non_2xx']} non-2xx" if result["non_2xx"] else "")
                     + (f", proxy CPU busy {sample['proxy_busy_pct']:.0f}%, waited {sample['proxy_wait_pct']:.0f}%"
                        if sample["proxy_busy_pct"] is not None else ""))
    for sample in samples:
        direct = next((s for s in samples if s["round"] == sample["round"] and s["target"] == "direct"), None)
        sample["p99_added_ms"] = sample["p99_ms"] - direct["p99_ms"] if direct else None
    summary = {}
    for target in chosen:
        mine = [s for s in samples if s["target"] == target.key]
        summary[target.key] = {"label": target.label, **{
            field: statistics.median(s[field] for s in mine if s[field] is not None)
            if any(s[field] is not None for s in mine) else None
            for field in ("achieved_rps", "p50_ms", "p99_ms", "p999_ms", "p99_added_ms", "proxy_us_per_req",
                          "proxy_busy_pct")}, "non_2xx": sum(s["non_2xx"] for s in mine)}
    return {"scenario": scenario.name, "title": scenario.title, "meaning": scenario.meaning, "path": scenario.path,
            "rounds": rounds, "saturation": {"target": peer.key, "rps": saturation.rps, "seconds": saturation_s,
                                             "p99_ms": saturation.latency_us["p99"] / 1000},
            "rate": rate, "load": " ".join(h2load_argv(rate, duration_s, "FILE")[1]) + f" (first {WARMUP_S} s dropped)",
            "fixed_samples": samples, "fixed_summary": summary}


def markdown(result):
    sat = result["saturation"]
    lines = [f"## ({result['scenario']}) {result['title']}", "", result["meaning"], "",
             f"Saturation, same run: {sat['target']} {sat['rps']:,.0f} req/s (wrk -t1 -c32, {sat['seconds']} s, one "
             f"RS256 token). Rate for every target: {SHARE:.0%} of it, {result['rate']:,.0f} req/s.  ",
             f"Load: `{result['load']}` on `{result['path']}` (one RS256 token), {result['rounds']} rounds A B A B.", "",
             "| round | target | asked req/s | achieved | p50 ms | p99 ms | p99.9 ms | max ms | p99 added ms | "
             "proxy CPU µs/req | proxy CPU busy | proxy waited | non-2xx |",
             "|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for s in result["fixed_samples"]:
        lines.append(f"| {s['round']} | {s['label']} | {s['asked_rps']:,} | {s['achieved_rps']:,.0f} | {s['p50_ms']:.2f} | "
                     f"{s['p99_ms']:.2f} | {s['p999_ms']:.2f} | {s['max_ms']:.2f} | "
                     f"{'—' if s['target'] == 'direct' else format(s['p99_added_ms'], '+.2f')} | "
                     f"{'—' if s['proxy_us_per_req'] is None else format(s['proxy_us_per_req'], '.1f')} | "
                     f"{'—' if s['proxy_busy_pct'] is None else format(s['proxy_busy_pct'], '.0f') + '%'} | "
                     f"{'—' if s['proxy_wait_pct'] is None else format(s['proxy_wait_pct'], '.0f') + '%'} | {s['non_2xx']} |")
    lines += ["", "Medians:", "", "| target | achieved req/s | p50 ms | p99 ms | p99.9 ms | p99 added ms | bar (≤ 1 ms added) |",
              "|---|---|---|---|---|---|---|"]
    for key, row in result["fixed_summary"].items():
        added = row["p99_added_ms"]
        bar = "—" if key == "direct" or added is None else ("met" if added <= BAR_MS else "NOT met")
        lines.append(f"| {row['label']} | {row['achieved_rps']:,.0f} | {row['p50_ms']:.2f} | {row['p99_ms']:.2f} | "
                     f"{row['p999_ms']:.2f} | {'—' if key == 'direct' else format(added, '+.2f')} | {bar} |")
    return lines + ["", "`proxy CPU busy`: the proxy's CPU time over the run's wall time (at half the peer's "
                    "saturation a proxy that costs more per request is busier, and queues more); `proxy waited`: "
                    "the share of the run its threads were runnable but waiting for their CPU (other work on the "
                    "machine), which adds to latency directly.", ""]
