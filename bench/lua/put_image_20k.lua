-- PUT Image: a 20 KB PNG of random pixels (BENCH_PNG20K), replacing Person 2's picture.
dofile((debug.getinfo(1, "S").source:match("^@(.*)/[^/]*$") or ".") .. "/report.lua")
wrk.method = "PUT"
wrk.path = "/api/v1/Person/2/Image"
wrk.headers["Authorization"] = AUTH
wrk.headers["Content-Type"] = "image/png"
wrk.body = read_file(os.getenv("BENCH_PNG20K"))
