"""Benchmark: ``POST /api/v1/check`` under load on loopback, with wrk (Debian package ``wrk``).

Starts ``fanzha serve`` on 127.0.0.1 (a free port in 8100-8999) against a data directory — by
default a county generated into a temporary directory (``--scale``, 0.2) — and drives it with
wrk for a bounded time with a Lua script that posts a small mixed list of messages (fraud SMS,
ordinary SMS, a link, a bank card, a chat, and one phone number from the station's own cases).
Printed per variant: throughput, latency p50/p95/p99/max, errors.

Variants, all in the same run and on the same data:

1. ``saturated``: wrk with --connections connections as fast as the server answers (throughput);
2. ``paced``: the same server paced at about --rate requests/s over 16 connections (latency at the
   target load; wrk has no fixed-rate mode, so each connection waits between requests, the wait
   calibrated by a 3-second run, and the achieved rate is printed);
3. ``no identifier cache``: a second server with FANZHA_CHECK_KNOWN_CACHE_SECONDS=0, so every
   request rebuilds the station's identifiers from the database (saturated);
4. ``in-process``: the same requests through Django's test client in one process, one at a
   time, without HTTP or threads (the floor the HTTP server adds to).

The per-IP rate limit would answer 429 to a load test; the servers run with
FANZHA_CHECK_RATE_PER_MINUTE=1000000000 (see fanzha/check/limits.py). Loopback only; every
server started here is stopped at the end, also on Ctrl+C.

    .venv/bin/python bench/bench_check_api.py [--data-dir D] [--duration 10] [--connections 8]
        [--rate 200] [--server-threads 8] [--scale 0.2] [--skip-uncached]

Aim (issue 10): 200 requests/s on 2 cores with p99 under 100 ms.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import textwrap
import time
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
FANZHA = [sys.executable, "-m", "fanzha"]
HOST = "127.0.0.1"
MAX_DURATION = 60
PACED_CONNECTIONS = 16
MESSAGES = [
    "【工商银行】您的账户存在异常已被冻结，请立即点击 http://icbc-verify.top/login 验证身份",
    "您好，我是京东金融客服，您的白条利率过高需要注销，否则影响征信，请下载会议软件共享屏幕",
    "妈，我今天晚上加班，晚饭不回来吃了，你们先吃。",
    "【顺丰速运】您的快件已到小区驿站，请凭取件码 5821 及时领取。",
    "兼职刷单，日结300元，在家用手机就能做，加QQ 12345678 领任务，先垫付后返佣金",
    "http://t.cn/A6xYz12",
    "6222021234567890128",
    "我：你是谁？\n对方：我是市公安局刑警，你涉嫌洗钱，要把钱转到安全账户配合调查，不要告诉家人。",
    "本周六上午社区组织义诊，请有需要的居民带好医保卡到活动室。",
]


def free_port() -> int:
    for port in range(8100, 9000):
        with socket.socket() as probe:
            try:
                probe.bind((HOST, port))
            except OSError:
                continue
            return port
    raise SystemExit("no free port in 8100-8999")


def station_phone(data_dir: Path) -> str | None:
    """One phone number named in the station's cases (SQLite data directories only)."""
    database = data_dir / "fanzha.sqlite3"
    if not database.exists() or os.environ.get("DATABASE_URL"):
        return None
    with sqlite3.connect(database) as connection:
        row = connection.execute(
            "SELECT i.value FROM cases_identifier i JOIN cases_caseidentifier ci ON ci.identifier_id = i.id "
            "WHERE i.kind = 'phone' LIMIT 1"
        ).fetchone()
    return str(row[0]) if row else None


def lua_script(bodies: list[str], pace_ms: float | None) -> str:
    quoted = ",\n".join("  " + json.dumps(body, ensure_ascii=False) for body in bodies)
    delay = f"function delay() return {pace_ms:.3f} end" if pace_ms else ""
    return textwrap.dedent(
        """
        local bodies = {
        %s
        }
        local counter = 0
        wrk.method = "POST"
        wrk.headers["Content-Type"] = "application/json"
        function request()
          counter = counter + 1
          return wrk.format(nil, "/api/v1/check", nil, bodies[(counter %% #bodies) + 1])
        end
        %s
        function done(summary, latency, requests)
          local e = summary.errors
          io.write(string.format(
            "RESULT {\\"requests\\": %%d, \\"duration_us\\": %%d, \\"non_2xx\\": %%d, \\"socket_errors\\": %%d, "
            .. "\\"p50_us\\": %%d, \\"p95_us\\": %%d, \\"p99_us\\": %%d, \\"max_us\\": %%d}\\n",
            summary.requests, summary.duration, e.status, e.connect + e.read + e.write + e.timeout,
            latency:percentile(50), latency:percentile(95), latency:percentile(99), latency.max))
        end
        """
    ) % (quoted, delay)


class Server:
    """``fanzha serve`` in its own process group, stopped on exit."""

    def __init__(self, data_dir: Path, threads: int, extra_env: dict[str, str]) -> None:
        self.port = free_port()
        env = {
            **os.environ,
            "FANZHA_CHECK_RATE_PER_MINUTE": "1000000000",
            "PYTHONUNBUFFERED": "1",
            **extra_env,
        }
        self.log = tempfile.TemporaryFile()  # noqa: SIM115  (lives as long as the server)
        self.process = subprocess.Popen(
            [
                *FANZHA,
                "serve",
                "--data-dir",
                str(data_dir),
                "--host",
                HOST,
                "--port",
                str(self.port),
                "--threads",
                str(threads),
            ],
            cwd=ROOT,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.url = f"http://{HOST}:{self.port}"

    def wait_ready(self, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                self.log.seek(0)
                raise SystemExit(f"server exited:\n{self.log.read().decode(errors='replace')}")
            try:
                request = urllib.request.Request(
                    self.url + "/api/v1/check",
                    data=json.dumps({"text": MESSAGES[0]}).encode(),
                    headers={"Content-Type": "application/json"},
                )
                with urllib.request.urlopen(request, timeout=5) as response:
                    if response.status == 200:
                        return
            except OSError:
                time.sleep(0.3)
        raise SystemExit("server did not answer within a minute")

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        self.log.close()


def run_wrk(url: str, script: Path, duration: int, connections: int, threads: int) -> dict[str, Any]:
    command = [
        "wrk",
        f"-t{threads}",
        f"-c{connections}",
        f"-d{duration}s",
        "--timeout",
        "5s",
        "-s",
        str(script),
        url,
    ]
    done = subprocess.run(command, capture_output=True, text=True, timeout=duration + 30, check=True)
    line = next((line for line in done.stdout.splitlines() if line.startswith("RESULT ")), None)
    if line is None:
        raise SystemExit(f"wrk gave no result:\n{done.stdout}\n{done.stderr}")
    result: dict[str, Any] = json.loads(line[len("RESULT ") :])
    result["rps"] = result["requests"] / (result["duration_us"] / 1e6)
    return result


def paced_run(
    url: str, scratch: Path, bodies: list[str], args: argparse.Namespace, duration: int
) -> dict[str, Any]:
    """About ``args.rate`` requests/s: wrk has no fixed-rate mode, so each of PACED_CONNECTIONS
    connections waits before every request; a 3-second calibration run measures the mean latency
    at that load and the wait is shortened by it (rate = connections / (wait + latency))."""
    period = PACED_CONNECTIONS / args.rate
    script = scratch / "paced.lua"
    script.write_text(lua_script(bodies, 1000.0 * period), encoding="utf-8")
    calibration = run_wrk(url, script, 3, PACED_CONNECTIONS, args.wrk_threads)
    latency = max(0.0, PACED_CONNECTIONS / calibration["rps"] - period)
    script.write_text(lua_script(bodies, 1000.0 * max(0.0, period - latency)), encoding="utf-8")
    return run_wrk(url, script, duration, PACED_CONNECTIONS, args.wrk_threads)


def in_process(data_dir: Path, bodies: list[str], count: int) -> dict[str, Any]:
    """The same requests through Django's test client in a child process (Django binds one database per process)."""
    code = textwrap.dedent(
        f"""
        import json, os, sys, time
        os.environ["FANZHA_CHECK_RATE_PER_MINUTE"] = "1000000000"
        sys.path.insert(0, {str(ROOT)!r})
        from fanzha.runtime import open_station
        open_station({str(data_dir)!r})
        from django.test import Client
        client = Client()
        bodies = json.loads(sys.stdin.read())
        for body in bodies:  # warm-up: model and identifiers loaded
            client.post("/api/v1/check", data=body, content_type="application/json")
        times = []
        started = time.perf_counter()
        for i in range({count}):
            t = time.perf_counter()
            response = client.post("/api/v1/check", data=bodies[i % len(bodies)], content_type="application/json")
            assert response.status_code == 200, response.status_code
            times.append(time.perf_counter() - t)
        total = time.perf_counter() - started
        times.sort()
        pick = lambda q: times[min(len(times) - 1, int(q * len(times)))] * 1e6
        print("RESULT " + json.dumps({{"requests": {count}, "duration_us": total * 1e6, "non_2xx": 0,
              "socket_errors": 0, "p50_us": pick(0.5), "p95_us": pick(0.95), "p99_us": pick(0.99),
              "max_us": times[-1] * 1e6, "rps": {count} / total}}))
        """
    )
    output = subprocess.run(
        [sys.executable, "-c", code],
        input=json.dumps(bodies),
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=300,
        check=True,
    ).stdout
    line = next(line for line in output.splitlines() if line.startswith("RESULT "))
    result: dict[str, Any] = json.loads(line[len("RESULT ") :])
    return result


def show(name: str, result: dict[str, Any]) -> None:
    print(
        f"  {name:34s} {result['rps']:8.1f} req/s  p50 {result['p50_us'] / 1000:6.1f} ms  "
        f"p95 {result['p95_us'] / 1000:6.1f} ms  p99 {result['p99_us'] / 1000:6.1f} ms  "
        f"max {result['max_us'] / 1000:7.1f} ms  n={result['requests']}  "
        f"non-2xx {result['non_2xx']}  socket errors {result['socket_errors']}",
        flush=True,
    )


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--data-dir", type=Path, help="existing data directory (default: generate one)")
    parser.add_argument("--scale", type=float, default=0.2, help="county scale when generating (default 0.2)")
    parser.add_argument("--duration", type=int, default=10, help=f"seconds per wrk run (max {MAX_DURATION})")
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument(
        "--wrk-threads", type=int, default=1, help="wrk threads (the client shares the cores)"
    )
    parser.add_argument("--rate", type=float, default=200.0, help="target rate of the paced run, requests/s")
    parser.add_argument("--server-threads", type=int, default=8)
    parser.add_argument("--in-process-requests", type=int, default=2000)
    parser.add_argument("--skip-uncached", action="store_true")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        print("wrk is not installed: apt-get install -y wrk", file=sys.stderr)
        return 1
    duration = max(1, min(args.duration, MAX_DURATION))

    with tempfile.TemporaryDirectory(prefix="fanzha-bench-check-") as scratch:
        data_dir = args.data_dir
        if data_dir is None:
            data_dir = Path(scratch) / "station"
            print(f"generating a county (scale {args.scale}) into {data_dir} …", flush=True)
            subprocess.run(
                [*FANZHA, "generate", "--data-dir", str(data_dir), "--scale", str(args.scale)],
                cwd=ROOT,
                check=True,
                stdout=subprocess.DEVNULL,
                timeout=600,
            )
        bodies = [json.dumps({"text": text}, ensure_ascii=False) for text in MESSAGES]
        phone = station_phone(data_dir)
        if phone:
            bodies.append(
                json.dumps({"text": f"这个号码 {phone} 打电话说我的快递丢了要理赔"}, ensure_ascii=False)
            )
        mean_chars = sum(len(json.loads(b)["text"]) for b in bodies) / len(bodies)
        saturated = Path(scratch) / "saturated.lua"
        saturated.write_text(lua_script(bodies, None), encoding="utf-8")

        print(
            f"POST /api/v1/check, {len(bodies)} message kinds (mean {mean_chars:.0f} chars"
            f"{', one station phone' if phone else ''}), wrk {args.wrk_threads} thread(s) × "
            f"{args.connections} connections, {duration} s per run, server threads {args.server_threads}, "
            f"{os.cpu_count()} CPUs (shared)",
            flush=True,
        )
        results: list[tuple[str, dict[str, Any]]] = []
        servers: list[Server] = []
        try:
            server = Server(data_dir, args.server_threads, {})
            servers.append(server)
            server.wait_ready()
            run_wrk(server.url, saturated, 2, args.connections, args.wrk_threads)  # warm-up
            results.append(
                (
                    "saturated (identifier cache 60 s)",
                    run_wrk(server.url, saturated, duration, args.connections, args.wrk_threads),
                )
            )
            show(*results[-1])
            results.append(
                (
                    f"paced to ~{args.rate:.0f} req/s",
                    paced_run(server.url, Path(scratch), bodies, args, duration),
                )
            )
            show(*results[-1])
            server.stop()
            if not args.skip_uncached:
                uncached = Server(data_dir, args.server_threads, {"FANZHA_CHECK_KNOWN_CACHE_SECONDS": "0"})
                servers.append(uncached)
                uncached.wait_ready()
                run_wrk(uncached.url, saturated, 2, args.connections, args.wrk_threads)
                results.append(
                    (
                        "saturated, no identifier cache",
                        run_wrk(uncached.url, saturated, duration, args.connections, args.wrk_threads),
                    )
                )
                show(*results[-1])
                uncached.stop()
        finally:
            for item in servers:
                item.stop()
        results.append(
            ("in-process test client, 1 thread", in_process(data_dir, bodies, args.in_process_requests))
        )
        show(*results[-1])

    print("\nside by side:")
    for name, result in results:
        show(name, result)
    best = results[0][1]
    paced_result = results[1][1]
    print(
        f"\naim 200 req/s with p99 < 100 ms: saturated {best['rps']:.0f} req/s "
        f"({'met' if best['rps'] >= 200 else 'NOT met'}); paced run {paced_result['rps']:.0f} req/s "
        f"p99 {paced_result['p99_us'] / 1000:.1f} ms "
        f"({'met' if paced_result['p99_us'] < 100_000 and paced_result['rps'] >= 0.95 * args.rate else 'NOT met'})"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
