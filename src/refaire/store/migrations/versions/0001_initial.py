"""Initial schema: designs with facets, search terms and lineage; facilities with capabilities.

Revision ID: 0001
Revises:
Create Date: 2026-11-23
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "store_generations",
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column("generation", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("name"),
    )
    op.create_table(
        "designs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=1000), nullable=False),
        sa.Column("name", sa.String(length=500), nullable=False),
        sa.Column("name_sort", sa.String(length=500), nullable=False),
        sa.Column("format", sa.String(length=40), nullable=False),
        sa.Column("version", sa.String(length=200), nullable=True),
        sa.Column("repo", sa.String(length=1000), nullable=True),
        sa.Column("licence", sa.String(length=300), nullable=True),
        sa.Column("openness", sa.String(length=40), nullable=True),
        sa.Column("technology_readiness", sa.String(length=20), nullable=True),
        sa.Column("documentation_readiness", sa.String(length=20), nullable=True),
        sa.Column("platform", sa.String(length=100), nullable=True),
        sa.Column("source", sa.String(length=2000), nullable=False),
        sa.Column("checksum", sa.String(length=64), nullable=False),
        sa.Column("imported_at", sa.String(length=40), nullable=False),
        sa.Column("record", sa.Text(), nullable=False),
        sa.Column("manifest_text", sa.Text(), nullable=False),
        sa.Column("terms", sa.Text(), server_default="", nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("key"),
    )
    op.create_index(op.f("ix_designs_name_sort"), "designs", ["name_sort"], unique=False)
    op.create_table(
        "facilities",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=1000), nullable=False),
        sa.Column("name", sa.String(length=500), nullable=False),
        sa.Column("name_sort", sa.String(length=500), nullable=False),
        sa.Column("latitude", sa.Float(), nullable=True),
        sa.Column("longitude", sa.Float(), nullable=True),
        sa.Column("country", sa.String(length=2), nullable=True),
        sa.Column("city", sa.String(length=200), nullable=True),
        sa.Column("kind", sa.String(length=60), nullable=True),
        sa.Column("imported_at", sa.String(length=40), nullable=False),
        sa.Column("record", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("key"),
    )
    op.create_index(op.f("ix_facilities_country"), "facilities", ["country"], unique=False)
    op.create_index("ix_facilities_lat_lon", "facilities", ["latitude", "longitude"], unique=False)
    op.create_index(op.f("ix_facilities_name_sort"), "facilities", ["name_sort"], unique=False)
    op.create_table(
        "import_problems",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("run_at", sa.String(length=40), nullable=False),
        sa.Column("source", sa.String(length=2000), nullable=False),
        sa.Column("severity", sa.String(length=10), nullable=False),
        sa.Column("field", sa.String(length=300), nullable=True),
        sa.Column("line", sa.Integer(), nullable=True),
        sa.Column("message", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_import_problems_run_at"), "import_problems", ["run_at"], unique=False)
    op.create_table(
        "design_facets",
        sa.Column("design_id", sa.Integer(), nullable=False),
        sa.Column("facet", sa.String(length=40), nullable=False),
        sa.Column("value", sa.String(length=300), nullable=False),
        sa.ForeignKeyConstraint(["design_id"], ["designs.id"], ondelete="CASCADE"),
    )
    op.create_index(
        "ix_design_facets_design", "design_facets", ["design_id", "facet", "value"], unique=False
    )
    op.create_index(
        "ix_design_facets_facet_value",
        "design_facets",
        ["facet", "value", "design_id"],
        unique=False,
    )
    op.create_table(
        "design_links",
        sa.Column("design_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("target", sa.String(length=2000), nullable=False),
        sa.ForeignKeyConstraint(["design_id"], ["designs.id"], ondelete="CASCADE"),
    )
    op.create_index("ix_design_links_design", "design_links", ["design_id"], unique=False)
    op.create_index("ix_design_links_target", "design_links", ["target"], unique=False)
    op.create_table(
        "design_postings",
        sa.Column("term", sa.String(length=100), nullable=False),
        sa.Column("ids", sa.LargeBinary(), nullable=False),
        sa.Column("weights", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("term"),
    )
    op.create_table(
        "facility_capabilities",
        sa.Column("facility_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("value", sa.String(length=100), nullable=False),
        sa.Column("origin", sa.String(length=20), nullable=False),
        sa.Column("cell", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["facility_id"], ["facilities.id"], ondelete="CASCADE"),
    )
    op.create_index(
        "ix_facility_caps_kind_value_cell",
        "facility_capabilities",
        ["kind", "value", "cell", "facility_id"],
        unique=False,
    )
    op.create_index(
        "ix_facility_caps_facility", "facility_capabilities", ["facility_id"], unique=False
    )
    op.create_index(
        "ix_facility_caps_kind_value",
        "facility_capabilities",
        ["kind", "value", "facility_id"],
        unique=False,
    )
    op.create_table(
        "facility_terms",
        sa.Column("term", sa.String(length=100), nullable=False),
        sa.Column("facility_id", sa.Integer(), nullable=False),
        sa.Column("weight", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["facility_id"], ["facilities.id"], ondelete="CASCADE"),
    )
    op.create_index("ix_facility_terms_facility", "facility_terms", ["facility_id"], unique=False)
    op.create_index(
        "ix_facility_terms_term", "facility_terms", ["term", "facility_id", "weight"], unique=False
    )

    op.create_table(
        "facility_keys",
        sa.Column("key", sa.String(length=1000), nullable=False),
        sa.Column("facility_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["facility_id"], ["facilities.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("key"),
    )
    op.create_index("ix_facility_keys_facility", "facility_keys", ["facility_id"], unique=False)


def downgrade() -> None:
    op.drop_table("store_generations")
    op.drop_index("ix_facility_keys_facility", table_name="facility_keys")
    op.drop_table("facility_keys")
    op.drop_index("ix_facility_terms_term", table_name="facility_terms")
    op.drop_index("ix_facility_terms_facility", table_name="facility_terms")
    op.drop_table("facility_terms")
    op.drop_index("ix_facility_caps_kind_value_cell", table_name="facility_capabilities")
    op.drop_index("ix_facility_caps_kind_value", table_name="facility_capabilities")
    op.drop_index("ix_facility_caps_facility", table_name="facility_capabilities")
    op.drop_table("facility_capabilities")
    op.drop_table("design_postings")
    op.drop_index("ix_design_links_target", table_name="design_links")
    op.drop_index("ix_design_links_design", table_name="design_links")
    op.drop_table("design_links")
    op.drop_index("ix_design_facets_facet_value", table_name="design_facets")
    op.drop_index("ix_design_facets_design", table_name="design_facets")
    op.drop_table("design_facets")
    op.drop_index(op.f("ix_import_problems_run_at"), table_name="import_problems")
    op.drop_table("import_problems")
    op.drop_index(op.f("ix_facilities_name_sort"), table_name="facilities")
    op.drop_index("ix_facilities_lat_lon", table_name="facilities")
    op.drop_index(op.f("ix_facilities_country"), table_name="facilities")
    op.drop_table("facilities")
    op.drop_index(op.f("ix_designs_name_sort"), table_name="designs")
    op.drop_table("designs")
