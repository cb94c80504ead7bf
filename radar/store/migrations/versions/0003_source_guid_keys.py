"""A GUID is unique within its source only: article keys `guid:<guid>` become `guid:<source>:<guid>`.

Two feeds that reuse one GUID for different articles no longer lose one (issue 11, item 2). Stored
articles and the evidence citing them are re-keyed, so nothing seen before is taken for new.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

from alembic import op
from sqlalchemy import text

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    conn = op.get_bind()
    conn.execute(text("UPDATE articles SET \"key\" = 'guid:' || source || ':' || substr(\"key\", 6) "
                      "WHERE \"key\" LIKE 'guid:%'"))
    conn.execute(text("UPDATE evidence SET article_key = 'guid:' || source || ':' || substr(article_key, 6) "
                      "WHERE article_key LIKE 'guid:%' AND source IS NOT NULL"))


def downgrade() -> None:
    raise NotImplementedError("the store is only ever migrated forward")
