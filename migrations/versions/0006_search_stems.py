"""search: document counts per stem and the indexes that read the best hits' texts, for the
final ranking both engines share

Revision ID: 0006_search_stems
Revises: 0005_replies
Create Date: 2026-11-23 19:50:00.000000
"""

from collections import Counter
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006_search_stems"
down_revision: str | Sequence[str] | None = "0005_replies"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ALL_DOCUMENTS = ""  # as hotline.search.models.ALL_DOCUMENTS when this revision was written


def upgrade() -> None:
    stems = op.create_table(
        "search_stems",
        sa.Column(
            "stem",
            sa.String(length=60).with_variant(sa.String(length=60, collation="C"), "postgresql"),
            nullable=False,
        ),
        sa.Column("documents", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("stem", name=op.f("pk_search_stems")),
    )
    op.create_index("ix_search_docs_slug_scope", "search_docs", ["slug", "scope"])
    op.create_index("ix_search_doc_facts_slug_scope", "search_doc_facts", ["slug", "scope"])
    # Count what is already indexed, so an existing index ranks at once without a rebuild.
    counts: Counter[str] = Counter()
    for title, keywords, body in op.get_bind().execute(
        sa.text("SELECT title, keywords, body FROM search_docs")
    ):
        counts.update({ALL_DOCUMENTS, *f"{title} {keywords} {body}".split()})
    if counts:
        op.bulk_insert(stems, [{"stem": s, "documents": n} for s, n in sorted(counts.items())])


def downgrade() -> None:
    op.drop_index("ix_search_doc_facts_slug_scope", table_name="search_doc_facts")
    op.drop_index("ix_search_docs_slug_scope", table_name="search_docs")
    op.drop_table("search_stems")
