"""Reading a job's state and progress (``GET /v1/jobs/{id}``)."""

from __future__ import annotations

from betal.domain.errors import NotFound
from betal.domain.job import Job
from betal.domain.tenancy import Permission, Principal
from betal.ports import UnitOfWork


def get_job(uow: UnitOfWork, principal: Principal, job_id: str) -> Job:
    principal.require(Permission.READ)
    job = uow.jobs.get(job_id, principal.organisation_id)
    if job is None:
        raise NotFound(f"no job {job_id}", code="job.not_found")
    return job
