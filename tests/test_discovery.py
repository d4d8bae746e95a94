"""Routers and job handlers are found by package."""

from __future__ import annotations

from betal.discovery import modules_in, routers_in


class TestDiscovery:
    def test_api_routers_found(self) -> None:
        paths = {route.path for router in routers_in("betal.api.routers") for route in router.routes}  # type: ignore[attr-defined]
        assert {"/v1/events", "/v1/payment-requests", "/v1/jobs/{job_id}"} <= paths

    def test_private_modules_are_skipped(self) -> None:
        assert all(not m.__name__.rsplit(".", 1)[-1].startswith("_") for m in modules_in("betal.web.routers"))
