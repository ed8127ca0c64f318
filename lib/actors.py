"""Who is acting: the user, their role and the provider or enterprise they belong to."""
from __future__ import annotations

from dataclasses import dataclass

from lib.labels import Role


@dataclass(frozen=True)
class Actor:
    user_id: int | None
    username: str
    role: Role
    provider_id: int | None = None
    enterprise_id: int | None = None
    display_name: str = ""

    @classmethod
    def system(cls) -> Actor:
        return cls(user_id=None, username="system", role=Role.SYSTEM, display_name="系统")
