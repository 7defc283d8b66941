"""The soak's load: a fixed rate of mixed requests against one gateway, for `benchmarks/run --scenario soak`.
Run as `python3 soak_client.py PLAN.json`; the plan (written by harness/soak.py) names the port, the rate,
the duration, the connections and each kind's request and expected status.

Open loop: a scheduler starts one request every 1/rate s, cycling through the plan's kinds in a fixed
order, and queues it for one of the plan's keep-alive connections (workers); a worker whose connection
the gateway closed, or that aborted a request on purpose, opens a new one. An `abort` kind sends its
head and part of its body and closes the connection (a client giving up mid-request): its expected
outcome is `aborted`, no status. Each request is bounded by a timeout (outcome `timeout`). Prints a
progress line every 10 s and writes counts by kind and outcome, and how late the scheduler's requests
started, to the plan's `result` file at the end. Only 127.0.0.1.
"""
import asyncio
import json
import sys
import time

TIMEOUT_S = 10.0


class Connection:
    def __init__(self, port):
        self.port = port
        self.reader = self.writer = None

    async def ensure(self):
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection("127.0.0.1", self.port)

    def close(self):
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None

    async def exchange(self, kind):
        """Sends one request of `kind`; returns its status as text, or `aborted`."""
        await self.ensure()
        head = kind["head"].encode()
        body = kind.get("body_bytes", 0)
        if kind.get("abort_after") is not None:
            self.writer.write(head + b"x" * kind["abort_after"])
            await self.writer.drain()
            self.close()
            return "aborted"
        self.writer.write(head + b"x" * body)
        await self.writer.drain()
        line = await self.reader.readuntil(b"\r\n\r\n")
        lines = line.split(b"\r\n")
        status = lines[0].split(b" ", 2)[1].decode()
        length, close = 0, False
        for header in lines[1:]:
            name, _, value = header.partition(b":")
            name = name.strip().lower()
            if name == b"content-length":
                length = int(value)
            elif name == b"connection" and b"close" in value.lower():
                close = True
            elif name == b"transfer-encoding":
                raise ValueError("chunked response: not expected from the gateway here")
        if length:
            await self.reader.readexactly(length)
        if close:
            self.close()
        return status


async def worker(port, queue, counts, late):
    conn = Connection(port)
    while True:
        item = await queue.get()
        if item is None:
            conn.close()
            return
        kind, due = item
        late.append(time.monotonic() - due)
        try:
            outcome = await asyncio.wait_for(conn.exchange(kind), TIMEOUT_S)
        except asyncio.TimeoutError:
            outcome = "timeout"
            conn.close()
        except (OSError, asyncio.IncompleteReadError, ValueError, IndexError) as error:
            outcome = f"error:{type(error).__name__}"
            conn.close()
        by_kind = counts.setdefault(kind["name"], {})
        by_kind[outcome] = by_kind.get(outcome, 0) + 1


async def run(plan):
    kinds = plan["kinds"]
    cycle = [kind for kind in kinds for _ in range(kind["weight"])]
    counts, late = {}, []
    queue = asyncio.Queue()
    workers = [asyncio.create_task(worker(plan["port"], queue, counts, late)) for _ in range(plan["connections"])]
    interval = 1.0 / plan["rate"]
    started = time.monotonic()
    end = started + plan["duration_s"]
    next_report = started + 10
    sent = 0
    while True:
        due = started + sent * interval
        if due >= end:
            break
        delay = due - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        queue.put_nowait((cycle[sent % len(cycle)], due))
        sent += 1
        if time.monotonic() >= next_report:
            done = sum(sum(v.values()) for v in counts.values())
            print(f"soak {time.monotonic() - started:.0f}s: {sent} started, {done} done, queue {queue.qsize()}",
                  flush=True)
            next_report += 10
    for _ in workers:
        queue.put_nowait(None)
    await asyncio.wait_for(asyncio.gather(*workers), TIMEOUT_S * 3)
    late.sort()
    return {"sent": sent, "seconds": time.monotonic() - started, "counts": counts,
            "start_late_ms": {"p50": late[len(late) // 2] * 1000 if late else None,
                              "p99": late[int(len(late) * 0.99)] * 1000 if late else None,
                              "max": late[-1] * 1000 if late else None}}


def main():
    with open(sys.argv[1]) as f:
        plan = json.load(f)
    result = asyncio.run(run(plan))
    with open(plan["result"], "w") as f:
        json.dump(result, f, indent=1)
    print(f"soak done: {result['sent']} requests in {result['seconds']:.0f}s", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
