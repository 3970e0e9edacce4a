"""Test-deploy the policies into a sandbox account, verify them, and remove them again.

Layout, in the order a run uses it:

- `server`   the embedded moto server (a child process on a free port of 127.0.0.1);
- `target`   which endpoint and account, and the allow-list (sessions and clients: iamdocs.aws);
- `naming`   the run ID, the names and tags that mark everything a run creates, its owner and lease;
- `faults`   test-only fault injection (IAMDOCS_FAULT) and the retry on throttling;
- `run`      the shared state of one run (`Run`) and the journal of what it created;
- `steps/`   one module per deploy step, run in the order `steps.STEPS` lists;
- `verify`   read everything back and compare grants with the source documents;
- `teardown` undo the journal, then sweep by tag; `--cleanup` sweeps every earlier run;
- `report`   progress lines, the human summary and the JSON report;
- `deploy`   `deploy()` and `cleanup()`: the Python API the command calls.
"""
