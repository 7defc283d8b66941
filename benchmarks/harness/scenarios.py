"""Scenarios: what load, against which targets, checked how.

A wrk scenario is data: its targets, wrk settings, optional Lua that shapes the
requests (it is prepended to wrk/report.lua), and the checks each target must
pass before it is loaded. Adding one means adding an entry to `SCENARIOS`;
a scenario whose feature has not landed stays listed with `pending` saying
which issue brings it, and the harness skips it with that note.

Token, CORS and POST scenarios shape their requests with wrk/request.lua from a
`Shape` (method, headers, body size, one token or a rotating token file); every
target of a scenario gets the same requests, tokens included.
"""
import math
import statistics

from .load import WRK_DIR as BENCH_LUA_DIR, load, script_for
from .metrics import Window, process_status_kib
from .targets import ORIGIN_BODY, TollgateJWT
from .tokens import CORS_ORIGIN

REQUEST_LUA = "request.lua"
TOKEN_PATH = "/api/v1/apps"
POST_BODY_BYTES = 64 * 1024
# Targets that check tokens (and so get the 401/403 checks); Tollgate's are the ones with a cache.
# The DPoP cost matrix's rows (scenario dpop-matrix): key, label, replay store (None: bearer), token mode,
# proof keys kept (`cache.dpop_keys`; None: the default). Each is a gateway of its own (targets.TollgateMatrix,
# cache.tokens 1,000); the proof-key-cache-off rows sit next to the memory rows they differ from.
MATRIX_TOKENS = 2500
MATRIX = [
    ("mx-bearer-hit", "bearer, cache hit", None, "one", None),
    ("mx-dpop-memory-hit", "DPoP memory store, cache hit", "memory", "one", None),
    ("mx-dpop-nokeys-hit", "DPoP memory store, proof-key cache off, cache hit", "memory", "one", 0),
    ("mx-dpop-redis-hit", "DPoP Redis store, cache hit", "redis", "one", None),
    ("mx-bearer-miss", f"bearer, cache miss ({MATRIX_TOKENS:,} tokens)", None, "rotate", None),
    ("mx-dpop-memory-miss", f"DPoP memory store, cache miss ({MATRIX_TOKENS:,} tokens)", "memory", "rotate", None),
    ("mx-dpop-nokeys-miss", f"DPoP memory store, proof-key cache off, cache miss ({MATRIX_TOKENS:,} tokens)",
     "memory", "rotate", 0),
    ("mx-dpop-redis-miss", f"DPoP Redis store, cache miss ({MATRIX_TOKENS:,} tokens)", "redis", "rotate", None),
]
TOKEN_TARGETS = ("haproxy-jwt", "tollgate-jwt", "tollgate-jwt-log", "tollgate-jwt-scraped", "tollgate-jwt-dpop", "tollgate-jwt-base",
                 "tollgate-jwt-allcached", "tollgate-jwt-allcached-base",
                 *(key for key, *_ in MATRIX))
DPOP_TARGETS = ("tollgate-jwt-dpop",)


class Shape:
    """The requests of a request.lua scenario. `token` is None, ("one", ALG) or ("rotate", ALG): the
    run's rotating set of `tokens` distinct tokens (default `ctx.rotating_tokens`: `--tokens`, 100,000).
    `dpop`: the tokens are DPoP-bound RS256 ones, sent with the DPoP scheme and a fresh proof each."""

    def __init__(self, method="GET", headers=None, body_bytes=0, token=None, dpop=False, tokens=None):
        self.method = method
        self.headers = dict(headers or {})
        self.body_bytes = body_bytes
        self.token = token
        self.dpop = dpop
        self.tokens = tokens

    @property
    def rotating(self):
        return self.token is not None and self.token[0] == "rotate"


class Scenario:
    def __init__(self, name, title, meaning, targets=(), path="/", lua=None, threads=1,
                 connections=32, checks=(), pending=None, kind="wrk", shape=None, target_shapes=None):
        self.name = name
        self.title = title
        self.meaning = meaning
        self.targets = list(targets)
        self.path = path
        self.lua = lua
        self.threads = threads
        self.connections = connections
        self.checks = checks if callable(checks) else (lambda _kit, _target, fixed=list(checks): fixed)
        self.pending = pending
        self.kind = kind
        self.shape = shape
        # a target's own Shape where it differs from the scenario's
        self.target_shapes = dict(target_shapes or {})

    def shape_for(self, key):
        return self.target_shapes.get(key, self.shape)

    @property
    def needs_tokens(self):
        return any(key in TOKEN_TARGETS for key in self.targets) or (self.shape and self.shape.token)

    @property
    def rotates_tokens(self):
        """Whether some target gets rotating tokens (cache misses): the run then measures one verify."""
        return any(shape and shape.rotating for shape in [self.shape, *self.target_shapes.values()])


GET_JSON = [("GET", "/", {}, 200, ORIGIN_BODY), ("GET", "/some/deeper/path?q=1", {}, 200, ORIGIN_BODY)]
ALL_TOKEN_TARGETS = ["direct", "nginx-proxy", "haproxy-jwt", "tollgate-none", "tollgate-jwt"]
PREFLIGHT = {"Origin": CORS_ORIGIN, "Access-Control-Request-Method": "GET",
             "Access-Control-Request-Headers": "authorization"}


def bearer(token):
    return {"Authorization": f"Bearer {token}"}


def token_checks(alg, method="GET", body_bytes=0):
    """A good token of `alg` answers 200 with the origin's body everywhere; a token
    target also answers 401 without a token and with a bad signature, 403 without
    the scope."""
    def checks(kit, target):
        body = b"x" * body_bytes if body_bytes else None
        result = [(method, TOKEN_PATH, bearer(kit.good[alg]), 200, ORIGIN_BODY, body)]
        if target.key in TOKEN_TARGETS:
            result += [("GET", TOKEN_PATH, {}, 401, None),
                       ("GET", TOKEN_PATH, bearer(kit.bad_signature["RS256"]), 401, None),
                       ("GET", TOKEN_PATH, bearer(kit.missing_scope[alg]), 403, None)]
        return result
    return checks


def matrix_checks(kit, target):
    """(b)'s checks, and on a DPoP row: a bound token with a fresh proof answers 200, the same proof
    again 401 (the replay store saw it: through Redis on a Redis row), the bound token as Bearer 401."""
    result = token_checks("RS256")(kit, target)
    if getattr(target, "replay", None):
        token, proof = kit.dpop_check(target.public_origin + TOKEN_PATH)
        dpop = {"Authorization": f"DPoP {token}", "DPoP": proof}
        result += [("GET", TOKEN_PATH, dpop, 200, ORIGIN_BODY), ("GET", TOKEN_PATH, dpop, 401, None),
                   ("GET", TOKEN_PATH, bearer(token), 401, None)]
    return result


def preflight_checks(_kit, target):
    """Tollgate answers a preflight itself (204, or 403 for an origin it does not
    allow); the origin and nginx, which know no CORS, answer it like any request."""
    if target.key.startswith("tollgate"):
        return [("OPTIONS", TOKEN_PATH, PREFLIGHT, 204, ""),
                ("OPTIONS", TOKEN_PATH, dict(PREFLIGHT, Origin="https://elsewhere.test"), 403, None)]
    return [("OPTIONS", TOKEN_PATH, PREFLIGHT, 200, ORIGIN_BODY)]


def rotating(alg, letter):
    return Scenario(
        letter, f"{alg}, rotating tokens vs cache.tokens {TollgateJWT.cache_tokens:,} (cache miss)",
        f"GET {TOKEN_PATH}, each request with the next of the run's distinct {alg} tokens (request.lua "
        "rotates them in order; each target goes through the set once before any token comes back), so every "
        "request to Tollgate's token route is a cache miss: parse, claims and one signature check. "
        "Tollgate auth:none, nginx and the origin get the same requests.",
        targets=ALL_TOKEN_TARGETS if alg == "RS256" else ["nginx-proxy", "tollgate-none", "tollgate-jwt"],
        path=TOKEN_PATH, lua=REQUEST_LUA, checks=token_checks(alg), shape=Shape(token=("rotate", alg)))


SCENARIOS = [
    Scenario("a", "auth: none route",
             "GET of a small JSON body; Tollgate forwards without a token. The proxy's bare cost.",
             targets=["direct", "nginx-proxy", "tollgate-none"], checks=GET_JSON),
    Scenario("b", "RS256, one token repeated (cache hit)",
             f"GET {TOKEN_PATH} with the same RS256 token on every request: after the first, Tollgate's token route "
             "finds it in its cache (no parsing, no crypto) and checks the scope; HAProxy has no cache and verifies "
             "every time. Tollgate auth:none, nginx and the origin get the same requests (token ignored).",
             targets=ALL_TOKEN_TARGETS, path=TOKEN_PATH, lua=REQUEST_LUA, checks=token_checks("RS256"),
             shape=Shape(token=("one", "RS256"))),
    rotating("RS256", "c"),
    Scenario("c-split", "RS256, rotating tokens: every request a miss, next to every request a hit",
             f"(c)'s requests (the run's distinct RS256 tokens rotated in order) against Tollgate auth:none, the "
             f"token route with cache.tokens {TollgateJWT.cache_tokens:,} (every request a miss) and the token "
             "route with a cache that holds the whole set, primed by one pass before it is measured (every "
             "request a hit, on tokens as cold in the CPU's caches as the misses'). miss − rotating hit = parse, "
             "claims, one signature check and the cache insert/eviction; rotating hit − auth:none = the lookup "
             "of a token among many. Not in the default set.",
             targets=["tollgate-none", "tollgate-jwt", "tollgate-jwt-allcached"], path=TOKEN_PATH, lua=REQUEST_LUA,
             checks=token_checks("RS256"), shape=Shape(token=("rotate", "RS256"))),
    rotating("ES256", "d-es256"),
    rotating("EdDSA", "d-eddsa"),
    Scenario("e", "CORS preflight",
             f"OPTIONS {TOKEN_PATH} with Origin, Access-Control-Request-Method and -Headers: Tollgate answers 204 "
             "itself (no token needed, nothing sent upstream); nginx and the origin know no CORS and answer it "
             "like a GET (nginx proxies it), so they do different work.",
             targets=["direct", "nginx-proxy", "tollgate-none", "tollgate-jwt"], path=TOKEN_PATH, lua=REQUEST_LUA,
             checks=preflight_checks, shape=Shape(method="OPTIONS", headers=PREFLIGHT)),
    Scenario("f", "64 KiB POST bodies",
             f"POST {TOKEN_PATH} with a 64 KiB body and one repeated RS256 token (cache hit at Tollgate's token "
             "route); the origin discards the body and answers the small JSON.",
             targets=ALL_TOKEN_TARGETS, path=TOKEN_PATH, lua=REQUEST_LUA,
             checks=token_checks("RS256", "POST", POST_BODY_BYTES),
             shape=Shape(method="POST", body_bytes=POST_BODY_BYTES, token=("one", "RS256"))),
    Scenario("observability", "what observability costs: scenario (b) with the access log off, on, and /metrics scraped",
             f"GET {TOKEN_PATH} with one repeated RS256 token (cache hit), as in (b), against three Tollgate "
             "token-route gateways in the same run: access log off (the harness default), access log on (one "
             "JSON line per request to a file in the run directory), and access log off with /metrics on an "
             "admin listener scraped every second by the harness. Metrics are always counted.",
             targets=["tollgate-jwt", "tollgate-jwt-log", "tollgate-jwt-scraped"], path=TOKEN_PATH, lua=REQUEST_LUA,
             checks=token_checks("RS256"), shape=Shape(token=("one", "RS256"))),
    Scenario("dpop", "what DPoP costs: bearer vs DPoP-bound token with a fresh proof per request (cache hit)",
             f"GET {TOKEN_PATH}: Tollgate's token route with one repeated RS256 bearer token (as in (b)), next to "
             "the same route with one DPoP-bound RS256 token (cached after the first request) and a new ES256 proof "
             "on every request, replay store in memory: the difference is one proof parse, one ECDSA P-256 verify, "
             "the binding check and one replay-store insert per request. Not in the default set.",
             targets=["tollgate-jwt", "tollgate-jwt-dpop"], path=TOKEN_PATH, lua=REQUEST_LUA,
             checks=token_checks("RS256"), shape=Shape(token=("one", "RS256"))),
    Scenario("dpop-matrix", "DPoP cost matrix: bearer vs DPoP (memory / Redis replay store; proof-key cache on / off), "
             "cache hit and miss",
             f"GET {TOKEN_PATH} against eight token-route gateways, one per row, each with `cache.tokens: 1000` and "
             "an admin listener read around each sample: bearer, DPoP with the memory replay store, the same with "
             "the proof-key cache off (`cache.dpop_keys: 0`: every proof's jwk built into a key) and DPoP with "
             "a Redis replay store (a redis-server of the run's own on the load CPU), each with one token "
             f"repeated (cache hit) and with {MATRIX_TOKENS:,} distinct tokens rotated in order (over twice the "
             "cache: every request a miss). DPoP tokens are RS256 ones bound to one P-256 client key; every "
             "DPoP request carries its own ES256 proof (fresh jti, `ath` of its token), signed before the run "
             "by `tollgate dpop-proof` (`--count`; the miss rows' with `--token-file`). Not in the default set.",
             targets=[key for key, *_ in MATRIX], path=TOKEN_PATH, lua=REQUEST_LUA, checks=matrix_checks,
             shape=Shape(token=("one", "RS256")),
             target_shapes={key: Shape(token=(mode, "RS256"), dpop=bool(replay),
                                       tokens=MATRIX_TOKENS if mode == "rotate" else None)
                            for key, _, replay, mode, _keys in MATRIX}),
    Scenario("g", "HTTP/2 (h2c) next to HTTP/1.1 with h2load",
             f"GET {TOKEN_PATH} with one repeated RS256 token (cache hit) on Tollgate's token route, loaded by h2load "
             "in three shapes per round: HTTP/1.1 over 32 connections, HTTP/2 with 100 concurrent streams over 1 "
             "connection, and over 16 connections. nginx-light and HAProxy are not configured for h2c here.",
             targets=["tollgate-jwt"], path=TOKEN_PATH, kind="h2load", shape=Shape(token=("one", "RS256"))),
    Scenario("h", "connection scaling: 1, 64, 1,024 and 10,000 idle keep-alive connections, RSS per connection",
             "Each target holds N idle keep-alive connections (each made one complete GET with the token and read "
             f"its response; `harness/idle_client.py`), then takes (b)'s load (one RS256 token on {TOKEN_PATH}) "
             "while they are held: req/s and p99 with N idle, and the target's RSS before and with the idle "
             "connections (KiB per connection). Quick: 1 and 64.",
             targets=["direct", "nginx-proxy", "haproxy-jwt", "tollgate-jwt"], path=TOKEN_PATH, kind="scaling",
             shape=Shape(token=("one", "RS256"))),
    Scenario("i", "fixed rate (open loop) at 50% of HAProxy's saturation: p50/p99/p99.9 and p99 added",
             f"GET {TOKEN_PATH} with one RS256 token. HAProxy jwt_verify's saturation req/s is measured first "
             "(short wrk run); then each target takes half of that rate from h2load, 32 HTTP/1.1 clients on "
             "fixed timers (open loop), and the exact percentiles come from h2load's per-request log. p99 added "
             "= the target's p99 − the direct upstream's in the same round (issue 8's bar: ≤ 1 ms).",
             targets=ALL_TOKEN_TARGETS, path=TOKEN_PATH, kind="fixed-rate", shape=Shape(token=("one", "RS256"))),
    Scenario("soak", "soak: fixed-rate mixed traffic against Tollgate, RSS and open fds sampled every 10 s",
             f"Tollgate's token route in front of the sink upstream takes a fixed rate of mixed requests "
             "(`harness/soak_client.py`, cycling: 6 good-token GETs, a bad signature, an expired token, a missing "
             "scope, no token, 2 CORS preflights, 2 64 KiB POSTs, a client abort mid-body, a GET the upstream "
             "resets) for `--duration` seconds (default 600); every request's outcome is checked against its "
             "kind's expected status; RSS and fds must be flat over the last half (≤ 5%). Not in the default "
             "set nor in --quick.", kind="soak", shape=Shape(token=("one", "RS256"))),
    Scenario("upload", "8 GiB upload through Tollgate",
             "One POST with Content-Length streamed from a generator to a sink upstream; "
             "Tollgate's RSS sampled throughout.", kind="upload"),
    Scenario("allocs", "heap allocations per request",
             "(b)'s requests (one RS256 token repeated) against Tollgate's `auth: none` route and its token route: "
             "every libc malloc the proxy makes, counted by a perf uprobe, divided by the requests answered; then "
             "the frames that ask for the `auth: none` route's allocations. Not in the default set nor in --quick.",
             targets=["tollgate-none", "tollgate-jwt"], path=TOKEN_PATH, kind="allocs",
             shape=Shape(token=("one", "RS256"))),
    Scenario("profile", "perf profile of Tollgate under (a)",
             "perf record (cpu-clock, call graphs) on the gateway PID while scenario (a)'s load runs.",
             kind="profile"),
]

BY_NAME = {s.name: s for s in SCENARIOS}
# Names that stand for several scenarios.
GROUPS = {"d": ["d-es256", "d-eddsa"]}


def lua_string(text):
    return '"' + str(text).replace("\\", "\\\\").replace('"', '\\"') + '"'


class Rotation:
    """Where each target is in a scenario's token set, and what its runs sent: a
    target goes through the rotating set in order across all its runs, so the
    token it gets was last sent to it exactly N requests earlier (N the set's size)."""

    def __init__(self, ctx, shape):
        self.shape = shape
        self.kit = ctx.tokens
        self.size = (shape.tokens or ctx.rotating_tokens) if shape.rotating else 1
        self.file = (self.kit.rotating(shape.token[1], self.size) if shape.rotating and not shape.dpop
                     else None)
        self.sent = {}
        self.dpop_proofs = ctx.dpop_proofs

    def prelude(self, target, threads):
        token = self.shape.token
        if self.shape.dpop or target.key in DPOP_TARGETS:
            bound, proofs = self.dpop_material(target)
            bound_lines = (["HARNESS_TOKEN = nil", f"HARNESS_TOKEN_FILE = {lua_string(bound)}"]
                           if self.shape.rotating else
                           [f"HARNESS_TOKEN = {lua_string(bound)}", "HARNESS_TOKEN_FILE = nil"])
            return "\n".join([
                f"HARNESS_METHOD = {lua_string(self.shape.method)}", "HARNESS_HEADERS = {}",
                f"HARNESS_BODY_BYTES = {self.shape.body_bytes}", f"HARNESS_THREADS = {threads}",
                *bound_lines, f"HARNESS_PROOF_FILE = {lua_string(proofs)}", 'HARNESS_SCHEME = "DPoP"',
                f"HARNESS_TOKEN_START = {self.sent.get(target.key, 0)}"]) + "\n"
        lines = [f"HARNESS_METHOD = {lua_string(self.shape.method)}",
                 "HARNESS_HEADERS = {" + ", ".join(f"[{lua_string(k)}] = {lua_string(v)}"
                                                   for k, v in self.shape.headers.items()) + "}",
                 f"HARNESS_BODY_BYTES = {self.shape.body_bytes}", f"HARNESS_THREADS = {threads}",
                 f"HARNESS_TOKEN = {lua_string(self.kit.good[token[1]]) if token and not self.file else 'nil'}",
                 f"HARNESS_TOKEN_FILE = {lua_string(self.file) if self.file else 'nil'}",
                 f"HARNESS_TOKEN_START = {self.sent.get(target.key, 0)}"]
        return "\n".join(lines) + "\n"

    def dpop_material(self, target):
        """The bound token (or the file of rotating bound tokens) and the proof file for a DPoP target,
        made once per run with enough proofs that none is sent twice (`ctx.dpop_proofs`); targets with
        replay stores of their own share them."""
        url = target.public_origin + TOKEN_PATH
        if self.shape.rotating:
            return self.kit.dpop_rotating(url, self.size, math.ceil(self.dpop_proofs / self.size))
        return self.kit.dpop(url, self.dpop_proofs)

    def advance(self, target, result):
        """Moves `target` on by what the run sent; returns the run's token figures."""
        if result.sent < 0:
            raise RuntimeError("request.lua reported no request count")
        before = self.sent.get(target.key, 0)
        self.sent[target.key] = before + result.sent
        if not self.shape.token:
            return None
        # tokens of this run that the target had been sent before (in earlier runs or earlier in this one)
        reused = max(0, before + result.sent - max(before, self.size))
        return {"tokens_sent": result.sent, "tokens_distinct": min(result.sent, self.size), "tokens_reused": reused,
                "token_set": self.size, "hits": self.hits(target, reused)}

    def hits(self, target, reused):
        """Cache hits at a target with a token cache, exact in the two cases the scenarios use: a set no
        larger than the cache stays cached, so every reused token hits; a set over twice the cache cannot
        hit, since CLOCK evicts an entry not used again within two passes of its hand (two cache-fulls of
        misses) and the next use of a token comes a whole set later. In between it is not counted (None)."""
        capacity = getattr(target, "cache_tokens", None)
        if capacity is None:
            return None
        if self.size <= capacity:
            return reused
        return 0 if self.size > 2 * capacity else None


def run_wrk_scenario(scenario, targets, origin, ctx, rounds, duration_s, warmup_s, progress):
    """A B A B: every round loads every target in turn, so drift and noise show per round."""
    chosen = [targets[key] for key in scenario.targets]
    # one Rotation per distinct Shape: targets with the same shape share its token files
    by_shape = {}
    rotations = {}
    for target in chosen:
        shape = scenario.shape_for(target.key)
        if shape:
            if id(shape) not in by_shape:
                by_shape[id(shape)] = Rotation(ctx, shape)
            rotations[target.key] = by_shape[id(shape)]
    for target in chosen:
        checks = list(scenario.checks(ctx.tokens, target))
        rotation = rotations.get(target.key)
        if rotation and rotation.file and target.key in TOKEN_TARGETS:
            first = open(rotation.file).readline().strip()
            checks.append(("GET", scenario.path, bearer(first), 200, ORIGIN_BODY))
        progress(f"check {target.label}: {len(checks)} requests")
        target.check(checks)

    def script(target):
        rotation = rotations.get(target.key)
        if not rotation:
            return script_for(scenario.lua, ctx.run_dir)
        return script_for(BENCH_LUA_DIR / scenario.lua, ctx.run_dir, rotation.prelude(target, scenario.threads),
                          name=f"wrk-{scenario.name}-{target.key}.lua")

    if warmup_s:
        for target in chosen:
            progress(f"warm up {target.label} ({warmup_s}s)")
            result = load(target.url(scenario.path), scenario.threads, scenario.connections, warmup_s,
                          script(target), ctx.load_cpu)
            if target.key in rotations:
                rotations[target.key].advance(target, result)
    for target in chosen:
        rotation = rotations.get(target.key)
        # a target whose cache holds the whole set takes one pass through it first: then every request hits
        while getattr(target, "primes_rotation", False) and rotation and rotation.sent.get(target.key, 0) < rotation.size:
            progress(f"prime {target.label}: {rotation.sent.get(target.key, 0):,} of {rotation.size:,} tokens sent")
            rotation.advance(target, load(target.url(scenario.path), scenario.threads, scenario.connections,
                                          max(warmup_s, 2), script(target), ctx.load_cpu))
    samples = []
    for round_no in range(1, rounds + 1):
        for target in chosen:
            pids = {"origin": origin.pid, **target.extra_pids()}
            if target.pid:
                pids["proxy"] = target.pid
            wrk_script = script(target)
            counters = getattr(target, "cache_counters", lambda: None)
            cache_before = counters()
            with Window(pids) as window:
                result = load(target.url(scenario.path), scenario.threads, scenario.connections,
                              duration_s, wrk_script, ctx.load_cpu)
            cache_after = counters()
            sample = describe(scenario, round_no, target, result, window)
            if cache_before and cache_after:
                hits, misses = (after - before for before, after in zip(cache_before, cache_after))
                sample["metrics_hits"] = {"hits": hits, "misses": misses,
                                          "ratio": hits / (hits + misses) if hits + misses else None}
            if target.key in rotations:
                sample["tokens"] = rotations[target.key].advance(target, result)
            samples.append(sample)
            hits = (sample.get("tokens") or {}).get("hits")
            progress(f"round {round_no} {target.label}: {sample['rps']:,.0f} req/s, "
                     f"p99 {sample['p99_ms']:.2f} ms, proxy CPU "
                     + (f"{sample['proxy_us_per_req']:.1f} µs/req" if sample['proxy_us_per_req'] else "—")
                     + (f", {sample['errors']} errors" if sample['errors'] else "")
                     + (f", cache hits {hits / max(result.sent, 1):.1%}" if hits is not None else "")
                     + (f", /metrics hit ratio {sample['metrics_hits']['ratio']:.1%}"
                        if (sample.get("metrics_hits") or {}).get("ratio") is not None else "")
                     + (f", redis CPU {sample['redis_us_per_req']:.1f} µs/req" if "redis_us_per_req" in sample else "")
                     + (f", proxy waited {sample['proxy_wait_pct']:.0f}% of the run for its CPU"
                        if sample['proxy_wait_pct'] is not None else ""))
    return {"scenario": scenario.name, "title": scenario.title, "meaning": scenario.meaning,
            "wrk": f"wrk -t{scenario.threads} -c{scenario.connections} -d{duration_s}s --latency",
            "path": scenario.path, "rounds": rounds, "samples": samples,
            "summary": summarise(samples, [t.key for t in chosen])}


def describe(scenario, round_no, target, result, window):
    requests = max(result.requests, 1)
    proxy_s = window.process_seconds("proxy") if "proxy" in window.pids else None
    origin_s = window.process_seconds("origin")
    extra_s = {name: window.process_seconds(name) for name in target.extra_pids()}
    ours = (proxy_s or 0) + origin_s + result.wrk_cpu_s + sum(extra_s.values())
    capacity = result.wall_s * len(window.cpu_after)
    return {
        "round": round_no, "target": target.key, "label": target.label,
        "requests": result.requests, "rps": result.rps, "errors": result.error_count(),
        "error_detail": result.errors,
        "p50_ms": result.latency_us["p50"] / 1000, "p90_ms": result.latency_us["p90"] / 1000,
        "p99_ms": result.latency_us["p99"] / 1000, "p999_ms": result.latency_us["p999"] / 1000,
        "proxy_cpu_s": proxy_s,
        "proxy_us_per_req": proxy_s / requests * 1e6 if proxy_s is not None else None,
        "proxy_cpu_busy_us_per_req": window.cpu_seconds(target.ctx.proxy_cpu) / requests * 1e6
        if proxy_s is not None and target.ctx.proxy_cpu is not None else None,
        "origin_us_per_req": origin_s / requests * 1e6,
        "wrk_us_per_req": result.wrk_cpu_s / requests * 1e6,
        **{f"{name}_us_per_req": seconds / requests * 1e6 for name, seconds in extra_s.items()},
        "peak_rss_kib": process_status_kib(target.pid, "VmHWM") if target.pid else None,
        "rss_kib": process_status_kib(target.pid, "VmRSS") if target.pid else None,
        "proxy_wait_pct": window.run_queue_wait_seconds("proxy") / result.wall_s * 100 if proxy_s is not None else None,
        "origin_wait_pct": window.run_queue_wait_seconds("origin") / result.wall_s * 100,
        "other_load_pct": max(0.0, window.all_cpu_seconds() - ours) / capacity * 100 if capacity else 0.0,
    }


# Ratios the report shows, first over second, when a scenario has both targets.
PAIRS = [("mx-dpop-memory-hit", "mx-bearer-hit"), ("mx-dpop-redis-hit", "mx-bearer-hit"),
         ("mx-dpop-redis-hit", "mx-dpop-memory-hit"), ("mx-dpop-nokeys-hit", "mx-dpop-memory-hit"),
         ("mx-bearer-miss", "mx-bearer-hit"), ("mx-dpop-memory-miss", "mx-bearer-miss"),
         ("mx-dpop-redis-miss", "mx-bearer-miss"), ("mx-dpop-redis-miss", "mx-dpop-memory-miss"),
         ("mx-dpop-nokeys-miss", "mx-dpop-memory-miss"), ("tollgate-jwt-dpop", "tollgate-jwt"), ("tollgate-jwt", "haproxy-jwt"), ("tollgate-jwt", "nginx-proxy"), ("tollgate-jwt", "tollgate-none"),
         ("tollgate-none", "nginx-proxy"), ("tollgate-none", "nio-floor"), ("tollgate-jwt", "nio-floor"), ("tollgate-jwt-log", "tollgate-jwt"), ("tollgate-jwt-scraped", "tollgate-jwt"),
         ("tollgate-none", "tollgate-none-base"), ("tollgate-jwt", "tollgate-jwt-base"),
         ("tollgate-jwt-allcached", "tollgate-none"), ("tollgate-jwt", "tollgate-jwt-allcached"),
         ("tollgate-jwt-allcached", "tollgate-jwt-allcached-base")]

# With --floor, the scenarios that also measure the naive NIO proxy (benchmarks/floor).
FLOOR_TARGETS = {"a": ["nio-floor"], "b": ["nio-floor"], "allocs": ["nio-floor"]}

# With --baseline-binary, the scenarios that also measure the earlier build, next to the current one.
BASELINE_TARGETS = {"a": ["tollgate-none-base"], "b": ["tollgate-none-base", "tollgate-jwt-base"],
                    "c": ["tollgate-none-base", "tollgate-jwt-base"], "f": ["tollgate-jwt-base"],
                    "c-split": ["tollgate-none-base", "tollgate-jwt-base", "tollgate-jwt-allcached-base"],
                    "h": ["tollgate-jwt-base"], "allocs": ["tollgate-none-base", "tollgate-jwt-base"]}


def summarise(samples, order):
    """Medians per target, cache hit ratios, and the PAIRS ratios per round and of the medians."""
    summary = {"targets": {}, "ratios": []}
    for key in order:
        mine = [s for s in samples if s["target"] == key]
        row = {"label": mine[0]["label"], "samples": len(mine)}
        for field in ("rps", "p50_ms", "p99_ms", "p999_ms", "proxy_us_per_req",
                      "proxy_cpu_busy_us_per_req", "origin_us_per_req", "redis_us_per_req"):
            values = [s[field] for s in mine if s.get(field) is not None]
            row[field] = statistics.median(values) if values else None
        row["peak_rss_kib"] = max((s["peak_rss_kib"] or 0) for s in mine) or None
        row["errors"] = sum(s["errors"] for s in mine)
        tokens = [s.get("tokens") for s in mine if s.get("tokens")]
        if tokens and all(t["hits"] is not None for t in tokens):
            row["hit_ratio"] = sum(t["hits"] for t in tokens) / max(1, sum(t["tokens_sent"] for t in tokens))
        measured = [s["metrics_hits"] for s in mine if s.get("metrics_hits")]
        if measured and sum(m["hits"] + m["misses"] for m in measured):
            row["metrics_hit_ratio"] = (sum(m["hits"] for m in measured)
                                        / sum(m["hits"] + m["misses"] for m in measured))
        summary["targets"][key] = row
    rounds = sorted({s["round"] for s in samples})
    for first, second in PAIRS:
        if first not in order or second not in order:
            continue
        pair = f"{first}/{second}"
        for r in rounds:
            a = next(s for s in samples if s["round"] == r and s["target"] == first)
            b = next(s for s in samples if s["round"] == r and s["target"] == second)
            summary["ratios"].append({"round": r, "pair": pair, **ratio(a, b)})
        summary["ratios"].append({"round": "median", "pair": pair,
                                  **ratio(summary["targets"][first], summary["targets"][second])})
    return summary


def ratio(a, b):
    def div(x, y):
        return x / y if x is not None and y else None
    return {"rps": div(a["rps"], b["rps"]), "proxy_us_per_req": div(a["proxy_us_per_req"], b["proxy_us_per_req"]),
            "p99_ms": div(a["p99_ms"], b["p99_ms"])}
