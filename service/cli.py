"""The `commentq` command: a Flask CLI group bound to ``service:create_app``.

Groups: ``db``, ``article``, ``moderator``, ``requeue``, ``privacy``, ``run`` (web + worker + beat) and
``spam train|loso|evaluate|retrain``. ``spam evaluate`` runs the workers' real check pipeline (every
check, the policy, the shipped or given model) on each CSV row offline (``workers/spam/evaluate.py``
describes the columns, ``--rows`` and ``--learn``); ``spam loso`` is the classifier's
leave-one-source-out evaluation (``workers/spam/loso.py``). Heavy imports happen inside each command."""

from __future__ import annotations

import csv
import json
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click
from flask import Flask
from flask.cli import FlaskGroup, with_appcontext
from sqlalchemy import select

from service.core.db import get_db
from service.core.errors import InvalidInput, NotAllowed
from service.core.models import Moderator
from service.core.settings import Settings, SettingsError, current_settings, load
from service.core.vocabulary import Status

if TYPE_CHECKING:
    from service.core.settings import Settings


def _create_app() -> Flask:
    from service import create_app
    from service.core.settings import SettingsError

    try:
        return create_app()
    except SettingsError as exc:  # a bad environment variable: say which one, start nothing
        raise click.ClickException(str(exc)) from exc


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
    from service.core.migrate import upgrade

    upgrade(get_db(), revision)
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
    from service.core import store
    from service.core.validation import slug_problem
    from service.web.security import origin_of

    problem = slug_problem(slug)
    if problem:
        raise click.BadParameter(f"{slug!r}: {problem}", param_hint="SLUG")
    if url and origin_of(url) is None:
        raise click.BadParameter("must be an http(s) URL", param_hint="--url")
    body = Path(body_file).read_text(encoding="utf-8") if body_file else None
    with get_db().session() as session:
        try:
            a = store.put_article(session, slug, title, url, closed, body)
        except InvalidInput as exc:
            raise click.UsageError(f"{exc} (--{', --'.join(exc.errors)})") from exc
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
    from service.core.moderators import create_moderator

    with get_db().session() as session:
        try:
            _, token = create_moderator(session, name)
        except NotAllowed as exc:
            raise click.ClickException(str(exc)) from exc
    click.echo(token)


@moderator.command("list")
@with_appcontext
def moderator_list() -> None:
    with get_db().session() as session:
        for m in session.scalars(select(Moderator).order_by(Moderator.name)):
            state = f"revoked {m.revoked_at:%Y-%m-%d}" if m.revoked_at else "active"
            click.echo(f"{m.name}\t{state}\tcreated {m.created_at:%Y-%m-%d}")


@moderator.command("revoke")
@click.argument("name")
@with_appcontext
def moderator_revoke(name: str) -> None:
    from service.core.moderators import revoke_moderator

    with get_db().session() as session:
        if not revoke_moderator(session, name):
            raise click.ClickException(f"no active moderator {name!r}")
    click.echo(f"revoked {name}")


# --- operations -------------------------------------------------------------------------------
@cli.command("requeue")
# The values, not the members: Click matches an Enum choice by its member *name* (FAILED).
@click.option(
    "--status",
    type=click.Choice([s.value for s in (Status.FAILED, Status.RECEIVED, Status.CHECKING)]),
    default=Status.FAILED.value,
)
@with_appcontext
def requeue(status: str) -> None:
    """Send comments back to the workers (e.g. `failed` ones after an outage), attempts reset."""
    from service.core import store
    from service.core.queue import enqueue_comment

    n = 0
    with get_db().session() as session:
        for cid in store.requeue(session, Status(status), actor="operator"):
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
    from service.core.privacy import export

    with get_db().session() as session:
        click.echo(json.dumps(export(session, email), ensure_ascii=False, indent=2))


@privacy.command("erase")
@click.argument("email")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@with_appcontext
def privacy_erase(email: str, yes: bool) -> None:
    """Anonymise every comment sent with EMAIL (name, email, website, IP, user agent); the text stays."""
    from service.core.privacy import erase

    if not yes:
        click.confirm("Erase this commenter's personal data from every comment? This cannot be undone", abort=True)
    with get_db().session() as session:
        n = erase(session, email, actor="operator")
    click.echo(f"erased the personal data of {n} comment(s)")


@privacy.command("forget-ips")
@click.option(
    "--older-than", "days", type=click.IntRange(min=0), default=None, help="Days (default: COMMENTQ_IP_RETENTION_DAYS)."
)
@with_appcontext
def privacy_forget_ips(days: int | None) -> None:
    """Clear the IP address and user agent of decided comments older than the retention period."""
    from service.core.privacy import forget_addresses

    if days is None:
        days = current_settings().ip_retention_days
        if days <= 0:  # the setting's 0 means "keep them"; an explicit --older-than 0 means "all decided"
            raise click.ClickException("no retention period: pass --older-than DAYS or set COMMENTQ_IP_RETENTION_DAYS")
    with get_db().session() as session:
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


# --- the spam classifier and the checks, offline ----------------------------------------------
def _settings() -> Settings:
    try:
        return current_settings()
    except (RuntimeError, KeyError):  # outside an app context (the offline spam commands)
        try:
            return load()
        except SettingsError as exc:  # one line naming the variable, as the other commands give
            raise click.ClickException(str(exc)) from exc


class _SpamGroup(click.Group):
    """Training without the ``train`` extra ends in one clear line, not a traceback."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except RuntimeError as exc:
            from workers.spam.training import TrainingUnavailable

            if isinstance(exc, TrainingUnavailable):
                raise click.ClickException(str(exc)) from exc
            raise


@cli.group("spam", cls=_SpamGroup)  # no app context: the offline commands need only the settings
def spam() -> None:
    """The spam classifier: train it, evaluate the checks on a labelled corpus."""


@spam.command("train")
@click.argument("paths", nargs=-1, type=click.Path(exists=True))
@click.option(
    "--out",
    type=click.Path(dir_okay=False),
    default=None,
    help="Where to write the model (default: the shipped workers/spam/data/spam-model.json.gz).",
)
@click.option(
    "--loso-out",
    type=click.Path(dir_okay=False),
    default=None,
    help="Also write the leave-one-source-out decision values (JSON) for `spam loso --scores`.",
)
def train_cmd(paths: tuple[str, ...], out: str | None, loso_out: str | None) -> None:
    """Train the shipped model from corpus CSVs or folders (default: the shipped corpus,
    workers/spam/data/corpus/): leave-one-source-out runs give the calibration, then one fit on all
    rows. Deterministic on one machine; other machines agree to rounding (BLAS, CPU)."""
    from workers.spam.model import SHIPPED_MODEL, describe
    from workers.spam.training import SHIPPED_CORPUS, out_of_source, read_sources, train_sources

    t0 = time.perf_counter()
    rows = read_sources(paths or [SHIPPED_CORPUS])
    z, tested = out_of_source(rows)
    if loso_out:
        Path(loso_out).write_text(json.dumps({"z": z, "tested": tested, "rows": len(rows)}))
    model = train_sources(rows, z=z, tested=tested)
    target = Path(out) if out else SHIPPED_MODEL
    blob = model.to_bytes()
    target.write_bytes(blob)
    click.echo(
        json.dumps(
            {
                **describe(model),
                "calibration": model.calibration,
                "file": str(target),
                "bytes": len(blob),
                "seconds": round(time.perf_counter() - t0, 2),
            }
        )
    )


@spam.command("loso")
@click.argument("paths", nargs=-1, type=click.Path(exists=True))
@click.option(
    "--scores",
    type=click.Path(exists=True, dir_okay=False),
    default=None,
    help="Decision values written by `spam train --loso-out` (else the folds are trained now).",
)
@click.option("--spam-threshold", "spam_t", type=float, default=None, help="Reject threshold (default: settings).")
@click.option("--hold-threshold", "hold_t", type=float, default=None, help="Hold threshold (default: settings).")
def loso_cmd(paths: tuple[str, ...], scores: str | None, spam_t: float | None, hold_t: float | None) -> None:
    """Leave-one-source-out evaluation of the classifier alone: per held-out source, ham rejected,
    spam not published and AUC at the given thresholds on calibrated probabilities (JSON)."""
    from workers.spam.loso import report
    from workers.spam.training import SHIPPED_CORPUS, read_sources

    rows = read_sources(paths or [SHIPPED_CORPUS])
    z = tested = None
    if scores:
        doc = json.loads(Path(scores).read_text())
        if doc.get("rows") != len(rows):
            raise click.ClickException(f"{scores} was computed on {doc.get('rows')} rows, not these {len(rows)}")
        z, tested = doc["z"], doc["tested"]
    settings = _settings()
    result = report(
        rows,
        spam=settings.classifier_spam if spam_t is None else spam_t,
        hold=settings.classifier_hold if hold_t is None else hold_t,
        z=z,
        tested=tested,
    )
    click.echo(json.dumps(result, indent=1))


@spam.command("retrain")
def retrain_cmd() -> None:
    """Retrain now on the corpus plus moderators' decisions, and store it for every worker."""
    from service.core.db import Database
    from workers.spam.learning import retrain

    db = Database(_settings())
    try:
        with db.session() as session:
            row = retrain(session, min_new=1)
            click.echo(json.dumps({"stored": row.version if row else None}))
    finally:
        db.dispose()


@spam.command("evaluate")
@click.argument("csv_file", type=click.Path(exists=True, dir_okay=False))
@click.option(
    "--model",
    "model_path",
    type=click.Path(exists=True, dir_okay=False),
    default=None,
    help="Evaluate this model file instead of the shipped one.",
)
@click.option(
    "--rows",
    "rows_out",
    type=click.Path(dir_okay=False, writable=True),
    default=None,
    help="Write each row's outcome and every check's verdict, score and reason to this CSV.",
)
@click.option(
    "--learn",
    is_flag=True,
    default=False,
    help="Replay moderators: held and rejected rows are labelled as they arrive and the model "
    "retrains as in production; adds the figures per slice of the file (learning curve).",
)
@click.option(
    "--retrain-every",
    type=click.IntRange(min=1),
    default=None,
    help="With --learn: retrain after this many new labels (default: COMMENTQ_RETRAIN_EVERY).",
)
@click.option(
    "--slices",
    type=click.IntRange(min=1),
    default=10,
    show_default=True,
    help="With --learn: how many consecutive slices the learning curve has.",
)
@click.option(
    "--corpus",
    "corpus",
    multiple=True,
    type=click.Path(exists=True),
    help="With --learn: retrain on this corpus (CSV or folder) instead of the shipped one.",
)
def evaluate_cmd(
    csv_file: str,
    model_path: str | None,
    rows_out: str | None,
    learn: bool,
    retrain_every: int | None,
    slices: int,
    corpus: tuple[str, ...],
) -> None:
    """Run the real check pipeline on a labelled CSV (CONTENT, CLASS; optional AUTHOR, URL, EMAIL,
    DATE, ARTICLE, ARTICLE_TEXT) and print one JSON object with the counts, precision, recall, F1 and
    false-positive rate (CONTRACT.md "Spam corpus format")."""
    from service.core.settings import PolicyConfig
    from workers.spam.evaluate import CorpusError, evaluate, read_rows

    try:
        rows = read_rows(csv_file)
    except (UnicodeDecodeError, OSError, CorpusError, csv.Error) as exc:
        raise click.ClickException(f"cannot read {csv_file}: {exc}") from exc
    if not rows:
        raise click.ClickException(f"{csv_file}: no rows with CONTENT and CLASS (0 or 1)")
    settings = _settings()
    try:
        result = evaluate(
            rows,
            config=PolicyConfig.from_settings(settings),
            model_path=model_path,
            rows_out=rows_out,
            learn=learn,
            slices=slices,
            corpus=corpus or None,
            retrain_every=retrain_every or settings.retrain_every,
        )
    except OSError as exc:
        raise click.ClickException(str(exc)) from exc
    sys.stdout.write(json.dumps(result) + "\n")


if __name__ == "__main__":  # pragma: no cover
    main()
