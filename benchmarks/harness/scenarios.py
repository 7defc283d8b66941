"""Scenarios: what load, against which targets, checked how.

A wrk scenario is data: its targets, wrk settings, optional Lua that shapes the
requests (it is prepended to wrk/report.lua), and the checks each target must
pass before it is loaded. Adding one means adding an entry to `SCENARIOS`;
a scenario whose feature has not landed stays listed with `pending` saying
which issue brings it, and the harness skips it with that note.
"""
import statistics

from .load import load, script_for
from .metrics import Window, process_status_kib
from .targets import ORIGIN_BODY


class Scenario:
    def __init__(self, name, title, meaning, targets=(), path="/", lua=None, threads=1,
                 connections=32, checks=(), pending=None, kind="wrk"):
        self.name = name
        self.title = title
        self.meaning = meaning
        self.targets = list(targets)
        self.path = path
        self.lua = lua
        self.threads = threads
        self.connections = connections
        self.checks = list(checks)
        self.pending = pending
        self.kind = kind


GET_JSON = [("GET", "/", {}, 200, ORIGIN_BODY), ("GET", "/some/deeper/path?q=1", {}, 200, ORIGIN_BODY)]

SCENARIOS = [
    Scenario("a", "auth: none route",
             "GET of a small JSON body; Tollgate forwards without a token. The proxy's bare cost.",
             targets=["direct", "nginx-proxy", "tollgate-none"], checks=GET_JSON),
    Scenario("b", "RS256 token, one token repeated (cache hit)", "", pending="the token issue (plus HAProxy jwt_verify target)"),
    Scenario("c", "RS256, 100,000 rotating tokens vs cache.tokens 10,000 (cache miss)", "", pending="the token issue"),
    Scenario("d", "ES256 and EdDSA variants of (c)", "", pending="the token issue"),
    Scenario("e", "CORS preflight", "", pending="the CORS issue"),
    Scenario("f", "64 KiB POST bodies", "", pending="the token/scope issues (same targets as b)"),
    Scenario("g", "HTTP/2 with h2load", "", pending="the protocols issue"),
    Scenario("h", "connection scaling 1/64/1,024/10,000 idle keep-alive, RSS per connection", "",
             pending="the protocols issue (idle-connection client)"),
    Scenario("i", "fixed rate (open loop) at 50% of the peer's saturation, p99", "",
             pending="the protocols issue (h2load --rps)"),
    Scenario("upload", "8 GiB upload through Tollgate",
             "One POST with Content-Length streamed from a generator to a sink upstream; "
             "Tollgate's RSS sampled throughout.", kind="upload"),
    Scenario("profile", "perf profile of Tollgate under (a)",
             "perf record (cpu-clock, call graphs) on the gateway PID while scenario (a)'s load runs.",
             kind="profile"),
]

BY_NAME = {s.name: s for s in SCENARIOS}


def run_wrk_scenario(scenario, targets, origin, ctx, rounds, duration_s, warmup_s, progress):
    """A B A B: every round loads every target in turn, so drift and noise show per round."""
    chosen = [targets[key] for key in scenario.targets]
    for target in chosen:
        progress(f"check {target.label}: {len(scenario.checks)} requests")
        target.check(scenario.checks)
    script = script_for(scenario.lua, ctx.run_dir)
    if warmup_s:
        for target in chosen:
            progress(f"warm up {target.label} ({warmup_s}s)")
            load(target.url(scenario.path), scenario.threads, scenario.connections, warmup_s, script, ctx.load_cpu)
    samples = []
    for round_no in range(1, rounds + 1):
        for target in chosen:
            pids = {"origin": origin.pid}
            if target.pid:
                pids["proxy"] = target.pid
            with Window(pids) as window:
                result = load(target.url(scenario.path), scenario.threads, scenario.connections,
                              duration_s, script, ctx.load_cpu)
            sample = describe(scenario, round_no, target, result, window)
            samples.append(sample)
            progress(f"round {round_no} {target.label}: {sample['rps']:,.0f} req/s, "
                     f"p99 {sample['p99_ms']:.2f} ms, proxy CPU "
                     + (f"{sample['proxy_us_per_req']:.1f} µs/req" if sample['proxy_us_per_req'] else "—")
                     + (f", {sample['errors']} errors" if sample['errors'] else "")
                     + (f", proxy waited {sample['proxy_wait_pct']:.0f}% of the run for its CPU"
                        if sample['proxy_wait_pct'] is not None else ""))
    return {"scenario": scenario.name, "title": scenario.title, "meaning": scenario.meaning,
            "wrk": f"wrk -t{scenario.threads} -c{scenario.connections} -d{duration_s}s --latency",
            "path": scenario.path, "rounds": rounds, "samples": samples,
            "summary": summarise(samples, [t.key for t in chosen])}


def describe(scenario, round_no, target, result, window):
    requests = max(result.requests, 1)
    proxy_s = window.process_seconds("proxy") if "proxy" in window.pids else None
    origin_s = window.process_seconds("origin")
    ours = (proxy_s or 0) + origin_s + result.wrk_cpu_s
    capacity = result.wall_s * len(window.cpu_after)
    return {
        "round": round_no, "target": target.key, "label": target.label,
        "requests": result.requests, "rps": result.rps, "errors": result.error_count(),
        "error_detail": result.errors,
        "p50_ms": result.latency_us["p50"] / 1000, "p90_ms": result.latency_us["p90"] / 1000,
        "p99_ms": result.latency_us["p99"] / 1000, "p999_ms": result.latency_us["p999"] / 1000,
        "proxy_cpu_s": proxy_s,
        "proxy_us_per_req": proxy_s / requests * 1e6 if proxy_s is not None else None,
        "proxy_cpu_busy_us_per_req": window.cpu_seconds(target.ctx.proxy_cpu) / requests * 1e6
        if proxy_s is not None and target.ctx.proxy_cpu is not None else None,
        "origin_us_per_req": origin_s / requests * 1e6,
        "wrk_us_per_req": result.wrk_cpu_s / requests * 1e6,
        "peak_rss_kib": process_status_kib(target.pid, "VmHWM") if target.pid else None,
        "rss_kib": process_status_kib(target.pid, "VmRSS") if target.pid else None,
        "proxy_wait_pct": window.run_queue_wait_seconds("proxy") / result.wall_s * 100 if proxy_s is not None else None,
        "origin_wait_pct": window.run_queue_wait_seconds("origin") / result.wall_s * 100,
        "other_load_pct": max(0.0, window.all_cpu_seconds() - ours) / capacity * 100 if capacity else 0.0,
    }


def summarise(samples, order):
    """Medians per target, and Tollgate/nginx-proxy ratios per round and of the medians."""
    summary = {"targets": {}, "ratios": []}
    for key in order:
        mine = [s for s in samples if s["target"] == key]
        row = {"label": mine[0]["label"], "samples": len(mine)}
        for field in ("rps", "p50_ms", "p99_ms", "p999_ms", "proxy_us_per_req",
                      "proxy_cpu_busy_us_per_req", "origin_us_per_req"):
            values = [s[field] for s in mine if s[field] is not None]
            row[field] = statistics.median(values) if values else None
        row["peak_rss_kib"] = max((s["peak_rss_kib"] or 0) for s in mine) or None
        row["errors"] = sum(s["errors"] for s in mine)
        summary["targets"][key] = row
    if "tollgate-none" in order and "nginx-proxy" in order:
        rounds = sorted({s["round"] for s in samples})
        for r in rounds:
            t = next(s for s in samples if s["round"] == r and s["target"] == "tollgate-none")
            n = next(s for s in samples if s["round"] == r and s["target"] == "nginx-proxy")
            summary["ratios"].append({"round": r, "pair": "tollgate-none/nginx-proxy", **ratio(t, n)})
        t, n = summary["targets"]["tollgate-none"], summary["targets"]["nginx-proxy"]
        summary["ratios"].append({"round": "median", "pair": "tollgate-none/nginx-proxy", **ratio(t, n)})
    return summary


def ratio(a, b):
    def div(x, y):
        return x / y if x is not None and y else None
    return {"rps": div(a["rps"], b["rps"]), "proxy_us_per_req": div(a["proxy_us_per_req"], b["proxy_us_per_req"]),
            "p99_ms": div(a["p99_ms"], b["p99_ms"])}
