"""``commentq spam evaluate``: the optional columns (URL, EMAIL, DATE, ARTICLE, ARTICLE_TEXT) reach
the checks as in production, ``--rows`` writes every check's verdict, and ``--learn`` replays
moderators, retrains through the production code path and prints a learning curve."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from service.cli import spam
from tests.unit.checks_support import CONTRACT_FIGURES
from workers.checks.base import PASS, CheckContext, Submission, Verdict
from workers.spam import model as spam_model
from workers.spam import training
from workers.spam.evaluate import CorpusError, Row, evaluate, read_rows

HEADER = ["AUTHOR", "URL", "EMAIL", "DATE", "ARTICLE", "ARTICLE_TEXT", "CONTENT", "CLASS"]


def _write(path: Path, rows: list[dict], header: list[str] = HEADER) -> Path:
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=header)
        w.writeheader()
        for r in rows:
            w.writerow({k: r.get(k, "") for k in header})
    return path


class Recorder:
    """A check that passes everything and keeps the submissions it saw (what the checks see)."""

    name = "recorder"

    def __init__(self) -> None:
        self.seen: list[Submission] = []

    def run(self, sub: Submission, ctx: CheckContext) -> Verdict:
        self.seen.append(sub)
        return Verdict(self.name, PASS, 0.0, "seen")


def test_every_optional_column_reaches_the_submission(tmp_path: Path):
    path = _write(
        tmp_path / "blog.csv",
        [
            {
                "AUTHOR": "Ann",
                "URL": "https://ann.example.org/",
                "EMAIL": "ann@example.org",
                "DATE": "2024-05-02T10:00:00Z",
                "ARTICLE": "Bread",
                "ARTICLE_TEXT": "How to bake sourdough bread.",
                "CONTENT": "Second by date, first in the file.",
                "CLASS": "0",
            },
            {
                "AUTHOR": "Bob",
                "DATE": "2024-05-01 09:30",
                "ARTICLE": "Bikes",
                "CONTENT": "First by date.",
                "CLASS": "1",
            },
            {
                "AUTHOR": "Cy",
                "DATE": "2024-05-03T00:00:00+02:00",
                "ARTICLE": "Bread",
                "ARTICLE_TEXT": "How to bake sourdough bread.",
                "CONTENT": "Third.",
                "CLASS": "0",
            },
        ],
    )
    rows = read_rows(path)
    recorder = Recorder()
    evaluate(rows, checks=[recorder])
    first, second, third = recorder.seen
    assert [s.body for s in recorder.seen] == ["First by date.", "Second by date, first in the file.", "Third."]
    assert second.url == "https://ann.example.org/" and second.email == "ann@example.org"
    assert first.url is None and first.email == "row-3@example.org"  # placeholder: validation passes
    assert first.created_at.isoformat() == "2024-05-01T09:30:00+00:00"  # naive dates are UTC
    assert third.created_at.isoformat() == "2024-05-02T22:00:00+00:00"
    assert second.article_id == third.article_id != first.article_id
    assert (second.article_title, second.article_text) == ("Bread", "How to bake sourdough bread.")
    assert (first.article_title, first.article_text) == ("Bikes", None)


def test_without_optional_columns_rows_are_one_second_apart_in_file_order(tmp_path: Path):
    path = _write(
        tmp_path / "plain.csv", [{"CONTENT": f"row {n}", "CLASS": "0"} for n in range(3)], header=["CONTENT", "CLASS"]
    )
    recorder = Recorder()
    evaluate(read_rows(path), checks=[recorder])
    times = [s.created_at for s in recorder.seen]
    assert [(b - a).total_seconds() for a, b in zip(times, times[1:], strict=False)] == [1.0, 1.0]
    assert {s.article_id for s in recorder.seen} == {1} and recorder.seen[0].article_text is None


def test_a_bad_or_missing_date_is_a_clear_error_naming_the_line(tmp_path: Path):
    path = _write(
        tmp_path / "bad.csv",
        [{"CONTENT": "ok", "CLASS": "0", "DATE": "2024-01-01"}, {"CONTENT": "ok", "CLASS": "0", "DATE": "yesterday"}],
    )
    with pytest.raises(CorpusError, match="line 3: DATE 'yesterday'"):
        read_rows(path)
    result = CliRunner().invoke(spam, ["evaluate", str(path)])
    assert result.exit_code != 0 and "line 3" in result.output and "Traceback" not in result.output
    partial = _write(
        tmp_path / "partial.csv",
        [{"CONTENT": "ok", "CLASS": "0", "DATE": "2024-01-01"}, {"CONTENT": "ok", "CLASS": "0", "DATE": ""}],
    )
    with pytest.raises(CorpusError, match="line 3: no DATE"):
        read_rows(partial)
    # An empty DATE column is no DATE column: file order.
    empty = _write(tmp_path / "empty.csv", [{"CONTENT": "b", "CLASS": "0"}, {"CONTENT": "a", "CLASS": "0"}])
    assert [r.date for r in read_rows(empty)] == [None, None]


PITCH = "Visit our online pharmacy for cheap pills and discount meds, best prices on viagra and cialis"


def test_email_makes_a_repeat_by_the_same_sender_a_duplicate(tmp_path: Path):
    """The duplicates check tells one sender repeating a text (spam) from two readers with the same
    words (not spam): only the EMAIL column says which it is."""
    text = "I made this bread with rye flour and a longer proof, and it came out dense but very tasty"
    same = [{"CONTENT": text, "CLASS": "0", "EMAIL": "dora@example.org", "AUTHOR": "Dora"} for _ in range(2)]
    other = [{"CONTENT": text, "CLASS": "0", "EMAIL": f"r{n}@example.org", "AUTHOR": f"R{n}"} for n in range(2)]
    out_same, out_other = tmp_path / "same.csv", tmp_path / "other.csv"
    evaluate(read_rows(_write(tmp_path / "a.csv", same)), rows_out=out_same)
    evaluate(read_rows(_write(tmp_path / "b.csv", other)), rows_out=out_other)
    same_rows = list(csv.DictReader(out_same.open(encoding="utf-8")))
    other_rows = list(csv.DictReader(out_other.open(encoding="utf-8")))
    assert same_rows[1]["duplicates_verdict"] == "spam"
    assert other_rows[1]["duplicates_verdict"] != "spam"


def test_date_windows_behave_as_in_production(tmp_path: Path):
    """Near-copies count within COMMENTQ_NEAR_WINDOW (a day): the same text from three senders within
    an hour, each with a website, is held as a campaign, spread over three weeks it is not."""
    text = "Has anyone tried this recipe at high altitude? Mine collapsed twice and I am not sure why at all"

    def rows(dates: list[str]) -> list[dict]:
        ends = ["", " Thanks.", " Cheers."]
        return [
            {
                "CONTENT": text + ends[n],
                "CLASS": "0",
                "EMAIL": f"p{n}@example.org",
                "AUTHOR": f"P{n}",
                "URL": f"https://p{n}.example.org/",
                "DATE": d,
            }
            for n, d in enumerate(dates)
        ]

    close = tmp_path / "close.csv"
    spread = tmp_path / "spread.csv"
    evaluate(
        read_rows(_write(tmp_path / "c.csv", rows(["2024-03-01T10:00", "2024-03-01T10:20", "2024-03-01T10:40"]))),
        rows_out=close,
    )
    evaluate(read_rows(_write(tmp_path / "s.csv", rows(["2024-03-01", "2024-03-08", "2024-03-15"]))), rows_out=spread)
    assert list(csv.DictReader(close.open(encoding="utf-8")))[2]["duplicates_verdict"] == "hold"
    assert list(csv.DictReader(spread.open(encoding="utf-8")))[2]["duplicates_verdict"] == "pass"


def test_article_separates_exact_duplicates(tmp_path: Path):
    """The same sender may post the same short text on two articles; on one article it is a repeat."""
    rows = [
        {"CONTENT": "Thanks, this helped!", "CLASS": "0", "EMAIL": "e@example.org", "ARTICLE": a}
        for a in ("one", "two", "two")
    ]
    out = tmp_path / "rows.csv"
    evaluate(read_rows(_write(tmp_path / "x.csv", rows)), rows_out=out)
    verdicts = [r["duplicates_verdict"] for r in csv.DictReader(out.open(encoding="utf-8"))]
    assert verdicts == ["pass", "pass", "spam"]


def test_url_column_is_the_website_reputation_reads(tmp_path: Path):
    """With --learn a moderator marks the first comment spam; a later one from a different email but
    the same website is then spam by reputation, one from another website is not."""
    rows = [
        {"CONTENT": PITCH, "CLASS": "1", "EMAIL": "a@example.org", "URL": "https://pills.example.com/"},
        {
            "CONTENT": "Nice photos of the bridge.",
            "CLASS": "1",
            "EMAIL": "b@example.org",
            "URL": "https://pills.example.com",
        },
        {
            "CONTENT": "Nice photos of the bridge!",
            "CLASS": "0",
            "EMAIL": "c@example.org",
            "URL": "https://carol.example.net/",
        },
    ]
    out = tmp_path / "rows.csv"
    evaluate(read_rows(_write(tmp_path / "x.csv", rows)), rows_out=out, learn=True, retrain_every=100)
    got = list(csv.DictReader(out.open(encoding="utf-8")))
    assert got[0]["STATUS"] != "published"
    assert got[1]["reputation_verdict"] == "spam" and "website" in got[1]["reputation_reason"]
    assert got[2]["reputation_verdict"] == "pass"


def test_rows_out_has_each_rows_outcome_and_every_checks_verdict(tmp_path: Path):
    path = _write(
        tmp_path / "x.csv",
        [
            {"AUTHOR": "a", "CONTENT": "Check out my new channel and subscribe!! http://bit.ly/x", "CLASS": "1"},
            {
                "AUTHOR": "b",
                "CONTENT": "Thanks for the clear summary of where the talks will take place.",
                "CLASS": "0",
            },
            {"AUTHOR": "c", "CONTENT": "", "CLASS": "0"},
        ],
        header=["AUTHOR", "CONTENT", "CLASS"],
    )
    out = tmp_path / "out.csv"
    result = CliRunner().invoke(spam, ["evaluate", str(path), "--rows", str(out)])
    assert result.exit_code == 0, result.output
    got = list(csv.DictReader(out.open(encoding="utf-8")))
    assert [r["LINE"] for r in got] == ["2", "3", "4"] and [r["CLASS"] for r in got] == ["1", "0", "0"]
    assert got[2]["STATUS"] == "rejected" and got[2]["validation_verdict"] == "invalid"
    assert got[1]["STATUS"] == "published" and got[1]["DECIDED_BY"] == "policy"
    from workers.checks import default_checks

    for check in default_checks():
        for r in got:
            assert r[f"{check.name}_verdict"] in ("pass", "hold", "spam", "invalid")
            float(r[f"{check.name}_score"])
            assert r[f"{check.name}_reason"]
    summary = json.loads(result.output)
    assert summary["rows"] == 3 and summary["ham_rejected"] == 1


def _small_corpus(path: Path) -> Path:
    """A tiny training corpus (three sources) so that a retrain takes a fraction of a second."""
    hams = [
        "Thanks, the second step fixed it for me.",
        "I disagree with the point about the timeline.",
        "Could you share the source for the figure?",
        "Lovely writing, I read it twice.",
        "My bike has the same problem with the chain.",
        "The map in the third section is wrong.",
    ]
    spams = [
        "Buy cheap watches online now, free shipping",
        "Earn money from home, click my profile",
        "Best casino bonus, sign up today and win",
        "Cheap followers and likes, order now",
        "Discount replica bags, order today",
        "Win a free phone, reply with your address",
    ]
    path.mkdir(exist_ok=True)
    for n in range(3):
        _write(
            path / f"src{n}.csv",
            [{"CONTENT": t, "CLASS": "0"} for t in hams[n * 2 : n * 2 + 2]]
            + [{"CONTENT": t, "CLASS": "1"} for t in spams[n * 2 : n * 2 + 2]],
            header=["CONTENT", "CLASS"],
        )
    return path


ZORA = [
    "Book your aura reading with Madame Zora, crystal healing sessions this week",
    "Madame Zora aura reading and crystal healing, book sessions now",
    "Crystal healing with Madame Zora: aura reading sessions, book today",
    "Aura reading by Madame Zora, crystal healing sessions available",
]


def test_learn_replays_moderators_retrains_and_prints_a_learning_curve(tmp_path: Path):
    corpus = _small_corpus(tmp_path / "corpus")
    rows = []
    for n in range(12):  # Zora's pitches (spam) among ordinary readers' comments (ham)
        rows.append({"AUTHOR": f"z{n}", "CONTENT": f"{ZORA[n % 4]} {n}", "CLASS": "1"})
        rows.append(
            {"AUTHOR": f"r{n}", "CONTENT": f"Reader comment number {n}: the recipe worked for me.", "CLASS": "0"}
        )
    path = _write(tmp_path / "stream.csv", rows, header=["AUTHOR", "CONTENT", "CLASS"])
    out = tmp_path / "rows.csv"
    result = CliRunner().invoke(
        spam,
        [
            "evaluate",
            str(path),
            "--learn",
            "--retrain-every",
            "2",
            "--slices",
            "4",
            "--corpus",
            str(corpus),
            "--rows",
            str(out),
        ],
    )
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output)
    learning = summary["learning"]
    assert len(learning["curve"]) == 4
    assert [s["last_row"] for s in learning["curve"]] == [6, 12, 18, 24]
    assert sum(s["rows"] for s in learning["curve"]) == 24
    assert learning["labels"] >= 2 and learning["retrains"] >= 1
    assert learning["curve"][-1]["labels"] == learning["labels"]

    # The model changed as it learned, through the same code path as workers/spam/learning.py.
    got = list(csv.DictReader(out.open(encoding="utf-8")))
    versions = [r["MODEL"] for r in got]
    assert versions[0] == spam_model.shipped_model().version and versions[-1] == learning["final_model_version"]
    assert len(set(versions)) >= 2
    labelled = [
        (r.text, r.label)
        for r in read_rows(path)
        if next(g for g in got if g["LINE"] == str(r.line))["STATUS"] != "published"
    ]
    base = training.read_sources([corpus])
    texts, labels = [t for t, _ in labelled], [y for _, y in labelled]
    # Replaying the same labels in the same order reproduces a model of the final version.
    at = learning["retrains"] * 2
    final = training.retrain_with(
        texts[:at], labels[:at], last_example_id=at, base=base, calibration=spam_model.shipped_model().calibration
    )
    assert final.version == learning["final_model_version"]
    untaught = training.retrain_with([], [], base=base, calibration=spam_model.shipped_model().calibration)
    probe = "Madame Zora offers aura reading and crystal healing, book now"
    assert final.probability(probe) > untaught.probability(probe) + 0.05


def test_learn_keeps_the_contract_figures(tmp_path: Path):
    corpus = _small_corpus(tmp_path / "corpus")
    path = _write(
        tmp_path / "x.csv",
        [{"CONTENT": f"{ZORA[n % 4]} {n}", "CLASS": "1"} for n in range(4)],
        header=["CONTENT", "CLASS"],
    )
    result = evaluate(read_rows(path), learn=True, retrain_every=1, slices=2, corpus=[corpus])
    for key in CONTRACT_FIGURES:
        assert key in result and key in result["learning"]["curve"][0]
    assert result["rows"] == 4 and len(result["learning"]["curve"]) == 2


def test_row_is_what_read_rows_returns(tmp_path: Path):
    path = _write(tmp_path / "x.csv", [{"CONTENT": "hi", "CLASS": "1", "URL": " ", "AUTHOR": " Al "}])
    assert read_rows(path) == [Row(2, "hi", 1, "Al")]
