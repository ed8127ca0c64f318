"""企业名称 contains two characters, through an index on SQLite too: an FTS5 table of each name's two-character
pieces (written as words: '南京 京栖 栖霞 …'), kept by triggers as the trigram table of revision 0007 is, so that a
two-character search no longer compares every name (issue 14). PostgreSQL has its GIN index (revision 0012).

Revision ID: 0013
Revises: 0012
"""
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

PIECES = "enterprises_name_pieces"
POSITIONS = "name_positions"  # 1…500: a trigger cannot hold a WITH clause, so the pieces are cut by joining these
LONGEST = 500  # longer than any name the forms accept (100)


def _pieces(record: str) -> str:
    return (f"SELECT {record}.id, group_concat(substr({record}.name, n, 2), ' ') FROM {POSITIONS} "
            f"WHERE n < length({record}.name)")


def upgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    op.execute(f"CREATE TABLE {POSITIONS} (n INTEGER PRIMARY KEY)")
    op.execute(f"WITH RECURSIVE s(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM s WHERE n < {LONGEST}) "
               f"INSERT INTO {POSITIONS} SELECT n FROM s")
    # unicode61 reads each piece of letters and digits as one word (a run of Chinese characters is one word) and folds
    # case; the search asks for a piece of two letters or digits as a phrase, and LIKE decides on what it finds
    op.execute(f"CREATE VIRTUAL TABLE {PIECES} USING fts5(pieces, content='', tokenize='unicode61')")
    op.execute(f"INSERT INTO {PIECES}(rowid, pieces) SELECT e.id, group_concat(substr(e.name, p.n, 2), ' ') "
               f"FROM enterprises e JOIN {POSITIONS} p ON p.n < length(e.name) GROUP BY e.id")
    op.execute(f"CREATE TRIGGER {PIECES}_insert AFTER INSERT ON enterprises BEGIN "
               f"INSERT INTO {PIECES}(rowid, pieces) {_pieces('new')}; END")
    op.execute(f"CREATE TRIGGER {PIECES}_delete AFTER DELETE ON enterprises BEGIN "
               f"INSERT INTO {PIECES}({PIECES}, rowid, pieces) SELECT 'delete', * FROM ({_pieces('old')}); END")
    op.execute(f"CREATE TRIGGER {PIECES}_update AFTER UPDATE OF name ON enterprises BEGIN "
               f"INSERT INTO {PIECES}({PIECES}, rowid, pieces) SELECT 'delete', * FROM ({_pieces('old')}); "
               f"INSERT INTO {PIECES}(rowid, pieces) {_pieces('new')}; END")


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    for trigger in ("insert", "delete", "update"):
        op.execute(f"DROP TRIGGER {PIECES}_{trigger}")
    op.execute(f"DROP TABLE {PIECES}")
    op.execute(f"DROP TABLE {POSITIONS}")
