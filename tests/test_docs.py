"""The README's rule table is the generated one (regenerate with `python -m tsl.docs`)."""
from pathlib import Path

from tsl.docs import END, START, readme_with_table

README = Path(__file__).resolve().parents[1] / "README.md"


def test_readme_rule_table_is_current():
    text = README.read_text(encoding="utf-8")
    assert START in text and END in text, "README lacks the generated rule table: run python -m tsl.docs"
    assert text == readme_with_table(text), "README rule table is stale: run python -m tsl.docs"


def test_every_rule_is_in_the_table():
    from tsl.rules.catalog import all_rules

    text = README.read_text(encoding="utf-8")
    for rule in all_rules():
        assert f"| {rule.code} | {rule.name} |" in text
