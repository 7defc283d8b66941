"""One profiling pass of Tollgate under scenario (a)'s load: perf if it works here,
else valgrind's callgrind on a shorter run. Summarised by symbol and by area."""
import re
import shutil
import subprocess
import time

from . import procs
from .load import load, script_for

# First match wins; patterns are tried against "dso symbol" after demangling.
AREAS = [
    ("kernel: syscalls, epoll, TCP loopback", r"^\[kernel"),
    ("NIO HTTP/1 codec (llhttp parser, encoder)", r"llhttp|HTTPDecoder|HTTPEncoder|HTTPRequestEncoder|"
     r"HTTPResponseEncoder|HTTPResponseDecoder|HTTPRequestDecoder|BetterHTTPParser|HTTPServerPipelineHandler|"
     r"HTTPServerProtocolErrorHandler|ByteToMessageHandler|MessageToByteHandler|HTTPPart|HTTPRequestHead|HTTPResponseHead"),
    ("header handling (HTTPHeaders, names, forwarding)", r"HTTPHeaders|HTTPHeaderIndex|headers|Header|HopByHop|Forwarded|RequestID"),
    ("allocation (malloc/free, Swift object alloc)", r"malloc|_int_free|\bfree\b|cfree|calloc|realloc|swift_allocObject|"
     r"swift_deallocObject|swift_slowAlloc|swift_slowDealloc|swift_allocBox|_swift_allocObject|tcache|"
     r"swift_deallocClassInstance|swift_initStackObject|posix_memalign|aligned_alloc"),
    ("reference counting (retain/release)", r"swift_retain|swift_release|swift_bridgeObject|swift_unknownObject|"
     r"swift_isUniquelyReferenced|swift_beginAccess|swift_endAccess|_swift_retain|_swift_release"),
    ("NIO ByteBuffer", r"ByteBuffer"),
    ("NIO channel pipeline and event loop", r"ChannelPipeline|ChannelHandlerContext|SelectableEventLoop|Selector|"
     r"BaseSocketChannel|BaseStreamSocketChannel|SocketChannel|PendingWritesManager|PendingStreamWrites|"
     r"EventLoopFuture|EventLoopPromise|ScheduledTask|NIOCore|NIOPosix|CircularBuffer|ChannelOutboundInvoker|"
     r"ChannelInboundInvoker|_ChannelOutboundHandler|_ChannelInboundHandler|fire|NIOAsyncWriter|NIOLock"),
    ("Tollgate code", r"Tollgate|Proxy|Upstream|Route|GatewayServer|LoopContext"),
    ("Swift runtime, generics, strings, dictionaries", r"^libswiftCore|swift_|String|Dictionary|Array|Substring|Unicode|"
     r"Hasher|Sequence|Collection"),
    ("libc (syscall wrappers, memcpy, locks)", r"^libc|libpthread|ld-linux"),
]


def area_of(dso, symbol):
    text = f"{dso} {symbol}"
    for name, pattern in AREAS:
        if re.search(pattern, text):
            return name
    return "other"


def demangle(text):
    tool = shutil.which("swift-demangle")
    if not tool:
        return text
    return subprocess.run([tool, "--simplified"], input=text, capture_output=True, text=True, timeout=120).stdout


def perf_usable():
    if not shutil.which("perf"):
        return False
    try:
        return procs.run_bounded(["perf", "stat", "-e", "cpu-clock", "true"], 30).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


def parse_perf_flat(text):
    rows = []
    for line in text.splitlines():
        match = re.match(r"^\s+([\d.]+)%\s+(\S+)\s+\[(.)\]\s+(.*?)\s*$", line)
        if match:
            percent, dso, kind, symbol = match.groups()
            rows.append({"percent": float(percent), "dso": dso, "kernel": kind == "k", "symbol": symbol})
    return rows


def summarise(rows):
    areas = {}
    for row in rows:
        area = area_of(row["dso"] if not row["kernel"] else "[kernel]", row["symbol"])
        row["area"] = area
        areas[area] = areas.get(area, 0.0) + row["percent"]
    return sorted(areas.items(), key=lambda item: -item[1])


def run_perf(ctx, target, scenario, duration_s, progress):
    data = ctx.raw_dir / "tollgate-perf.data"
    script = script_for(scenario.lua, ctx.run_dir)
    argv = procs.pinned(ctx.load_cpu, ["perf", "record", "-e", "cpu-clock", "-F", "1999", "-g",
                                       "-p", str(target.pid), "-o", str(data), "--", "sleep", str(duration_s + 1)])
    progress(f"profile: perf record -g on Tollgate pid {target.pid} for {duration_s + 1}s under (a)")
    recorder = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    time.sleep(0.5)
    result = load(target.url(scenario.path), scenario.threads, scenario.connections, duration_s, script, ctx.load_cpu)
    _, err = recorder.communicate(timeout=duration_s + 60)
    flat = procs.run_bounded(["perf", "report", "-i", str(data), "--stdio", "--no-children", "-g", "none",
                              "--sort", "dso,sym", "--percent-limit", "0"], 300).stdout
    inclusive = procs.run_bounded(["perf", "report", "-i", str(data), "--stdio", "--children", "-g", "none",
                                   "--sort", "sym", "--percent-limit", "0.2"], 300).stdout
    flat, inclusive = demangle(flat), demangle(inclusive)
    (ctx.raw_dir / "perf-flat.txt").write_text(flat)
    (ctx.raw_dir / "perf-inclusive.txt").write_text(inclusive)
    rows = parse_perf_flat(flat)
    inclusive_rows = []
    for line in inclusive.splitlines():
        match = re.match(r"^\s+([\d.]+)%\s+([\d.]+)%\s+\[(.)\]\s+(.*?)\s*$", line)
        if match:
            inclusive_rows.append({"children": float(match.group(1)), "self": float(match.group(2)),
                                   "symbol": match.group(4)})
    samples = re.search(r"^# Samples: (\S+)", flat, re.M)
    areas = summarise(rows)
    progress("profile: " + "; ".join(f"{name} {pct:.1f}%" for name, pct in areas[:5]))
    return {"tool": "perf record -e cpu-clock -F 1999 -g", "samples": samples.group(1) if samples else None,
            "rps_while_profiling": result.rps, "perf_stderr": err.strip()[-500:],
            "top_symbols": rows[:30], "areas": areas, "inclusive": inclusive_rows[:120]}


def run_callgrind(ctx, tollgate_factory, scenario, duration_s, progress):
    """Fallback where perf cannot sample: a Tollgate under callgrind, a short low-concurrency run."""
    out = ctx.raw_dir / "callgrind.out"
    target = tollgate_factory(wrapper=["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}"])
    target.start()
    try:
        script = script_for(scenario.lua, ctx.run_dir)
        progress(f"profile: callgrind on Tollgate pid {target.pid}, {duration_s}s at -c4")
        result = load(target.url(scenario.path), 1, 4, duration_s, script, ctx.load_cpu)
    finally:
        target.stop()
    text = demangle(procs.run_bounded(["callgrind_annotate", str(out)], 300).stdout)
    (ctx.raw_dir / "callgrind-annotate.txt").write_text(text)
    rows = []
    for line in text.splitlines():
        match = re.match(r"^\s*([\d,]+)\s+\(\s*([\d.]+)%\)\s+\S*:(.*?)\s+\[(.*?)\]\s*$", line)
        if match:
            rows.append({"percent": float(match.group(2)), "dso": match.group(4).rsplit("/", 1)[-1],
                         "kernel": False, "symbol": match.group(3)})
    return {"tool": "valgrind --tool=callgrind (user space only)", "rps_while_profiling": result.rps,
            "top_symbols": rows[:30], "areas": summarise(rows), "inclusive": []}
