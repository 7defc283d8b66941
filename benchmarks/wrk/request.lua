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
  if HARNESS_TOKEN_FILE then
    tokens = {}
    for line in io.lines(HARNESS_TOKEN_FILE) do tokens[#tokens + 1] = "Bearer " .. line end
    seq = HARNESS_TOKEN_START + id
    step = HARNESS_THREADS
  else
    if HARNESS_TOKEN then headers["Authorization"] = "Bearer " .. HARNESS_TOKEN end
    fixed = wrk.format(HARNESS_METHOD, nil, headers, body)
  end
end

function request()
  sent = sent + 1
  if fixed then return fixed end
  headers["Authorization"] = tokens[seq % #tokens + 1]
  seq = seq + step
  return wrk.format(HARNESS_METHOD, nil, headers, body)
end
