"""A real HTTP receiver on 127.0.0.1 for webhook tests: records every request and answers as scripted.

Each path has a queue of answers; the last one repeats. An answer can wait before replying (a slow
receiver), send any status, headers and body (a huge or binary one), or write raw bytes that are no
HTTP at all (garbage).
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass(frozen=True)
class Answer:
    status: int = 200
    body: bytes = b"ok"
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    raw: bytes | None = None  # written instead of an HTTP response


@dataclass(frozen=True)
class Received:
    path: str
    headers: dict[str, str]
    body: bytes
    at: float


class Receiver:
    def __init__(self, server: ThreadingHTTPServer) -> None:
        self.server = server
        self.port = int(server.server_address[1])
        self.received: list[Received] = []
        self._answers: dict[str, list[Answer]] = defaultdict(list)
        self._lock = threading.Lock()

    def url(self, path: str = "/hook", host: str = "127.0.0.1") -> str:
        return f"http://{host}:{self.port}{path}"

    def answer(self, path: str, *answers: Answer) -> None:
        with self._lock:
            self._answers[path] = list(answers)

    def at(self, path: str) -> list[Received]:
        with self._lock:
            return [r for r in self.received if r.path == path]

    def _next(self, path: str) -> Answer:
        with self._lock:
            queue = self._answers[path]
            if not queue:
                return Answer()
            return queue.pop(0) if len(queue) > 1 else queue[0]

    def _record(self, received: Received) -> None:
        with self._lock:
            self.received.append(received)


def _handler(receiver: Receiver) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            body = self.rfile.read(length)
            path = self.path.split("?", 1)[0]
            headers = {k.lower(): v for k, v in self.headers.items()}
            receiver._record(Received(path, headers, body, time.monotonic()))
            answer = receiver._next(path)
            if answer.delay:
                time.sleep(answer.delay)
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):  # the client hung up early
                self._reply(answer)

        def _reply(self, answer: Answer) -> None:
            if answer.raw is not None:
                self.wfile.write(answer.raw)
                self.close_connection = True
                return
            self.send_response(answer.status)
            for key, value in answer.headers.items():
                self.send_header(key, value)
            self.send_header("Content-Length", str(len(answer.body)))
            self.end_headers()
            self.wfile.write(answer.body)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return Handler


@contextmanager
def running_receiver(host: str = "127.0.0.1") -> Iterator[Receiver]:
    server = ThreadingHTTPServer((host, 0), BaseHTTPRequestHandler)
    receiver = Receiver(server)
    server.RequestHandlerClass = _handler(receiver)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield receiver
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
