from iamdocs.cli import entry

entry()
