from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request

from healthnet.core.auth import service
from healthnet.core.auth.schemas import LoginRequest, LoginResult, Me, UserCreate, UserRead
from healthnet.core.deps import Actor, CurrentActor, SessionDep, _bearer, require

router = APIRouter(tags=["auth"])


@router.post("/login", response_model=LoginResult)
def login(data: LoginRequest, session: SessionDep) -> LoginResult:
    token, row, user = service.login(session=session, username=data.username,
                                     password=data.password)
    return LoginResult(token=token, expires_at=service.session_expiry(row),
                       must_change_password=user.must_change_password)


@router.post("/logout", status_code=204)
def logout(request: Request, session: SessionDep, actor: CurrentActor) -> None:
    token = _bearer(request)
    if token:
        service.logout(session=session, token=token)


@router.get("/me", response_model=Me)
def me(actor: CurrentActor, session: SessionDep) -> Me:
    user = service.get_user(session=session, user_id=actor.user_id)
    return Me(id=actor.user_id, username=actor.username, display_name=user.display_name,
              institution_id=actor.institution_id, district_code=actor.district_code,
              permissions=sorted(actor.permissions))


@router.post("/users", response_model=UserRead, status_code=201)
def create_user(
    data: UserCreate,
    session: SessionDep,
    actor: Annotated[Actor, Depends(require("auth:user:write"))],
) -> UserRead:
    user = service.create_user(session=session, **data.model_dump())
    return UserRead.model_validate(service.user_read(user))
