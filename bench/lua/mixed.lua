-- A CI-like sequence, cycled over BENCH_MIX_IDS persons per wrk thread (each thread has its own
-- ids): save a 20 KB PNG -> GET ImageInfo -> GET Image -> PUT ImageInfo (JSON) -> DELETE.
-- A thread's connections run concurrently, so a GET Image may land after its DELETE: it asks
-- with ifBlank=ClearPixel, which answers a placeholder then instead of a 404. Every step is
-- therefore a 2xx whatever the interleaving, and any non-2xx is a real failure.
dofile((debug.getinfo(1, "S").source:match("^@(.*)/[^/]*$") or ".") .. "/report.lua")

local threads = 0
function setup(thread)
   thread:set("thread_index", threads)
   threads = threads + 1
end

local requests, n
function init(args)
   local ids = tonumber(os.getenv("BENCH_MIX_IDS") or "4")
   local png = read_file(os.getenv("BENCH_PNG20K"))
   local info = '{"Description": "bench", "ExtraInfo": "mixed"}'
   requests = {}
   for i = 1, ids do
      local base = "/api/v1/Person/" .. (1000 + (thread_index or 0) * 100 + i)
      local steps = {
         { "PUT", base .. "/Image", "image/png", png },
         { "GET", base .. "/ImageInfo" },
         { "GET", base .. "/Image?ifBlank=ClearPixel" },
         { "PUT", base .. "/ImageInfo", "application/json", info },
         { "DELETE", base .. "/Image" },
      }
      for _, s in ipairs(steps) do
         local headers = { ["Authorization"] = AUTH }
         if s[3] then headers["Content-Type"] = s[3] end
         requests[#requests + 1] = wrk.format(s[1], s[2], headers, s[4])
      end
   end
   n = 0
end

function request()
   n = n + 1
   return requests[(n - 1) % #requests + 1]
end
