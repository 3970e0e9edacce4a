from iamdocs.launcher import entry

entry()
