"""The run's report: results/<stamp>.json (everything) and .md (the tables), plus a PNG if matplotlib is here."""
import json

from . import fixed_rate, h2load, scaling, soak


def fmt(value, spec=",.0f", none="—"):
    return none if value is None else format(value, spec)


def kib_to_mib(kib):
    return None if kib is None else kib / 1024


def markdown(run):
    env = run["environment"]
    lines = [f"# Tollgate benchmark — {run['started']}", "",
             f"Command: `{run['command']}`  ", f"Tollgate: `{env['tollgate_binary']}` (commit {env['git_commit']})  ",
             f"Machine: {env['cpu_model']}, {env['cpus']} CPUs, kernel {env['kernel']}; {env['nginx']}; {env['wrk']}; "
             f"{env.get('haproxy', '')}; {env.get('openssl', '')}  ",
             f"Pinning: {env['pinning']}  ", "Logging: access logs off everywhere.", ""]
    rates = run.get("verify_rates_per_s")
    if rates:
        lines += ["One signature verify on the proxy CPU (`openssl speed`, same run; the reference for one verify's "
                  "cost — Tollgate verifies with swift-crypto, i.e. BoringSSL): "
                  + ", ".join(f"{alg} {rate:,.0f}/s = {1e6 / rate:.1f} µs" for alg, rate in rates.items()) + ".", ""]
    for result in run["scenarios"]:
        if result.get("skipped"):
            lines += [f"## ({result['scenario']}) {result['title']}", "", f"Skipped: {result['skipped']}", ""]
            continue
        if result["scenario"] == "soak":
            lines += soak.markdown(result) if not result.get("error") else ["## (soak)", "", f"Failed: {result['error']}", ""]
            continue
        if result["scenario"] == "upload":
            lines += upload_md(result)
            continue
        if result["scenario"] == "profile":
            lines += profile_md(result)
            continue
        if result["scenario"] == "allocs":
            lines += allocs_md(result)
            continue
        if "h2_samples" in result:
            lines += h2load.markdown(result)
            continue
        if "fixed_samples" in result:
            lines += fixed_rate.markdown(result)
            continue
        if "scaling_samples" in result:
            lines += scaling.markdown(result)
            continue
        lines += [f"## ({result['scenario']}) {result['title']}", "", result["meaning"], "",
                  f"Load: `{result['wrk']}` on `{result['path']}`, {result['rounds']} rounds A B A B.", "",
                  "| round | target | req/s | p50 ms | p99 ms | p99.9 ms | proxy CPU µs/req | proxy-CPU busy µs/req "
                  "| origin CPU µs/req | peak RSS MiB | errors | token cache hits | proxy waited | others' CPU |",
                  "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
        for s in result["samples"]:
            lines.append(f"| {s['round']} | {s['label']} | {fmt(s['rps'])} | {s['p50_ms']:.2f} | {s['p99_ms']:.2f} | "
                         f"{s['p999_ms']:.2f} | {fmt(s['proxy_us_per_req'], '.1f')} | "
                         f"{fmt(s['proxy_cpu_busy_us_per_req'], '.1f')} | {s['origin_us_per_req']:.1f} | "
                         f"{fmt(kib_to_mib(s['peak_rss_kib']), '.1f')} | {s['errors']} | {hits_cell(s.get('tokens'))} | "
                         f"{fmt(s['proxy_wait_pct'], '.0f')}% | {s['other_load_pct']:.0f}% |")
        lines += ["", "Medians:", "", "| target | req/s | p50 ms | p99 ms | p99.9 ms | proxy CPU µs/req | peak RSS MiB "
                  "| token cache hit ratio |", "|---|---|---|---|---|---|---|---|"]
        for row in result["summary"]["targets"].values():
            lines.append(f"| {row['label']} | {fmt(row['rps'])} | {row['p50_ms']:.2f} | {row['p99_ms']:.2f} | "
                         f"{row['p999_ms']:.2f} | {fmt(row['proxy_us_per_req'], '.1f')} | "
                         f"{fmt(kib_to_mib(row['peak_rss_kib']), '.1f')} | {fmt(row.get('hit_ratio'), '.1%')} |")
        if result["summary"]["ratios"]:
            lines += ["", "Ratios (same run; first target over second):", "",
                      "| pair | round | req/s | proxy CPU per request | p99 |", "|---|---|---|---|---|"]
            for r in result["summary"]["ratios"]:
                lines.append(f"| {r['pair']} | {r['round']} | {fmt(r['rps'], '.2f')} | "
                             f"{fmt(r['proxy_us_per_req'], '.2f')} | {fmt(r['p99_ms'], '.2f')} |")
        lines += bars_md(result, rates or {})
        if result["scenario"] == "dpop-matrix":
            lines += matrix_md(result, rates or {})
        if any(s.get("tokens") for s in result["samples"]):
            lines += ["", HITS_NOTE]
        lines += ["", "`proxy waited`: share of the sample the proxy's threads were runnable but waiting for "
                  "their CPU (`/proc/PID/task/*/schedstat`); `others' CPU`: CPU time used by processes outside the "
                  "run, as a share of all CPUs. Both near 0 on a quiet machine; when high, trust CPU µs/request "
                  "over req/s.", ""]
    if run.get("plot"):
        lines += [f"![throughput and p99]({run['plot']})", ""]
    return "\n".join(lines) + "\n"


HITS_NOTE = ("Token cache hits are counted, not sampled: request.lua counts the requests it sends (`sent`) and "
             "the harness knows where each target is in the token set, so it knows for every request when that "
             "target was last sent the same token. With one token (N = 1, within the 10,000-entry cache) every "
             "request after the target's first is a hit; with N tokens rotated in order (100,000 in a full run) a "
             "token comes back only after N − 1 others, over twice the cache's size, and CLOCK evicts an entry not used within "
             "two passes of its hand, so none is. Cells: hits / requests sent in that sample.")


def hits_cell(tokens):
    if not tokens or tokens.get("hits") is None:
        return "—"
    return f"{tokens['hits']:,} / {tokens['tokens_sent']:,} ({tokens['hits'] / max(1, tokens['tokens_sent']):.1%})"


def bars_md(result, rates):
    """Issue 8's bars for the token scenarios, from this run's medians."""
    targets = result["summary"]["targets"]
    jwt, none, haproxy = targets.get("tollgate-jwt"), targets.get("tollgate-none"), targets.get("haproxy-jwt")
    if not jwt or not none or not jwt.get("proxy_us_per_req") or not none.get("proxy_us_per_req"):
        return []
    lines = []
    if result["scenario"] in ("b", "f"):
        over = jwt["proxy_us_per_req"] / none["proxy_us_per_req"] - 1
        lines.append(f"- cache hit: Tollgate's token route costs {jwt['proxy_us_per_req']:.1f} µs/req vs "
                     f"{none['proxy_us_per_req']:.1f} µs/req on auth:none, {over:+.1%} (bar: at most +10%): "
                     + ("met" if over <= 0.10 else "NOT met"))
    alg = {"c": "RS256", "d-es256": "ES256", "d-eddsa": "EdDSA"}.get(result["scenario"])
    if alg and alg in rates:
        verify_us = 1e6 / rates[alg]
        bound = (none["proxy_us_per_req"] + verify_us) * 1.10
        per_miss = jwt["proxy_us_per_req"] - none["proxy_us_per_req"]
        lines.append(f"- cache miss: {jwt['proxy_us_per_req']:.1f} µs/req, i.e. {per_miss:.1f} µs over auth:none "
                     f"per miss; bar: (auth:none {none['proxy_us_per_req']:.1f} + one {alg} verify {verify_us:.1f}) "
                     f"× 1.10 = {bound:.1f} µs: " + ("met" if jwt["proxy_us_per_req"] <= bound else "NOT met"))
    if haproxy and haproxy.get("rps"):
        want = 1.5 if result["scenario"] in ("b", "c") else None
        lines.append(f"- Tollgate / HAProxy jwt_verify: {jwt['rps'] / haproxy['rps']:.2f}× req/s, "
                     f"{jwt['proxy_us_per_req'] / haproxy['proxy_us_per_req']:.2f}× CPU per request"
                     + (f" (bar ≥ {want}× req/s: " + ("met" if jwt["rps"] / haproxy["rps"] >= want else "NOT met") + ")"
                        if want and result["scenario"] == "b" else
                        " (goal ≥ 1.5× req/s: " + ("met" if jwt["rps"] / haproxy["rps"] >= 1.5 else "not met") + ")"
                        if want else ""))
    return ["", "Bars (issue 8; (b)'s also applied to (f)), medians of this run:", ""] + lines if lines else []


# The DPoP matrix's rows and the bearer row each is compared with (same cache case).
MATRIX_BASE = {"mx-bearer-hit": "mx-bearer-hit", "mx-dpop-memory-hit": "mx-bearer-hit",
               "mx-dpop-nokeys-hit": "mx-bearer-hit", "mx-dpop-redis-hit": "mx-bearer-hit",
               "mx-bearer-miss": "mx-bearer-miss", "mx-dpop-memory-miss": "mx-bearer-miss",
               "mx-dpop-nokeys-miss": "mx-bearer-miss", "mx-dpop-redis-miss": "mx-bearer-miss"}
# The proof-key cache's saving: the row with it off over the same row with it on (same cache case).
PROOF_KEY_PAIRS = [("cache hit", "mx-dpop-nokeys-hit", "mx-dpop-memory-hit"),
                   ("cache miss", "mx-dpop-nokeys-miss", "mx-dpop-memory-miss")]


def matrix_md(result, rates):
    """The DPoP cost matrix: each row's CPU per request minus bearer's (same cache case), and that extra
    counted in ES256 verifies measured on the proxy CPU in the same run."""
    targets = result["summary"]["targets"]
    verify_us = 1e6 / rates["ES256"] if rates.get("ES256") else None
    lines = ["", "DPoP cost matrix (medians of this run; proxy CPU per request minus the bearer row's with the same "
             "cache case; Redis CPU is the replay store's redis-server, on the load CPU, not in the proxy's figure):",
             ""]
    if verify_us:
        lines += [f"One ES256 verify on the proxy CPU, same run (`openssl speed ecdsap256`): {verify_us:.1f} µs "
                  f"({rates['ES256']:,.0f}/s). Tollgate verifies with swift-crypto (BoringSSL), whose P-256 verify is "
                  "faster than OpenSSL 3's, so the last column is an upper bound of the verifies' share.", ""]
    lines += ["| row | req/s | p99 ms | proxy CPU µs/req | − bearer µs/req | extra / one ES256 verify | Redis CPU µs/req "
              "| hit ratio (counted) | hit ratio (/metrics) |", "|---|---|---|---|---|---|---|---|---|"]
    for key, base in MATRIX_BASE.items():
        row, ref = targets.get(key), targets.get(base)
        if not row:
            continue
        extra = (row["proxy_us_per_req"] - ref["proxy_us_per_req"]
                 if ref and row.get("proxy_us_per_req") is not None and ref.get("proxy_us_per_req") is not None
                 else None)
        share = "—" if key == base or extra is None or not verify_us else f"{extra / verify_us:.2f}×"
        lines.append(f"| {row['label']} | {fmt(row['rps'])} | {row['p99_ms']:.2f} | {fmt(row['proxy_us_per_req'], '.1f')} | "
                     f"{'—' if key == base else fmt(extra, '+.1f')} | {share} | {fmt(row.get('redis_us_per_req'), '.1f')} | "
                     f"{fmt(row.get('hit_ratio'), '.1%')} | {fmt(row.get('metrics_hit_ratio'), '.1%')} |")
    lines += proof_key_md(result)
    return lines + ["", "Hit ratio (counted): as below, from the requests sent and the rotation (1,000-entry caches, "
                    f"2,500 tokens). Hit ratio (/metrics): `tollgate_token_cache_hits_total` and `_misses_total` read "
                    "before and after each sample. The two should agree on every row (before 0f6dd99 the Redis miss "
                    "row's /metrics said 100%: the decision made again after Redis answered was counted as a hit)."]


def proof_key_md(result):
    """What the proof-key cache (`cache.dpop_keys`) saves: proxy CPU per request with it off minus with it on,
    DPoP memory store, per round (A B A B: the two rows ran one after the other) and of the medians."""
    targets = result["summary"]["targets"]
    pairs = [(case, off, on) for case, off, on in PROOF_KEY_PAIRS if off in targets and on in targets]
    if not pairs:
        return []
    rounds = sorted({s["round"] for s in result["samples"]})
    lines = ["", "What the proof-key cache saves (DPoP, memory store: `cache.dpop_keys: 0` minus the default 4096; "
             "proxy CPU µs/request, same run):", "",
             "| tokens | " + " | ".join(f"round {r}" for r in rounds) + " | medians | off / on |",
             "|---|" + "---|" * (len(rounds) + 2)]
    for case, off, on in pairs:
        cells = []
        for r in rounds:
            a = next((s for s in result["samples"] if s["round"] == r and s["target"] == off), None)
            b = next((s for s in result["samples"] if s["round"] == r and s["target"] == on), None)
            cells.append(fmt(a["proxy_us_per_req"] - b["proxy_us_per_req"], "+.1f")
                         if a and b and a.get("proxy_us_per_req") is not None and b.get("proxy_us_per_req") is not None
                         else "—")
        off_us, on_us = targets[off].get("proxy_us_per_req"), targets[on].get("proxy_us_per_req")
        median = fmt(off_us - on_us, "+.1f") if off_us is not None and on_us is not None else "—"
        ratio = fmt(off_us / on_us, ".2f") + "×" if off_us is not None and on_us else "—"
        lines.append(f"| {case} | " + " | ".join(cells) + f" | {median} | {ratio} |")
    return lines


def upload_md(u):
    if not u.get("size_bytes"):
        return ["## Upload", "", f"Failed: {u.get('error')}", ""]
    return ["## Upload through Tollgate", "",
            f"{u['size_bytes'] / (1 << 30):.2f} GiB, `Content-Length`, streamed from a generator (Python client, 1 MiB "
            f"writes) to a sink upstream that counts the bytes.", "",
            "| status | sink received | seconds | GiB/s | RSS before MiB | peak RSS sampled MiB | VmHWM MiB | Tollgate CPU s/GiB |",
            "|---|---|---|---|---|---|---|---|",
            f"| {u['status']} | {u['sink_received']:,} | {u['seconds']:.1f} | {u['gib_per_s']:.2f} | "
            f"{u['rss_before_kib'] / 1024:.1f} | {u['rss_peak_sampled_kib'] / 1024:.1f} | {u['vm_hwm_kib'] / 1024:.1f} | "
            f"{u['tollgate_cpu_s_per_gib']:.2f} |", ""]


def profile_md(p):
    lines = ["## Profile of Tollgate under (a)", "", f"Tool: `{p['tool']}`, {p.get('samples') or '?'} samples, "
             f"{fmt(p['rps_while_profiling'])} req/s while profiling.", "",
             "Self time by area:", "", "| area | share |", "|---|---|"]
    lines += [f"| {name} | {pct:.1f}% |" for name, pct in p["areas"]]
    lines += ["", "Top symbols (self time):", "", "| self | object | symbol | area |", "|---|---|---|---|"]
    for row in p["top_symbols"][:25]:
        symbol = row["symbol"].replace("|", "\\|")
        if len(symbol) > 110:
            symbol = symbol[:107] + "..."
        lines.append(f"| {row['percent']:.2f}% | {row['dso']} | `{symbol}` | {row.get('area', '')} |")
    return lines + [""]


def allocs_md(result):
    lines = [f"## ({result['scenario']}) {result['title']}", ""]
    if result.get("error"):
        return lines + [f"Failed: {result['error']}", ""]
    lines += [result["meaning"], "", "| round | target | requests | mallocs | mallocs per request |", "|---|---|---|---|---|"]
    lines += [f"| {row['round']} | {row['label']} | {row['requests']:,} | {row['mallocs']:,} | "
              f"{row['mallocs_per_request']:.1f} |" for row in result["allocs"]]
    for key, rows in result["sites"].items():
        lines += ["", f"Who asks, `{key}` (first frame that is not an allocator or collection primitive):", "",
                  "| per request | frame |", "|---|---|"]
        lines += ["| {:.2f} | `{}` |".format(row["per_request"], row["site"].replace("|", "\\|")) for row in rows]
    return lines + [""]


def plot(run, path):
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return None
    wrk_results = [r for r in run["scenarios"] if r.get("summary")]
    if not wrk_results:
        return None
    fig, axes = plt.subplots(len(wrk_results), 2, figsize=(10, 3.5 * len(wrk_results)), squeeze=False)
    for row, result in zip(axes, wrk_results):
        targets = list(result["summary"]["targets"].values())
        labels = [t["label"] for t in targets]
        row[0].bar(labels, [t["rps"] for t in targets])
        row[0].set_title(f"({result['scenario']}) requests/s")
        row[1].bar(labels, [t["p99_ms"] for t in targets], color="tab:orange")
        row[1].set_title(f"({result['scenario']}) p99 ms")
    fig.tight_layout()
    fig.savefig(path)
    return path.name


def write(run, out_dir, stamp):
    out_dir.mkdir(parents=True, exist_ok=True)
    run["plot"] = plot(run, out_dir / f"{stamp}.png")
    (out_dir / f"{stamp}.json").write_text(json.dumps(run, indent=2, default=str) + "\n")
    md = out_dir / f"{stamp}.md"
    md.write_text(markdown(run))
    return md
