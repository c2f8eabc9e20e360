"""The data-key table. It holds data keys only in wrapped form; the master key is never stored."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from healthnet.core.db import Base, utcnow

STATE_ACTIVE = "active"
STATE_DECRYPT_ONLY = "decrypt_only"
STATE_RETIRED = "retired"
STATES = (STATE_ACTIVE, STATE_DECRYPT_ONLY, STATE_RETIRED)


class DataKey(Base):
    """One SM4 data key.

    ``wrapped_key`` is ``base64(nonce | SM4-GCM(KEK, key) | tag)`` with AAD naming the kid, so a
    wrapped key moved to another row does not unwrap. ``check_mac`` is HMAC-SM3 over
    kid, state and wrapped key under a key derived from the master key: a state changed directly
    in the database (e.g. a retired key made active again) is detected. ``active_slot`` is 1 for
    the active key and NULL otherwise; its unique constraint keeps at most one active key even
    when two processes start at once (NULLs never collide on SQLite or PostgreSQL).
    """

    __tablename__ = "crypto_data_key"

    kid: Mapped[str] = mapped_column(String(16), primary_key=True)
    state: Mapped[str] = mapped_column(String(16))
    active_slot: Mapped[int | None] = mapped_column(Integer, unique=True)
    wrapped_key: Mapped[str | None] = mapped_column(Text)
    check_mac: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    state_changed_at: Mapped[datetime] = mapped_column(default=utcnow)
