-- Appended to every scenario's wrk script: prints one machine-readable line
-- the harness parses (latencies in microseconds; `sent` when the scenario's
-- script counts the requests it made, see request.lua).
done = function(summary, latency, requests)
  local e = summary.errors
  local sent = -1
  if harness_threads then
    sent = 0
    for _, thread in ipairs(harness_threads) do sent = sent + thread:get("sent") end
  end
  io.write(string.format(
    "HARNESS requests=%d duration_us=%d bytes=%d p50=%d p90=%d p99=%d p999=%d max=%d " ..
    "err_connect=%d err_read=%d err_write=%d err_status=%d err_timeout=%d sent=%d\n",
    summary.requests, summary.duration, summary.bytes,
    latency:percentile(50), latency:percentile(90), latency:percentile(99),
    latency:percentile(99.9), latency.max,
    e.connect, e.read, e.write, e.status, e.timeout, sent))
end
