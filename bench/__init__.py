"""``make bench``: mockso measured side by side with WireMock, Prism, a granian ceiling and nginx.

One invocation installs what it needs (wrk, nginx and Java with apt; Prism 5 and WireMock 3 with
npm into bench/work/node; granian and py-spy into the venv), makes incompressible pictures with
Pillow, then, one server at a time (pinned to CPU 0, wrk pinned to CPU 1, loopback only),
measures:

* startup: process start to the first 200 on GET ImageInfo (polled every 10 ms);
* RSS (summed over the process tree): idle after start, after 10,000 and 100,000 requests of the
  mixed sequence, and per MB of stored pictures;
* six scenarios at 1 and 16 connections (req/s, p50, p99, HTTP errors, socket errors), each run
  preceded by a warm-up and a wait until the server is idle.

Rounds rotate the server order; the report gives medians and ratios to the ceiling (a plain WSGI
callable answering precomputed bytes on granian), to WireMock and to Prism silent, nginx's
constant bytes for scale, and judges the issue's goals on clean runs only (a run that answered
errors is flagged and left out). It writes bench/results.md and the raw figures to
bench/work/results.json. Afterwards mockso is profiled with py-spy under load.

Run it from the repository root as ``python -m bench`` (``make bench``). The modules:

* ``bench.__main__``: the command line and the order of the steps;
* ``bench.common``: paths, fixed settings, the log line, subprocess helpers;
* ``bench.install``: finding or installing wrk, nginx, Java, WireMock, Prism, granian, cheroot,
  gunicorn, py-spy and taskset;
* ``bench.machine``: the facts about the machine and the tools the report ends with;
* ``bench.servers``: the servers compared, the snapshot of mockso/ they run from;
* ``bench.peers``: the WireMock stubs and the nginx config, written per run with the ceiling's
  answers;
* ``bench.processes``: starting, watching (CPU, RSS, first 200) and stopping server processes;
* ``bench.scenarios``: what is measured, the pictures sent, the smoke checks;
* ``bench.load``: wrk runs, timed or counted;
* ``bench.rounds``: one server in one round (startup, memory, scenarios), and the rounds;
* ``bench.profiling``: mockso under py-spy, and the summary of its samples;
* ``bench.results``: medians over the rounds and the raw JSON;
* ``bench.report``: the markdown report and the goals.

``bench/apps`` holds the constant WSGI and Flask apps (the ceilings), ``bench/lua`` the wrk
scripts; ``bench/work`` (not versioned) what a run installs, makes and logs.
"""
