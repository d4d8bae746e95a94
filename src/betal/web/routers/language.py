"""``/app/language/{da|en}``: choose the portal's language; the choice is kept in a cookie."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import RedirectResponse
from starlette.responses import Response

from betal.domain.errors import NotFound
from betal.web import cookies, translation
from betal.web.deps import ContainerDep, safe_next

router = APIRouter(prefix="/app", include_in_schema=False)


@router.get("/language/{language}")
def choose_language(
    language: str, container: ContainerDep, next_path: Annotated[str | None, Query(alias="next")] = None
) -> Response:
    if language not in translation.LANGUAGES:
        raise NotFound("no such language", code="language.not_found")
    response = RedirectResponse(safe_next(next_path), status_code=303)
    cookies.set_language(response, container.settings, language)
    return response
