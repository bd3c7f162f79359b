-- Shared by every bench script (loaded with dofile): the credentials, the file reader, an
-- optional request budget and done(), which prints the run's figures as one JSON line that
-- bench/load.py reads.
--
-- BENCH_STOP_AFTER (per wrk thread): stop the thread after that many responses. The bench uses it
-- for the memory runs ("RSS after 100,000 requests"); -d still bounds the run.

AUTH = "Basic dGplMDpUamUw" -- tje0:Tje0; mockso's default auth (lenient) accepts any Basic pair

function read_file(path)
   local f = assert(io.open(assert(path, "file path not set"), "rb"))
   local data = f:read("*a")
   f:close()
   return data
end

local stop_after = tonumber(os.getenv("BENCH_STOP_AFTER") or "")
if stop_after then
   local seen = 0
   function response(status, headers, body)
      seen = seen + 1
      if seen >= stop_after then
         wrk.thread:stop()
      end
   end
end

function done(summary, latency, requests)
   local e = summary.errors
   io.write(string.format(
      'BENCH_JSON {"requests":%d,"duration_us":%d,"bytes":%d,"rps":%.3f,' ..
      '"p50_us":%d,"p90_us":%d,"p99_us":%d,"mean_us":%.1f,"max_us":%d,' ..
      '"connect_errors":%d,"read_errors":%d,"write_errors":%d,"status_errors":%d,"timeouts":%d}\n',
      summary.requests, summary.duration, summary.bytes,
      summary.requests / math.max(summary.duration, 1) * 1e6,
      latency:percentile(50), latency:percentile(90), latency:percentile(99),
      latency.mean, latency.max,
      e.connect, e.read, e.write, e.status, e.timeout))
end
