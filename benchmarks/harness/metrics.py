"""Readings from /proc: a process's CPU time and memory, and each CPU's busy time."""
import os

from . import procs

CLK_TCK = os.sysconf("SC_CLK_TCK")


def process_cpu_seconds(pid):
    """utime + stime of a process (all its threads), in seconds."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    # fields[0] is field 3 (state); utime and stime are fields 14 and 15.
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def process_status_kib(pid, key):
    """A `kB` line of /proc/PID/status, such as VmRSS or VmHWM."""
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1])
    return None


def cpu_busy_seconds():
    """Per-CPU busy time (everything but idle and iowait), in seconds, keyed by CPU number."""
    busy = {}
    with open("/proc/stat") as f:
        for line in f:
            if line.startswith("cpu") and line[3].isdigit():
                parts = line.split()
                values = [int(v) for v in parts[1:]]
                idle = values[3] + values[4]
                busy[int(parts[0][3:])] = (sum(values[:8]) - idle) / CLK_TCK
    return busy


class Window:
    """CPU readings across one load run, to split it into ours and everyone else's."""

    def __init__(self, pids):
        self.pids = dict(pids)

    def __enter__(self):
        procs.check_all_pinned()
        self.cpu_before = cpu_busy_seconds()
        self.proc_before = {name: process_cpu_seconds(pid) for name, pid in self.pids.items()}
        self.sched_before = {name: process_run_wait_seconds(pid) for name, pid in self.pids.items()}
        return self

    def __exit__(self, *exc):
        self.cpu_after = cpu_busy_seconds()
        self.proc_after = {name: process_cpu_seconds(pid) for name, pid in self.pids.items()}
        self.sched_after = {name: process_run_wait_seconds(pid) for name, pid in self.pids.items()}
        return False

    def run_queue_wait_seconds(self, name):
        return self.sched_after[name][1] - self.sched_before[name][1]

    def process_seconds(self, name):
        return self.proc_after[name] - self.proc_before[name]

    def cpu_seconds(self, cpu):
        return self.cpu_after.get(cpu, 0) - self.cpu_before.get(cpu, 0)

    def all_cpu_seconds(self):
        return sum(self.cpu_after[c] - self.cpu_before[c] for c in self.cpu_after)


def process_run_wait_seconds(pid):
    """Time the process's threads spent running and waiting on a run queue
    (/proc/PID/task/*/schedstat): the wait is how much other work held it back."""
    run = wait = 0
    try:
        tasks = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return 0.0, 0.0
    for task in tasks:
        try:
            with open(f"/proc/{pid}/task/{task}/schedstat") as f:
                fields = f.read().split()
        except OSError:
            continue
        run += int(fields[0])
        wait += int(fields[1])
    return run / 1e9, wait / 1e9
