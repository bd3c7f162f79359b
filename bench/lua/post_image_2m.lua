-- POST Image: a 2 MB JPEG of random pixels (BENCH_JPEG2M), replacing Person 3's picture.
dofile((debug.getinfo(1, "S").source:match("^@(.*)/[^/]*$") or ".") .. "/report.lua")
wrk.method = "POST"
wrk.path = "/api/v1/Person/3/Image"
wrk.headers["Authorization"] = AUTH
wrk.headers["Content-Type"] = "image/jpeg"
wrk.body = read_file(os.getenv("BENCH_JPEG2M"))
