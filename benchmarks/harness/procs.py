"""Processes the harness starts: pinned, bounded in time, stopped by PID only."""
import os
import shutil
import signal
import socket
import subprocess
import time

_started = []
PRIORITY = {"mode": "normal"}


def raise_priority(mode):
    """Puts the run above other work on a shared machine. The harness moves to a
    session of its own, so to a scheduling autogroup of its own (nice only
    counts within an autogroup), and raises that group and itself to nice -20;
    its children inherit it. `rt` also starts each measured process (wrk, the
    origin, the proxy, the sink, perf) under SCHED_FIFO 10 with `chrt`; never the
    harness itself, which must stay preemptible. Every run is bounded in time.
    Returns the mode in force."""
    try:
        if os.getsid(0) != os.getpid():
            os.setsid()
        with open("/proc/self/autogroup", "w") as f:
            f.write("-20")
    except OSError:
        pass
    try:
        os.setpriority(os.PRIO_PROCESS, 0, -20)
    except OSError:
        PRIORITY["mode"] = "normal"
        return PRIORITY["mode"]
    if mode == "rt" and shutil.which("chrt") and os.geteuid() == 0:
        PRIORITY["mode"] = "nice -20; measured processes SCHED_FIFO 10 (chrt -f 10)"
        PRIORITY["chrt"] = True
    elif mode in ("rt", "nice"):
        PRIORITY["mode"] = "nice -20 (own autogroup)"
    return PRIORITY["mode"]


# The CPUs this run may use, read once at import: the harness later pins itself to the load CPU,
# and a count read after that would say 1 and silently stop pinning every process it starts.
_RUN_CPUS = frozenset(os.sched_getaffinity(0))


def cpu_count():
    return len(_RUN_CPUS)


def pinned(cpu, argv):
    """Prefix argv with `taskset -c CPU` when the machine has a CPU to pin to."""
    prefix = ["chrt", "-f", "10"] if PRIORITY.get("chrt") else []
    if cpu is None or cpu_count() < 2:
        return prefix + list(argv)
    return prefix + ["taskset", "-c", str(cpu)] + list(argv)


class Managed:
    """A child process the harness owns; `stop()` signals its PID and nothing else."""

    def __init__(self, name, argv, log_path, cwd=None, env=None):
        self.name = name
        self.argv = argv
        self.log_path = log_path
        self._log = open(log_path, "wb")
        # taskset execs its command, so the PID is the program's own; the child
        # inherits the harness's scheduling priority (see raise_priority).
        self.proc = subprocess.Popen(
            argv, stdin=subprocess.DEVNULL, stdout=self._log, stderr=subprocess.STDOUT, cwd=cwd, env=env)
        self.pid = self.proc.pid
        self.cpu = int(argv[argv.index("taskset") + 2]) if "taskset" in argv else None
        _started.append(self)

    def check_pinned(self):
        """Raises unless the process runs on the one CPU it was started on (taskset execs, so this is the
        program's own affinity); a run whose proxy shares the load CPU would report the wrong thing."""
        if self.cpu is None or not self.alive():
            return
        with open(f"/proc/{self.pid}/status") as f:
            allowed = next(line.split()[1] for line in f if line.startswith("Cpus_allowed_list:"))
        if allowed != str(self.cpu):
            raise RuntimeError(f"{self.name} (pid {self.pid}) may run on CPUs {allowed}, not only on CPU {self.cpu}")

    def alive(self):
        return self.proc.poll() is None

    def log_text(self):
        try:
            with open(self.log_path, "r", errors="replace") as f:
                return f.read()
        except OSError:
            return ""

    def stop(self, grace=5.0):
        if self.proc.poll() is None:
            try:
                os.kill(self.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
            try:
                self.proc.wait(timeout=grace)
            except subprocess.TimeoutExpired:
                os.kill(self.pid, signal.SIGKILL)
                self.proc.wait(timeout=grace)
        self._log.close()
        if self in _started:
            _started.remove(self)


def check_all_pinned():
    """Every process the harness started and pinned still runs only on its CPU."""
    for managed in list(_started):
        managed.check_pinned()


def stop_all():
    """Stops every process this harness started that is still running, newest first."""
    for managed in reversed(list(_started)):
        try:
            managed.stop()
        except Exception as error:  # keep stopping the others
            print(f"  ! could not stop {managed.name} (pid {managed.pid}): {error}")


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_port(port, deadline_s, managed=None):
    end = time.monotonic() + deadline_s
    while time.monotonic() < end:
        if managed is not None and not managed.alive():
            raise RuntimeError(f"{managed.name} exited early:\n{managed.log_text()[-2000:]}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"nothing listening on 127.0.0.1:{port} after {deadline_s}s")


def run_bounded(argv, timeout_s, **kwargs):
    """Runs a command to completion, killed if it outlives timeout_s."""
    return subprocess.run(argv, capture_output=True, text=True, timeout=timeout_s, **kwargs)
