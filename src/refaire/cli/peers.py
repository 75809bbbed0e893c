"""`refaire peers add|list|show|pull|remove`: the Refaire instances this one follows."""

from __future__ import annotations

import typer

from refaire.cli._commands import summary
from refaire.cli._common import (
    DbOption,
    JsonOption,
    Table,
    console,
    esc,
    fail,
    lazy,
    open_db,
    print_json,
)

_peers = lazy("refaire.federation.peers")
_pull = lazy("refaire.federation.pull")
_people = lazy("refaire.people")

peers_app = typer.Typer(
    help=summary("peers"),
    no_args_is_help=True,
)


def _history(entries: list[dict]) -> None:
    table = Table("started", "ok", "pages", "created", "updated", "deleted", "cursor", "errors",
                  title="pulls")  # fmt: skip
    for h in entries:
        errors = "; ".join(f"{e['item']}: {e['message']}" for e in h["errors"][:3])
        table.add_row(
            h["started_at"], "yes" if h["ok"] else "NO", str(h["pages"]), str(h["created"]),
            str(h["updated"]), str(h["deleted"]), f"{h['cursor_from']}→{h['cursor_to']}",
            esc(errors + (" …" if len(h["errors"]) > 3 else "")),
        )  # fmt: skip
    console.print(table)


@peers_app.command("add")
def add_command(
    url: str = typer.Argument(..., help="The peer's base URL, like https://refaire.example"),
    name: str | None = typer.Option(None, "--name", help="Local name (default: its own)."),
    db: str | None = DbOption,
    as_json: bool = JsonOption,
) -> None:
    """Follow an instance; its public key is pinned now (trust on first use)."""
    try:
        peer = _peers.add_peer(open_db(db, create=True), url, name, _people.OPERATOR)
    except _peers.PeerError as exc:
        fail(str(exc), 2)
        return
    if as_json:
        print_json(peer)
        return
    console.print(f"peer {peer['id']} {esc(peer['name'])}: {esc(peer['url'])}; key pinned "
                  "(trust on first use)")  # fmt: skip


@peers_app.command("list")
def list_command(db: str | None = DbOption, as_json: bool = JsonOption) -> None:
    """Followed instances with their cursor and record counts."""
    page = _peers.list_peers(open_db(db))
    if as_json:
        print_json(page)
        return
    table = Table("id", "name", "url", "cursor", "records", "tombstones", "last pull",
                  title=f"{page['total']} peers")  # fmt: skip
    for p in page["items"]:
        table.add_row(str(p["id"]), esc(p["name"]), esc(p["url"]), str(p["cursor"]),
                      str(p["records"]), str(p["tombstones"]), p["last_pulled_at"] or "never")  # fmt: skip
    console.print(table)


@peers_app.command("show")
def show_command(
    peer: str = typer.Argument(..., help="Peer id or name."),
    db: str | None = DbOption,
    as_json: bool = JsonOption,
) -> None:
    """A peer with its pull history."""
    try:
        detail = _peers.peer_detail(open_db(db), peer)
    except _peers.UnknownPeer as exc:
        fail(str(exc))
        return
    if as_json:
        print_json(detail)
        return
    console.print(f"peer {detail['id']} {esc(detail['name'])}: {esc(detail['url'])}, cursor "
                  f"{detail['cursor']}, {detail['records']} records, "
                  f"{detail['tombstones']} tombstones")  # fmt: skip
    _history(detail["history"])


@peers_app.command("pull")
def pull_command(
    peer: str | None = typer.Argument(None, help="Peer id or name (default: every peer)."),
    queue: bool = typer.Option(False, "--queue", help="Queue it as a job instead of now."),
    db: str | None = DbOption,
    as_json: bool = JsonOption,
) -> None:
    """Pull new changes from a peer (or all), verifying every page's signature."""
    store = open_db(db)
    try:
        ids = [_peers.peer_detail(store, peer, history=0)["id"]] if peer else [
            p["id"] for p in _peers.list_peers(store)["items"]]  # fmt: skip
    except _peers.UnknownPeer as exc:
        fail(str(exc))
        return
    if queue:
        from refaire.jobs.queue import submit
        from refaire.jobs.tasks import peer_pull

        jobs = [submit(store, peer_pull, i, label=f"pull of peer {i}") for i in ids]
        print_json({"jobs": jobs}) if as_json else console.print(f"queued: {', '.join(jobs)}")
        return
    entries = [_pull.pull_peer(store, i) for i in ids]
    if as_json:
        print_json({"pulls": entries})
    else:
        _history(entries)
    if any(not e["ok"] for e in entries):
        raise typer.Exit(1)


@peers_app.command("remove")
def remove_command(
    peer: str = typer.Argument(..., help="Peer id or name."),
    db: str | None = DbOption,
    as_json: bool = JsonOption,
) -> None:
    """Stop following a peer (the records it brought stay)."""
    try:
        _peers.remove_peer(open_db(db), peer, _people.OPERATOR)
    except _peers.UnknownPeer as exc:
        fail(str(exc))
        return
    print_json({"removed": peer}) if as_json else console.print(f"peer {esc(peer)} removed")


def register(app: typer.Typer) -> None:
    app.add_typer(peers_app, name="peers")
