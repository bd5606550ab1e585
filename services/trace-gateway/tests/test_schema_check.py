"""The schema compatibility checker: breaking changes against an earlier schema, and a
contract built from a core and chosen parts of an extension file."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from serialtrace.gateway.schema_check import (
    Part,
    SchemaCheckError,
    breaking_changes,
    contract_schema,
    main,
    schema_from,
    select_parts,
    split_parts,
)

OLD = """
type Unit { sku: String! serial: String! status: Status! }
enum Status { OPEN DONE }
type Query { unit(sku: String!, serial: String!): Unit }
"""

NEXT = """# What comes next (this introduction belongs to no part).

# --- Feature A, where completed units go
type Location { code: String! }
extend type Unit { location: Location }

# --- Feature B, labels
enum LabelFormat { PNG SVG }
extend type Unit { label(format: LabelFormat = SVG): String! }
"""


def changes(old_sdl: str, new_sdl: str) -> list[str]:
    return breaking_changes(schema_from(old_sdl, "old"), schema_from(new_sdl, "new"))


def test_removing_a_field_or_enum_value_or_loosening_a_type_is_breaking() -> None:
    removed_field = OLD.replace(" status: Status!", "")
    assert changes(OLD, removed_field) == ["FIELD_REMOVED: Field Unit.status was removed."]
    removed_value = OLD.replace("OPEN DONE", "OPEN")
    assert changes(OLD, removed_value) == [
        "VALUE_REMOVED_FROM_ENUM: Enum value Status.DONE was removed."
    ]
    nullable = OLD.replace("serial: String! status", "serial: String status")
    assert changes(OLD, nullable) == [
        "FIELD_CHANGED_KIND: Field Unit.serial changed type from String! to String."
    ]
    required_arg = OLD.replace("serial: String!)", "serial: String!, site: String!)")
    assert [c.split(":")[0] for c in changes(OLD, required_arg)] == ["REQUIRED_ARG_ADDED"]


def test_additions_are_not_breaking() -> None:
    additive = OLD.replace("status: Status! }", "status: Status! note: String }").replace(
        "serial: String!)", "serial: String!, at: String)"
    )
    additive += "type Lot { number: String! }\n"
    assert changes(OLD, additive) == []


def test_an_extension_file_splits_into_titled_parts_in_order() -> None:
    parts = split_parts(NEXT)
    assert [p.title for p in parts] == ["Feature A, where completed units go", "Feature B, labels"]
    assert "extend type Unit { location: Location }" in parts[0].sdl
    assert "introduction" not in parts[0].sdl
    assert "LabelFormat" in parts[1].sdl and "Location" not in parts[1].sdl


def test_a_part_is_chosen_by_a_unique_piece_of_its_title() -> None:
    parts = split_parts(NEXT)
    assert [p.title for p in select_parts(parts, ["labels"])] == ["Feature B, labels"]
    # In the file's order, whatever order they were asked in; asking twice is harmless.
    chosen = select_parts(parts, ["LABELS", "completed units", "labels"])
    assert [p.title[:9] for p in chosen] == ["Feature A", "Feature B"]
    with pytest.raises(SchemaCheckError, match="names 2 parts"):
        select_parts(parts, ["Feature"])
    with pytest.raises(SchemaCheckError, match=r"names no part.*Feature A, where completed"):
        select_parts(parts, ["recalls"])


def test_the_contract_is_the_core_extended_by_its_binding_parts() -> None:
    feature_a = select_parts(split_parts(NEXT), ["Feature A"])
    contract = contract_schema(OLD, feature_a)
    # The core alone is satisfied by the old schema; with part A binding it is not...
    assert breaking_changes(contract_schema(OLD), schema_from(OLD, "actual")) == []
    missing = breaking_changes(contract, schema_from(OLD, "actual"))
    assert sorted(missing) == [
        "FIELD_REMOVED: Field Unit.location was removed.",
        "TYPE_REMOVED: Location was removed.",
    ]
    # ...until the schema has what the part adds (and more may exist).
    built = (
        OLD
        + "type Location { code: String! name: String }\nextend type Unit { location: Location }\n"
    )
    assert breaking_changes(contract, schema_from(built, "actual")) == []


def test_a_part_that_does_not_fit_the_core_is_reported_by_title() -> None:
    broken = Part("Feature C, nonsense", "extend type Nowhere { x: Int }")
    with pytest.raises(SchemaCheckError, match="Feature C, nonsense"):
        contract_schema(OLD, [broken])


def test_the_contract_command_fails_listing_what_is_missing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "core.graphql").write_text(OLD)
    (tmp_path / "next.graphql").write_text(NEXT)
    (tmp_path / "schema.graphql").write_text(OLD)
    base = [
        "--schema",
        str(tmp_path / "schema.graphql"),
        "contract",
        str(tmp_path / "core.graphql"),
    ]
    assert main(base) == 0
    assert main([*base, "--next", str(tmp_path / "next.graphql"), "--part", "labels"]) == 1
    assert "FIELD_REMOVED: Field Unit.label was removed." in capsys.readouterr().err
    assert main([*base, "--part", "labels"]) == 2  # a part needs the file it comes from


def _git(repo: Path, *args: str) -> None:
    identity = ["-c", "user.name=test", "-c", "user.email=test@example.com"]
    subprocess.run(
        ["git", *identity, *args],  # noqa: S607 - git from PATH, as the checker runs it
        cwd=repo,
        check=True,
        capture_output=True,
    )


def test_breaking_against_a_branch_and_the_graceful_skips(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = tmp_path / "repo"
    (repo / "gw").mkdir(parents=True)
    schema = repo / "gw" / "schema.graphql"
    _git(repo, "init", "-q", "-b", "feature")
    schema.write_text(OLD)
    args = ["--schema", str(schema), "breaking", "--against", "main"]
    assert main(args) == 0
    assert "skipped: there is no git ref 'main'" in capsys.readouterr().out

    _git(repo, "commit", "-q", "--allow-empty", "-m", "empty")
    _git(repo, "branch", "main")
    assert main(args) == 0
    assert "skipped: main has no schema.graphql in gw/" in capsys.readouterr().out

    _git(repo, "checkout", "-q", "main")
    _git(repo, "add", "gw/schema.graphql")
    _git(repo, "commit", "-q", "-m", "schema")
    _git(repo, "checkout", "-q", "-B", "feature", "main")
    schema.write_text(OLD.replace("status: Status! }", "status: Status! note: String }"))
    assert main(args) == 0
    assert "no breaking change against main" in capsys.readouterr().out
    schema.write_text(OLD.replace(" status: Status!", ""))
    assert main(args) == 1
    assert "FIELD_REMOVED: Field Unit.status was removed." in capsys.readouterr().err
