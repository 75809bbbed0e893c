"""`refaire users|tokens|audit|mail`: accounts, roles, personal API tokens, the audit trail
and the mail outbox, from the command line.

The operator at the command line holds the database and acts as a site admin (audit
entries name them `cli`); `--as EMAIL` acts as that account instead, with its own rights.
"""

from __future__ import annotations

import sys

import typer

from refaire.cli import _commands
from refaire.cli._commands import summary
from refaire.cli._common import (
    DbOption,
    JsonOption,
    Table,
    console,
    err_console,
    open_db,
    print_json,
)
from refaire.cli._common import esc as escape
from refaire.people import cli_actor
from refaire.people._common import NotAllowed, PeopleError, UnknownUser

users_app = typer.Typer(help=summary("users"), no_args_is_help=True)
tokens_app = typer.Typer(help=summary("tokens"), no_args_is_help=True)
mail_app = typer.Typer(help=summary("mail"), no_args_is_help=True)

AsOption = typer.Option(None, "--as", help="Act as this account instead of as the operator.")


def _fail(message: str, code: int = 1) -> None:
    err_console.print(f"[red]error:[/red] {escape(message)}", soft_wrap=True)
    raise typer.Exit(code)


def _refused(exc: Exception) -> None:
    _fail("; ".join(exc.texts("en")) if isinstance(exc, PeopleError) else str(exc))


def _show_users(items: list[dict]) -> None:
    table = Table("id", "e-mail", "name", "admin", "verified", "created")
    for u in items:
        table.add_row(
            str(u["id"]), escape(u["email"]), escape(u["display_name"] or ""),
            "yes" if u["is_admin"] else "", "yes" if u["verified"] else "no", u["created_at"],
        )  # fmt: skip
    console.print(table)


def users_add_command(
    email: str = typer.Argument(..., help="The account's e-mail address."),
    admin: bool = typer.Option(False, "--admin", help="Make the account a site admin."),
    password_stdin: bool = typer.Option(
        False, "--password-stdin", help="Read the password from standard input (first line)."
    ),
    name: str | None = typer.Option(None, "--name", help="Display name."),
    db: str | None = DbOption,
    as_json: bool = JsonOption,
) -> None:
    """Create an account, verified (the operator vouches for it). Without --password-stdin,
    a link to choose a password is mailed to it."""
    from refaire.people.signup import request_reset
    from refaire.people.users import create_user

    store = open_db(db, create=True)
    password = sys.stdin.readline().rstrip("\r\n") if password_stdin else None
    try:
        user = create_user(
            store, email, password, by=cli_actor(store, None), display_name=name,
            is_admin=admin, verified=True,
        )  # fmt: skip
    except (PeopleError, NotAllowed) as exc:
        _refused(exc)
    if password is None:
        request_reset(store, user["email"], base=None, lang="en")
    if as_json:
        print_json(user)
    else:
        role = "site admin" if admin else "member"
        console.print(f"account {user['id']} created for {escape(user['email'])} ({role})")
        if password is None:
            console.print("a link to choose a password was mailed (see `refaire mail outbox`)")


def users_list_command(
    limit: int = typer.Option(50, "--limit", min=1, max=500, help="How many to show."),
    offset: int = typer.Option(0, "--offset", min=0, help="Skip this many (pagination)."),
    db: str | None = DbOption,
    as_json: bool = JsonOption,
) -> None:
    """Accounts, oldest first."""
    from refaire.people.users import list_users

    result = list_users(open_db(db), limit=limit, offset=offset)
    if as_json:
        print_json(result)
    else:
        _show_users(result["items"])
        console.print(f"{result['total']} accounts")


def users_show_command(
    who: str = typer.Argument(..., help="E-mail or id."),
    db: str | None = DbOption,
    as_json: bool = JsonOption,
) -> None:
    """One account and the facilities it manages."""
    from refaire.people.roles import facilities_managed_by
    from refaire.people.users import find_user

    store = open_db(db)
    try:
        user = find_user(store, who)
    except UnknownUser as exc:
        _fail(str(exc))
    user["facilities"] = facilities_managed_by(store, user["id"])
    if as_json:
        print_json(user)
        return
    _show_users([user])
    for f in user["facilities"]:
        console.print(f"  {f['role']} of facility {f['id']}: {escape(f['name'])}")


def _set_admin(who: str, value: bool, db: str | None, as_email: str | None, as_json: bool) -> None:
    from refaire.people.users import set_admin

    store = open_db(db)
    try:
        user = set_admin(store, who, value, by=cli_actor(store, as_email))
    except (PeopleError, NotAllowed, UnknownUser) as exc:
        _refused(exc)
    if as_json:
        print_json(user)
    else:
        state = "a site admin" if value else "a member"
        console.print(f"{escape(user['email'])} is now {state}")


def users_promote_command(
    who: str = typer.Argument(..., help="E-mail or id."),
    db: str | None = DbOption,
    as_email: str | None = AsOption,
    as_json: bool = JsonOption,
) -> None:
    """Make an account a site admin."""
    _set_admin(who, True, db, as_email, as_json)


def users_demote_command(
    who: str = typer.Argument(..., help="E-mail or id."),
    db: str | None = DbOption,
    as_email: str | None = AsOption,
    as_json: bool = JsonOption,
) -> None:
    """Make a site admin a member again."""
    _set_admin(who, False, db, as_email, as_json)


def tokens_create_command(
    who: str = typer.Argument(..., help="E-mail or id of the token's owner."),
    name: str = typer.Option(..., "--name", help="What the token is for."),
    scope: list[str] = typer.Option(
        ..., "--scope", help="Repeatable: read, write:facilities, write:designs, admin."
    ),
    db: str | None = DbOption,
    as_email: str | None = AsOption,
    as_json: bool = JsonOption,
) -> None:
    """Create a personal API token. Its secret is printed this once: keep it."""
    from refaire.people.tokens import create_token
    from refaire.people.users import find_user

    store = open_db(db)
    try:
        owner = find_user(store, who)
        made = create_token(store, owner["id"], name, scope, by=cli_actor(store, as_email))
    except (PeopleError, NotAllowed, UnknownUser) as exc:
        _refused(exc)
    if as_json:
        print_json(made)
    else:
        console.print(
            f"token {made['id']} ({', '.join(made['scopes'])}) for {escape(owner['email'])}:"
        )
        console.print(made["token"], markup=False, highlight=False)
        console.print("shown once: store it now")


def tokens_list_command(
    who: str | None = typer.Argument(None, help="Only this account's tokens (e-mail or id)."),
    db: str | None = DbOption,
    as_json: bool = JsonOption,
) -> None:
    """Tokens (never their secrets), newest first, with their last use."""
    from refaire.people.tokens import list_tokens
    from refaire.people.users import find_user

    store = open_db(db)
    try:
        uid = find_user(store, who)["id"] if who else None
    except UnknownUser as exc:
        _fail(str(exc))
    result = list_tokens(store, uid)
    if as_json:
        print_json(result)
        return
    table = Table("id", "user", "name", "prefix", "scopes", "last used", "revoked")
    for t in result["items"]:
        table.add_row(
            str(t["id"]), str(t["user_id"]), escape(t["name"]), t["prefix"] + "…",
            ", ".join(t["scopes"]), t["last_used_at"] or "never", t["revoked_at"] or "",
        )  # fmt: skip
    console.print(table)


def tokens_revoke_command(
    token_id: int = typer.Argument(..., min=1, help="The token's id (see `tokens list`)."),
    db: str | None = DbOption,
    as_email: str | None = AsOption,
    as_json: bool = JsonOption,
) -> None:
    """Revoke a token: it stops working at once."""
    from refaire.people.tokens import revoke_token

    store = open_db(db)
    try:
        done = revoke_token(store, token_id, by=cli_actor(store, as_email))
    except (NotAllowed, LookupError) as exc:
        _refused(exc)
    if as_json:
        print_json(done)
    else:
        console.print(f"token {token_id} revoked at {done['revoked_at']}")


def audit_command(
    target: str | None = typer.Option(None, "--target", help="TYPE or TYPE:ID, e.g. facility:12."),
    actor: str | None = typer.Option(None, "--actor", help="e.g. user:3, cli, admin-token."),
    limit: int = typer.Option(50, "--limit", min=1, max=500, help="How many to show."),
    offset: int = typer.Option(0, "--offset", min=0, help="Skip this many (pagination)."),
    db: str | None = DbOption,
    as_json: bool = JsonOption,
) -> None:
    # its help is its line in _commands.COMMANDS, written once
    from refaire.people.audit import list_entries, parse_target

    kind = ident = None
    if target:
        try:
            kind, ident = parse_target(target)
        except ValueError as exc:
            _fail(str(exc), 2)
    result = list_entries(
        open_db(db), target_type=kind, target_id=ident, actor=actor, limit=limit, offset=offset
    )
    if as_json:
        print_json(result)
        return
    table = Table("id", "at", "actor", "action", "target", "before → after")
    for e in result["items"]:
        change = f"{e['before'] if e['before'] is not None else '–'} → {e['after'] if e['after'] is not None else '–'}"
        table.add_row(
            str(e["id"]), e["at"], escape(e["actor"]), escape(e["action"]),
            escape(f"{e['target_type']}:{e['target_id']}"), escape(change),
        )  # fmt: skip
    console.print(table)
    console.print(f"{result['total']} entries")


def mail_outbox_command(
    limit: int = typer.Option(20, "--limit", min=1, max=500, help="How many to show."),
    as_json: bool = JsonOption,
) -> None:
    """Mails written to the outbox (REFAIRE_OUTBOX, or beside the SQLite database), newest
    first. Used when REFAIRE_SMTP_URL is not set."""
    from refaire.people.mail import list_outbox

    result = list_outbox(limit=limit)
    if as_json:
        print_json(result)
        return
    console.print(f"{result['total']} messages in {escape(result['folder'])}")
    for m in result["items"]:
        console.rule(escape(f"{m['date']} · to {m['to']} · {m['subject']}"))
        console.print(m["text"], markup=False, highlight=False)


def register(app: typer.Typer) -> None:
    users_app.command("add")(users_add_command)
    users_app.command("list")(users_list_command)
    users_app.command("show")(users_show_command)
    users_app.command("promote")(users_promote_command)
    users_app.command("demote")(users_demote_command)
    tokens_app.command("create")(tokens_create_command)
    tokens_app.command("list")(tokens_list_command)
    tokens_app.command("revoke")(tokens_revoke_command)
    mail_app.command("outbox")(mail_outbox_command)
    app.add_typer(users_app, name="users")
    app.add_typer(tokens_app, name="tokens")
    app.add_typer(mail_app, name="mail")
    app.command("audit", help=_commands.summary("audit"))(audit_command)
