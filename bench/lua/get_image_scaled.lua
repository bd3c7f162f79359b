-- GET Image scaled to 64x64 (the bench asks once first, so measured calls hit the scale cache).
dofile((debug.getinfo(1, "S").source:match("^@(.*)/[^/]*$") or ".") .. "/report.lua")
wrk.method = "GET"
wrk.path = "/api/v1/Person/1/Image?w=64&h=64"
wrk.headers["Authorization"] = AUTH
