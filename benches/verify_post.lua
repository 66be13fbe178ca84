-- POSTs the JSON body in BODY_FILE to the target.
local f = io.open(os.getenv("BODY_FILE"), "r")
wrk.method = "POST"
wrk.body = f:read("*a")
f:close()
wrk.headers["Content-Type"] = "application/json"
local non200 = 0
response = function(status, headers, body)
  if status ~= 200 then non200 = non200 + 1 end
end
done = function(summary, latency, requests)
  io.write(string.format("p50_ms=%.2f p99_ms=%.2f non200=%d\n", latency:percentile(50)/1000, latency:percentile(99)/1000, non200))
end
