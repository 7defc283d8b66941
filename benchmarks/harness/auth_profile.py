"""What authentication adds, by profile: perf record on Tollgate's `auth: none` route and its token route
under the same requests, one after the other, then the share of each route's CPU spent under chosen frames.

    benchmarks/auth-profile BINARY OUT_DIR one|rotate [SECONDS] [TOKENS]

`one`: (b)'s requests, one RS256 token repeated. `rotate`: (c)'s, TOKENS (default 25,000) distinct RS256 tokens
in order, against the token route with cache.tokens 10,000 (every request a miss) and with a cache holding them
all, primed first (every request a hit). Everything is pinned as in benchmarks/run (proxy on CPU 1, the rest on
CPU 0); hold /work/bench.lock (flock) while it runs on a shared machine. Writes OUT_DIR/<target>.data, perf's
flat and inclusive reports, and OUT_DIR/summary.txt: per target, CPU µs/request while profiled and the share of
samples whose stack holds each of FRAMES (and, for the BoringSSL leaves, the crypto's share)."""
import collections
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from . import procs
from .load import WRK_DIR, load, script_for
from .profile import demangle
from .scenarios import REQUEST_LUA, TOKEN_PATH, Rotation, Shape
from .targets import Context, Origin, Tollgate, TollgateJWT, TollgateJWTAllCached
from .tokens import TokenKit

FRAMES = ["GatewaySnapshot.decide", "Gatekeeper.authenticate", "TokenCache.lookup", "TokenCache.insert",
          "TokenHash", "Gatekeeper.verify\\(", "JWT.init\\(parsing", "JWTVerifier.verify",
          "CompactJWS.isJWTShaped", "Gatekeeper.senderConstraint", "AuthorizationCredential"]
CRYPTO_LEAF = re.compile(r"CCryptoBoringSSL|^bn_|_mont\b|sha256")


def stacks(data):
    """Each sample's frames, leaf first, demangled."""
    text = subprocess.run(["perf", "script", "-i", str(data)], capture_output=True, text=True, timeout=600).stdout
    text = re.sub(r"^\s+[0-9a-f]+ (\S+?)(\+0x[0-9a-f]+)? \(.*$", r"\1", text, flags=re.M)
    text = demangle(text)
    for block in text.split("\n\n"):
        frames = [line.strip() for line in block.strip().splitlines()[1:] if line.strip()]
        if frames:
            yield frames


def shares(data):
    counts = collections.Counter()
    total = 0
    for frames in stacks(data):
        total += 1
        for pattern in FRAMES:
            if any(re.search(pattern, frame) for frame in frames):
                counts[pattern] += 1
        if CRYPTO_LEAF.search(frames[0]):
            counts["(BoringSSL leaf)"] += 1
    return total, counts


def process_cpu_s(pid):
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def main(argv):
    binary, out, mode = Path(argv[0]).resolve(), Path(argv[1]), argv[2]
    seconds = int(argv[3]) if len(argv) > 3 else 10
    out.mkdir(parents=True, exist_ok=True)
    os.sched_setaffinity(0, {0})
    ctx = Context(Path(tempfile.mkdtemp(prefix="tollgate-auth-profile-")), 0, 1, binary)
    ctx.rotating_tokens = int(argv[4]) if len(argv) > 4 else 25_000
    ctx.dpop_proofs = 0
    origin = Origin(ctx)
    targets = [Tollgate(ctx), TollgateJWT(ctx)] + ([TollgateJWTAllCached(ctx)] if mode == "rotate" else [])
    lines = []
    try:
        origin.start()
        ctx.tokens = TokenKit(ctx, print)
        rotation = Rotation(ctx, Shape(token=(mode, "RS256")))
        for target in targets:
            target.start()

            def script():
                return script_for(WRK_DIR / REQUEST_LUA, ctx.run_dir, rotation.prelude(target, 1),
                                  name=f"wrk-{target.key}.lua")
            rotation.advance(target, load(target.url(TOKEN_PATH), 1, 32, 2, script(), 0))
            while getattr(target, "primes_rotation", False) and rotation.sent.get(target.key, 0) < rotation.size:
                rotation.advance(target, load(target.url(TOKEN_PATH), 1, 32, 2, script(), 0))
            data = out / f"{target.key}.data"
            recorder = subprocess.Popen(
                procs.pinned(0, ["perf", "record", "-e", "cpu-clock", "-F", "1999", "-g", "-p", str(target.pid),
                                 "-o", str(data), "--", "sleep", str(seconds + 1)]),
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            time.sleep(0.5)
            before = process_cpu_s(target.pid)
            result = load(target.url(TOKEN_PATH), 1, 32, seconds, script(), 0)
            us = (process_cpu_s(target.pid) - before) / max(result.requests, 1) * 1e6
            rotation.advance(target, result)
            recorder.wait(timeout=seconds + 60)
            target.stop()
            for kind, args in (("flat", ["--no-children", "-g", "none", "--sort", "dso,sym", "--percent-limit", "0.05"]),
                               ("inclusive", ["--children", "-g", "none", "--sort", "sym", "--percent-limit", "0.1"])):
                report = subprocess.run(["perf", "report", "-i", str(data), "--stdio", *args],
                                        capture_output=True, text=True, timeout=600).stdout
                (out / f"{target.key}-{kind}.txt").write_text(demangle(report))
            total, counts = shares(data)
            lines.append(f"{target.key}: {result.rps:,.0f} req/s, {us:.1f} µs/request while profiled, {total} samples")
            lines += [f"  {counts[name] / total * 100:5.2f}%  {name}" for name in [*FRAMES, "(BoringSSL leaf)"]
                      if counts[name]]
            print("\n".join(lines[-(1 + sum(1 for n in [*FRAMES, '(BoringSSL leaf)'] if counts[n])):]), flush=True)
    finally:
        for target in targets:
            target.stop()
        origin.stop()
    (out / "summary.txt").write_text("\n".join(lines) + "\n")
    return 0
