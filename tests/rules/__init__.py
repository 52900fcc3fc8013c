"""Rule tests driven by the case files in tests/cases/."""
