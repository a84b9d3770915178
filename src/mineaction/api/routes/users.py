"""User administration over HTTP, for the administrator's scripts: the CLI's rules, same history."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel, Field

from mineaction.api.deps import CurrentPrincipal, DatabaseDep, SettingsDep
from mineaction.services import auth, users
from mineaction.services.policy import require

router = APIRouter(prefix="/api", tags=["users"])


class UserBase(BaseModel):
    """What describes a user account."""

    username: str = Field(max_length=80)
    role: str = Field(description="admin, im_officer, operator_officer, qa_officer or viewer.")
    organisation: str | None = Field(None, description="Organisation code (operator officers).")
    full_name: str | None = Field(None, max_length=200)


class UserCreate(UserBase):
    """A new account and its first password (the password policy applies)."""

    password: str = Field(max_length=256)


class UserUpdate(BaseModel):
    """A change to an account: disable or enable it, or give it a new password."""

    disabled: bool | None = None
    password: str | None = Field(None, max_length=256)


class UserPublic(UserBase):
    """An account as the API shows it (never a password or its hash)."""

    disabled: bool


class UsersPublic(BaseModel):
    """Every account."""

    data: list[UserPublic]
    count: int


class TokenCreate(BaseModel):
    """What a new API token is for."""

    name: str = Field("script", max_length=80)


class TokenPublic(BaseModel):
    """A new API token: shown in this answer only, never again."""

    username: str
    name: str
    token: str


@router.get("/users")
def list_users(who: CurrentPrincipal, db: DatabaseDep) -> UsersPublic:
    """List every account: name, role, organisation, whether disabled (administrators only)."""
    require(who, "manage_users")
    with db.session() as session:
        rows = users.list_users(session)
    return UsersPublic(data=[UserPublic(**r) for r in rows], count=len(rows))


@router.post("/users", status_code=201)
def add_user(body: UserCreate, who: CurrentPrincipal, db: DatabaseDep) -> UserPublic:
    """Add an account with a role (and an organisation for an operator officer)."""
    require(who, "manage_users")
    with db.session(actor=who.username, note=f"add user {body.username}") as session:
        user = users.add_user(session=session, **body.model_dump())
        return UserPublic(**users.describe(session, user))


@router.patch("/users/{username}")
def change_user(
    username: str, body: UserUpdate, who: CurrentPrincipal, db: DatabaseDep
) -> UserPublic:
    """Disable or enable an account, or reset its password (its sessions end)."""
    require(who, "manage_users")
    with db.session(actor=who.username, note=f"change user {username}") as session:
        user = users.get_user(session, username)
        if body.password is not None:
            users.reset_password(session=session, username=username, password=body.password)
        if body.disabled is True:
            users.disable_user(session=session, username=username, by=who.username)
        elif body.disabled is False:
            users.enable_user(session=session, username=username)
        return UserPublic(**users.describe(session, user))


@router.post("/users/{username}/tokens", status_code=201)
def issue_token(
    username: str,
    body: TokenCreate,
    who: CurrentPrincipal,
    db: DatabaseDep,
    settings: SettingsDep,
) -> TokenPublic:
    """Give the account a new API token, shown in this answer only."""
    require(who, "manage_users")
    with db.session(actor=who.username, note=f"API token for {username}") as session:
        token = auth.create_token(
            session=session, username=username, name=body.name, secret=settings.secret_key
        )
    return TokenPublic(username=username, name=body.name, token=token)
