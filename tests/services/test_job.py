"""A job is visible to its organisation only."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from betal.adapters.db.orm import JobRow
from betal.bootstrap import Container
from betal.domain.errors import NotFound
from betal.domain.job import JobStatus, NewJob
from betal.domain.tenancy import Principal, Role
from betal.services.job import get_job
from betal.services.organisation import CreatedOrganisation


class TestGetJob:
    def test_own_job_and_other_organisations(
        self, container: Container, org: CreatedOrganisation, other_org: CreatedOrganisation
    ) -> None:
        with container.uow() as uow:
            uow.enqueue(NewJob("system.probe", {"sleep": 0}, organisation_id=org.organisation.id))
            uow.commit()
        with container.engine.connect() as conn:
            job_id = conn.execute(select(JobRow.id)).scalar_one()
        with container.uow() as uow:
            job = get_job(uow, Principal(org.organisation.id, Role.VIEWER, "user", "u"), job_id)
            assert (job.kind, job.status, job.attempts, job.payload) == (
                "system.probe",
                JobStatus.QUEUED,
                0,
                {"sleep": 0},
            )
            with pytest.raises(NotFound):
                get_job(uow, Principal(other_org.organisation.id, Role.OWNER, "user", "u"), job_id)
