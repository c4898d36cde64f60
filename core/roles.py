"""Who may do what: supporters, moderators and organizers, from the configured ids."""

from __future__ import annotations

from enum import IntEnum

from core.config import RolesConfig
from core.messages import Inbound


class Role(IntEnum):
    """Ordered so that a higher role can do everything a lower one can."""

    SUPPORTER = 0
    MODERATOR = 1
    ORGANIZER = 2


class RoleBook:
    """Resolves the role of the person behind an inbound message, by numeric id only."""

    def __init__(self, config: RolesConfig) -> None:
        self._config = config

    def role_of(self, inbound: Inbound) -> Role:
        """The highest role this account or one of its platform groups holds."""
        groups = {f"{inbound.platform}:{group}" for group in inbound.group_ids}
        if inbound.user_key in self._config.organizers or groups & self._config.organizer_groups:
            return Role.ORGANIZER
        if inbound.user_key in self._config.moderators or groups & self._config.moderator_groups:
            return Role.MODERATOR
        return Role.SUPPORTER

    def allows(self, inbound: Inbound, needed: Role) -> bool:
        """Whether the sender holds ``needed`` or a higher role."""
        return self.role_of(inbound) >= needed
