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

    def mint(self, key, kid, sub, scope=SCOPE, count=1, out=None, jwks_out=None, ttl=TTL, extra=()):
        argv = [str(self.ctx.tollgate_binary), "token", "--key", str(key), "--kid", kid, "--iss", ISSUER,
                "--aud", AUDIENCE, "--sub", sub, "--scope", scope, "--ttl", ttl, *extra]
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

    def dpop_client_key(self):
        """The P-256 key of the run's DPoP client (the one every bound token's cnf.jkt names)."""
        client = self.dir / "dpop-client.pem"
        if not client.exists():
            openssl("genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", str(client))
        return client

    def mint_bound(self, sub, count=1, out=None):
        """`count` RS256 tokens bound to the DPoP client's key (`tollgate token --dpop-key`): the token on
        stdout, or `count` of them written to `out`."""
        kid = KEYS["RS256"][1]
        return self.mint(self.dir / f"{kid}.pem", kid, sub, count=count, out=out,
                         extra=["--dpop-key", str(self.dpop_client_key())])

    def sign_proofs(self, url, count, out, token=None, token_file=None):
        """`count` proofs for GET `url` with `token` (its ath), each with its own jti, into `out`; or, with
        `token_file` (one token per line), `count` passes through it: proof line k goes with token line k mod
        the file's tokens (`tollgate dpop-proof --token-file`)."""
        argv = [str(self.ctx.tollgate_binary), "dpop-proof", "--key", str(self.dpop_client_key()),
                "--method", "GET", "--url", url, "--count", str(count), "--out", str(out)]
        argv += ["--token-file", str(token_file)] if token_file else ["--token", token]
        done = subprocess.run(argv, capture_output=True, text=True, timeout=1800)
        if done.returncode != 0:
            raise RuntimeError(f"tollgate dpop-proof failed: {done.stderr.strip()[-500:]}")

    def dpop(self, url, count):
        """A DPoP-bound RS256 token (cnf.jkt of a fresh P-256 client key) and a file of `count` proofs
        for GET `url`, one per line, each with its own jti (a proof is accepted once). Made once per run."""
        if ("dpop", url, count) in self._rotating:
            return self._rotating[("dpop", url, count)]
        token = self.mint_bound("dpop-user")
        proofs = self.dir / f"dpop-proofs-{count}.txt"
        started = time.monotonic()
        self.progress(f"tokens: signing {count:,} DPoP proofs (tollgate dpop-proof --count {count})")
        self.sign_proofs(url, count, proofs, token=token)
        self.progress(f"tokens: {count:,} proofs in {time.monotonic() - started:.0f}s")
        self._rotating[("dpop", url, count)] = (token, proofs)
        return token, proofs

    def dpop_check(self, url):
        """A bound token and one proof for GET `url`, for the checks before a load (not in any load file)."""
        if ("dpop-check", url) not in self._rotating:
            token = self.mint_bound("dpop-check")
            out = self.dir / "dpop-check-proof.txt"
            self.sign_proofs(url, 1, out, token=token)
            self._rotating[("dpop-check", url)] = (token, out.read_text().strip())
        return self._rotating[("dpop-check", url)]

    def dpop_rotating(self, url, tokens, per_token):
        """`tokens` distinct DPoP-bound RS256 tokens (one file, one per line) and `tokens × per_token`
        proofs (another file) laid out so that proof line i goes with token line i mod `tokens`: request.lua
        sends token `seq mod tokens` with proof `seq mod proofs`, every proof once. One run of
        `tollgate dpop-proof --token-file FILE --count per_token` signs them all (not measured)."""
        if ("dpop-rotate", url, tokens, per_token) in self._rotating:
            return self._rotating[("dpop-rotate", url, tokens, per_token)]
        started = time.monotonic()
        self.progress(f"tokens: minting {tokens:,} DPoP-bound RS256 tokens and signing {per_token} proofs for each "
                      f"(tollgate dpop-proof --token-file, --count {per_token})")
        token_file = self.dir / f"dpop-bound-{tokens}.txt"
        self.mint_bound("dpop-user", count=tokens, out=token_file)
        lines = sum(1 for _ in open(token_file))
        if lines != tokens:
            raise RuntimeError(f"{token_file}: {lines} tokens, expected {tokens}")
        proof_file = self.dir / f"dpop-proofs-{tokens}x{per_token}.txt"
        self.sign_proofs(url, per_token, proof_file, token_file=token_file)
        lines = sum(1 for _ in open(proof_file))
        if lines != tokens * per_token:
            raise RuntimeError(f"{proof_file}: {lines} proofs, expected {tokens * per_token}")
        self.progress(f"tokens: {tokens:,} bound tokens and {tokens * per_token:,} proofs in "
                      f"{time.monotonic() - started:.0f}s")
        self._rotating[("dpop-rotate", url, tokens, per_token)] = (token_file, proof_file)
        return token_file, proof_file

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

