"""The README's "What each partner sees" table is the declaration's, generated."""

from __future__ import annotations

from pathlib import Path

import pytest

from processors.privacy import views, views_table

README = Path(__file__).resolve().parents[4] / "README.md"


def test_the_readme_table_is_the_generated_one() -> None:
    generated = views_table.markdown(views.default_declaration())
    in_readme = views_table.section(README.read_text(encoding="utf-8"))
    assert in_readme == generated, (
        "README.md's 'What each partner sees' table differs from processors/privacy/views.toml: "
        f"regenerate it with `{views_table.REGENERATE}` (python -m processors.privacy.views --readme README.md)"
    )


def test_every_view_and_basis_is_in_the_table() -> None:
    table = views_table.markdown(views.default_declaration())
    for row in views.default_declaration().views:
        assert f"| {', '.join(row.partners)} | {views_table._kind(row)} |" in table
        for grant in row.grants:
            assert all(basis.text in table for basis in grant.bases)
    assert "`raid_case_no`" in table


def test_splice_replaces_only_between_the_markers() -> None:
    text = f"intro\n{views_table.BEGIN}\nold\n{views_table.END}\noutro\n"
    assert views_table.splice(text, "new\n") == f"intro\n{views_table.BEGIN}\nnew\n{views_table.END}\noutro\n"
    assert views_table.section(views_table.splice(text, "new\n")) == "new\n"


def test_splice_refuses_a_readme_without_markers() -> None:
    with pytest.raises(ValueError, match="views:begin"):
        views_table.splice("no table here", "x")


def test_the_command_prints_the_table(capsys: pytest.CaptureFixture[str]) -> None:
    assert views.main(["--markdown"]) == 0
    assert capsys.readouterr().out == views_table.markdown(views.default_declaration())


def test_the_command_rewrites_a_stale_readme(tmp_path: Path) -> None:
    readme = tmp_path / "README.md"
    readme.write_text(f"# x\n{views_table.BEGIN}\nstale\n{views_table.END}\n", encoding="utf-8")
    assert views.main(["--readme", str(readme)]) == 0
    assert views_table.section(readme.read_text(encoding="utf-8")) == views_table.markdown(views.default_declaration())
