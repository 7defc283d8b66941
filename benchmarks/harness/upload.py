"""One large upload through Tollgate to a sink upstream, with Tollgate's RSS watched."""
import json
import socket
import sys
import threading
import time
from pathlib import Path

from . import procs
from .metrics import process_cpu_seconds, process_status_kib
from .targets import Tollgate

CHUNK = 1 << 20


def body_chunks(size):
    """The body, generated: one reused 1 MiB pattern buffer, never the whole body in memory."""
    pattern = memoryview(bytes(range(256)) * (CHUNK // 256))
    left = size
    while left:
        n = min(left, CHUNK)
        yield pattern[:n]
        left -= n


class RSSSampler(threading.Thread):
    def __init__(self, pid, every_s=0.1):
        super().__init__(daemon=True)
        self.pid, self.every_s = pid, every_s
        self.peak_kib, self.samples = 0, []
        self.done = threading.Event()

    def run(self):
        start = time.monotonic()
        while not self.done.is_set():
            rss = process_status_kib(self.pid, "VmRSS") or 0
            self.peak_kib = max(self.peak_kib, rss)
            self.samples.append((round(time.monotonic() - start, 2), rss))
            self.done.wait(self.every_s)


def upload(port, size, timeout_s):
    """POSTs `size` bytes with Content-Length; returns (status, body, seconds)."""
    started = time.monotonic()
    with socket.create_connection(("127.0.0.1", port), timeout=timeout_s) as sock:
        sock.sendall(f"POST /upload HTTP/1.1\r\nHost: bench\r\nContent-Type: application/octet-stream\r\n"
                     f"Content-Length: {size}\r\nConnection: close\r\n\r\n".encode())
        deadline = started + timeout_s
        for chunk in body_chunks(size):
            sock.sendall(chunk)
            if time.monotonic() > deadline:
                raise RuntimeError(f"upload exceeded {timeout_s}s")
        response = b""
        while b"\r\n\r\n" not in response or len(response.partition(b"\r\n\r\n")[2]) < content_length(response):
            data = sock.recv(65536)
            if not data:
                break
            response += data
    elapsed = time.monotonic() - started
    head, _, body = response.partition(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1]) if head else 0
    return status, body, elapsed


def content_length(response):
    for line in response.partition(b"\r\n\r\n")[0].split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            return int(value)
    return 1 << 62  # unknown: read to the close


def run_upload(ctx, size, progress):
    sink_port = procs.free_port()
    sink = procs.Managed("sink", procs.pinned(ctx.load_cpu, [sys.executable, str(Path(__file__).with_name("sink.py")),
                                                              str(sink_port)]), ctx.run_dir / "sink.log")
    gateway = Tollgate(ctx, upstream_port=sink_port, max_body_bytes=str(size + (1 << 20)),
                       request_timeout="30m", upstream_timeout="30m", name="tollgate-upload")
    try:
        procs.wait_for_port(sink_port, 10, sink)
        gateway.start()
        progress(f"upload: Tollgate pid {gateway.pid} on :{gateway.port}, sink on :{sink_port}")
        rss_before = process_status_kib(gateway.pid, "VmRSS")
        cpu_before = process_cpu_seconds(gateway.pid)
        sampler = RSSSampler(gateway.pid)
        sampler.start()
        progress(f"upload: sending {size / (1 << 30):.2f} GiB")
        try:
            status, body, elapsed = upload(gateway.port, size, timeout_s=max(120, size / (20 << 20)))
        finally:
            sampler.done.set()
            sampler.join()
        cpu = process_cpu_seconds(gateway.pid) - cpu_before
        hwm = process_status_kib(gateway.pid, "VmHWM")
        received = json.loads(body or b"{}").get("received") if status == 200 else None
        ok = status == 200 and received == size
        result = {
            "size_bytes": size, "status": status, "sink_received": received, "ok": ok,
            "seconds": elapsed, "gib_per_s": size / elapsed / (1 << 30),
            "rss_before_kib": rss_before, "rss_peak_sampled_kib": sampler.peak_kib, "vm_hwm_kib": hwm,
            "tollgate_cpu_s": cpu, "tollgate_cpu_s_per_gib": cpu / (size / (1 << 30)),
            "rss_timeline_kib": sampler.samples[:: max(1, len(sampler.samples) // 60)],
        }
        progress(f"upload: {'ok' if ok else 'FAILED'} status {status}, sink got {received}, "
                 f"{elapsed:.1f}s ({result['gib_per_s']:.2f} GiB/s), RSS {rss_before} KiB before, "
                 f"VmHWM {hwm} KiB")
        return result
    finally:
        gateway.stop()
        sink.stop()
