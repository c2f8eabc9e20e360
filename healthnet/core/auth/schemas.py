from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import Field

from healthnet.core.schemas import ApiModel, InputModel, PageQuery

Password = Field(min_length=1, max_length=128)
Ticket = Field(min_length=16, max_length=128)


class LoginRequest(InputModel):
    # A staff user name, or a resident's mobile number or resident ID number.
    username: str = Field(min_length=1, max_length=64)
    password: str = Password
    # "cookie": the browser gets an HttpOnly session cookie and the token stays out of the body.
    session: Literal["bearer", "cookie"] = "bearer"


class LoginResult(ApiModel):
    """One login step's answer. ``stage`` says what comes next: ``second_factor`` (send a code
    or a certificate signature with ``ticket``), ``change_password`` (send a new password with
    ``ticket``), or ``done`` (a session is open)."""

    stage: Literal["second_factor", "change_password", "done"]
    ticket: str | None = None
    ticket_expires_at: datetime | None = None
    methods: list[str] = Field(default_factory=list)
    reason: str | None = None
    reason_text: str | None = None
    token: str | None = None  # bearer sessions only
    expires_at: datetime | None = None  # when the session ends if unused
    csrf_token: str | None = None  # cookie sessions: echo in X-CSRF-Token on unsafe requests
    recovery_codes: list[str] | None = None  # only right after enrolling an authenticator


class TicketRequest(InputModel):
    ticket: str = Ticket


class TicketCode(InputModel):
    ticket: str = Ticket
    code: str = Field(min_length=1, max_length=32)


class TicketPassword(InputModel):
    ticket: str = Ticket
    password: str = Password


class CertLogin(InputModel):
    ticket: str = Ticket
    challenge_id: str = Field(min_length=1, max_length=64)
    certificate_pem: str = Field(min_length=1, max_length=16000)
    signature: str = Field(min_length=1, max_length=512, description="base64 DER SM2 signature")


class ChallengeRead(ApiModel):
    challenge_id: str
    nonce: str


class TotpEnrolmentRead(ApiModel):
    secret: str
    otpauth_uri: str
    qr_svg: str  # data:image/svg+xml URI


class CodeRequest(InputModel):
    code: str = Field(min_length=1, max_length=32)


class RecoveryCodesRead(ApiModel):
    codes: list[str]


class PasswordChange(InputModel):
    current_password: str = Password
    password: str = Password


class TemporaryPassword(ApiModel):
    temporary_password: str


class UserCreate(InputModel):
    username: str = Field(min_length=3, max_length=64, pattern=r"^[A-Za-z][A-Za-z0-9_.\-]+$")
    display_name: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=128)
    institution_id: str | None = Field(None, max_length=32)
    department_id: str | None = Field(None, max_length=32)
    role_codes: list[str] = Field(default_factory=list, max_length=20)


class ResidentAccountCreate(InputModel):
    person_id: str = Field(min_length=1, max_length=32)
    phone: str = Field(min_length=11, max_length=20)
    password: str = Password
    must_change_password: bool = True


class UserRead(ApiModel):
    id: str
    username: str
    display_name: str
    kind: str
    institution_id: str | None
    department_id: str | None = None
    person_id: str | None = None
    is_active: bool
    must_change_password: bool
    role_codes: list[str]
    last_login_at: datetime | None = None
    password_changed_at: datetime | None = None
    locked_until: datetime | None = None
    totp_enabled: bool = False


class UserQuery(PageQuery):
    q: str | None = Field(None, max_length=64)
    kind: Literal["staff", "resident"] | None = None
    institution_id: str | None = Field(None, max_length=32)
    is_active: bool | None = None


class Me(ApiModel):
    id: str
    username: str
    display_name: str
    kind: str = "staff"
    institution_id: str | None
    district_code: str | None
    permissions: list[str]
    totp_enabled: bool = False
    recovery_codes_left: int = 0
    password_expires_at: datetime | None = None
    must_change_password: bool = False
    institution_name: str | None = None
    district_name: str | None = None
    # When this session ends unless used again: the earlier of the absolute limit and the idle
    # limit counted from now (this request renewed it). The UI warns before it.
    session_expires_at: datetime | None = None
    session_idle_minutes: int


class SessionRead(ApiModel):
    id: str
    user_id: str
    username: str
    display_name: str
    institution_id: str | None
    client_ip: str | None
    user_agent: str | None
    auth_method: str
    created_at: datetime
    last_seen_at: datetime
    expires_at: datetime


class LoginLogRead(ApiModel):
    id: str
    occurred_at: datetime
    user_id: str | None
    username: str
    client_ip: str | None
    user_agent: str | None
    step: str
    result: str
    reason: str | None


class LoginLogQuery(PageQuery):
    user_id: str | None = Field(None, max_length=32)
    client_ip: str | None = Field(None, max_length=45)
    result: Literal["success", "next_step", "failure", "locked", "rate_limited"] | None = None
    since: datetime | None = None
    until: datetime | None = None
