"""The simulators' document store: create, read, locked update, list."""

from __future__ import annotations

import threading

from betal.bootstrap import Container


class TestSandboxStore:
    def test_documents(self, container: Container) -> None:
        store = container.sandbox_store()
        store.create("bank", "payment", "p1", {"status": "RCVD", "n": 0})
        assert store.get("bank", "p1") == {"status": "RCVD", "n": 0}
        assert store.get("bank", "nope") is None
        assert store.update("bank", "nope", lambda d: d) is None
        assert store.update("bank", "p1", lambda d: d | {"status": "ACSC"}) == {"status": "ACSC", "n": 0}
        assert [d["status"] for d in store.list("bank", "payment")] == ["ACSC"]
        assert store.list("bank", "consent") == []

    def test_concurrent_updates_do_not_lose_writes(self, container: Container) -> None:
        store = container.sandbox_store()
        store.create("bank", "counter", "c", {"n": 0})

        def bump() -> None:
            for _ in range(20):
                store.update("bank", "c", lambda d: d | {"n": d["n"] + 1})

        threads = [threading.Thread(target=bump) for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert store.get("bank", "c") == {"n": 80}
