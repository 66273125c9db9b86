"""Cross-report analysis over the whole archive (official-site verdicts, coverage accounting)."""
