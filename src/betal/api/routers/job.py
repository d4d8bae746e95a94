"""``GET /v1/jobs/{id}``: a background job's state and progress."""

from __future__ import annotations

from fastapi import APIRouter

from betal.api.deps import PrincipalDep, UowDep
from betal.api.schemas.tenancy import JobRead
from betal.services.job import get_job

router = APIRouter(prefix="/v1", tags=["jobs"])


@router.get("/jobs/{job_id}", response_model=JobRead)
def read_job(job_id: str, uow: UowDep, principal: PrincipalDep) -> JobRead:
    return JobRead.model_validate(get_job(uow, principal, job_id))
