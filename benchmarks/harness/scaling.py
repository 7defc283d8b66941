"""Scenario (h): connection scaling. For each target (the origin hit directly, nginx, HAProxy, Tollgate's
token route) and each level (1, 64, 1,024, 10,000 idle keep-alive connections; quick: 1 and 64), A B A B:
`idle_client.py` (on the load CPU) opens the idle connections, each after one complete request, and
holds them; the harness reads the target's RSS before and once they are held (RSS per connection), then
runs scenario (b)'s wrk load on the same target while they are held, and checks how many survived.
"""
import re
import statistics
import sys
import time
from pathlib import Path

from . import procs
from .load import WRK_DIR, load, script_for
from .metrics import Window, process_status_kib
from .scenarios import REQUEST_LUA, Rotation, Shape, bearer, token_checks

LEVELS = [1, 64, 1024, 10_000]
QUICK_LEVELS = [1, 64]
HOLD_S = 300  # the idle client's own bound: longer than any step
GOAL_CONNECTIONS, GOAL_MIB = 10_000, 40


def rss_kib(pid):
    return process_status_kib(pid, "VmRSS")


class IdleConnections:
    """The idle client as a managed process: started, waited for, read and stopped by PID."""

    def __init__(self, ctx, target, count, path, headers, name):
        self.count = count
        self.process = procs.Managed(
            name, procs.pinned(ctx.load_cpu, [
                sys.executable, str(Path(__file__).with_name("idle_client.py")), "--port", str(target.port),
                "--count", str(count), "--path", path, "--hold", str(HOLD_S),
                *[arg for k, v in headers.items() for arg in ("--header", f"{k}: {v}")]]),
            ctx.run_dir / f"{name}.log")

    def wait_held(self, deadline_s=180):
        end = time.monotonic() + deadline_s
        while time.monotonic() < end:
            match = re.search(r"^held (\d+) of \d+.*$", self.process.log_text(), re.M)
            if match:
                return int(match.group(1)), match.group(0)
            if not self.process.alive():
                raise RuntimeError(f"idle client exited early:\n{self.process.log_text()[-2000:]}")
            time.sleep(0.1)
        raise RuntimeError(f"idle client did not hold {self.count} connections within {deadline_s}s")

    def still_open(self, held):
        opens = re.findall(r"^open (\d+)$", self.process.log_text(), re.M)
        return int(opens[-1]) if opens else held

    def stop(self):
        self.process.stop()


def run_scaling_scenario(scenario, targets, origin, ctx, rounds, duration_s, warmup_s, levels, progress):
    chosen = [targets[key] for key in scenario.targets]
    shape = Shape(token=("one", "RS256"))
    rotation = Rotation(ctx, shape)
    token = ctx.tokens.good["RS256"]
    for target in chosen:
        checks = token_checks("RS256")(ctx.tokens, target)
        progress(f"check {target.label}: {len(checks)} requests")
        target.check(checks)

    def script(target):
        return script_for(WRK_DIR / REQUEST_LUA, ctx.run_dir, rotation.prelude(target, scenario.threads),
                          name=f"wrk-h-{target.key}.lua")

    for target in chosen:
        progress(f"warm up {target.label} ({warmup_s}s)")
        rotation.advance(target, load(target.url(scenario.path), scenario.threads, scenario.connections, warmup_s,
                                      script(target), ctx.load_cpu))
    samples = []
    for round_no in range(1, rounds + 1):
        for level in levels:
            for target in chosen:
                count = min(level, target.max_idle_connections or level)
                time.sleep(1)  # let the previous step's closes land
                before = rss_kib(target.memory_pid)
                idle = IdleConnections(ctx, target, count, scenario.path, bearer(token),
                                       f"idle-{target.key}-{level}-r{round_no}")
                try:
                    held, line = idle.wait_held()
                    time.sleep(1)
                    with_idle = rss_kib(target.memory_pid)
                    pids = {"origin": origin.pid}
                    if target.pid:
                        pids["proxy"] = target.pid
                    with Window(pids) as window:
                        result = load(target.url(scenario.path), scenario.threads, scenario.connections,
                                      duration_s, script(target), ctx.load_cpu)
                    rotation.advance(target, result)
                    after_load = rss_kib(target.memory_pid)
                    time.sleep(0.5)
                    still = idle.still_open(held)
                finally:
                    idle.stop()
                requests = max(result.requests, 1)
                proxy_s = window.process_seconds("proxy") if "proxy" in pids else None
                sample = {
                    "round": round_no, "level": level, "target": target.key, "label": target.label,
                    "asked": count, "held": held, "open_after_load": still, "client": line,
                    "rss_before_kib": before, "rss_held_kib": with_idle, "rss_after_load_kib": after_load,
                    "kib_per_connection": (with_idle - before) / held if held else None,
                    "rps": result.rps, "p50_ms": result.latency_us["p50"] / 1000,
                    "p99_ms": result.latency_us["p99"] / 1000, "errors": result.error_count(),
                    "proxy_us_per_req": proxy_s / requests * 1e6 if proxy_s is not None else None,
                    "proxy_wait_pct": window.run_queue_wait_seconds("proxy") / result.wall_s * 100
                    if proxy_s is not None else None,
                }
                samples.append(sample)
                progress(f"round {round_no} {level:,} idle, {target.label}: held {held:,}/{count:,}, RSS "
                         f"{before / 1024:.1f} → {with_idle / 1024:.1f} MiB"
                         + (f" ({sample['kib_per_connection']:.2f} KiB/conn)" if held else "")
                         + f"; under load {result.rps:,.0f} req/s, p99 {sample['p99_ms']:.2f} ms"
                         + (f", {sample['errors']} errors" if sample["errors"] else "")
                         + f"; {still:,} still open after the load")
    return {"scenario": scenario.name, "title": scenario.title, "meaning": scenario.meaning, "path": scenario.path,
            "wrk": f"wrk -t{scenario.threads} -c{scenario.connections} -d{duration_s}s --latency",
            "rounds": rounds, "levels": levels, "scaling_samples": samples,
            "scaling_summary": summarise(samples, [t.key for t in chosen], levels)}


def summarise(samples, order, levels):
    rows = []
    for level in levels:
        for key in order:
            mine = [s for s in samples if s["level"] == level and s["target"] == key]
            if not mine:
                continue
            per_conn = [s["kib_per_connection"] for s in mine if s["kib_per_connection"] is not None]
            growth = [(s["rss_held_kib"] - s["rss_before_kib"]) for s in mine]
            rows.append({"level": level, "target": key, "label": mine[0]["label"],
                         "held": min(s["held"] for s in mine), "open_after_load": min(s["open_after_load"] for s in mine),
                         "rps": statistics.median(s["rps"] for s in mine),
                         "p99_ms": statistics.median(s["p99_ms"] for s in mine),
                         "kib_per_connection_max": max(per_conn) if per_conn else None,
                         "growth_mib_max": max(growth) / 1024 if growth else None,
                         "errors": sum(s["errors"] for s in mine)})
    goal = next((r for r in rows if r["level"] == GOAL_CONNECTIONS and r["target"] == "tollgate-jwt"), None)
    return {"rows": rows, "goal": goal and {
        "connections": goal["held"], "growth_mib": goal["growth_mib_max"], "goal_mib": GOAL_MIB,
        "met": goal["held"] >= GOAL_CONNECTIONS and goal["growth_mib_max"] <= GOAL_MIB}}


def markdown(result):
    lines = [f"## ({result['scenario']}) {result['title']}", "", result["meaning"], "",
             f"Load while the idle connections are held: `{result['wrk']}` on `{result['path']}` (one RS256 token), "
             f"{result['rounds']} rounds, levels {', '.join(f'{n:,}' for n in result['levels'])}.", "",
             "| round | idle | target | held | open after load | RSS before MiB | with idle MiB | KiB/conn "
             "| RSS after load MiB | req/s | p50 ms | p99 ms | proxy CPU µs/req | errors | proxy waited |",
             "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for s in result["scaling_samples"]:
        lines.append(
            f"| {s['round']} | {s['level']:,} | {s['label']} | {s['held']:,} | {s['open_after_load']:,} | "
            f"{s['rss_before_kib'] / 1024:.1f} | {s['rss_held_kib'] / 1024:.1f} | "
            f"{'—' if s['kib_per_connection'] is None else format(s['kib_per_connection'], '.2f')} | "
            f"{s['rss_after_load_kib'] / 1024:.1f} | {s['rps']:,.0f} | {s['p50_ms']:.2f} | {s['p99_ms']:.2f} | "
            f"{'—' if s['proxy_us_per_req'] is None else format(s['proxy_us_per_req'], '.1f')} | {s['errors']} | "
            f"{'—' if s['proxy_wait_pct'] is None else format(s['proxy_wait_pct'], '.0f') + '%'} |")
    lines += ["", "Per level and target (req/s and p99: medians over rounds; KiB/conn and RSS growth: the largest "
              "round, usually the first, before the allocator has memory to reuse):", "",
              "| idle | target | held (min) | req/s | p99 ms | KiB/conn | RSS growth MiB |", "|---|---|---|---|---|---|---|"]
    for r in result["scaling_summary"]["rows"]:
        lines.append(f"| {r['level']:,} | {r['label']} | {r['held']:,} | {r['rps']:,.0f} | {r['p99_ms']:.2f} | "
                     f"{'—' if r['kib_per_connection_max'] is None else format(r['kib_per_connection_max'], '.2f')} | "
                     f"{r['growth_mib_max']:.1f} |")
    goal = result["scaling_summary"]["goal"]
    if goal:
        lines += ["", f"Goal (issue 8): Tollgate holds {GOAL_CONNECTIONS:,} idle keep-alive connections for ≤ "
                  f"{GOAL_MIB} MiB of RSS growth: {goal['connections']:,} held for {goal['growth_mib']:.1f} MiB: "
                  + ("met" if goal["met"] else "NOT met") + "."]
    lines += ["", "RSS is `VmRSS` of the target's process (for the upstream hit directly: the origin nginx, which also "
              "holds the proxies' upstream connections). HAProxy holds at most `maxconn` − 64 idle connections: "
              "it reserves two fds per connection and refuses to start with a `maxconn` whose fds exceed "
              "`ulimit -n` (20,000 here), so its 10,000 row holds fewer (column `held`).", ""]
    return lines
