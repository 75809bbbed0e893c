"""The site-admin check of the network admin pages (jobs, sources): 401 sends a visitor to
log in, 403 tells a member the page is not theirs."""

from __future__ import annotations

from fastapi import HTTPException, Request

from refaire.people.actor import Actor
from refaire.people.auth import session_actor


def page_admin(request: Request) -> Actor:
    actor = session_actor(request)
    if actor.is_anonymous:
        raise HTTPException(401, "You need to be signed in as a site admin.")
    if not actor.is_admin:
        raise HTTPException(403, "Only a site admin can see this page.")
    return actor
