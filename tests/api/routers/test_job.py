"""GET /v1/jobs/{id}: state and progress of a background job."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import select

from betal.adapters.db.orm import JobRow
from betal.bootstrap import Container
from betal.domain.job import NewJob
from betal.services.organisation import CreatedOrganisation


class TestReadJob:
    def test_progress_is_visible(
        self, client: TestClient, auth: dict[str, str], container: Container, org: CreatedOrganisation
    ) -> None:
        with container.uow() as uow:
            uow.enqueue(NewJob("system.probe", organisation_id=org.organisation.id))
            uow.commit()
        with container.engine.connect() as conn:
            job_id = conn.execute(select(JobRow.id)).scalar_one()
        with container.uow() as uow:
            uow.jobs.set_progress(job_id, 40, 100)
            uow.commit()
        body = client.get(f"/v1/jobs/{job_id}", headers=auth).json()
        assert body["id"] == job_id
        assert (body["status"], body["progress_done"], body["progress_total"]) == ("queued", 40, 100)
        assert "payload" not in body

    def test_unknown_job(self, client: TestClient, auth: dict[str, str]) -> None:
        assert (
            client.get("/v1/jobs/job_01M807SYZQH74SRZ8RMP288C15", headers=auth).json()["code"]
            == "job.not_found"
        )
