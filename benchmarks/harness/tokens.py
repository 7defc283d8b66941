"""Keys, JWKS and tokens for the token scenarios, made fresh in the run's work dir.

Keys come from openssl (RSA 2048, EC P-256, Ed25519); the tokens and the public
JWKS the gateway's `jwks_file` reads come from the product itself:
`tollgate token --key K --kid KID ... --count N --out FILE --jwks-out FILE`.
Besides the good tokens, each check needs a token with a bad signature (signed by
another RSA key under the same `kid`) and one without the route's scope.
"""
import json
import re
import subprocess
import time

from .procs import pinned

ISSUER = "https://issuer.bench.tollgate.test"
AUDIENCE = "bench-api"
SCOPE = "apps:read apps:write"
ROUTE_SCOPE = "apps:read"
CORS_ORIGIN = "https://app.bench.tollgate.test"
TTL = "24h"

# algorithm -> (openssl genpkey arguments, kid); the kid is also the file stem.
KEYS = {
    "RS256": (["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"], "rs256"),
    "ES256": (["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"], "es256"),
    "EdDSA": (["-algorithm", "ED25519"], "eddsa"),
}


def openssl(*args, timeout=120):
    done = subprocess.run(["openssl", *args], capture_output=True, text=True, timeout=timeout)
    if done.returncode != 0:
        raise RuntimeError(f"openssl {' '.join(args)} failed: {done.stderr.strip()[-500:]}")
    return done.stdout


class TokenKit:
    """The run's keys, JWKS file and minted tokens. `rotating(alg)` files are minted on first use."""

    def __init__(self, ctx, progress):
        self.ctx = ctx
        self.progress = progress
        self.dir = ctx.run_dir / "tokens"
        self.dir.mkdir(exist_ok=True)
        self.jwks_file = self.dir / "jwks.json"
        self.good, self.bad_signature, self.missing_scope = {}, {}, {}
        self._rotating = {}
        self.public_key = {}
        keys = []
        for alg, (genpkey, kid) in KEYS.items():
            private = self.dir / f"{kid}.pem"
            openssl("genpkey", *genpkey, "-out", str(private))
            openssl("pkey", "-in", str(private), "-pubout", "-out", str(self.dir / f"{kid}.pub.pem"))
            self.public_key[alg] = self.dir / f"{kid}.pub.pem"
            jwks = self.dir / f"{kid}.jwks.json"
            self.good[alg] = self.mint(private, kid, "good", jwks_out=jwks)
            self.missing_scope[alg] = self.mint(private, kid, "no-scope", scope="apps:write")
            keys += json.loads(jwks.read_text())["keys"]
        impostor = self.dir / "impostor.pem"
        openssl("genpkey", *KEYS["RS256"][0], "-out", str(impostor))
        self.bad_signature["RS256"] = self.mint(impostor, KEYS["RS256"][1], "good")
        self.jwks_file.write_text(json.dumps({"keys": keys}, indent=1) + "\n")
        progress(f"tokens: keys RS256/ES256/EdDSA, JWKS {self.jwks_file} ({len(keys)} keys)")

    def mint(self, key, kid, sub, scope=SCOPE, count=1, out=None, jwks_out=None):
        argv = [str(self.ctx.tollgate_binary), "token", "--key", str(key), "--kid", kid, "--iss", ISSUER,
                "--aud", AUDIENCE, "--sub", sub, "--scope", scope, "--ttl", TTL]
        if count != 1:
            argv += ["--count", str(count)]
        if out:
            argv += ["--out", str(out)]
        if jwks_out:
            argv += ["--jwks-out", str(jwks_out)]
        # Minting is not measured: it may use every CPU (no pinning).
        done = subprocess.run(argv, capture_output=True, text=True, timeout=1800)
        if done.returncode != 0:
            raise RuntimeError(f"tollgate token failed: {done.stderr.strip()[-500:]}")
        return done.stdout.strip()

    def dpop(self, url, count):
        """A DPoP-bound RS256 token (cnf.jkt of a fresh P-256 client key) and a file of `count` proofs
        for GET `url`, one per line, each with its own jti (a proof is accepted once)."""
        client = self.dir / "dpop-client.pem"
        if not client.exists():
            openssl("genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", str(client))
        kid = KEYS["RS256"][1]
        argv = [str(self.ctx.tollgate_binary), "token", "--key", str(self.dir / f"{kid}.pem"), "--kid", kid,
                "--iss", ISSUER, "--aud", AUDIENCE, "--sub", "dpop-user", "--scope", SCOPE, "--ttl", TTL,
                "--dpop-key", str(client)]
        done = subprocess.run(argv, capture_output=True, text=True, timeout=60)
        if done.returncode != 0:
            raise RuntimeError(f"tollgate token --dpop-key failed: {done.stderr.strip()[-500:]}")
        token = done.stdout.strip()
        proofs = self.dir / f"dpop-proofs-{count}.txt"
        started = time.monotonic()
        self.progress(f"tokens: signing {count:,} DPoP proofs (tollgate dpop-proof --count {count})")
        done = subprocess.run([str(self.ctx.tollgate_binary), "dpop-proof", "--key", str(client), "--method", "GET",
                               "--url", url, "--token", token, "--count", str(count), "--out", str(proofs)],
                              capture_output=True, text=True, timeout=1800)
        if done.returncode != 0:
            raise RuntimeError(f"tollgate dpop-proof failed: {done.stderr.strip()[-500:]}")
        self.progress(f"tokens: {count:,} proofs in {time.monotonic() - started:.0f}s")
        return token, proofs

    def rotating(self, alg, count):
        """A file of `count` distinct tokens of `alg`, one per line (minted once per run)."""
        if (alg, count) not in self._rotating:
            kid = KEYS[alg][1]
            path = self.dir / f"{kid}-{count}.txt"
            started = time.monotonic()
            self.progress(f"tokens: minting {count:,} {alg} tokens (tollgate token --count {count})")
            self.mint(self.dir / f"{kid}.pem", kid, "user", count=count, out=path)
            lines = sum(1 for _ in open(path))
            if lines != count:
                raise RuntimeError(f"{path}: {lines} tokens, expected {count}")
            self.progress(f"tokens: {count:,} {alg} tokens in {time.monotonic() - started:.0f}s")
            self._rotating[(alg, count)] = path
        return self._rotating[(alg, count)]


def verify_rates(cpu, seconds=3):
    """One-core signature verifications per second from `openssl speed` on `cpu`, as
    a reference for one verify's cost (Tollgate uses swift-crypto, i.e. BoringSSL)."""
    rates = {}
    for alg, name, pattern in (("RS256", "rsa2048", r"^rsa\s+2048 bits\s+\S+\s+\S+\s+\S+\s+(\S+)"),
                               ("ES256", "ecdsap256", r"^\s*256 bits ecdsa \(nistp256\)\s+\S+\s+\S+\s+\S+\s+(\S+)"),
                               ("EdDSA", "ed25519", r"^\s*253 bits EdDSA \(Ed25519\)\s+\S+\s+\S+\s+\S+\s+(\S+)")):
        try:
            out = subprocess.run(pinned(cpu, ["openssl", "speed", "-seconds", str(seconds), name]),
                                 capture_output=True, text=True, timeout=seconds * 4 + 30).stdout
        except (OSError, subprocess.TimeoutExpired):
            continue
        match = re.search(pattern, out, re.M)
        if match:
            rates[alg] = float(match.group(1))
    return rates

