-- Shapes the requests of the token, CORS and POST scenarios from the HARNESS_*
-- values the harness prepends: method, extra headers, a body of N bytes, and
-- either one bearer token (sent on every request) or a file of tokens rotated
-- in order from HARNESS_TOKEN_START (so a target sees one cycle through the
-- whole set across all its runs). Each thread counts the requests it sent;
-- report.lua's done() adds them up (`sent=`), and the harness moves the
-- rotation's start on by that much.
local threads = {}

function setup(thread)
  thread:set("id", #threads)
  table.insert(threads, thread)
end

harness_threads = threads

function init(args)
  sent = 0
  headers = {}
  for name, value in pairs(HARNESS_HEADERS) do headers[name] = value end
  body = nil
  if HARNESS_BODY_BYTES > 0 then
    body = string.rep("x", HARNESS_BODY_BYTES)
    headers["Content-Type"] = "application/octet-stream"
  end
  -- DPoP runs: the token goes with the DPoP scheme, and every request takes the
  -- next of a file of proofs (each is accepted once).
  local scheme = HARNESS_SCHEME or "Bearer"
  seq = HARNESS_TOKEN_START + id
  step = HARNESS_THREADS
  if HARNESS_PROOF_FILE then
    proofs = {}
    for line in io.lines(HARNESS_PROOF_FILE) do proofs[#proofs + 1] = line end
  end
  if HARNESS_TOKEN_FILE then
    tokens = {}
    for line in io.lines(HARNESS_TOKEN_FILE) do tokens[#tokens + 1] = scheme .. " " .. line end
  elseif HARNESS_TOKEN then
    headers["Authorization"] = scheme .. " " .. HARNESS_TOKEN
  end
  if not tokens and not proofs then
    fixed = wrk.format(HARNESS_METHOD, nil, headers, body)
  end
end

function request()
  sent = sent + 1
  if fixed then return fixed end
  if tokens then headers["Authorization"] = tokens[seq % #tokens + 1] end
  if proofs then headers["DPoP"] = proofs[seq % #proofs + 1] end
  seq = seq + step
  return wrk.format(HARNESS_METHOD, nil, headers, body)
end
