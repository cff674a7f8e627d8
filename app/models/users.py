"""People and what they may do: users, system roles, teams, memberships, API tokens."""

from __future__ import annotations

import enum
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.types import JSONDoc, UTCDateTime, utcnow


class SystemRole(enum.StrEnum):
    """What a person may reach in the product (DESIGN §10). Teams say which work is theirs."""

    ADMIN = "admin"
    BUILDER = "builder"
    MANAGER = "manager"
    STAFF = "staff"
    CUSTOMER = "customer"


class User(UserMixin, db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str | None] = mapped_column(String(255))
    locale: Mapped[str] = mapped_column(String(16), default="en")
    active: Mapped[bool] = mapped_column(default=True)
    #: Bumped on password change or forced logout; sessions carrying an older value end.
    session_epoch: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: While away, new tasks for this user go to the stand-in (delegation).
    away_from: Mapped[datetime | None] = mapped_column(UTCDateTime)
    away_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    stand_in_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    roles: Mapped[list[UserRole]] = relationship(
        back_populates="user", cascade="all, delete-orphan", lazy="selectin"
    )
    memberships: Mapped[list[Membership]] = relationship(
        back_populates="user", cascade="all, delete-orphan", lazy="selectin"
    )

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive users
        return self.active

    def get_id(self) -> str:
        return f"{self.id}:{self.session_epoch}"

    @property
    def role_names(self) -> frozenset[str]:
        return frozenset(r.role for r in self.roles)

    @property
    def team_keys(self) -> frozenset[str]:
        return frozenset(m.team.key for m in self.memberships)

    def has_role(self, *roles: str) -> bool:
        """Admins hold every staff-side role; customers hold only their own."""
        names = self.role_names
        if SystemRole.ADMIN in names and SystemRole.CUSTOMER not in roles:
            return True
        return any(r in names for r in roles)


class UserRole(db.Model):
    __tablename__ = "user_roles"
    __table_args__ = (UniqueConstraint("user_id", "role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(32))
    user: Mapped[User] = relationship(back_populates="roles")


class Team(db.Model):
    """A group work is routed to (`cs_agent`, `warehouse_eu`); flows name teams as assignees."""

    __tablename__ = "teams"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    #: The team escalations go to (e.g. cs_agent -> cs_lead).
    manager_team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id"))
    #: Working hours and holidays for business-hours deadlines (engine issue).
    calendar: Mapped[dict | None] = mapped_column(JSONDoc)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    memberships: Mapped[list[Membership]] = relationship(back_populates="team")


class Membership(db.Model):
    __tablename__ = "memberships"
    __table_args__ = (UniqueConstraint("user_id", "team_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"), index=True)
    is_lead: Mapped[bool] = mapped_column(default=False)
    user: Mapped[User] = relationship(back_populates="memberships")
    team: Mapped[Team] = relationship(back_populates="memberships", lazy="joined")


class ApiToken(db.Model):
    """A bearer token for /api/v1; only its SHA-256 is stored (the token is 256 random bits)."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    user: Mapped[User] = relationship()


class SystemFlag(db.Model):
    """One row per one-time event (e.g. `first_admin`); the primary key makes it happen once."""

    __tablename__ = "system_flags"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
