"""Bounded wrk runs through Nginx that count every failed request, and never time them."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

from .clients import SITE_HOST
from .processes import LOOPBACK, Server

# wrk sends the URL's host name as TLS SNI and as the Host header, and the site only
# answers for its server_name. Replacing wrk.resolve (the script runs before wrk
# resolves the URL) connects to loopback while wrk still speaks to "example.com".
SCRIPT = """\
wrk.resolve = function(host, service)
    wrk.addrs = wrk.lookup("LOOPBACK", service)
end

local threads = {}

function setup(thread)
    table.insert(threads, thread)
end

function init(args)
    non2xx = 0
end

function response(status, headers, body)
    if status < 200 or status > 299 then
        non2xx = non2xx + 1
    end
end

function done(summary, latency, requests)
    local non2xx_total = 0
    for _, thread in ipairs(threads) do
        non2xx_total = non2xx_total + thread:get("non2xx")
    end
    local e = summary.errors
    io.write(string.format(
        "RESULT requests=%d non2xx=%d connect=%d read=%d write=%d timeout=%d\\n",
        summary.requests, non2xx_total, e.connect, e.read, e.write, e.timeout))
end
""".replace("LOOPBACK", LOOPBACK)

RESULT = re.compile(
    r"RESULT requests=(\d+) non2xx=(\d+) connect=(\d+) read=(\d+) write=(\d+) timeout=(\d+)"
)


@dataclass(frozen=True)
class LoadResult:
    requests: int
    non2xx: int
    socket_errors: int
    # wrk's own line, which says which kind of socket error (connect, read, write,
    # timeout) a failure was.
    line: str = ""

    @property
    def failures(self) -> int:
        return self.non2xx + self.socket_errors

    @classmethod
    def parse(cls, output: str) -> LoadResult:
        match = RESULT.search(output)
        assert match, f"wrk printed no result:\n{output}"
        requests, non2xx, *errors = (int(group) for group in match.groups())
        return cls(requests, non2xx, sum(errors), match.group(0))


def start_load(binary: str, https_port: int, path: str, seconds: int, directory: Path) -> Server:
    """Start a wrk run of ``seconds`` against the site; read it with finish_load()."""
    script = directory / "count.lua"
    script.write_text(SCRIPT)
    args = [
        binary, "--threads", "2", "--connections", "16", "--duration", f"{seconds}s",
        # Requests slowed by a reload still count as answered; only a failure counts.
        "--timeout", "10s", "--script", str(script),
        f"https://{SITE_HOST}:{https_port}{path}",
    ]  # fmt: skip
    return Server("wrk", args, directory, os.environ, directory)


def finish_load(run: Server, seconds: int) -> LoadResult:
    try:
        run.wait(timeout=seconds + 30)
    finally:
        run.stop()
    return LoadResult.parse(run.output())
