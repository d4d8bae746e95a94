"""The verification snippets in docs/webhooks.md ("Verifying a delivery") work: run as printed, they
accept the Standard Webhooks test vector and refuse a changed body, a wrong signature and a stale
timestamp."""

from __future__ import annotations

import re
import shutil
import subprocess
from typing import Any

import pytest

from tests.examples.support import ROOT, SPEC_VECTOR

DOC = ROOT / "docs" / "webhooks.md"
VECTOR_HEADERS = {
    "webhook-id": SPEC_VECTOR["id"],
    "webhook-timestamp": SPEC_VECTOR["timestamp"],
    "webhook-signature": SPEC_VECTOR["signature"],
}


def snippet(language: str) -> str:
    """The one ``language`` code block of the section "Verifying a delivery"."""
    text = DOC.read_text(encoding="utf-8")
    section = text.split("\n## Verifying a delivery\n", 1)[1].split("\n## ", 1)[0]
    [block] = re.findall(rf"```{language}\n(.*?)```", section, flags=re.DOTALL)
    return str(block)


def python_snippet() -> dict[str, Any]:
    namespace: dict[str, Any] = {}
    exec(compile(snippet("python"), str(DOC), "exec"), namespace)
    return namespace


def run_shell(script: str) -> str:
    result = subprocess.run(["sh", "-c", script], capture_output=True, text=True, timeout=30, check=True)
    return result.stdout.strip()


class TestPythonSnippet:
    def test_it_reproduces_the_vector(self) -> None:
        v = SPEC_VECTOR
        expected = python_snippet()["expected_signature"]
        assert expected(v["secret"], v["id"], v["timestamp"], v["body"].encode()) == v["signature"]

    def test_it_accepts_the_vector_within_five_minutes(self) -> None:
        is_authentic = python_snippet()["is_authentic"]
        at = int(SPEC_VECTOR["timestamp"])
        body = SPEC_VECTOR["body"].encode()
        for now in (at - 300, at, at + 300):
            assert is_authentic(SPEC_VECTOR["secret"], VECTOR_HEADERS, body, now=now)
        for now in (at - 301, at + 301):
            assert not is_authentic(SPEC_VECTOR["secret"], VECTOR_HEADERS, body, now=now)

    def test_it_refuses_a_changed_body_and_accepts_a_rotation_header(self) -> None:
        is_authentic = python_snippet()["is_authentic"]
        at = int(SPEC_VECTOR["timestamp"])
        secret, body = SPEC_VECTOR["secret"], SPEC_VECTOR["body"].encode()
        assert not is_authentic(secret, VECTOR_HEADERS, body.replace(b"4", b"5"), now=at)
        rotated = VECTOR_HEADERS | {"webhook-signature": f"v1,bm90IGl0 {SPEC_VECTOR['signature']}"}
        assert is_authentic(secret, rotated, body, now=at)
        forged = VECTOR_HEADERS | {"webhook-signature": "v1,bm90IGl0 v1,b3RoZXI="}
        assert not is_authentic(secret, forged, body, now=at)


@pytest.mark.skipif(shutil.which("openssl") is None, reason="the shell snippet needs openssl")
class TestShellSnippet:
    def test_it_accepts_the_vector(self) -> None:
        assert run_shell(snippet("sh")) == "signature valid"

    def test_it_refuses_a_changed_body(self) -> None:
        script = snippet("sh")
        changed = script.replace("body='{\"test\": 2432232314}'", "body='{\"test\": 2432232315}'")
        assert changed != script
        assert run_shell(changed) == "signature invalid"

    def test_any_entry_of_a_rotation_header_may_match(self) -> None:
        script = snippet("sh")
        line = f"signature='{SPEC_VECTOR['signature']}'"
        assert line in script
        rotated = script.replace(line, f"signature='v1,bm90IGl0 {SPEC_VECTOR['signature']}'")
        assert run_shell(rotated) == "signature valid"
        forged = script.replace(line, "signature='v1,bm90IGl0'")
        assert run_shell(forged) == "signature invalid"
