"""What gets loaded: the origin, nginx as a plain proxy, HAProxy with jwt_verify, Tollgate.

To add a target: subclass `Target`, give it a `key`, a `label`, `start()` that launches it
through `procs.Managed` pinned to `ctx.proxy_cpu`, and set `pid` to the
process whose CPU time is the proxy's; then name its key in a scenario.
"""
import http.client
import re
import resource
import threading
import time
from pathlib import Path
from string import Template

from . import procs
from .tokens import AUDIENCE, CORS_ORIGIN, ISSUER

BENCH_DIR = Path(__file__).resolve().parent.parent
ORIGIN_BODY = '{"id":"4f1c2a","name":"tollgate-bench","items":[1,2,3],"ok":true}'


def render(template_path, out_path, **values):
    text = Template(Path(template_path).read_text()).substitute(**values)
    Path(out_path).write_text(text)
    return out_path


def request(port, method="GET", path="/", headers=None, body=None, timeout=5.0):
    """One HTTP/1.1 request on a fresh connection: (status, headers, body bytes)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        response = conn.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        conn.close()


def ready_port(process, name, seconds):
    """The port of the `listening on 127.0.0.1:PORT` line `process` prints when it is ready."""
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        match = re.search(r"listening on 127\.0\.0\.1:(\d+)", process.log_text())
        if match:
            return int(match.group(1))
        if not process.alive():
            break
        time.sleep(0.05)
    raise RuntimeError(f"{name} did not print 'listening on' within {seconds}s:\n{process.log_text()[-2000:]}")


class Context:
    """What every target needs: where to write, which CPUs, the origin's port, the binary."""

    def __init__(self, run_dir, load_cpu, proxy_cpu, tollgate_binary):
        self.run_dir = Path(run_dir)
        self.load_cpu = load_cpu
        self.proxy_cpu = proxy_cpu
        self.tollgate_binary = tollgate_binary
        self.origin_port = None
        self.tokens = None  # the run's TokenKit, made when a token scenario needs it
        self.rotating_tokens = 100_000


class Target:
    key = ""
    label = ""
    proxied = True
    # the most idle connections scenario (h) may hold on it (None: as many as asked)
    max_idle_connections = None

    def __init__(self, ctx):
        self.ctx = ctx
        self.process = None
        self.port = None

    @property
    def pid(self):
        return self.process.pid if self.process else None

    def url(self, path="/"):
        return f"http://127.0.0.1:{self.port}{path}"

    @property
    def memory_pid(self):
        """The process whose memory grows with the target's connections (the proxy, or the origin itself)."""
        return self.pid

    def extra_pids(self):
        """Other processes whose CPU a request to this target costs (a Redis replay store), by name."""
        return {}

    def stop(self):
        if self.process:
            self.process.stop()
            self.process = None

    def check(self, checks):
        """Each check is (method, path, headers, status, body or None[, request body]); raises on a mismatch."""
        for method, path, headers, want_status, want_body, *sent in checks:
            status, _, body = request(self.port, method, path, headers, sent[0] if sent else None)
            if status != want_status or (want_body is not None and body != want_body.encode()):
                raise RuntimeError(
                    f"{self.label}: {method} {path} answered {status} {body[:200]!r}, "
                    f"expected {want_status} {want_body!r}")


class Origin(Target):
    """nginx returning a small JSON body: the fixed fast upstream, on the load CPU."""
    key = "origin"
    label = "origin (nginx)"

    def start(self):
        self.port = procs.free_port()
        conf = render(BENCH_DIR / "nginx" / "upstream.conf", self.ctx.run_dir / "upstream.conf",
                      run_dir=self.ctx.run_dir, port=self.port, body=ORIGIN_BODY)
        self.process = procs.Managed(
            "origin nginx",
            procs.pinned(self.ctx.load_cpu, ["nginx", "-p", str(self.ctx.run_dir), "-c", str(conf)]),
            self.ctx.run_dir / "origin.log")
        procs.wait_for_port(self.port, 10, self.process)
        self.ctx.origin_port = self.port


class Direct(Target):
    """The origin hit directly: the floor for any proxy. Nothing extra runs."""
    key = "direct"
    label = "upstream direct"
    proxied = False

    def __init__(self, ctx, origin):
        super().__init__(ctx)
        self.origin = origin

    def start(self):
        self.port = self.origin.port

    @property
    def pid(self):
        return None

    @property
    def memory_pid(self):
        return self.origin.pid

    def stop(self):
        pass


class NginxProxy(Target):
    """nginx as a plain reverse proxy with upstream keep-alive: the proxy baseline."""
    key = "nginx-proxy"
    label = "nginx proxy"

    def start(self):
        self.port = procs.free_port()
        conf = render(BENCH_DIR / "nginx" / "proxy.conf", self.ctx.run_dir / "proxy.conf",
                      run_dir=self.ctx.run_dir, port=self.port, upstream_port=self.ctx.origin_port)
        self.process = procs.Managed(
            "nginx proxy",
            procs.pinned(self.ctx.proxy_cpu, ["nginx", "-p", str(self.ctx.run_dir), "-c", str(conf)]),
            self.ctx.run_dir / "nginx-proxy.log")
        procs.wait_for_port(self.port, 10, self.process)


class NIOFloor(Target):
    """The issue's "naive NIO proxy" (`benchmarks/floor`): stock NIOHTTP1 codecs on both sides, one kept-alive
    upstream connection per client connection, no auth. SwiftNIO's own floor for a proxy, in the same run."""
    key = "nio-floor"
    label = "naive NIO proxy (floor)"

    def start(self):
        self.process = procs.Managed(
            self.label,
            procs.pinned(self.ctx.proxy_cpu, [str(self.ctx.floor_binary), str(self.ctx.origin_port)]),
            self.ctx.run_dir / "nio-floor.log")
        self.port = ready_port(self.process, "the NIO floor", 15)


class HAProxyJWT(Target):
    """HAProxy 2.6 with jwt_verify doing the checks of Tollgate's token route (haproxy/jwt.cfg)."""
    key = "haproxy-jwt"
    label = "HAProxy jwt_verify"
    # HAProxy reserves two fds per connection plus 14 and will not start if the fd limit is lower.
    maxconn = min(20_000, (resource.getrlimit(resource.RLIMIT_NOFILE)[1] - 20) // 2)
    # (h): room for wrk's connections next to the idle ones
    max_idle_connections = maxconn - 64

    def start(self):
        self.port = procs.free_port()
        conf = render(BENCH_DIR / "haproxy" / "jwt.cfg", self.ctx.run_dir / "haproxy.cfg",
                      port=self.port, upstream_port=self.ctx.origin_port, issuer=ISSUER, audience=AUDIENCE,
                      public_key=self.ctx.tokens.public_key["RS256"], maxconn=self.maxconn)
        self.process = procs.Managed(
            "HAProxy", procs.pinned(self.ctx.proxy_cpu, ["haproxy", "-db", "-f", str(conf)]),
            self.ctx.run_dir / "haproxy.log")
        procs.wait_for_port(self.port, 10, self.process)


class Tollgate(Target):
    """Tollgate on an `auth: none` route, one worker, pinned alone on the proxy CPU."""
    key = "tollgate-none"
    label = "Tollgate auth:none"
    config_template = "auth-none.yaml"

    def __init__(self, ctx, upstream_port=None, max_body_bytes="10MiB",
                 request_timeout="30s", upstream_timeout="30s", name=None, wrapper=(), env=None):
        super().__init__(ctx)
        self.wrapper = list(wrapper)
        self.env = env  # the process's environment (None: the harness's)
        self.upstream_port = upstream_port
        self.values = dict(max_body_bytes=max_body_bytes, request_timeout=request_timeout,
                           upstream_timeout=upstream_timeout, cors_origin=CORS_ORIGIN)
        self.name = name or self.key

    @property
    def binary(self):
        return self.ctx.tollgate_binary

    def start(self):
        conf = render(BENCH_DIR / "tollgate" / self.config_template,
                      self.ctx.run_dir / f"{self.name}.yaml",
                      upstream_port=self.upstream_port or self.ctx.origin_port, **self.values)
        self.process = procs.Managed(
            self.label,
            procs.pinned(self.ctx.proxy_cpu,
                         self.wrapper + [str(self.binary), "serve", "--config", str(conf)]),
            self.ctx.run_dir / f"{self.name}.log", env=self.env)
        self.port = ready_port(self.process, "Tollgate", 60 if self.wrapper else 15)


class TollgateJWT(Tollgate):
    """Tollgate on a token route: RS256/ES256/EdDSA issuer from a JWKS file, `scopes: [apps:read]`."""
    key = "tollgate-jwt"
    label = "Tollgate JWT+scope"
    config_template = "jwt.yaml"
    cache_tokens = 10000
    # (h) holds 10,000 idle connections next to wrk's: above the default limits.max_connections
    max_connections = 12000
    leeway = "30s"

    def __init__(self, ctx, **kwargs):
        super().__init__(ctx, **kwargs)
        self.admin_port = None

    def start(self):
        self.values.update(issuer=ISSUER, audience=AUDIENCE, jwks_file=self.ctx.tokens.jwks_file,
                           cache_tokens=self.cache_tokens, admin_line="", access_log_enabled="false",
                           access_log_path="stdout", public_origin_line="", dpop_lines="", dpop_keys_line="",
                           idle_timeout="60s", max_connections=self.max_connections, leeway=self.leeway)
        self.values.update(self.observability())
        super().start()
        if self.values["admin_line"]:
            self.admin_port = self.wait_for_admin_port()

    def observability(self):
        """Template values that turn on the access log or the admin listener (none here)."""
        return {}

    def wait_for_admin_port(self):
        end = time.monotonic() + 15
        while time.monotonic() < end:
            match = re.search(r"admin listener on 127\.0\.0\.1:(\d+)", self.process.log_text())
            if match:
                return int(match.group(1))
            time.sleep(0.05)
        raise RuntimeError(f"{self.label}: no 'admin listener on' line:\n{self.process.log_text()[-2000:]}")

    def cache_counters(self):
        """(hits, misses) of the token cache from /metrics (summed over label sets), or None without an
        admin listener."""
        if self.admin_port is None:
            return None
        status, _, body = request(self.admin_port, path="/metrics")
        if status != 200:
            raise RuntimeError(f"{self.label}: /metrics answered {status}")
        totals = {"tollgate_token_cache_hits_total": 0.0, "tollgate_token_cache_misses_total": 0.0}
        for line in body.decode().splitlines():
            name = line.split("{", 1)[0].split(" ", 1)[0]
            if name in totals:
                totals[name] += float(line.rsplit(" ", 1)[1])
        return totals["tollgate_token_cache_hits_total"], totals["tollgate_token_cache_misses_total"]


class TollgateJWTAllCached(TollgateJWT):
    """TollgateJWT whose token cache holds the whole rotating set (`cache.tokens` = `--tokens`, at least
    10,000): scenario c-split's rotating *hits*, the same requests as (c)'s misses. Primed (one pass
    through the set) before it is measured, so every measured request hits."""
    key = "tollgate-jwt-allcached"
    label = "Tollgate JWT+scope, cache holds every token"
    primes_rotation = True

    def __init__(self, ctx, **kwargs):
        super().__init__(ctx, **kwargs)
        self.cache_tokens = max(ctx.rotating_tokens, TollgateJWT.cache_tokens)


class TollgateJWTAccessLog(TollgateJWT):
    """TollgateJWT with the access log on, written to a file in the run directory."""
    key = "tollgate-jwt-log"
    label = "Tollgate JWT+scope, access log to a file"

    def observability(self):
        return {"access_log_enabled": "true", "access_log_path": str(self.ctx.run_dir / f"{self.key}-access.log")}


class TollgateJWTDPoP(TollgateJWT):
    """TollgateJWT whose requests carry a DPoP-bound token and one fresh proof each (replay store in
    memory). `public_origin` fixes the proofs' htu whatever port the listener got; `max_age: 1h` lets
    proofs signed before the run stay valid through it."""
    key = "tollgate-jwt-dpop"
    label = "Tollgate JWT+scope, DPoP (memory replay store)"
    public_origin = "http://bench.test"

    def observability(self):
        return {"public_origin_line": f"  public_origin: {self.public_origin}",
                "dpop_lines": "    dpop: {max_age: 1h, replay: memory}"}


class Redis:
    """A redis-server of the run's own on 127.0.0.1 (no persistence), on the load CPU like the origin:
    the fleet-wide DPoP replay store a `redis://` target points at. Stopped by PID."""

    def __init__(self, ctx, name):
        self.ctx = ctx
        self.name = name
        self.port = None
        self.process = None

    @property
    def pid(self):
        return self.process.pid if self.process else None

    def start(self):
        self.port = procs.free_port()
        work = self.ctx.run_dir / self.name
        work.mkdir(exist_ok=True)
        self.process = procs.Managed(
            self.name, procs.pinned(self.ctx.load_cpu, [
                "redis-server", "--bind", "127.0.0.1", "--port", str(self.port), "--save", "", "--appendonly", "no",
                "--dir", str(work), "--protected-mode", "yes"]),
            self.ctx.run_dir / f"{self.name}.log")
        procs.wait_for_port(self.port, 10, self.process)

    def stop(self):
        if self.process:
            self.process.stop()
            self.process = None


class TollgateMatrix(TollgateJWT):
    """One row of the DPoP cost matrix: the token route with a small token cache (`cache.tokens: 1000`,
    so that 2,500 rotating tokens, each with its own pre-signed proofs, can never hit), an admin listener
    whose /metrics the harness reads before and after each sample (the measured hit ratio), and, for the
    DPoP rows, `public_origin` (fixes the proofs' htu) and `dpop: {max_age: 1h, replay: ...}`, and
    `cache.dpop_keys` when the row sets it (0: the proof-key cache off). Each row is a gateway of its own,
    so that one row's tokens never sit in another's cache."""
    cache_tokens = 1000
    public_origin = "http://bench.test"
    replay = None  # None: bearer; "memory"; "redis"

    def __init__(self, ctx, key, label, replay=None, proof_keys=None, **kwargs):
        super().__init__(ctx, name=key, **kwargs)
        self.key = key
        self.label = label
        self.replay = replay
        self.proof_keys = proof_keys
        self.redis = Redis(ctx, f"{key}-redis") if replay == "redis" else None

    def observability(self):
        values = {"admin_line": "  admin: 127.0.0.1:0"}
        if self.replay:
            store = "memory" if self.replay == "memory" else f"redis://127.0.0.1:{self.redis.port}/0"
            values.update(public_origin_line=f"  public_origin: {self.public_origin}",
                          dpop_lines=f"    dpop: {{max_age: 1h, replay: '{store}'}}")
        if self.proof_keys is not None:
            values["dpop_keys_line"] = f"  dpop_keys: {self.proof_keys}"
        return values

    def start(self):
        if self.redis:
            self.redis.start()
        super().start()

    def extra_pids(self):
        return {"redis": self.redis.pid} if self.redis else {}

    def stop(self):
        super().stop()
        if self.redis:
            self.redis.stop()


class TollgateJWTScraped(TollgateJWT):
    """TollgateJWT with an admin listener whose /metrics a thread scrapes every second while it runs."""
    key = "tollgate-jwt-scraped"
    label = "Tollgate JWT+scope, /metrics scraped every 1 s"
    scrape_interval_s = 1.0

    def __init__(self, ctx, **kwargs):
        super().__init__(ctx, **kwargs)
        self.scrapes = 0
        self.scrape_failures = 0
        self._stop_scraping = threading.Event()
        self._scraper = None

    def observability(self):
        return {"admin_line": "  admin: 127.0.0.1:0"}

    def start(self):
        super().start()
        self._scraper = threading.Thread(target=self._scrape_loop, name="metrics-scraper", daemon=True)
        self._scraper.start()

    def _scrape_loop(self):
        while not self._stop_scraping.wait(self.scrape_interval_s):
            try:
                status, _, body = request(self.admin_port, path="/metrics")
                ok = status == 200 and b"tollgate_requests_total" in body
            except OSError:
                ok = False
            self.scrapes += 1
            self.scrape_failures += 0 if ok else 1

    def stop(self):
        self._stop_scraping.set()
        if self._scraper:
            self._scraper.join(timeout=5)
            self._scraper = None
        super().stop()


class BaselineBinary:
    """Mixed into a Tollgate target: it runs `--baseline-binary`, an earlier build measured in the same run."""

    @property
    def binary(self):
        return self.ctx.baseline_binary


class TollgateBaseline(BaselineBinary, Tollgate):
    """`--baseline-binary` on the `auth: none` route."""
    key = "tollgate-none-base"
    label = "Tollgate auth:none (baseline binary)"


class TollgateJWTBaseline(BaselineBinary, TollgateJWT):
    """`--baseline-binary` on the token route."""
    key = "tollgate-jwt-base"
    label = "Tollgate JWT+scope (baseline binary)"


class TollgateJWTAllCachedBaseline(BaselineBinary, TollgateJWTAllCached):
    """`--baseline-binary` on the token route whose cache holds every rotating token."""
    key = "tollgate-jwt-allcached-base"
    label = "Tollgate JWT+scope, cache holds every token (baseline binary)"
