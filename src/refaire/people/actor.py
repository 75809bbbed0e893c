"""Who is acting: one value passed from the interfaces to every service that writes."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Actor:
    """A signed-in person, a personal token's owner, the bootstrap admin token, or nobody.

    `scopes` is None for a browser session or the CLI (everything the person may do), else the
    scopes of the API token used: a token never grants more than its person may do.
    """

    user_id: int | None = None
    email: str | None = None
    display_name: str | None = None
    is_admin: bool = False
    scopes: frozenset[str] | None = None
    via: str = "anonymous"  # "session" | "token" | "bootstrap" | "cli" | "anonymous"
    managed_facilities: frozenset[str] = field(default_factory=frozenset)

    @property
    def is_anonymous(self) -> bool:
        return self.user_id is None and not self.is_admin

    def has_scope(self, scope: str) -> bool:
        """True when the means of authentication allows `scope` (sessions allow all)."""
        if self.scopes is None:
            return True
        return scope in self.scopes or "admin" in self.scopes

    @property
    def label(self) -> str:
        """How the audit trail and provenance name this actor."""
        if self.user_id is not None:
            return f"user:{self.user_id}"
        if self.via == "cli":
            return "cli"
        return "admin-token" if self.is_admin else "anonymous"


ANONYMOUS = Actor()
