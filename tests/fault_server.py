"""A small OpenAI-compatible server that follows a script of faults: a test double for
provider misbehaviour. The product path talks to real servers; tests point it here.

    server = FaultServer(script)      # script(request) -> Fault, or None for a valid reply
    with server:
        server.url                    # http://127.0.0.1:<port>/v1
        server.counts                 # requests per body (sha256 of the request body)
        server.max_in_flight          # the most chat requests it saw at once

With no script, every chat request gets a valid reply generated from the request's own
``response_format`` JSON schema (the smallest instance the schema allows), so a whole
``brief run`` can go through it. ``python tests/fault_server.py PORT`` serves that
default (plus ``--latency``) in the foreground, for subprocess tests.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import re
import select
import socket
import struct
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Fault:
    """What to do with one request. ``body`` None means a valid generated reply;
    a str body is sent as the reply's message content; a dict is sent as the JSON body."""

    status: int = 200
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0  # seconds before answering
    hang: bool = False  # never answer (until the server stops)
    reset: bool = False  # close the connection with a TCP reset
    drip: float = 0.0  # send the body one byte every `drip` seconds
    finish_reason: str = "stop"


@dataclass
class Request:
    path: str
    body: dict[str, Any]
    digest: str
    seen: int  # how many times this exact body has been seen, this one included


WORDS = "alpha bravo charlie delta echo foxtrot golf hotel india juliet kilo lima mike".split()


def minimal_instance(
    schema: dict[str, Any], defs: dict[str, Any] | None = None, vocabulary: list[str] | None = None
) -> Any:
    """The smallest JSON value a (pydantic-style) JSON schema accepts; every string in it
    is different (so code that drops repeated statements keeps them), made of the words
    of ``vocabulary`` (the request's text: a point in words its chunk does not contain is
    dropped) or of stock words, and the result is the same for the same schema and words."""
    counter = iter(range(1, 10**6))
    vocab = vocabulary if vocabulary and len(vocabulary) >= 8 else WORDS

    def text(low: int, high: int) -> str:
        n = next(counter)
        words = f"{n} " + " ".join(vocab[(n * k) % len(vocab)] for k in range(1, 9))
        value = words[: max(low, min(high, 48))].strip()
        return value.ljust(low, "x")

    def build(node: dict[str, Any]) -> Any:
        if "$ref" in node:
            return build(defs_[node["$ref"].split("/")[-1]])
        if "anyOf" in node:
            options = [s for s in node["anyOf"] if s.get("type") != "null"] or node["anyOf"]
            return build(options[0])
        if "enum" in node:
            return node["enum"][0]
        if "const" in node:
            return node["const"]
        kind = node.get("type")
        if kind == "object":
            return {name: build(sub) for name, sub in node.get("properties", {}).items()}
        if kind == "array":
            count = min(max(1, node.get("minItems", 0)), node.get("maxItems", 1))
            item = node.get("items", {})
            if item.get("enum"):
                return list(item["enum"][: max(count, 1)])
            if item.get("type") == "integer":
                return [item.get("minimum", 1) + n for n in range(count)]
            return [build(item) for _ in range(count)]
        if kind == "integer":
            return max(1, node.get("minimum", 1))
        if kind == "number":
            return float(node.get("minimum", 1))
        if kind == "boolean":
            return False
        if kind == "string":
            choice = re.fullmatch(r"\^\((\w+)(?:\|\w+)*\)\$", node.get("pattern", ""))
            if choice:
                return choice.group(1)
            return text(node.get("minLength", 0), node.get("maxLength", 48))
        return None

    defs_ = defs if defs is not None else schema.get("$defs", {})
    return build(schema)


def completion(content: str, finish_reason: str = "stop") -> dict[str, Any]:
    return {
        "id": "chatcmpl-fault",
        "object": "chat.completion",
        "created": 0,
        "model": "fault-model",
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": content},
                "finish_reason": finish_reason,
            }
        ],
        "usage": {"prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 15},
    }


def request_words(body: dict[str, Any]) -> list[str]:
    """The distinct longer words of the request's last message (of the data between its
    boundary lines when it has them), in order."""
    messages = body.get("messages") or [{}]
    content = str(messages[-1].get("content", ""))
    data = re.search(r"(<<<DATA-\w+>>>)(.*?)\1", content, re.DOTALL)
    found = re.findall(r"[A-Za-z]{4,}", data.group(2) if data else content)
    return list(dict.fromkeys(w.lower() for w in found))


def valid_content(body: dict[str, Any]) -> str:
    schema = (body.get("response_format") or {}).get("json_schema", {}).get("schema")
    if not schema:
        return json.dumps({"ok": True})
    return json.dumps(minimal_instance(schema, vocabulary=request_words(body)))


class FaultServer:
    def __init__(
        self,
        script: Callable[[Request], Fault | None] | None = None,
        *,
        port: int = 0,
        n_ctx: int = 8192,
    ) -> None:
        self.script = script or (lambda request: None)
        self.n_ctx = n_ctx
        self.counts: Counter[str] = Counter()
        self.answered: set[str] = set()  # bodies whose 200 reply was sent in full
        self.bodies: dict[str, dict[str, Any]] = {}
        self.times: list[tuple[str, float]] = []  # (digest, arrival time) per request
        self.in_flight = 0
        self.max_in_flight = 0
        self.lock = threading.Lock()
        self.stopping = threading.Event()
        self.httpd = ThreadingHTTPServer(("127.0.0.1", port), self._handler())
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}/v1"
        self._thread: threading.Thread | None = None

    @property
    def requests(self) -> int:
        return sum(self.counts.values())

    def start(self) -> FaultServer:
        self._thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self.stopping.set()
        self.httpd.shutdown()
        self.httpd.server_close()

    def __enter__(self) -> FaultServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                if self.path.endswith("/props"):
                    props = {"default_generation_settings": {"n_ctx": server.n_ctx}}
                    self._send(200, json.dumps(props).encode(), {})
                elif self.path.endswith("/health"):
                    self._send(200, b'{"status":"ok"}', {})
                else:
                    self._send(404, b'{"error":{"message":"not found"}}', {})

            def do_POST(self) -> None:
                raw = self.rfile.read(int(self.headers.get("content-length") or 0))
                digest = hashlib.sha256(raw).hexdigest()
                with server.lock:
                    server.counts[digest] += 1
                    server.times.append((digest, time.monotonic()))
                    server.in_flight += 1
                    server.max_in_flight = max(server.max_in_flight, server.in_flight)
                    seen = server.counts[digest]
                try:
                    body = json.loads(raw or b"{}")
                    server.bodies[digest] = body
                    fault = server.script(Request(self.path, body, digest, seen)) or Fault()
                    self._act(fault, body, digest)
                finally:
                    with server.lock:
                        server.in_flight -= 1

            def _client_left(self, seconds: float | None) -> bool:
                """Wait ``seconds`` (None: until the server stops), or until the client
                closes the connection: then True. Like a real server, which stops working
                on a request whose client has gone, this one then stops counting it."""
                end = None if seconds is None else time.monotonic() + seconds
                while not server.stopping.is_set():
                    left = 0.1 if end is None else min(0.1, end - time.monotonic())
                    if left <= 0:
                        return False
                    if select.select([self.connection], [], [], left)[0]:
                        try:
                            if self.connection.recv(1, socket.MSG_PEEK) == b"":
                                return True
                        except OSError:
                            return True
                        server.stopping.wait(left)  # a pipelined request: not a hang-up
                return False

            def _act(self, fault: Fault, body: dict[str, Any], digest: str) -> None:
                if fault.delay and self._client_left(fault.delay):
                    self.close_connection = True
                    return
                if fault.hang:
                    self._client_left(None)
                    self.close_connection = True
                    return
                if fault.reset:
                    self.connection.setsockopt(
                        socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0)
                    )
                    self.connection.close()
                    self.close_connection = True
                    return
                if fault.status != 200:
                    payload: Any = fault.body or {
                        "error": {"message": f"scripted {fault.status}", "type": "fault"}
                    }
                elif isinstance(fault.body, dict | list):
                    payload = fault.body
                else:
                    content = fault.body if fault.body is not None else valid_content(body)
                    payload = completion(content, fault.finish_reason)
                data = json.dumps(payload).encode()
                sent = self._send(fault.status, data, fault.headers, drip=fault.drip)
                if sent and fault.status == 200:
                    with server.lock:
                        server.answered.add(digest)

            def _send(
                self, status: int, data: bytes, headers: dict[str, str], drip: float = 0.0
            ) -> bool:
                try:
                    self.send_response(status)
                    self.send_header("content-type", "application/json")
                    self.send_header("content-length", str(len(data)))
                    for name, value in headers.items():
                        self.send_header(name, value)
                    self.end_headers()
                    if drip:
                        for byte in data:
                            if server.stopping.wait(drip):
                                return False
                            self.wfile.write(bytes([byte]))
                            self.wfile.flush()
                    else:
                        self.wfile.write(data)
                    self.wfile.flush()
                    return True
                except OSError:
                    return False

        return Handler


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("port", type=int)
    parser.add_argument("--latency", type=float, default=0.0, help="mean seconds per reply")
    args = parser.parse_args()

    def script(request: Request) -> Fault:
        return Fault(delay=random.expovariate(1 / args.latency) if args.latency else 0.0)

    server = FaultServer(script, port=args.port)
    print(server.url, flush=True)
    server.httpd.serve_forever()


if __name__ == "__main__":
    main()
