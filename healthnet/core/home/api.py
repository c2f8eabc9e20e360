"""Routes of the home page (mounted under /api/v1/home)."""

from __future__ import annotations

from fastapi import APIRouter

from healthnet.core.deps import CurrentActor, SessionDep
from healthnet.core.home import service
from healthnet.core.home.schemas import TodoRead

router = APIRouter(tags=["home"])


@router.get("/todos", response_model=list[TodoRead], operation_id="home_todos")
def todos(session: SessionDep, actor: CurrentActor) -> list[TodoRead]:
    """What the signed-in user should deal with: only items with something to do."""
    return [
        TodoRead.model_validate(t, from_attributes=True)
        for t in service.todos(session=session, actor=actor)
    ]
