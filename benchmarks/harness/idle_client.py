"""Holds N idle keep-alive connections to a target, for scenario (h). Run as
`python3 idle_client.py --port P --count N --path PATH [--header 'Name: value'] --hold SECONDS`.

Each connection sends one complete GET and reads its whole response (Content-Length), then stays open
and idle. Connections are opened in batches (connect and send a batch, then read its responses), so
the target's accept backlog is never flooded. Prints `held K of N ...` once all are open, then
`open K` whenever a connection is closed by the other side (seen as readable: EOF or a reset), and
exits after --hold seconds or on SIGTERM. It raises its own RLIMIT_NOFILE to the hard limit first.
Only 127.0.0.1.
"""
import argparse
import resource
import select
import signal
import socket
import sys
import time

BATCH = 200
TIMEOUT_S = 10.0


def read_response(sock):
    """Reads one response with a Content-Length body; returns its status."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            raise ConnectionError("closed before the response head")
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    status = int(lines[0].split(b" ", 2)[1])
    length = None
    for line in lines[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
    if length is None:
        raise ConnectionError("response without Content-Length")
    while len(body) < length:
        chunk = sock.recv(65536)
        if not chunk:
            raise ConnectionError("closed in the response body")
        body += chunk
    return status


def open_all(port, count, request):
    held, statuses, failures = [], {}, {}
    for start in range(0, count, BATCH):
        batch = []
        for _ in range(min(BATCH, count - start)):
            sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            sock.settimeout(TIMEOUT_S)
            try:
                sock.connect(("127.0.0.1", port))
                sock.sendall(request)
                batch.append(sock)
            except OSError as error:
                failures[type(error).__name__] = failures.get(type(error).__name__, 0) + 1
                sock.close()
        for sock in batch:
            try:
                status = read_response(sock)
                statuses[status] = statuses.get(status, 0) + 1
                held.append(sock)
            except (OSError, ValueError, IndexError) as error:
                failures[type(error).__name__] = failures.get(type(error).__name__, 0) + 1
                sock.close()
        if failures and len(held) == 0 and start >= BATCH:
            break
    return held, statuses, failures


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--count", type=int, required=True)
    parser.add_argument("--path", default="/")
    parser.add_argument("--header", action="append", default=[])
    parser.add_argument("--hold", type=float, default=120)
    args = parser.parse_args()
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    request = (f"GET {args.path} HTTP/1.1\r\nHost: 127.0.0.1:{args.port}\r\n"
               + "".join(f"{h}\r\n" for h in args.header) + "\r\n").encode()
    started = time.monotonic()
    held, statuses, failures = open_all(args.port, args.count, request)
    print(f"held {len(held)} of {args.count} in {time.monotonic() - started:.1f}s; statuses "
          f"{' '.join(f'{k}:{v}' for k, v in sorted(statuses.items()))}; failures "
          f"{' '.join(f'{k}:{v}' for k, v in sorted(failures.items())) or 'none'}; fd limit {hard}", flush=True)
    poller = select.poll()
    by_fd = {sock.fileno(): sock for sock in held}
    for fd in by_fd:
        poller.register(fd, select.POLLIN | select.POLLHUP | select.POLLERR)
    end = started + args.hold
    while time.monotonic() < end:
        closed = [fd for fd, _ in poller.poll(1000)]
        for fd in closed:
            poller.unregister(fd)
            by_fd.pop(fd).close()
        if closed:
            print(f"open {len(by_fd)}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
