"""Accounts and passwords: staff users, resident accounts, the password policy and its history.

Password rules are MLPS 2.0 level 3 (GB/T 22239-2019 8.1.4.1 a: 口令具有复杂度要求并定期更换)
with HealthNet's policy values (SECURITY.md "Identity"); see docs/decisions/0005.
"""

from __future__ import annotations

import re
import secrets
import unicodedata
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any

from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import Session

from healthnet.config import get_settings
from healthnet.core.auth import actor_cache
from healthnet.core.auth import messages as _messages  # noqa: F401
from healthnet.core.auth.models import (
    KIND_RESIDENT,
    KIND_STAFF,
    LoginSession,
    PasswordHistory,
    User,
)
from healthnet.core.crypto import blind_index, hash_password, needs_rehash, verify_password
from healthnet.core.db import utcnow
from healthnet.core.errors import Conflict, Forbidden, NotFound, ValidationFailed

MIN_PASSWORD_LENGTH = 8
USERNAME_RE = re.compile(r"^[A-Za-z][A-Za-z0-9_.\-]{2,63}$")
MOBILE_RE = re.compile(r"^1[3-9]\d{9}$")
RESIDENT_ID_RE = re.compile(r"^\d{17}[\dX]$")
# The built-in role of resident accounts (rbac/metadata/roles.yaml): no permissions, own data.
RESIDENT_ROLE = "resident"
_CLASSES = (r"[a-z]", r"[A-Z]", r"\d", r"[^A-Za-z0-9]")
PHONE_INDEX_PURPOSE = "auth.resident.phone"


# --------------------------------------------------------------------------- password policy


def check_password_policy(password: str, username: str) -> None:
    """Raise ValidationFailed naming ``password`` with the first rule the password breaks."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValidationFailed.field("password", "auth.password_too_short", min=MIN_PASSWORD_LENGTH)
    if sum(bool(re.search(p, password)) for p in _CLASSES) < 3:
        raise ValidationFailed.field("password", "auth.password_classes")
    name = username.strip().lower()
    if name and (password.lower() == name or (len(name) >= 3 and name in password.lower())):
        raise ValidationFailed.field("password", "auth.password_contains_username")


def _recent_hashes(session: Session, user: User, count: int) -> list[str]:
    """The current hash and the earlier ones: together the last ``count`` passwords."""
    if count <= 0:
        return []
    older = session.scalars(
        select(PasswordHistory.password_hash)
        .where(PasswordHistory.user_id == user.id)
        .order_by(PasswordHistory.created_at.desc())
        .limit(count - 1)
    )
    return [user.password_hash, *older]


def _set_password(session: Session, user: User, password: str, *, now: datetime) -> None:
    session.add(
        PasswordHistory(
            user_id=user.id, password_hash=user.password_hash, created_at=user.password_changed_at
        )
    )
    user.password_hash = hash_password(password)
    user.password_changed_at = now
    session.flush()
    # Only the last N matter; older hashes are dropped rather than kept as a cracking target.
    keep = max(get_settings().password_history - 1, 0)
    ids = list(
        session.scalars(
            select(PasswordHistory.id)
            .where(PasswordHistory.user_id == user.id)
            .order_by(PasswordHistory.created_at.desc())
            .offset(keep)
        )
    )
    if ids:
        session.query(PasswordHistory).filter(PasswordHistory.id.in_(ids)).delete(
            synchronize_session=False
        )


def change_password(
    *,
    session: Session,
    user: User,
    new_password: str,
    current_password: str | None = None,
    now: datetime | None = None,
) -> None:
    """Set a new password chosen by the user. ``current_password`` is required unless the
    caller has just verified it (the login's change-password step)."""
    now = now or utcnow()
    if current_password is not None and not verify_password(current_password, user.password_hash):
        raise ValidationFailed.field("currentPassword", "auth.password_wrong")
    check_password_policy(new_password, user.username)
    count = get_settings().password_history
    if any(verify_password(new_password, h) for h in _recent_hashes(session, user, count)):
        raise ValidationFailed.field("password", "auth.password_reused", count=count)
    _set_password(session, user, new_password, now=now)
    user.must_change_password = False
    session.flush()


def password_expired(user: User, *, now: datetime | None = None) -> bool:
    days = get_settings().password_max_age_days
    if days <= 0:
        return False
    return user.password_changed_at + timedelta(days=days) <= (now or utcnow())


def generate_initial_password() -> str:
    # Four classes guaranteed, 16 characters from a CSPRNG: no fixed default credential exists.
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789"
    core = "".join(secrets.choice(alphabet) for _ in range(13))
    return core + secrets.choice("ABCDEFGHJKLMN") + secrets.choice("23456789") + "#"


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    # Same scheme and iteration count as real hashes, so an unknown user costs the same KDF work.
    return hash_password(secrets.token_hex(16))


def verify_or_burn(password: str, user: User | None) -> bool:
    """Check ``password`` against ``user``; with no user, do the same KDF work and say no."""
    return verify_hash_or_burn(password, user.password_hash if user is not None else None)


def verify_hash_or_burn(password: str, stored_hash: str | None) -> bool:
    ok = verify_password(password, stored_hash if stored_hash is not None else _dummy_hash())
    return ok and stored_hash is not None


def rehash_if_needed(user: User, password: str) -> None:
    """After a successful check: store the hash with today's parameters if it is older."""
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)


# --------------------------------------------------------------------------- accounts


def _role_objects(session: Session, role_codes: list[str] | None) -> list[Any]:
    """Validate role codes before anything is written (ValidationFailed naming roleCodes)."""
    if not role_codes:
        return []
    from healthnet.core.rbac import service as rbac

    return list(rbac.roles_by_code(session=session, role_codes=role_codes))


def _grant(session: Session, user: User, roles: list[Any], granted_by: str | None) -> None:
    if roles:
        from healthnet.core.rbac import service as rbac

        rbac.grant_roles(session=session, user=user, roles=roles, granted_by=granted_by)


def _check_username_free(session: Session, username: str) -> None:
    taken = session.scalar(select(User.id).where(func.lower(User.username) == username.lower()))
    if taken:
        raise Conflict("auth.username_taken")


def create_user(
    *,
    session: Session,
    username: str,
    display_name: str,
    password: str,
    institution_id: str | None = None,
    department_id: str | None = None,
    role_codes: list[str] | None = None,
    must_change_password: bool = True,
    granted_by: str | None = None,
) -> User:
    """A staff account. User names start with a letter, so they never look like the mobile or
    ID numbers residents log in with."""
    if not USERNAME_RE.match(username):
        raise ValidationFailed.field("username", "auth.username_invalid")
    check_password_policy(password, username)
    _check_username_free(session, username)
    roles = _role_objects(session, role_codes)
    if department_id is not None:
        from healthnet.core.orgs import service as orgs

        if institution_id is None:
            raise ValidationFailed.field("departmentId", "auth.department_mismatch")
        try:
            orgs.get_department(
                session=session, institution_id=institution_id, department_id=department_id
            )
        except NotFound:
            raise ValidationFailed.field("departmentId", "auth.department_mismatch") from None
    user = User(
        username=username,
        display_name=display_name,
        password_hash=hash_password(password),
        kind=KIND_STAFF,
        institution_id=institution_id,
        department_id=department_id,
        must_change_password=must_change_password,
        password_changed_at=utcnow(),
    )
    session.add(user)
    session.flush()
    _grant(session, user, roles, granted_by)
    return user


def normalise_mobile(value: str) -> str:
    phone = re.sub(r"[\s\-()（）]+", "", unicodedata.normalize("NFKC", value))
    for prefix in ("+86", "0086"):
        phone = phone.removeprefix(prefix)
    if not MOBILE_RE.match(phone):
        raise ValidationFailed.field("phone", "auth.phone_invalid")
    return phone


def create_resident_account(
    *,
    session: Session,
    person_id: str,
    phone: str,
    password: str,
    role_codes: list[str] | None = None,
    must_change_password: bool = False,
    granted_by: str | None = None,
) -> User:
    """A resident's account, linked to their person in the master patient index. They log in
    with this mobile number or their resident ID number. Without ``role_codes`` the account
    gets the built-in ``resident`` role (when it is loaded), like staff get theirs."""
    from healthnet.core.patients import service as patients
    from healthnet.core.rbac.actor import SYSTEM_ACTOR
    from healthnet.core.rbac.models import Role

    if role_codes is None:
        has_role = session.scalar(select(Role.id).where(Role.code == RESIDENT_ROLE))
        role_codes = [RESIDENT_ROLE] if has_role else []

    # Unscoped lookup: whoever may create resident accounts is decided by the caller.
    person = patients.get_person(session=session, actor=SYSTEM_ACTOR, person_id=person_id)
    if session.scalar(select(User.id).where(User.person_id == person.id)):
        raise Conflict("auth.person_has_account")
    phone_index = blind_index(normalise_mobile(phone), purpose=PHONE_INDEX_PURPOSE)
    if session.scalar(select(User.id).where(User.phone_index == phone_index)):
        raise Conflict("auth.phone_taken")
    # The internal user name is the readable master index number; personal data stays in the
    # patient index (encrypted), not here.
    username = f"r{person.master_id}"
    check_password_policy(password, username)
    _check_username_free(session, username)
    roles = _role_objects(session, role_codes)
    user = User(
        username=username,
        display_name="居民",
        password_hash=hash_password(password),
        kind=KIND_RESIDENT,
        person_id=person.id,
        phone_index=phone_index,
        must_change_password=must_change_password,
        password_changed_at=utcnow(),
    )
    session.add(user)
    session.flush()
    _grant(session, user, roles, granted_by)
    return user


def find_login_user(*, session: Session, login_name: str) -> User | None:
    """The account a login name means: a staff user name, or a resident's mobile number or
    resident ID number. None when nothing matches."""
    name = unicodedata.normalize("NFKC", login_name).strip()
    if USERNAME_RE.match(name):
        return session.scalar(select(User).where(func.lower(User.username) == name.lower()))
    compact = re.sub(r"[\s\-]+", "", name).upper()
    if MOBILE_RE.match(compact.removeprefix("+86")):
        index = blind_index(compact.removeprefix("+86"), purpose=PHONE_INDEX_PURPOSE)
        return session.scalar(
            select(User).where(User.phone_index == index, User.kind == KIND_RESIDENT)
        )
    if RESIDENT_ID_RE.match(compact):
        from healthnet.core.patients import service as patients

        try:
            person = patients.find_by_identifier(
                session=session, id_type="resident_id_card", value=compact
            )
        except ValidationFailed:
            return None
        if person is None:
            return None
        return session.scalar(
            select(User).where(User.person_id == person.id, User.kind == KIND_RESIDENT)
        )
    return None


def mask_login_name(value: str) -> str:
    """What the login log keeps of a typed name: numbers that may be a phone or an ID number
    are masked (no personal data in logs), everything is cut to 64 characters."""
    value = "".join(ch for ch in value if ch >= " ")[:64]
    digits = sum(ch.isdigit() for ch in value)
    if digits >= 7:
        n = len(value)
        return value[:3] + "*" * max(n - 7, 1) + value[-4:] if n >= 8 else "*" * n
    return value


def get_user(*, session: Session, user_id: str) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise NotFound("auth.user_not_found")
    return user


def has_users(*, session: Session) -> bool:
    return session.scalar(select(User.id).limit(1)) is not None


def revoke_user_sessions(
    *,
    session: Session,
    user_id: str,
    reason: str,
    keep_id: str | None = None,
    now: datetime | None = None,
) -> int:
    from healthnet.core.auth.sessions import end_single_sign_on

    live = select(LoginSession.token_hash).where(
        LoginSession.user_id == user_id, LoginSession.revoked.is_(False)
    )
    if keep_id is not None:
        live = live.where(LoginSession.id != keep_id)
    hashes = list(session.scalars(live))
    if not hashes:
        return 0
    session.execute(
        update(LoginSession)
        .where(LoginSession.token_hash.in_(hashes))
        .values(revoked=True, revoked_at=now or utcnow(), revoked_reason=reason)
        .execution_options(synchronize_session=False)
    )
    end_single_sign_on(session=session, session_token_hashes=hashes)
    for hashed in hashes:
        actor_cache.forget(hashed)
    return len(hashes)


def admin_reset_password(*, session: Session, user: User, now: datetime | None = None) -> str:
    """A one-time password the administrator hands over; it must be changed at the next login
    (SECURITY.md "Identity"), and every open session of the user ends."""
    now = now or utcnow()
    password = generate_initial_password()
    _set_password(session, user, password, now=now)
    user.must_change_password = True
    revoke_user_sessions(session=session, user_id=user.id, reason="password_reset", now=now)
    session.flush()
    return password


def set_active(*, session: Session, user: User, active: bool, by_user_id: str) -> User:
    if not active and user.id == by_user_id:
        raise Forbidden("auth.cannot_disable_self")
    user.is_active = active
    if not active:
        revoke_user_sessions(session=session, user_id=user.id, reason="disabled")
    session.flush()
    return user


def search_filter(q: str | None) -> list[object]:
    if not q:
        return []
    like = f"%{q.strip().lower()}%"
    return [or_(func.lower(User.username).like(like), func.lower(User.display_name).like(like))]
