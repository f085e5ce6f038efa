"""Benchmark: the organizer's screening queue at 100 and 10,000 proposals (run by hand).

    python bench/screening.py [--large 10000] [--small 100] [--repeat 7]

Titles are three words and a number, from the query-count test's 22 words (alike by the
thousand) or from 300 words (closer to a real round). Proposals are written by bulk inserts into a fresh migrated SQLite database and indexed with
``reindex_titles``. For one page of 20 rows it times (median of ``--repeat``, CPU seconds of
this process) the look-alike check as it runs now (a shortlist from the title-character index,
then difflib) against the check over every title of the round (the previous algorithm, run
here as the baseline in the same process), and counts the shortlist's size. Nothing is asserted.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import insert, select  # noqa: E402

from grants import create_app  # noqa: E402
from grants.config import TestConfig  # noqa: E402
from grants.domain.orgs import normalise_title  # noqa: E402
from grants.extensions import db  # noqa: E402
from grants.models import Proposal  # noqa: E402
from grants.models.base import utcnow  # noqa: E402
from grants.models.lookalike import reindex_titles  # noqa: E402
from grants.services import screening  # noqa: E402
from tests.factories import make_community, make_round  # noqa: E402
from tests.helpers import create_user  # noqa: E402
from tests.web.test_proposal_list_queries import WORDS  # noqa: E402


def _vocabulary(kind: str) -> tuple[str, ...]:
    """``tests``: the 22 words of the query-count test (titles that are alike by the
    thousand); ``wide``: 300 two-character words, closer to a real round's variety."""
    if kind == "tests":
        return WORDS
    rng = random.Random(1)
    chars = [chr(0x4E00 + rng.randrange(3000)) for _ in range(600)]
    return tuple("".join(chars[2 * i:2 * i + 2]) for i in range(300))


def _fill(funding_round, applicant, community, count: int, words: tuple[str, ...]) -> None:
    rng = random.Random(count)
    now = utcnow()
    rows = [dict(round_id=funding_round.id, applicant_id=applicant.id, community_id=community.id,
                 status="submitted", title="".join(rng.sample(words, 3)) + f"计划{i}",
                 category="助老", requested_fen=600000, version=1, submitted_at=now,
                 first_submitted_at=now, activities=[], team=[]) for i in range(count)]
    db.session.execute(insert(Proposal), rows)
    reindex_titles(funding_round.id)
    db.session.commit()


def _cpu(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.process_time()
        fn()
        times.append(time.process_time() - start)
    return statistics.median(times)


def _every_title(page, round_id: int) -> None:
    """The previous check: each shown title against every title of the round."""
    titles = {pid: normalise_title(t) for pid, t in db.session.execute(
        select(Proposal.id, Proposal.title).where(Proposal.round_id == round_id))}
    for proposal in page:
        screening._similar(normalise_title(proposal.title), titles, proposal.id)


def measure(count: int, repeat: int, words: tuple[str, ...]) -> dict:
    """Both checks on page 2 of a round of ``count`` proposals."""
    folder = tempfile.mkdtemp()
    app = create_app(TestConfig(f"sqlite:///{folder}/bench.db", INSTANCE_PATH=folder))
    with app.app_context():
        from flask_migrate import upgrade

        upgrade(revision="heads")
        applicant = create_user("bench", "resident")
        funding_round = make_round("screening")
        _fill(funding_round, applicant, make_community(), count, words)
        page = screening.queue(funding_round.id, page=2).rows
        proposals = [row.proposal for row in page]
        shortlist = statistics.median(
            len(screening._shortlist(funding_round.id, normalise_title(p.title),
                                     screening._char_frequency(
                                         funding_round.id, set(normalise_title(p.title)))))
            for p in proposals)
        now = _cpu(lambda: screening.checks_for(proposals), repeat)
        before = _cpu(lambda: _every_title(proposals, funding_round.id), repeat)
    return {"n": count, "shortlist": shortlist, "now": now, "before": before}


def main() -> None:
    """Print the table for the issue note."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--large", type=int, default=10_000)
    parser.add_argument("--small", type=int, default=100)
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    print("| titles from | proposals | median shortlist | every title (CPU) | shortlist (CPU) |")
    print("|---|---|---|---|---|")
    for kind in ("tests", "wide"):
        for count in (args.small, args.large):
            r = measure(count, args.repeat, _vocabulary(kind))
            print(f"| {kind} | {r['n']:,} | {r['shortlist']:.0f} | {r['before'] * 1000:.0f} ms |"
                  f" {r['now'] * 1000:.0f} ms |")


if __name__ == "__main__":
    main()
