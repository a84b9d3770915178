"""User accounts: adding, listing, disabling, resetting passwords (argon2id hashes).

Passwords are never stored or logged, only their argon2id hash (argon2-cffi's
defaults); the history records that a password changed, never its hash.
"""

from __future__ import annotations

from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from mineaction.errors import ConflictError, NotFoundError, Problem, ValidationError
from mineaction.services import organisations
from mineaction.services.policy import USER_ROLES, Principal
from mineaction.store.tables import ApiToken, Organisation, User, UserSession

HASHER = PasswordHasher()
MIN_PASSWORD = 12
MAX_PASSWORD = 256
#: Passwords people pick first; refused whatever their length.
COMMON = frozenset(
    {
        "password1234",
        "passwordpassword",
        "123456789012",
        "qwertyuiopas",
        "administrator",
        "letmeinletmein",
        "mineaction123",
        "changemechangeme",
    }
)


def password_problems(password: str, *, username: str) -> list[str]:
    """Return why ``password`` is not acceptable (empty when it is).

    >>> password_problems("short", username="ana")[0]
    'The password has 5 characters; it needs at least 12.'
    >>> password_problems("a long pass phrase", username="ana")
    []
    """
    problems = []
    if len(password) < MIN_PASSWORD:
        problems.append(
            f"The password has {len(password)} characters; it needs at least {MIN_PASSWORD}."
        )
    if len(password) > MAX_PASSWORD:
        problems.append(f"The password is longer than {MAX_PASSWORD} characters.")
    lowered = password.casefold()
    if username and username.casefold() in lowered:
        problems.append("The password contains the user name.")
    if lowered in COMMON or len(set(password)) < 4:
        problems.append("The password is too easy to guess.")
    return problems


def check_password(password: str, *, username: str) -> None:
    """Refuse a password that breaks the policy, saying why and what would do."""
    problems = password_problems(password, username=username)
    if problems:
        raise ValidationError(
            " ".join(problems),
            hint=f"Use at least {MIN_PASSWORD} characters, e.g. a phrase of four unrelated "
            "words, without the user name.",
            problems=[Problem(reason=p, field="password") for p in problems],
        )


def hash_password(password: str) -> str:
    """Return the argon2id hash of ``password``."""
    return HASHER.hash(password)


def verify_hash(password_hash: str, password: str) -> bool:
    """Tell whether ``password`` matches ``password_hash``."""
    try:
        return bool(HASHER.verify(password_hash, password))
    except (VerificationError, InvalidHashError):
        return False


def verify_password(user: User, password: str) -> bool:
    """Tell whether ``password`` is the user's; upgrade an outdated hash in place."""
    if not user.password_hash or not verify_hash(user.password_hash, password):
        return False
    if HASHER.check_needs_rehash(user.password_hash):
        user.password_hash = HASHER.hash(password)
    return True


def get_user(session: Session, username: str) -> User:
    """Return the user called ``username``; refuse with a hint when there is none."""
    user = session.scalars(select(User).where(User.username == username)).one_or_none()
    if user is None:
        raise NotFoundError(
            f"There is no user called {username!r}.", hint="See `mineaction users list`."
        )
    return user


def add_user(
    *,
    session: Session,
    username: str,
    role: str,
    password: str,
    organisation: str | None = None,
    full_name: str | None = None,
) -> User:
    """Create a user with ``role`` (and, for an operator officer, an organisation)."""
    username = username.strip()
    problems: list[Problem] = []
    if not username or len(username) > 80 or any(c.isspace() for c in username):
        problems.append(
            Problem(
                reason="A user name is 1 to 80 characters without spaces.",
                field="username",
                value=username,
            )
        )
    if role not in USER_ROLES:
        problems.append(
            Problem(
                reason=f"{role!r} is not a role.",
                field="role",
                value=role,
                hint=f"Use one of: {', '.join(USER_ROLES)}.",
            )
        )
    if role == "operator_officer" and not organisation:
        problems.append(
            Problem(
                reason="An operator officer works for one organisation; name it.",
                field="organisation",
                hint="Add --organisation CODE (see `mineaction status`).",
            )
        )
    if problems:
        raise ValidationError(
            f"The user {username!r} cannot be added: {problems[0].reason}",
            hint=problems[0].hint,
            problems=problems,
        )
    check_password(password, username=username)
    if session.scalars(select(User.id).where(User.username == username)).first() is not None:
        raise ConflictError(
            f"There is already a user called {username!r}.",
            hint="Choose another name, or `mineaction users reset-password` for that user.",
        )
    org_id = organisations.require_by_code(session, organisation).id if organisation else None
    user = User(
        username=username,
        full_name=full_name,
        role=role,
        organisation_id=org_id,
        password_hash=hash_password(password),
        disabled=False,
    )
    session.add(user)
    session.flush()
    return user


def list_users(session: Session) -> list[dict[str, Any]]:
    """Return every user: name, role, organisation code, whether disabled."""
    rows = session.execute(
        select(User, Organisation.code)
        .outerjoin(Organisation, Organisation.id == User.organisation_id)
        .order_by(User.username)
    ).all()
    return [_public(user, code) for user, code in rows]


def describe(session: Session, user: User) -> dict[str, Any]:
    """Return ``user`` as ``list_users`` shows each one."""
    org = session.get(Organisation, user.organisation_id) if user.organisation_id else None
    return _public(user, org.code if org else None)


def _public(user: User, organisation: str | None) -> dict[str, Any]:
    return {
        "username": user.username,
        "full_name": user.full_name,
        "role": user.role,
        "organisation": organisation,
        "disabled": user.disabled,
    }


def disable_user(*, session: Session, username: str, by: str | None = None) -> User:
    """Disable a user: sign them out everywhere and revoke their API tokens.

    ``by`` is who asks (a signed-in administrator); nobody disables their own
    account, so the last administrator cannot lock everyone out.
    """
    user = get_user(session, username)
    if by is not None and by == user.username:
        raise ValidationError(
            "You cannot disable your own account.",
            hint="Ask another administrator to do it.",
            problems=[Problem(reason="one's own account", field="disabled", value=username)],
        )
    user.disabled = True
    _sign_out_everywhere(session, user)
    return user


def enable_user(*, session: Session, username: str) -> User:
    """Let a disabled user sign in again (their old API tokens stay revoked)."""
    user = get_user(session, username)
    user.disabled = False
    return user


def reset_password(*, session: Session, username: str, password: str) -> User:
    """Give a user a new password (checked by the policy); their sessions end."""
    user = get_user(session, username)
    check_password(password, username=user.username)
    user.password_hash = hash_password(password)
    session.execute(delete(UserSession).where(UserSession.user_id == user.id))
    return user


def _sign_out_everywhere(session: Session, user: User) -> None:
    session.execute(delete(UserSession).where(UserSession.user_id == user.id))
    for token in session.scalars(select(ApiToken).where(ApiToken.user_id == user.id)):
        token.revoked = True


def principal_of(user: User) -> Principal:
    """Return who ``user`` is for the policy."""
    return Principal(
        username=user.username,
        role=user.role,
        organisation_id=user.organisation_id,
        user_id=user.id,
    )
