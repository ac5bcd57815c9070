"""A benchmark fixture, not a model: an OpenAI-compatible chat endpoint that answers every
request after a fixed delay with the smallest JSON object that satisfies the request's
``response_format`` schema (``tests/fault_server.py``'s ``minimal_instance``).

It stands in for a hosted model whose cost is latency, so that the concurrency benchmark
measures the pipeline's ability to hide latency and nothing else. Run it alone with

    python bench/fixture_server.py --delay 0.3 --port 8099

or start it from a benchmark with ``FixtureServer`` (a separate process, so its work does
not compete with the client for the interpreter lock).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import threading
import time
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

# the smallest schema-valid reply: the tests' fault server makes it (one definition)
sys.path.append(str(Path(__file__).resolve().parent.parent / "tests"))
from fault_server import minimal_instance  # noqa: E402


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, like a real API
    # headers and body go out as two writes: with Nagle's algorithm on, the client's
    # delayed ACK would add ~40 ms to every reply
    disable_nagle_algorithm = True
    delay = 0.3
    served = 0
    log_path: str | None = None  # one line per answered request: the last message's text
    in_flight = 0
    peak_in_flight = 0
    lock = threading.Lock()

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        pass

    def _send(self, status: int, body: dict[str, Any]) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:  # noqa: N802
        if self.path.startswith("/health"):
            self._send(200, {"status": "ok"})
        elif self.path.startswith("/stats"):
            cls = type(self)
            self._send(200, {"served": cls.served, "peak_in_flight": cls.peak_in_flight})
        else:
            self._send(404, {"error": "not found"})

    def do_POST(self) -> None:  # noqa: N802
        length = int(self.headers.get("Content-Length") or 0)
        request = json.loads(self.rfile.read(length) or b"{}")
        cls = type(self)
        with cls.lock:
            cls.in_flight += 1
            cls.peak_in_flight = max(cls.peak_in_flight, cls.in_flight)
        try:
            time.sleep(cls.delay)
            schema = (request.get("response_format") or {}).get("json_schema", {}).get("schema", {})
            content = json.dumps(minimal_instance(schema)) if schema else "{}"
            prompt_chars = sum(len(str(m.get("content", ""))) for m in request["messages"])
            usage = {
                "prompt_tokens": prompt_chars // 4,
                "completion_tokens": len(content) // 4,
                "total_tokens": prompt_chars // 4 + len(content) // 4,
            }
            self._send(
                200,
                {
                    "id": f"fixture-{cls.served}",
                    "object": "chat.completion",
                    "created": int(time.time()),
                    "model": request.get("model", "fixture"),
                    "choices": [
                        {
                            "index": 0,
                            "message": {"role": "assistant", "content": content},
                            "finish_reason": "stop",
                        }
                    ],
                    "usage": usage,
                },
            )
            if cls.log_path:
                with cls.lock, open(cls.log_path, "a", encoding="utf-8") as log:
                    log.write(json.dumps(request["messages"][-1].get("content", "")) + "\n")
        finally:
            with cls.lock:
                cls.in_flight -= 1
                cls.served += 1


def serve(port: int, delay: float, log_path: str | None = None) -> None:
    _Handler.delay = delay
    _Handler.log_path = log_path
    server = ThreadingHTTPServer(("127.0.0.1", port), _Handler)
    server.daemon_threads = True
    server.request_queue_size = 256
    print(f"fixture server on http://127.0.0.1:{server.server_port}/v1 (delay {delay}s)")
    sys.stdout.flush()
    server.serve_forever()


class FixtureServer:
    """The fixture in a child process: ``with FixtureServer(delay=0.3) as s: s.api_base``"""

    def __init__(self, delay: float, port: int = 0, log_path: Path | None = None) -> None:
        self.delay = delay
        self.log_path = log_path
        self.port = port
        self.process: subprocess.Popen[str] | None = None
        self.api_base = ""

    def __enter__(self) -> FixtureServer:
        if not self.port:
            import socket

            with socket.socket() as sock:
                sock.bind(("127.0.0.1", 0))
                self.port = sock.getsockname()[1]
        self.process = subprocess.Popen(
            [
                sys.executable,
                str(Path(__file__)),
                "--port",
                str(self.port),
                "--delay",
                str(self.delay),
                *(["--log", str(self.log_path)] if self.log_path else []),
            ],
            stdout=subprocess.DEVNULL,
        )
        root = f"http://127.0.0.1:{self.port}"
        for _ in range(100):
            try:
                with urllib.request.urlopen(f"{root}/health", timeout=1):
                    self.api_base = f"{root}/v1"
                    return self
            except OSError:
                time.sleep(0.05)
        self.__exit__()
        raise RuntimeError("fixture server did not start")

    def stats(self) -> dict[str, int]:
        with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/stats", timeout=2) as r:
            return json.load(r)

    def kill(self) -> None:
        """Die at once, mid-request (SIGKILL): in-flight requests get a reset connection."""
        if self.process is not None:
            self.process.kill()
            self.process.wait(timeout=10)
            self.process = None

    def __exit__(self, *exc: object) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process = None


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, default=8099)
    parser.add_argument("--delay", type=float, default=0.3, help="seconds before each reply")
    parser.add_argument("--log", help="append each answered request's last message here")
    args = parser.parse_args()
    serve(args.port, args.delay, args.log)
