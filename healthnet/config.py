"""One Settings object for the whole process (env prefix ``HEALTHNET_``)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

ROOT = Path(__file__).resolve().parent.parent


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="HEALTHNET_", extra="ignore")

    environment: str = "local"  # local | test | production
    var_dir: Path = ROOT / "var"
    database_url: str = ""
    # The master key never enters the database: hex in the environment, or a file (0600).
    master_key: str = ""
    master_key_file: Path | None = None
    max_body_bytes: int = 10 * 1024 * 1024
    log_level: str = "INFO"
    log_json: bool = True
    run_worker_in_process: bool = True
    timezone: str = "Asia/Shanghai"
    # The public issuer URL of the OIDC provider, e.g. https://healthnet.example.gov.cn;
    # empty = taken from the request (development only; production must set it).
    oidc_issuer: str = ""
    # Cross-origin access is off unless origins are listed (e.g. a separately hosted front end).
    cors_origins: list[str] = []
    # The built web console (``npm run build`` in web/): index.html, h5.html and assets/.
    web_dist_dir: Path = ROOT / "web" / "dist"
    # Identity policy (SECURITY.md "Identity"; values are HealthNet policy, not the standard's).
    password_max_age_days: int = 90  # periodic change (MLPS); 0 = never expires
    password_history: int = 5  # a new password may not repeat one of the last N
    login_max_failures: int = 5  # wrong passwords or codes before the account locks
    login_lockout_minutes: int = 15
    login_ip_limit: int = 30  # login attempts per IP per window (sliding), then 429
    login_ip_window_seconds: int = 300
    login_ticket_minutes: int = 5  # between the password and the second factor
    session_idle_minutes: int = 30
    session_absolute_hours: int = 12
    totp_issuer: str = "HealthNet"
    totp_enrol_at_first_login: bool = True  # staff without a second factor enrol TOTP at login

    @model_validator(mode="after")
    def _defaults(self) -> Settings:
        if not self.database_url:
            self.database_url = f"sqlite:///{self.var_dir / 'healthnet.db'}"
        if self.master_key_file is None:
            self.master_key_file = self.var_dir / "master.key"
        if (
            self.environment == "production"
            and not self.master_key
            and not (self.master_key_file and self.master_key_file.exists())
        ):
            raise ValueError("production requires HEALTHNET_MASTER_KEY or an existing key file")
        if self.environment == "production" and not self.oidc_issuer:
            raise ValueError("production requires HEALTHNET_OIDC_ISSUER")
        return self

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")


@lru_cache
def get_settings() -> Settings:
    return Settings()
