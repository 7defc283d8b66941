"""The soak (issue 11): a fixed rate of mixed traffic against Tollgate's token route for `--duration`
seconds (default 600), its RSS and open file descriptors sampled every 10 s, every request's outcome
checked against the status its kind must get. The upstream is the harness's sink (`sink.py`), which
resets the connection of any request to /reset…; the load comes from `soak_client.py` on the load CPU.

Optionally under heaptrack (`--soak-heaptrack`: low rate; what is still allocated at exit, by allocation
site, in the report). valgrind 3.19 (Debian 12) cannot run the release binary: its DWARF 5 reader gives
up on the debug info, and with the debug info stripped it dies of an internal SIGSEGV.

Or under LeakSanitizer (`--soak-lsan`, with a `--binary` built with `-sanitize=address`): the gateway
runs with LSan on and `fuzz/lsan.supp`, is stopped with one SIGTERM at the end (it drains and exits 0,
and LSan checks the heap at exit) and waited for; its output is kept in `results/raw/` and the report
lists LSan's summary and the leak blocks with their first frames.
"""
import json
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import time
from pathlib import Path

from . import procs
from .metrics import process_cpu_seconds, process_status_kib
from .scenarios import PREFLIGHT, TOKEN_PATH, bearer
from .targets import TollgateJWT
from .tokens import KEYS

SAMPLE_EVERY_S = 10
CONNECTIONS = 16
POST_BYTES = 64 * 1024
ABORT_AFTER = 16 * 1024
GROWTH_BAR = 0.05
LEAK_SITES = 8
REPO_DIR = Path(__file__).resolve().parent.parent.parent
LSAN_SUPPRESSIONS = REPO_DIR / "fuzz" / "lsan.supp"
# The exit status LSan gives a process in which it found a leak (ASan's default, 1, is also the gateway's
# own status when a second signal cuts its drain short).
LSAN_EXIT_CODE = 23
# How long the gateway gets to drain, exit and let LSan scan its heap after the SIGTERM.
LSAN_EXIT_GRACE_S = 300
LSAN_BLOCKS = 10
LSAN_FRAMES = 8
# Frames of the allocator itself, left out of a leak block's "first frames".
# A frame in Tollgate's own sources: the caller a leak block is about.
TOLLGATE_SOURCE = re.compile(r"/Sources/(Tollgate\w*|tollgate)/")
ALLOCATOR_FRAME = re.compile(r"^(malloc|calloc|realloc|posix_memalign|aligned_alloc|operator new|swift_slowAlloc|"
                             r"swift_allocObject|swift::swift_slowAlloc)\b")


class SoakTollgate(TollgateJWT):
    """The token route in front of the sink, with no clock leeway so that a token minted with a 1 s
    lifetime is refused as expired two seconds later."""
    key = "tollgate-soak"
    label = "Tollgate JWT+scope (soak)"
    leeway = "0s"


def gateway_pid(wrapper_pid, binary):
    """The Tollgate process itself: `wrapper_pid`, or the descendant of it running `binary` (heaptrack
    starts it from a shell script)."""
    target = os.path.realpath(binary)
    todo = [wrapper_pid]
    while todo:
        pid = todo.pop()
        try:
            if os.path.realpath(f"/proc/{pid}/exe") == target:
                return pid
            with open(f"/proc/{pid}/task/{pid}/children") as f:
                todo += [int(child) for child in f.read().split()]
        except OSError:
            continue
    raise RuntimeError(f"no process running {binary} under pid {wrapper_pid}")


def open_fds(pid):
    try:
        return len(os.listdir(f"/proc/{pid}/fd"))
    except OSError:
        return None


def kinds(kit, expired):
    """Each kind: its name, weight in a cycle of 16, the request head, and the outcome it must get."""
    def head(method, path, headers, body=0):
        lines = [f"{method} {path} HTTP/1.1", "Host: bench.test", *(f"{k}: {v}" for k, v in headers.items())]
        if body:
            lines += ["Content-Type: application/octet-stream", f"Content-Length: {body}"]
        return "\r\n".join(lines) + "\r\n\r\n"
    good = bearer(kit.good["RS256"])
    return [
        {"name": "good token", "weight": 6, "head": head("GET", TOKEN_PATH, good), "expect": "200"},
        {"name": "bad signature", "weight": 1, "head": head("GET", TOKEN_PATH, bearer(kit.bad_signature["RS256"])),
         "expect": "401"},
        {"name": "expired token", "weight": 1, "head": head("GET", TOKEN_PATH, bearer(expired)), "expect": "401"},
        {"name": "missing scope", "weight": 1, "head": head("GET", TOKEN_PATH, bearer(kit.missing_scope["RS256"])),
         "expect": "403"},
        {"name": "no token", "weight": 1, "head": head("GET", TOKEN_PATH, {}), "expect": "401"},
        {"name": "CORS preflight", "weight": 2, "head": head("OPTIONS", TOKEN_PATH, PREFLIGHT), "expect": "204"},
        {"name": "64 KiB POST", "weight": 2, "head": head("POST", TOKEN_PATH, good, POST_BYTES),
         "body_bytes": POST_BYTES, "expect": "200"},
        {"name": "client abort mid-body", "weight": 1, "head": head("POST", TOKEN_PATH, good, POST_BYTES),
         "abort_after": ABORT_AFTER, "expect": "aborted"},
        {"name": "upstream reset", "weight": 1, "head": head("GET", "/reset/soak", good), "expect": "502"},
    ]


def checks(plan_kinds):
    """The gateway's answer to each kind (but the abort) before the load: its expected status."""
    result = []
    for kind in plan_kinds:
        if kind["expect"] == "aborted":
            continue
        request_line, *header_lines = kind["head"].strip().split("\r\n")
        method, path, _ = request_line.split(" ")
        headers = dict(line.split(": ", 1) for line in header_lines if not line.startswith("Host:"))
        body = b"x" * kind.get("body_bytes", 0) or None
        result.append((method, path, headers, int(kind["expect"]), None, body))
    return result


def at(samples, t):
    """The sample nearest to `t` seconds."""
    return min(samples, key=lambda s: abs(s["t_s"] - t)) if samples else None


def smoothed(samples, t, field):
    """Median of the three samples nearest to `t` (one sample's jitter, such as a connection being
    opened, does not decide the growth)."""
    near = sorted(samples, key=lambda s: abs(s["t_s"] - t))[:3]
    values = [s[field] for s in near if s[field] is not None]
    return statistics.median(values) if values else None


def lsan_environment():
    """The gateway's environment under LeakSanitizer: leaks checked at exit with the Swift runtime's
    suppressions, ASan's statistics printed at exit (`atexit=1`: the proof that the binary runs under
    ASan, since a clean LSan prints nothing), and the toolchain's symbolizer, which reads DWARF 5."""
    symbolizer = Path(os.path.realpath(shutil.which("swift") or "/usr/bin/swift")).with_name("llvm-symbolizer")
    env = dict(os.environ, SWIFT_BACKTRACE="enable=no",
               ASAN_OPTIONS=f"detect_leaks=1:atexit=1:halt_on_error=1:exitcode={LSAN_EXIT_CODE}",
               LSAN_OPTIONS=f"suppressions={LSAN_SUPPRESSIONS}:print_suppressions=1:report_objects=0")
    if symbolizer.exists():
        env["ASAN_SYMBOLIZER_PATH"] = str(symbolizer)
    return env


def run_soak(ctx, duration_s, rate, heaptrack, progress, lsan=False):
    sink_port = procs.free_port()
    sink = procs.Managed("sink", procs.pinned(ctx.load_cpu, [sys.executable, str(Path(__file__).with_name("sink.py")),
                                                              str(sink_port)]), ctx.run_dir / "soak-sink.log")
    heaptrack_out = ctx.raw_dir / f"soak-heaptrack-{time.strftime('%Y%m%d-%H%M%S')}"
    wrapper = ["heaptrack", "-o", str(heaptrack_out)] if heaptrack else []
    gateway = SoakTollgate(ctx, upstream_port=sink_port, wrapper=wrapper, name="tollgate-soak",
                           env=lsan_environment() if lsan else None)
    lsan_log = ctx.raw_dir / f"soak-lsan-{time.strftime('%Y%m%d-%H%M%S')}.log"
    lsan_result = None
    client = None
    pid = None
    try:
        procs.wait_for_port(sink_port, 10, sink)
        gateway.start()
        pid = gateway_pid(gateway.pid, ctx.tollgate_binary)
        kit = ctx.tokens
        kid = KEYS["RS256"][1]
        expired = kit.mint(kit.dir / f"{kid}.pem", kid, "expired", ttl="1s")
        time.sleep(2.1)
        plan_kinds = kinds(kit, expired)
        progress(f"soak: Tollgate pid {pid} on :{gateway.port}" + (" under heaptrack" if heaptrack else "")
                 + (" under LeakSanitizer" if lsan else "")
                 + f", sink on :{sink_port}; checking each kind's status")
        gateway.check(checks(plan_kinds))
        result_path = ctx.run_dir / "soak-result.json"
        plan = {"port": gateway.port, "rate": rate, "duration_s": duration_s, "connections": CONNECTIONS,
                "kinds": plan_kinds, "result": str(result_path)}
        plan_path = ctx.run_dir / "soak-plan.json"
        plan_path.write_text(json.dumps(plan))
        samples = []
        cpu0 = process_cpu_seconds(pid)

        def sample(t):
            samples.append({"t_s": round(t, 1), "rss_kib": process_status_kib(pid, "VmRSS"),
                            "hwm_kib": process_status_kib(pid, "VmHWM"), "fds": open_fds(pid),
                            "threads": process_status_kib(pid, "Threads"),
                            "cpu_s": process_cpu_seconds(pid) - cpu0})
        progress(f"soak: {rate} req/s for {duration_s}s over {CONNECTIONS} keep-alive connections; RSS and fds "
                 f"every {SAMPLE_EVERY_S}s")
        sample(0)
        started = time.monotonic()
        client = procs.Managed("soak client", procs.pinned(ctx.load_cpu, [
            sys.executable, str(Path(__file__).with_name("soak_client.py")), str(plan_path)]),
            ctx.run_dir / "soak-client.log")
        next_sample = started + SAMPLE_EVERY_S
        deadline = started + duration_s + 60
        while client.alive() and time.monotonic() < deadline:
            time.sleep(max(0.0, min(1.0, next_sample - time.monotonic())))
            if time.monotonic() >= next_sample and time.monotonic() - started <= duration_s + 1:
                sample(time.monotonic() - started)
                last = samples[-1]
                if len(samples) % 6 == 1:
                    progress(f"soak {last['t_s']:.0f}s: RSS {last['rss_kib'] / 1024:.1f} MiB, {last['fds']} fds; "
                             + (client.log_text().strip().splitlines() or ["(client starting)"])[-1])
                next_sample += SAMPLE_EVERY_S
        if client.alive():
            raise RuntimeError(f"soak client did not finish within {duration_s + 60}s")
        client.stop()
        if not result_path.exists():
            raise RuntimeError(f"soak client wrote no result:\n{client.log_text()[-2000:]}")
        load = json.loads(result_path.read_text())
    finally:
        if client:
            client.stop()
        gateway_process = gateway.process
        if gateway_process:
            if heaptrack and pid and gateway_process.alive():
                # heaptrack's script waits for the gateway (our grandchild) to exit, then writes its data
                os.kill(pid, signal.SIGTERM)
            if lsan:
                progress(f"soak: SIGTERM to Tollgate; waiting up to {LSAN_EXIT_GRACE_S}s for it to drain, exit "
                         "and LeakSanitizer to report")
                stop_started = time.monotonic()
            gateway_process.stop(grace=LSAN_EXIT_GRACE_S if lsan else 300 if heaptrack else 5.0)
            if lsan:
                shutil.copyfile(gateway_process.log_path, lsan_log)
                lsan_result = lsan_summary(lsan_log.read_text(errors="replace"), gateway_process.proc.returncode,
                                           time.monotonic() - stop_started)
                lsan_result["file"] = str(lsan_log)
                progress(f"soak: Tollgate exited {lsan_result['exit_status']} after "
                         f"{lsan_result['exit_s']:.1f}s; LeakSanitizer: {lsan_result['verdict']}")
            gateway.process = None
        sink.stop()
    result = summarise(samples, load, plan_kinds, duration_s, rate,
                       heaptrack_out.with_name(heaptrack_out.name + ".zst") if heaptrack else None)
    if lsan_result:
        result["lsan"] = lsan_result
    return result


def short_frame(frame):
    """A symbolized frame without its build id, and with a file name instead of a path."""
    frame = re.sub(r" \(BuildId: [0-9a-f]+\)", "", frame)
    frame = re.sub(r" \(/[^()]*/([^/()]+)\+0x[0-9a-f]+\)", r" (\1)", frame)
    return re.sub(r" /.*/([^/]+?)(:\d+)?(:\d+)?$", r" \1\2", frame)


def lsan_summary(log, exit_status, exit_s):
    """LeakSanitizer's report in the gateway's output: its SUMMARY line, the direct and indirect leaks
    (bytes, objects), the largest blocks with their first frames, the suppressions that matched, and
    whether ASan was running at all (its exit statistics)."""
    under_asan = "AddressSanitizer: " in log or "Stats: " in log
    blocks = []
    for match in re.finditer(r"^(Direct|Indirect) leak of (\d+) byte\(s\) in (\d+) object\(s\) allocated from:\n"
                             r"((?:[ \t]+#\d+ .*\n?)+)", log, re.M):
        frames = [re.sub(r"^\s*#\d+ 0x[0-9a-f]+ in ", "", line).strip()
                  for line in match.group(4).splitlines() if line.strip()]
        frames = [f for f in frames if not ALLOCATOR_FRAME.match(f)]
        ours = next((i for i, f in enumerate(frames) if TOLLGATE_SOURCE.search(f)), None)
        blocks.append({"kind": match.group(1).lower(), "bytes": int(match.group(2)), "objects": int(match.group(3)),
                       "frames": [short_frame(f) for f in frames[:LSAN_FRAMES]],
                       "tollgate_frame": short_frame(frames[ours]) if ours is not None else None})
    totals = {kind: {"bytes": sum(b["bytes"] for b in blocks if b["kind"] == kind),
                     "objects": sum(b["objects"] for b in blocks if b["kind"] == kind),
                     "blocks": sum(1 for b in blocks if b["kind"] == kind)} for kind in ("direct", "indirect")}
    kept = sorted(blocks, key=lambda b: -b["bytes"])[:LSAN_BLOCKS]
    names = demangle([f for block in kept for f in block["frames"] + [block["tollgate_frame"] or ""]])
    for block in kept:
        count = len(block["frames"])
        block["frames"], block["tollgate_frame"], names = names[:count], names[count] or None, names[count + 1:]
    summary = re.search(r"^SUMMARY: AddressSanitizer: .*$", log, re.M)
    suppressed = re.search(r"Suppressions used:\n(.*?)\n-{10,}", log, re.S)
    other_error = re.search(r"^==\d+==ERROR: AddressSanitizer: .*$", log, re.M)
    if not under_asan:
        verdict = "not run (no ASan output: is --binary built with -sanitize=address?)"
    elif other_error:
        verdict = f"ASan error: {other_error.group(0)}"
    elif blocks and exit_status != LSAN_EXIT_CODE:
        verdict = f"leaks reported, but the gateway exited {exit_status}, not LSan's {LSAN_EXIT_CODE}"
    elif blocks:
        verdict = (f"{totals['direct']['bytes']:,} bytes directly leaked in {totals['direct']['objects']:,} objects, "
                   f"{totals['indirect']['bytes']:,} indirectly in {totals['indirect']['objects']:,}")
    elif exit_status == 0:
        verdict = "no leak"
    else:
        verdict = f"no leak report, but the gateway exited {exit_status}"
    return {"exit_status": exit_status, "exit_s": round(exit_s, 1), "under_asan": under_asan, "verdict": verdict,
            "summary": summary.group(0) if summary else None, "totals": totals,
            "blocks": kept,
            "suppressions_used": suppressed.group(1).strip().splitlines()[1:] if suppressed else []}


def when(seconds):
    return f"{seconds / 60:g} min" if seconds % 60 == 0 else f"{seconds:g} s"


def summarise(samples, load, plan_kinds, duration_s, rate, heaptrack_file):
    rows = []
    unexpected = 0
    for kind in plan_kinds:
        outcomes = load["counts"].get(kind["name"], {})
        wrong = sum(n for outcome, n in outcomes.items() if outcome != kind["expect"])
        unexpected += wrong
        rows.append({"kind": kind["name"], "expect": kind["expect"], "outcomes": outcomes,
                     "total": sum(outcomes.values()), "unexpected": wrong})
    half = duration_s / 2
    growth = {}
    for field in ("rss_kib", "fds"):
        start, end = smoothed(samples, half, field), smoothed(samples, duration_s, field)
        growth[field] = {"at_half": start, "at_end": end,
                         "growth": (end - start) / start if start and end is not None else None}
    marks = [(when(t), t) for t in sorted({min(60, duration_s), half, duration_s})]
    result = {"duration_s": duration_s, "rate": rate, "sent": load["sent"], "start_late_ms": load["start_late_ms"],
              "kinds": rows, "unexpected": unexpected, "samples": samples, "growth": growth,
              "marks": [{"mark": name, **(at(samples, t) or {})} for name, t in marks],
              "pass_growth": all(g["growth"] is not None and g["growth"] <= GROWTH_BAR for g in growth.values()),
              "pass_statuses": unexpected == 0}
    if heaptrack_file:
        result["heaptrack"] = leak_summary(heaptrack_file)
    return result


def demangle(symbols):
    try:
        out = subprocess.run(["swift", "demangle", "--simplified"], input="\n".join(symbols), capture_output=True,
                             text=True, timeout=60)
        lines = out.stdout.splitlines()
        return lines if out.returncode == 0 and len(lines) == len(symbols) else symbols
    except (OSError, subprocess.TimeoutExpired):
        return symbols


def leak_summary(path):
    """heaptrack_print's totals, and its largest allocation sites still allocated at exit (`leaked`), each
    with the first frames in Tollgate's own code (demangled): what holds the memory."""
    try:
        out = subprocess.run(["heaptrack_print", "-f", str(path), "-l", "1"], capture_output=True, text=True,
                             timeout=600).stdout
    except (OSError, subprocess.TimeoutExpired) as error:
        return {"error": str(error)}
    totals = [line.strip() for line in out.splitlines()
              if re.match(r"(total runtime|calls to allocation|peak heap|total memory leaked)", line)]
    leaks = out.split("MEMORY LEAKS", 1)[1] if "MEMORY LEAKS" in out else ""
    sites = []
    for block in re.split(r"\n(?=\s*[\d.]+[BKMG]? leaked over)", leaks)[1:]:
        head = re.match(r"\s*([\d.]+[BKMG]?) leaked over (\d+) calls", block)
        frames = [f.strip() for f in block.splitlines()[1:] if f.strip().startswith("$s") and "Tollgate" in f]
        if head and frames:
            sites.append({"leaked": head.group(1), "calls": int(head.group(2)), "frames": frames[:3]})
    sites = sites[:LEAK_SITES]
    names = demangle([f for site in sites for f in site["frames"]])
    for site in sites:
        site["frames"], names = names[:len(site["frames"])], names[len(site["frames"]):]
    return {"file": str(path), "totals": totals, "sites": sites}


def markdown(result):
    s = result
    lines = [f"## (soak) {s['title']}", "", s["meaning"], "",
             f"{s['rate']} req/s for {s['duration_s']} s ({s['sent']:,} requests), {CONNECTIONS} keep-alive "
             f"connections; request starts were late by p50 {s['start_late_ms']['p50']:.1f} / p99 "
             f"{s['start_late_ms']['p99']:.1f} / max {s['start_late_ms']['max']:.1f} ms (the client keeping up).", "",
             "| when | RSS MiB | VmHWM MiB | open fds | threads | Tollgate CPU s |", "|---|---|---|---|---|---|"]
    for m in s["marks"]:
        if m.get("rss_kib") is None:
            continue
        lines.append(f"| {m['mark']} (sample at {m['t_s']:.0f} s) | {m['rss_kib'] / 1024:.1f} | {m['hwm_kib'] / 1024:.1f} | "
                     f"{m['fds']} | {m['threads']} | {m['cpu_s']:.1f} |")
    lines += ["", "Growth over the last half (median of the three samples nearest each point; bar ≤ 5%):", ""]
    for field, name in (("rss_kib", "RSS"), ("fds", "open fds")):
        g = s["growth"][field]
        if g["growth"] is None:
            lines.append(f"- {name}: not measured")
            continue
        unit = (lambda v: f"{v / 1024:.1f} MiB") if field == "rss_kib" else (lambda v: f"{v:g}")
        lines.append(f"- {name}: {unit(g['at_half'])} → {unit(g['at_end'])}, {g['growth']:+.1%}: "
                     + ("pass" if g["growth"] <= GROWTH_BAR else "FAIL"))
    lines += ["", "Requests by kind (outcome: a status, `aborted` for the client's own abort, `timeout` after 10 s, "
              "`error:…` for a connection error):", "",
              "| kind | expected | outcomes | unexpected |", "|---|---|---|---|"]
    for row in s["kinds"]:
        outcomes = ", ".join(f"{k}: {v:,}" for k, v in sorted(row["outcomes"].items()))
        lines.append(f"| {row['kind']} | {row['expect']} | {outcomes} | {row['unexpected']:,} |")
    lines += ["", f"Unexpected outcomes: {s['unexpected']:,} — " + ("pass" if s["pass_statuses"] else "FAIL") + ".", ""]
    lines += ["RSS and fds every 10 s (MiB / fds): " + ", ".join(
        f"{x['t_s']:.0f}s {x['rss_kib'] / 1024:.1f}/{x['fds']}" for x in s["samples"]), ""]
    if s.get("lsan"):
        lines += lsan_markdown(s["lsan"])
    if s.get("heaptrack"):
        h = s["heaptrack"]
        lines += ["heaptrack (`heaptrack_print -l`), at exit: " + "; ".join(h.get("totals") or [h.get("error", "")]), "",
                  "Largest allocation sites still allocated at exit, with their first frames in Tollgate's code "
                  f"(raw data: `{h.get('file')}`):", "", "| still allocated | allocations | Tollgate frames |",
                  "|---|---|---|"]
        for site in h.get("sites", []):
            frames = " ← ".join(f"`{f}`" for f in site["frames"]).replace("|", "\\|")
            lines.append(f"| {site['leaked']} | {site['calls']:,} | {frames} |")
        lines.append("")
    return lines


def lsan_markdown(lsan):
    t = lsan["totals"]
    lines = [f"LeakSanitizer (`--soak-lsan`): the gateway exited {lsan['exit_status']} {lsan['exit_s']:.1f} s after "
             f"its SIGTERM; **{lsan['verdict']}**. Direct leaks: {t['direct']['bytes']:,} bytes in "
             f"{t['direct']['objects']:,} objects ({t['direct']['blocks']} blocks); indirect: "
             f"{t['indirect']['bytes']:,} bytes in {t['indirect']['objects']:,} objects "
             f"({t['indirect']['blocks']} blocks). Its output: `{lsan['file']}`.", ""]
    if lsan["summary"]:
        lines += [f"`{lsan['summary']}`", ""]
    if lsan["suppressions_used"]:
        lines += ["Suppressions that matched (`fuzz/lsan.supp`): "
                  + "; ".join(f"`{' '.join(l.split())}`" for l in lsan["suppressions_used"]), ""]
    if lsan["blocks"]:
        lines += ["| leak | bytes | objects | first frames | first frame in Tollgate's sources |", "|---|---|---|---|---|"]
        for block in lsan["blocks"]:
            frames = " ← ".join(f"`{f}`" for f in block["frames"][:3]).replace("|", "\\|")
            ours = f"`{block['tollgate_frame']}`".replace("|", "\\|") if block["tollgate_frame"] else "—"
            lines.append(f"| {block['kind']} | {block['bytes']:,} | {block['objects']:,} | {frames} | {ours} |")
        lines.append("")
    lines += ["Under ASan, RSS says nothing about leaks: freed memory waits in ASan's quarantine (256 MiB by "
              "default) before it is reused, and every allocation carries redzones and shadow memory; the RSS "
              "bar above does not apply to this run. LSan's report is the leak check.", ""]
    return lines
