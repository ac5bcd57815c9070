"""A loopback HTTP server that records the exact requests litellm sends and answers
each in its provider's wire format (OpenAI-compatible, Anthropic, Gemini, Ollama), with
the smallest JSON object the request's schema accepts (``{}`` when it has none)."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from fault_server import minimal_instance, request_words


def schema_sent(path: str, body: dict[str, Any]) -> dict[str, Any] | None:
    """Where each provider's request carries the reply schema."""
    rf = body.get("response_format") or {}
    if rf.get("type") == "json_schema":
        return rf["json_schema"]["schema"]
    if isinstance(body.get("output_format"), dict):
        return body["output_format"].get("schema")
    for tool in body.get("tools") or []:
        if "input_schema" in tool:
            return tool["input_schema"]
        if "function" in tool:
            return tool["function"].get("parameters")
    config = body.get("generationConfig") or {}
    for key in ("responseSchema", "responseJsonSchema", "response_schema", "response_json_schema"):
        if key in config:
            return config[key]
    if isinstance(body.get("format"), dict):
        return body["format"]
    return None


def _reply(path: str, body: dict[str, Any], content: str) -> dict[str, Any]:
    usage = {"prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 15}
    if path.endswith("/messages"):
        tools = [t for t in body.get("tools") or [] if "input_schema" in t]
        block: dict[str, Any] = {"type": "text", "text": content}
        if tools and (body.get("tool_choice") or {}).get("type") == "tool":
            block = {"type": "tool_use", "id": "t1", "name": tools[0]["name"]}
            block["input"] = json.loads(content)
        return {
            "id": "msg_1",
            "type": "message",
            "role": "assistant",
            "model": body.get("model", "m"),
            "content": [block],
            "stop_reason": "tool_use" if block["type"] == "tool_use" else "end_turn",
            "usage": {"input_tokens": 10, "output_tokens": 5},
        }
    if ":generateContent" in path:
        return {
            "candidates": [
                {"content": {"role": "model", "parts": [{"text": content}]}, "finishReason": "STOP"}
            ],
            "usageMetadata": {"promptTokenCount": 10, "candidatesTokenCount": 5},
        }
    if path.endswith("/api/generate"):
        return {"model": "m", "created_at": "2025-01-01T00:00:00Z", "response": content}
    if path.endswith("/api/chat"):
        return {
            "model": "m",
            "created_at": "2025-01-01T00:00:00Z",
            "message": {"role": "assistant", "content": content},
            "done": True,
            "prompt_eval_count": 10,
            "eval_count": 5,
        }
    return {
        "id": "chatcmpl-1",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": body.get("model", "m"),
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": content},
                "finish_reason": "stop",
            }
        ],
        "usage": usage,
    }


class RecordingServer:
    """``with RecordingServer() as s: ... s.requests`` (path, body) in arrival order.
    ``status``/``error`` make every reply an error (e.g. 400 naming the schema)."""

    def __init__(self, status: int = 200, error: str = "", delay: float = 0.0) -> None:
        self.requests: list[tuple[str, dict[str, Any]]] = []
        self.answered: list[dict[str, Any]] = []  # bodies of the requests answered 200
        self.keys: list[str | None] = []  # each request's key header, as sent
        self.status = status
        self.error = error
        self._lock = threading.Lock()
        owner = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
                pass

            def do_GET(self) -> None:  # noqa: N802
                self._send(404, {"error": "not found"})

            def do_POST(self) -> None:  # noqa: N802
                length = int(self.headers.get("Content-Length") or 0)
                body = json.loads(self.rfile.read(length) or b"{}")
                with owner._lock:
                    owner.requests.append((self.path, body))
                    owner.keys.append(
                        self.headers.get("Authorization") or self.headers.get("x-api-key")
                    )
                if owner.status != 200:
                    self._send(owner.status, {"error": {"message": owner.error}})
                    return
                time.sleep(delay)
                schema = schema_sent(self.path, body)
                content = json.dumps(
                    minimal_instance(schema, vocabulary=request_words(body)) if schema else {}
                )
                self._send(200, _reply(self.path.split("?")[0], body, content))
                with owner._lock:
                    owner.answered.append(body)

            def _send(self, status: int, payload: dict[str, Any]) -> None:
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.root = f"http://127.0.0.1:{self._server.server_port}"

    def __enter__(self) -> RecordingServer:
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
