"""`benchmarks/run`: install what is missing, build or take the binary, run the scenarios, write the report."""
import argparse
import datetime
import os
import platform
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from . import allocs, fixed_rate, procs, profile, report, scaling, soak
from .scenarios import BY_NAME, GROUPS, SCENARIOS, run_wrk_scenario
from .scenarios import BASELINE_TARGETS, FLOOR_TARGETS, MATRIX
from .targets import (Context, Direct, HAProxyJWT, NginxProxy, NIOFloor, Origin, Tollgate, TollgateBaseline, TollgateJWT,
                      TollgateJWTAccessLog, TollgateJWTAllCached, TollgateJWTAllCachedBaseline, TollgateJWTBaseline,
                      TollgateJWTScraped, TollgateJWTDPoP, TollgateMatrix)
from .tokens import TokenKit, verify_rates
from .h2load import run_h2_scenario
from .upload import run_upload

BENCH_DIR = Path(__file__).resolve().parent.parent
REPO_DIR = BENCH_DIR.parent
RELEASE_BINARY = REPO_DIR / ".build-release" / "release" / "tollgate"
FLOOR_BINARY = REPO_DIR / ".build-floor" / "release" / "NIOFloor"
DEFAULT_SCENARIOS = ["a", "b", "c", "d-es256", "d-eddsa", "e", "f", "g", "upload", "profile"]
QUICK_SCENARIOS = ["a", "b", "c", "e", "f", "g", "upload"]
LOAD_CPU, PROXY_CPU = 0, 1

_t0 = time.monotonic()


def progress(message):
    print(f"[{time.monotonic() - _t0:7.1f}s] {message}", flush=True)


def parse_args(argv):
    names = ", ".join(s.name for s in SCENARIOS)
    parser = argparse.ArgumentParser(prog="benchmarks/run", description="Load-test Tollgate next to nginx and HAProxy.")
    parser.add_argument("--quick", action="store_true", help="short runs (2 s samples, 256 MiB upload) to prove the harness works")
    parser.add_argument("--scenario", action="append", metavar="NAME",
                        help=f"run only this scenario (repeatable): {names} (d = both d-*); "
                             f"default: {', '.join(DEFAULT_SCENARIOS)}")
    parser.add_argument("--binary", type=Path, help=f"the tollgate binary; default {RELEASE_BINARY.relative_to(REPO_DIR)}, built if absent")
    parser.add_argument("--baseline-binary", type=Path,
                        help="an earlier tollgate build measured in the same run next to --binary, in scenarios "
                             + ", ".join(BASELINE_TARGETS) + " (before/after figures)")
    parser.add_argument("--floor", action="store_true",
                        help="also load the naive NIO proxy of benchmarks/floor (stock NIOHTTP1 codecs, no auth) in "
                             "scenarios " + ", ".join(FLOOR_TARGETS) + "; built in release on first use")
    parser.add_argument("--duration", type=int, help="seconds per sample (default 10, quick 2)")
    parser.add_argument("--rounds", type=int, default=2, help="A B A B rounds (default 2)")
    parser.add_argument("--soak-rate", type=int,
                        help="soak: requests/s (default 400; with --soak-heaptrack 100, with --soak-lsan 50)")
    parser.add_argument("--soak-heaptrack", action="store_true",
                        help="soak: run Tollgate under heaptrack and report what is still allocated at exit "
                             "(use a short --duration)")
    parser.add_argument("--soak-lsan", action="store_true",
                        help="soak: --binary is a -sanitize=address build; run it with LeakSanitizer, stop it with "
                             "SIGTERM and wait for it to exit, and report LSan's findings (use a short --duration)")
    parser.add_argument("--tokens", type=int, help="distinct tokens rotated in (c) and (d) (default 100000, quick 25000; "
                        f"over twice cache.tokens {TollgateJWT.cache_tokens} so that none can hit)")
    parser.add_argument("--upload-size", type=str, help="upload size in GiB (default 8, quick 0.25)")
    parser.add_argument("--priority", choices=["rt", "nice", "normal"], default="nice",
                        help="nice: the run at nice -20 in its own autogroup (default); rt: also SCHED_FIFO for the measured processes; normal: as is")
    parser.add_argument("--out", type=Path, help="report folder (default benchmarks/results, quick benchmarks/results/quick)")
    return parser.parse_args(argv)


def tool_path(name):
    return shutil.which(name) or shutil.which(name, path="/usr/sbin:/sbin:/usr/local/sbin")


def apt_install(packages):
    if os.geteuid() != 0 or not shutil.which("apt-get"):
        return False
    progress(f"install: apt-get update; apt-get install {' '.join(packages)}")
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    update = subprocess.run(["apt-get", "update", "-qq"], env=env, capture_output=True, text=True, timeout=600)
    if update.returncode != 0:
        progress(f"install: apt-get update failed: {update.stderr.strip()[-300:]}")
    done = subprocess.run(["apt-get", "install", "-y", "-qq", *packages], env=env, capture_output=True, text=True, timeout=900)
    if done.returncode != 0:
        progress(f"install: failed: {done.stderr.strip()[-300:]}")
    return done.returncode == 0


def ensure_tools(want_profile, want_haproxy, want_redis=False):
    wanted = [("nginx", "nginx-light"), ("wrk", "wrk"), ("openssl", "openssl"), ("h2load", "nghttp2-client")]
    if want_haproxy:
        wanted.append(("haproxy", "haproxy"))
    if want_redis:
        wanted.append(("redis-server", "redis-server"))
    missing = [pkg for tool, pkg in wanted if not tool_path(tool)]
    if missing and not apt_install(missing):
        sys.exit(f"missing {', '.join(missing)}: install them (Debian: apt-get install {' '.join(missing)})")
    if want_profile and not tool_path("perf") and not tool_path("valgrind"):
        apt_install(["linux-perf"]) or apt_install(["valgrind"])
    os.environ["PATH"] = os.environ.get("PATH", "") + ":/usr/sbin:/sbin"
    progress(f"tools: nginx {tool_path('nginx')}, wrk {tool_path('wrk')}, haproxy {tool_path('haproxy') or 'absent'}, "
             f"perf {tool_path('perf') or 'absent'}")


def ensure_binary(binary):
    if binary:
        if not binary.exists():
            sys.exit(f"--binary {binary}: no such file")
        return binary.resolve()
    if not RELEASE_BINARY.exists():
        progress("build: swift build -c release --scratch-path .build-release --product tollgate")
        subprocess.run(["swift", "build", "-c", "release", "--scratch-path", ".build-release", "--product", "tollgate"],
                       cwd=REPO_DIR, check=True, timeout=3600)
    return RELEASE_BINARY


def ensure_floor_binary():
    """Builds benchmarks/floor in release (its own package and scratch path: never part of the main build)."""
    progress("build: swift build -c release --package-path benchmarks/floor --scratch-path .build-floor")
    subprocess.run(["swift", "build", "-c", "release", "--package-path", "benchmarks/floor", "--scratch-path", ".build-floor"],
                   cwd=REPO_DIR, check=True, timeout=3600)
    return FLOOR_BINARY


def command_output(argv):
    try:
        out = subprocess.run(argv, capture_output=True, text=True, timeout=30, cwd=REPO_DIR)
        return (out.stdout + out.stderr).strip().splitlines()[0]
    except (OSError, subprocess.TimeoutExpired, IndexError):
        return "unknown"


def environment(binary, pinning):
    cpu_model = "unknown"
    try:
        cpu_model = next(l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name"))
    except (OSError, StopIteration):
        pass
    return {"tollgate_binary": str(binary), "git_commit": command_output(["git", "rev-parse", "--short", "HEAD"]),
            "cpu_model": cpu_model, "cpus": os.cpu_count(), "kernel": platform.release(),
            "nginx": command_output(["nginx", "-v"]), "wrk": command_output(["wrk", "-v"]).split(" Copyright")[0],
            "haproxy": command_output(["haproxy", "-v"]) if tool_path("haproxy") else "absent",
            "openssl": command_output(["openssl", "version"]),
            "python": platform.python_version(), "pinning": pinning, "loadavg": open("/proc/loadavg").read().strip()}


def main(argv=None):
    args = parse_args(argv if argv is not None else sys.argv[1:])
    names = [n for name in (args.scenario or (QUICK_SCENARIOS if args.quick else DEFAULT_SCENARIOS))
             for n in GROUPS.get(name, [name])]
    unknown = [n for n in names if n not in BY_NAME]
    if unknown:
        sys.exit(f"unknown scenario {', '.join(unknown)}; known: {', '.join(BY_NAME)}")
    duration = args.duration or (2 if args.quick else 10)
    warmup = 1 if args.quick else 2
    upload_size = int(float(args.upload_size or (0.25 if args.quick else 8)) * (1 << 30))
    out_dir = args.out or (BENCH_DIR / "results" / ("quick" if args.quick else ""))
    stamp = datetime.datetime.now().strftime("%Y-%m-%d-%H%M%S")

    def on_signal(signum, _frame):
        raise KeyboardInterrupt(f"signal {signum}")
    signal.signal(signal.SIGTERM, on_signal)

    pin = procs.cpu_count() >= 2
    load_cpu, proxy_cpu = (LOAD_CPU, PROXY_CPU) if pin else (None, None)
    pinning = ("proxy under test alone on CPU 1 (taskset -c 1); wrk, the origin nginx, the sink, perf and this "
               "harness on CPU 0 (taskset -c 0)") if pin else "none (fewer than 2 CPUs)"
    if pin:
        os.sched_setaffinity(0, {LOAD_CPU})

    ensure_tools("profile" in names or "allocs" in names, any("haproxy-jwt" in BY_NAME[n].targets for n in names),
                 any(key.startswith("mx-dpop-redis") for n in names for key in BY_NAME[n].targets))
    if args.soak_heaptrack and not tool_path("heaptrack"):
        apt_install(["heaptrack"])
    binary = ensure_binary(args.binary)
    priority = procs.raise_priority(args.priority)
    pinning += f"; scheduling: {priority} for every process of the run"
    progress(f"priority: {priority}")
    run_dir = Path(tempfile.mkdtemp(prefix="tollgate-bench-"))
    ctx = Context(run_dir, load_cpu, proxy_cpu, binary)
    if args.baseline_binary:
        if not args.baseline_binary.exists():
            sys.exit(f"--baseline-binary {args.baseline_binary}: no such file")
        ctx.baseline_binary = args.baseline_binary.resolve()
        for name, keys in BASELINE_TARGETS.items():
            BY_NAME[name].targets += [key for key in keys if key not in BY_NAME[name].targets]
        progress(f"baseline: {ctx.baseline_binary} next to {binary} in scenarios {', '.join(BASELINE_TARGETS)}")
    if args.floor:
        ctx.floor_binary = ensure_floor_binary()
        for name, keys in FLOOR_TARGETS.items():
            BY_NAME[name].targets += [key for key in keys if key not in BY_NAME[name].targets]
        progress(f"floor: {ctx.floor_binary} in scenarios {', '.join(FLOOR_TARGETS)}")
    ctx.rotating_tokens = args.tokens or (25_000 if args.quick else 100_000)
    # DPoP proofs per DPoP target: more than its requests (warm-up and every round at up to 10,000/s here),
    # so none repeats.
    ctx.dpop_proofs = max(30_000 if args.quick else 200_000, 10_000 * (warmup + args.rounds * duration))
    ctx.raw_dir = out_dir / "raw"
    ctx.raw_dir.mkdir(parents=True, exist_ok=True)
    progress(f"run: scenarios {', '.join(names)}; {duration}s samples, {args.rounds} rounds; work dir {run_dir}")
    run = {"started": datetime.datetime.now().isoformat(timespec="seconds"),
           "command": "benchmarks/run " + " ".join(argv if argv is not None else sys.argv[1:]),
           "environment": environment(binary, pinning), "scenarios": []}
    origin = Origin(ctx)
    targets = {}
    factories = {"direct": lambda: Direct(ctx, origin), "nginx-proxy": lambda: NginxProxy(ctx), "nio-floor": lambda: NIOFloor(ctx),
                 "haproxy-jwt": lambda: HAProxyJWT(ctx), "tollgate-none": lambda: Tollgate(ctx),
                 "tollgate-jwt": lambda: TollgateJWT(ctx),
                 "tollgate-none-base": lambda: TollgateBaseline(ctx), "tollgate-jwt-base": lambda: TollgateJWTBaseline(ctx), "tollgate-jwt-log": lambda: TollgateJWTAccessLog(ctx),
                 "tollgate-jwt-scraped": lambda: TollgateJWTScraped(ctx), "tollgate-jwt-dpop": lambda: TollgateJWTDPoP(ctx),
                 "tollgate-jwt-allcached": lambda: TollgateJWTAllCached(ctx),
                 "tollgate-jwt-allcached-base": lambda: TollgateJWTAllCachedBaseline(ctx)}
    for key, label, replay, _mode, proof_keys in MATRIX:
        factories[key] = lambda key=key, label=label, replay=replay, proof_keys=proof_keys: TollgateMatrix(
            ctx, key, f"Tollgate {label}", replay, proof_keys)
    try:
        progress("start: origin nginx")
        origin.start()
        if any(BY_NAME[n].needs_tokens for n in names):
            ctx.tokens = TokenKit(ctx, progress)
        if any(BY_NAME[n].rotates_tokens for n in names):
            progress("verify rates: openssl speed rsa2048 ecdsap256 ed25519 on the proxy CPU (reference for one verify)")
            run["verify_rates_per_s"] = verify_rates(proxy_cpu, 1 if args.quick else 3)
            progress("verify rates: " + ", ".join(f"{k} {v:,.0f}/s" for k, v in run["verify_rates_per_s"].items()))
        for name in names:
            scenario = BY_NAME[name]
            if scenario.pending:
                progress(f"({name}) {scenario.title}: skipped, comes with {scenario.pending}")
                run["scenarios"].append({"scenario": name, "title": scenario.title,
                                         "skipped": f"comes with {scenario.pending}"})
                continue
            progress(f"({name}) {scenario.title}")
            if scenario.kind in ("wrk", "scaling", "fixed-rate", "allocs"):
                for key in scenario.targets:
                    if key not in targets:
                        target = factories[key]()
                        progress(f"start: {target.label}")
                        target.start()
                        targets[key] = target
            if scenario.kind == "fixed-rate":
                run["scenarios"].append(fixed_rate.run_fixed_rate_scenario(
                    scenario, targets, origin, ctx, args.rounds, duration, warmup, progress))
            elif scenario.kind == "scaling":
                run["scenarios"].append(scaling.run_scaling_scenario(
                    scenario, targets, origin, ctx, args.rounds, duration, warmup,
                    scaling.QUICK_LEVELS if args.quick else scaling.LEVELS, progress))
            elif scenario.kind == "wrk":
                run["scenarios"].append(run_wrk_scenario(scenario, targets, origin, ctx, args.rounds, duration,
                                                         warmup, progress))
            elif scenario.kind == "h2load":
                key = scenario.targets[0]
                if key not in targets:
                    targets[key] = factories[key]()
                    progress(f"start: {targets[key].label}")
                    targets[key].start()
                run["scenarios"].append(run_h2_scenario(scenario, targets[key], origin, ctx, args.rounds, duration,
                                                        progress))
            elif scenario.kind == "soak":
                soak_s = args.duration or 600
                soak_rate = args.soak_rate or (100 if args.soak_heaptrack else 50 if args.soak_lsan else 400)
                try:
                    run["scenarios"].append({"scenario": "soak", "title": scenario.title, "meaning": scenario.meaning,
                                             **soak.run_soak(ctx, soak_s, soak_rate, args.soak_heaptrack, progress,
                                                             lsan=args.soak_lsan)})
                except (RuntimeError, OSError) as error:
                    progress(f"soak: FAILED: {error}")
                    run["scenarios"].append({"scenario": "soak", "title": scenario.title, "error": str(error)})
            elif scenario.kind == "upload":
                try:
                    run["scenarios"].append({"scenario": "upload", "title": scenario.title,
                                             **run_upload(ctx, upload_size, progress)})
                except (RuntimeError, OSError) as error:
                    progress(f"upload: FAILED: {error}")
                    run["scenarios"].append({"scenario": "upload", "title": scenario.title, "error": str(error)})
            elif scenario.kind == "allocs":
                run["scenarios"].append(allocs.run_allocs(scenario, targets, ctx, args.rounds, min(duration, 5), progress))
            elif scenario.kind == "profile":
                run["scenarios"].append({"scenario": "profile", "title": scenario.title,
                                         **run_profile(ctx, targets, scenario, duration)})
    finally:
        progress("stop: everything this run started")
        for target in targets.values():
            target.stop()
        origin.stop()
        procs.stop_all()
    md = report.write(run, out_dir, stamp)
    progress(f"report: {md} and {md.with_suffix('.json')}" + (f" and {run['plot']}" if run.get("plot") else
                                                              " (no plot: matplotlib not installed)"))
    shutil.rmtree(run_dir, ignore_errors=True)
    return 0


def run_profile(ctx, targets, scenario, duration):
    base = BY_NAME["a"]
    if profile.perf_usable():
        target = targets.get("tollgate-none")
        if target is None:
            target = Tollgate(ctx)
            target.start()
            targets["tollgate-none"] = target
        target.check(base.checks(ctx.tokens, target))
        return profile.run_perf(ctx, target, base, duration, progress)
    if tool_path("valgrind"):
        return profile.run_callgrind(ctx, lambda wrapper: Tollgate(ctx, name="tollgate-callgrind", wrapper=wrapper),
                                     base, max(2, duration // 3), progress)
    return {"skipped": "neither perf nor valgrind works here"}
