"""People: who acts in Refaire (accounts, roles, tokens, audit, mail).

- `actor`: the `Actor` value every service that writes receives.
- `auth`: FastAPI dependencies `current_actor`, `require(scope)`, `require_admin`.
- `users`, `passwords`, `links` (verification and reset mails), `profile` (profile,
  export, deletion), `sessions` (cookies, logging in), `tokens` (personal API tokens).
- `roles`: facility managers and the ownership check `manages_facility`.
- `audit`: the append-only audit trail. `mail`: SMTP or the outbox.
- `csrf`, `ratelimit`, `secret`: the protections around them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from refaire.people.actor import ANONYMOUS, Actor

if TYPE_CHECKING:
    from refaire.store.db import Store

__all__ = ["ANONYMOUS", "Actor", "cli_actor"]

OPERATOR = Actor(is_admin=True, via="cli")


def cli_actor(store: Store, as_email: str | None) -> Actor:
    """Who a CLI command acts as: the operator at the command line is an admin (they hold
    the database), unless `--as EMAIL` asks to act as that account, with its own rights."""
    if not as_email:
        return OPERATOR
    from refaire.people.auth import actor_for_user
    from refaire.people.users import find_user

    return actor_for_user(store, find_user(store, as_email), via="cli")
