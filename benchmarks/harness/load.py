"""wrk, run pinned and bounded, with its results parsed from the report script's line."""
import os
import re
import subprocess
import time
from pathlib import Path

from .procs import pinned

WRK_DIR = Path(__file__).resolve().parent.parent / "wrk"
REPORT_LUA = WRK_DIR / "report.lua"


class LoadResult:
    """One wrk run: counts, rate, latency percentiles (µs) and wrk's own CPU time."""

    def __init__(self, fields, wrk_cpu_s, wall_s, stdout):
        self.requests = fields["requests"]
        self.duration_s = fields["duration_us"] / 1e6
        self.rps = self.requests / self.duration_s if self.duration_s else 0.0
        self.latency_us = {k: fields[k] for k in ("p50", "p90", "p99", "p999", "max")}
        self.errors = {k[4:]: fields[k] for k in fields if k.startswith("err_")}
        # requests the script made (-1 when it does not count them): the token rotation moves on by this
        self.sent = fields.get("sent", -1)
        self.wrk_cpu_s = wrk_cpu_s
        self.wall_s = wall_s
        self.stdout = stdout

    def error_count(self):
        return sum(self.errors.values())


def script_for(scenario_lua, run_dir, prelude=None, name="wrk-script.lua"):
    """The prelude (Lua assignments the harness makes for this run), the scenario's
    own wrk Lua (request shaping), then the shared reporter."""
    parts = [prelude] if prelude else []
    if scenario_lua:
        parts.append(Path(scenario_lua).read_text())
    parts.append(REPORT_LUA.read_text())
    path = Path(run_dir) / name
    path.write_text("\n".join(parts))
    return path


def run_wrk(url, threads, connections, duration_s, script, cpu, extra_args=()):
    argv = pinned(cpu, [
        "wrk", f"-t{threads}", f"-c{connections}", f"-d{duration_s}s", "--latency",
        "--timeout", "5s", "-s", str(script), *extra_args, url])
    started = time.monotonic()
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        out, _ = proc.communicate(timeout=duration_s + 30)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, _ = proc.communicate()
        raise RuntimeError(f"wrk did not finish within {duration_s + 30}s:\n{out}")
    wall = time.monotonic() - started
    # communicate() reaped wrk; its CPU time comes from the children's rusage delta.
    return out, proc.returncode, wall


def load(url, threads, connections, duration_s, script, cpu, extra_args=()):
    before = os.times()
    out, code, wall = run_wrk(url, threads, connections, duration_s, script, cpu, extra_args)
    after = os.times()
    wrk_cpu = (after.children_user - before.children_user) + (after.children_system - before.children_system)
    match = re.search(r"^HARNESS (.*)$", out, re.M)
    if code != 0 or not match:
        raise RuntimeError(f"wrk failed (exit {code}):\n{out}")
    fields = {k: int(v) for k, v in (item.split("=") for item in match.group(1).split())}
    return LoadResult(fields, wrk_cpu, wall, out)
