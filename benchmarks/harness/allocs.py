"""Scenario `allocs`: heap allocations per request, exactly. A perf uprobe on libc's `malloc` counts every call
the proxy makes (Swift objects, strings, arrays and NIO's buffers all end there) while (b)'s load runs against
each target; the count over the window divided by the requests answered is the figure. A second short pass
records the call stacks of Tollgate's `auth: none` route's mallocs and names the frame that asked for each (the
first one that is not an allocator, string or collection primitive). The uprobe traps on every call, so request
rates here are lower than in (a)/(b); the counts are not affected."""
import collections
import re
import subprocess
import time

from . import procs
from .load import WRK_DIR, load, script_for
from .profile import demangle
from .scenarios import REQUEST_LUA, Rotation, Shape, token_checks

PROBE = "probe_libc:malloc"
PRIMITIVE = re.compile(
    r"^(malloc|__GI___libc_malloc|swift_slowAlloc|swift_allocObject|swift_allocBox|swift_|_allocateStringStorage|"
    r"(specialized )?(static )?(_StringGuts|_StringObject|__StringStorage|String|_ContiguousArrayBuffer|ContiguousArray|"
    r"Array|_ArrayBuffer|_NativeDictionary|ByteBuffer|ByteBufferAllocator|BinaryInteger|DefaultStringInterpolation)\b|"
    r"_allocateUninitialized|_growArrayCapacity|_copyToNewBuffer|_copyCollection|ManagedBuffer|outlined|\[unknown\])")


def libc_path():
    out = subprocess.run(["ldconfig", "-p"], capture_output=True, text=True, timeout=30).stdout
    match = re.search(r"libc\.so\.6 \(libc6,x86-64\) => (\S+)", out) or re.search(r"libc\.so\.6 .*=> (\S+)", out)
    return match.group(1) if match else "/lib/x86_64-linux-gnu/libc.so.6"


def ensure_probe(progress):
    listed = subprocess.run(["perf", "probe", "-l"], capture_output=True, text=True, timeout=60)
    if PROBE in listed.stdout:
        return True
    made = subprocess.run(["perf", "probe", "-x", libc_path(), "malloc"], capture_output=True, text=True, timeout=120)
    if made.returncode != 0:
        progress(f"allocs: perf probe on malloc failed: {made.stderr.strip()[-300:]}")
        return False
    return True


def count(ctx, target, url, script, seconds):
    stat = subprocess.Popen(procs.pinned(ctx.load_cpu, ["perf", "stat", "-x,", "-e", PROBE, "-p", str(target.pid),
                                                        "--", "sleep", str(seconds + 1)]),
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    time.sleep(0.3)
    result = load(url, 1, 32, seconds, script, ctx.load_cpu)
    err = stat.communicate(timeout=seconds + 60)[1]
    mallocs = int(err.strip().splitlines()[-1].split(",")[0])
    return result, mallocs


def sites(ctx, target, url, script, seconds):
    data = ctx.raw_dir / f"{target.key}-malloc.data"
    recorder = subprocess.Popen(procs.pinned(ctx.load_cpu, ["perf", "record", "-e", PROBE, "-g", "-p", str(target.pid),
                                                            "-o", str(data), "--", "sleep", str(seconds + 1)]),
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(0.3)
    result = load(url, 1, 32, seconds, script, ctx.load_cpu)
    recorder.wait(timeout=seconds + 60)
    text = procs.run_bounded(["perf", "script", "-i", str(data)], 600).stdout
    text = demangle(re.sub(r"^\s+[0-9a-f]+ (\S+?)(\+0x[0-9a-f]+)? \(.*$", r"\1", text, flags=re.M))
    asked = collections.Counter()
    for block in text.split("\n\n"):
        frames = [line.strip() for line in block.strip().splitlines()[1:] if line.strip()]
        if frames:
            asked[next((f for f in frames if not PRIMITIVE.search(f)), frames[-1])[:120]] += 1
    requests = max(result.requests, 1)
    return [{"site": site, "per_request": n / requests} for site, n in asked.most_common(25) if n / requests >= 0.05]


def run_allocs(scenario, targets, ctx, rounds, duration_s, progress):
    """Mallocs per request for each target, `rounds` times; then where the `auth: none` route's come from."""
    if not ensure_probe(progress):
        return {"scenario": scenario.name, "title": scenario.title, "error": "perf probe on malloc unavailable"}
    rotation = Rotation(ctx, Shape(token=("one", "RS256")))
    for key in scenario.targets:
        checks = token_checks("RS256")(ctx.tokens, targets[key])
        progress(f"check {targets[key].label}: {len(checks)} requests")
        targets[key].check(checks)
    rows = []
    for r in range(1, rounds + 1):
        for key in scenario.targets:
            target = targets[key]
            script = script_for(WRK_DIR / REQUEST_LUA, ctx.run_dir, rotation.prelude(target, 1), name=f"allocs-{key}.lua")
            load(target.url(scenario.path), 1, 32, 1, script, ctx.load_cpu)
            result, mallocs = count(ctx, target, target.url(scenario.path), script, duration_s)
            per_request = mallocs / max(result.requests, 1)
            progress(f"round {r} {target.label}: {per_request:.1f} mallocs/request ({mallocs:,} over {result.requests:,} requests)")
            rows.append({"round": r, "target": key, "label": target.label, "requests": result.requests,
                         "mallocs": mallocs, "mallocs_per_request": per_request})
    where = {}
    for key in [k for k in scenario.targets if k.startswith("tollgate-none")]:
        target = targets[key]
        script = script_for(WRK_DIR / REQUEST_LUA, ctx.run_dir, rotation.prelude(target, 1), name=f"allocs-{key}.lua")
        where[key] = sites(ctx, target, target.url(scenario.path), script, 1)
        progress(f"allocs: {target.label} asked by " + "; ".join(
            f"{row['site'][:50]} {row['per_request']:.1f}" for row in where[key][:4]))
    return {"scenario": scenario.name, "title": scenario.title, "meaning": scenario.meaning, "allocs": rows,
            "sites": where}
