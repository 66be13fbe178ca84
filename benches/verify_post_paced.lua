-- Like verify_post.lua, but each connection waits DELAY_MS between its requests, so the
-- offered rate is about connections * 1000 / (DELAY_MS + latency): the "p99 at 80 % of the
-- rate" run of docs/BENCHMARKS.md.
local f = io.open(os.getenv("BODY_FILE"), "r")
wrk.method = "POST"
wrk.body = f:read("*a")
f:close()
wrk.headers["Content-Type"] = "application/json"
local pause = tonumber(os.getenv("DELAY_MS") or "10")
local non200 = 0
delay = function()
  return pause
end
response = function(status, headers, body)
  if status ~= 200 then non200 = non200 + 1 end
end
done = function(summary, latency, requests)
  io.write(string.format("p50_ms=%.2f p99_ms=%.2f non200=%d\n", latency:percentile(50)/1000, latency:percentile(99)/1000, non200))
end
