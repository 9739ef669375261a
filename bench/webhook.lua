-- wrk script for bench/ingest.py: POST pre-signed webhook notifications, each at most once.
--
--   wrk -t1 -c64 -d8s -s bench/webhook.lua http://127.0.0.1:PORT/webhook -- POOL WRAP THREADS
--
-- POOL is a file with one request a line: "<X-Hub-Signature-256>\t<body>". Thread k of THREADS
-- sends lines k, k+THREADS, ... in order. WRAP=1 starts over at the end (the baseline, which
-- stores nothing); WRAP=0 stops the thread instead, so no message id is ever posted twice
-- (the count bound), and says so in the summary. BENCH_DELAY_MS in the environment paces each
-- connection (wrk's delay()): it is read when the script loads, as wrk decides then whether to call it.
--
-- done() prints one line starting "BENCH " with JSON: ingest.py refuses a run without it,
-- because wrk silently sends GETs when it cannot open its script.

local counter = 0
local threads = {}

function setup(thread)
   thread:set("id", counter)
   counter = counter + 1
   table.insert(threads, thread)
end

local pacing = tonumber(os.getenv("BENCH_DELAY_MS") or "0") or 0
if pacing > 0 then
   function delay()
      return pacing
   end
end

local pool = {}
local index = 0
local wrap = false

function init(args)
   local path = args[1]
   wrap = args[2] == "1"
   local stride = tonumber(args[3]) or 1
   local file = assert(io.open(path, "r"))
   local line_number = 0
   for line in file:lines() do
      if line_number % stride == id then
         local signature, body = line:match("^(%S+)\t(.*)$")
         pool[#pool + 1] = wrk.format("POST", nil, {
            ["Content-Type"] = "application/json",
            ["X-Hub-Signature-256"] = signature,
         }, body)
      end
      line_number = line_number + 1
   end
   file:close()
   loaded = #pool
   exhausted = 0
end

function request()
   index = index + 1
   if index > #pool then
      if wrap and #pool > 0 then
         index = 1
      else
         exhausted = 1
         wrk.thread:stop()
         return wrk.format("GET", "/bench-pool-exhausted")
      end
   end
   return pool[index]
end

function done(summary, latency, requests)
   local loaded_total, exhausted_threads = 0, 0
   for _, thread in ipairs(threads) do
      loaded_total = loaded_total + (thread:get("loaded") or 0)
      exhausted_threads = exhausted_threads + (thread:get("exhausted") or 0)
   end
   local e = summary.errors
   io.write(string.format(
      'BENCH {"requests":%d,"duration_us":%d,"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d,'
         .. '"p50_us":%d,"p90_us":%d,"p99_us":%d,"max_us":%d,"mean_us":%.1f,"loaded":%d,"exhausted":%d}\n',
      summary.requests, summary.duration, e.connect, e.read, e.write, e.status, e.timeout,
      latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max, latency.mean,
      loaded_total, exhausted_threads))
end
