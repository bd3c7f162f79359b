-- GET Image: the stored 20 KB PNG of Person 1, as it was uploaded.
dofile((debug.getinfo(1, "S").source:match("^@(.*)/[^/]*$") or ".") .. "/report.lua")
wrk.method = "GET"
wrk.path = "/api/v1/Person/1/Image"
wrk.headers["Authorization"] = AUTH
