"""One module per rule; `iamdocs.lint.discover_rules` walks this folder."""
