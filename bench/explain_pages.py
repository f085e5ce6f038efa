"""EXPLAIN every statement the pages of issue 15 run, on a database ``bench/pages.py`` filled.

    python bench/explain_pages.py --database-url postgresql+psycopg://postgres@127.0.0.1/NAME

Requests each page once through the test client (signed in as ``bench/pages.py`` does),
captures its statements and runs ``EXPLAIN`` on each with the same parameters. Prints, per
page, every statement whose plan scans a whole table of more than ``--rows`` rows (a
``Seq Scan`` on a table that grows with the round), or "index only" when none does.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import event, text  # noqa: E402

from bench.pages import PAGES, _app, _ids  # noqa: E402


def _captured(engine, client, url: str) -> list[tuple[str, object]]:
    """The (statement, parameters) the request for ``url`` ran."""
    seen = []

    def _keep(_conn, _cursor, statement, parameters, _context, _many):
        seen.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", _keep)
    try:
        client.get(url)
    finally:
        event.remove(engine, "before_cursor_execute", _keep)
    return seen


def _big_tables(connection, rows: int) -> set[str]:
    """Tables holding more than ``rows`` rows (by the planner's statistics)."""
    query = text("SELECT relname FROM pg_class WHERE relkind = 'r' AND reltuples > :n")
    return set(connection.execute(query, {"n": rows}).scalars())


def _seq_scans(raw, statement: str, parameters, big: set[str]) -> list[str]:
    """The plan lines of ``statement`` that scan a big table whole."""
    cursor = raw.cursor()
    cursor.execute("EXPLAIN " + statement, parameters)
    lines = [row[0] for row in cursor.fetchall()]
    return [line.strip() for line in lines
            if "Seq Scan on" in line and line.split("Seq Scan on ")[1].split()[0] in big]


def main() -> int:
    """Explain each page's statements and print the whole-table scans of big tables."""
    from grants.demo import DEMO_PASSWORD
    from grants.extensions import db
    from tests.conftest import IsolatedClient
    from tests.helpers import login_as

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--rows", type=int, default=2_000)
    args = parser.parse_args()
    app = _app(args.database_url, tempfile.mkdtemp(prefix="explain-"))
    app.test_client_class = IsolatedClient
    with app.app_context():
        ids = _ids()
        with db.engine.connect() as connection:
            connection.execute(text("ANALYZE"))
            connection.commit()
            big = _big_tables(connection, args.rows)
        print(f"tables over {args.rows} rows: {', '.join(sorted(big))}")
        clients = {}
        for name, (username, path) in PAGES.items():
            if username not in clients:
                clients[username] = app.test_client()
                if username:
                    login_as(clients[username], username, DEMO_PASSWORD)
            statements = _captured(db.engine, clients[username], path.format(**ids))
            raw = db.engine.raw_connection()
            try:
                found = [(s, scans) for s, p in statements
                         if (scans := _seq_scans(raw, s, p, big))]
            finally:
                raw.close()
            print(f"\n## {name}: {len(statements)} statements, "
                  f"{'index only' if not found else f'{len(found)} scan a big table'}")
            for statement, scans in found:
                print("  " + " ".join(statement.split())[:300])
                for line in scans:
                    print("    " + line)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
