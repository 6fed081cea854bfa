"""The `commentq` command: a Flask CLI group bound to ``service:create_app``."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import FlaskGroup, with_appcontext
from sqlalchemy import select

from service.models import Moderator


def _create_app():
    from service import create_app

    return create_app()


@click.group(cls=FlaskGroup, create_app=_create_app, add_default_commands=False, add_version_option=False)
def cli() -> None:
    """commentq: comment moderation for blogs."""


def main() -> None:
    cli(prog_name="commentq")


# --- database ---------------------------------------------------------------------------------
@cli.group()
def db() -> None:
    """Schema migrations."""


@db.command("upgrade")
@click.option("--revision", default="head")
@with_appcontext
def db_upgrade(revision: str) -> None:
    """Create or upgrade the schema (Alembic)."""
    from service.migrate import upgrade

    upgrade(current_app.extensions["db"], revision)
    click.echo(f"database at {revision}")


# --- articles ---------------------------------------------------------------------------------
@cli.group()
def article() -> None:
    """Articles in the store."""


@article.command("put")
@click.argument("slug")
@click.option("--title", default=None, help="Required for a new article; kept when not given.")
@click.option("--url", default=None, help="The article's public URL (form posts are redirected there).")
@click.option("--closed/--open", default=None, help="Close or open comments; unchanged when neither is given.")
@click.option("--body-file", type=click.Path(exists=True, dir_okay=False), default=None)
@with_appcontext
def article_put(slug: str, title: str | None, url: str | None, closed: bool | None, body_file: str | None) -> None:
    """Create an article, or change only what is given of an existing one."""
    from service import store
    from service.security import origin_of
    from service.validation import slug_problem

    problem = slug_problem(slug)
    if problem:
        raise click.BadParameter(f"{slug!r}: {problem}", param_hint="SLUG")
    if url and origin_of(url) is None:
        raise click.BadParameter("must be an http(s) URL", param_hint="--url")
    body = Path(body_file).read_text(encoding="utf-8") if body_file else None
    with current_app.extensions["db"].session() as session:
        try:
            a = store.put_article(session, slug, title, url, closed, body)
        except store.StoreError as exc:
            raise click.UsageError(f"{exc} (--{exc.field})") from exc
        click.echo(f"article {a.slug}: {'closed' if a.closed else 'open'}, {a.comment_count} comment(s)")


# --- moderators -------------------------------------------------------------------------------
@cli.group()
def moderator() -> None:
    """Moderator accounts and tokens."""


@moderator.command("create")
@click.argument("name")
@with_appcontext
def moderator_create(name: str) -> None:
    """Create a moderator and print its token (shown once, stored hashed)."""
    from service.auth import create_moderator

    with current_app.extensions["db"].session() as session:
        try:
            _, token = create_moderator(session, name)
        except ValueError as exc:
            raise click.ClickException(str(exc)) from exc
    click.echo(token)


@moderator.command("list")
@with_appcontext
def moderator_list() -> None:
    with current_app.extensions["db"].session() as session:
        for m in session.scalars(select(Moderator).order_by(Moderator.name)):
            state = f"revoked {m.revoked_at:%Y-%m-%d}" if m.revoked_at else "active"
            click.echo(f"{m.name}\t{state}\tcreated {m.created_at:%Y-%m-%d}")


@moderator.command("revoke")
@click.argument("name")
@with_appcontext
def moderator_revoke(name: str) -> None:
    from service.auth import revoke_moderator

    with current_app.extensions["db"].session() as session:
        if not revoke_moderator(session, name):
            raise click.ClickException(f"no active moderator {name!r}")
    click.echo(f"revoked {name}")


# --- operations -------------------------------------------------------------------------------
@cli.command("requeue")
@click.option("--status", type=click.Choice(["failed", "received", "checking"]), default="failed")
@with_appcontext
def requeue(status: str) -> None:
    """Send comments back to the workers (e.g. `failed` ones after an outage), attempts reset."""
    from service import store
    from service.models import Comment, Status
    from service.queue import enqueue_comment

    n = 0
    with current_app.extensions["db"].session() as session:
        ids = list(session.scalars(select(Comment.id).where(Comment.status == status)))
        for cid in ids:
            old = store.transition(
                session,
                cid,
                (status,),
                Status.RECEIVED,
                action="requeue",
                actor="operator",
                note="commentq requeue",
                attempts=0,
            )
            session.commit()
            if old is not None:
                enqueue_comment(cid)
                n += 1
    click.echo(f"requeued {n} comment(s)")


# --- personal data ----------------------------------------------------------------------------
@cli.group()
def privacy() -> None:
    """A commenter's personal data: export (access request), erase (erasure request), forget old IPs."""


@privacy.command("export")
@click.argument("email")
@with_appcontext
def privacy_export(email: str) -> None:
    """Print, as JSON, every comment sent with EMAIL and what commentq holds about it."""
    from service.privacy import export

    with current_app.extensions["db"].session() as session:
        click.echo(json.dumps(export(session, email), ensure_ascii=False, indent=2))


@privacy.command("erase")
@click.argument("email")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@with_appcontext
def privacy_erase(email: str, yes: bool) -> None:
    """Anonymise every comment sent with EMAIL (name, email, website, IP, user agent); the text stays."""
    from service.privacy import erase

    if not yes:
        click.confirm("Erase this commenter's personal data from every comment? This cannot be undone", abort=True)
    with current_app.extensions["db"].session() as session:
        n = erase(session, email, actor="operator")
    click.echo(f"erased the personal data of {n} comment(s)")


@privacy.command("forget-ips")
@click.option(
    "--older-than", "days", type=click.IntRange(min=0), default=None, help="Days (default: COMMENTQ_IP_RETENTION_DAYS)."
)
@with_appcontext
def privacy_forget_ips(days: int | None) -> None:
    """Clear the IP address and user agent of decided comments older than the retention period."""
    from service.privacy import forget_addresses

    days = current_app.extensions["settings"].ip_retention_days if days is None else days
    if days <= 0:
        raise click.ClickException("no retention period: pass --older-than DAYS or set COMMENTQ_IP_RETENTION_DAYS")
    with current_app.extensions["db"].session() as session:
        n = forget_addresses(session, days)
    click.echo(f"forgot the IP address of {n} comment(s) older than {days} days")


@cli.command("run")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--workers", "worker_count", default=2, show_default=True, type=int, help="Celery worker processes.")
def run(host: str, port: int, worker_count: int) -> None:
    """Web + worker + beat in one foreground command (embedded Redis if REDIS_URL is unset)."""
    from service.runner import run_all

    sys.exit(run_all(host, port, worker_count))


def _spam_group() -> None:
    try:
        from workers.cli import spam
    except ImportError:  # pragma: no cover
        return
    cli.add_command(spam)


_spam_group()

if __name__ == "__main__":  # pragma: no cover
    main()
