-- POSTs the JSON body in BODY_FILE to the target. With DELAY_MS set, each connection waits
-- that long between its requests, so the offered rate is about
-- connections * 1000 / (DELAY_MS + latency): the paced run of docs/BENCHMARKS.md.
local f = io.open(os.getenv("BODY_FILE"), "r")
wrk.method = "POST"
wrk.body = f:read("*a")
f:close()
wrk.headers["Content-Type"] = "application/json"
local pause = tonumber(os.getenv("DELAY_MS") or "")
if pause then
  delay = function() return pause end
end
local non200 = 0
response = function(status, headers, body)
  if status ~= 200 then non200 = non200 + 1 end
end
done = function(summary, latency, requests)
  io.write(string.format("p50_ms=%.2f p99_ms=%.2f non200=%d\n", latency:percentile(50)/1000, latency:percentile(99)/1000, non200))
end
