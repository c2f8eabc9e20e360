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

    @model_validator(mode="after")
    def _defaults(self) -> Settings:
        if not self.database_url:
            self.database_url = f"sqlite:///{self.var_dir / 'healthnet.db'}"
        if self.master_key_file is None:
            self.master_key_file = self.var_dir / "master.key"
        if self.environment == "production" and not self.master_key and not (
            self.master_key_file and self.master_key_file.exists()
        ):
            raise ValueError("production requires HEALTHNET_MASTER_KEY or an existing key file")
        return self

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")


@lru_cache
def get_settings() -> Settings:
    return Settings()
