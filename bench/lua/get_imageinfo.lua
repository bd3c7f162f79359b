-- GET ImageInfo of a stored picture (the bench stores a 20 KB PNG for Person 1 first).
dofile((debug.getinfo(1, "S").source:match("^@(.*)/[^/]*$") or ".") .. "/report.lua")
wrk.method = "GET"
wrk.path = "/api/v1/Person/1/ImageInfo"
wrk.headers["Authorization"] = AUTH
