"""`deploy()` and `cleanup()`: the Python API behind `iamdocs deploy`.

Teardown runs in a `finally`, so it follows an error, a failure half-way, an
injected fault, Ctrl-C, SIGTERM, SIGHUP and SIGQUIT alike. While it runs, further
stop signals are noted and deferred: stopping a clean-up half-way is what leaves
resources behind.

The run installs its own SIGINT and SIGTERM handlers rather than relying on
Python's KeyboardInterrupt: a process started in the background by a shell
(`cmd &`) inherits SIGINT as ignored, and Python then never raises it.
"""

from __future__ import annotations

import os
import resource
import signal
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future
from contextlib import contextmanager
from pathlib import Path
from types import FrameType
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError, WaiterError

from iamdocs.cfn.lint import CfnFinding, lint_text
from iamdocs.cfn.template import template_yaml
from iamdocs.errors import UserError
from iamdocs.iamdb import load as load_iamdb
from iamdocs.model import CombinationError, SoundProject
from iamdocs.sandbox import verify
from iamdocs.sandbox.faults import Faults, InjectedFault
from iamdocs.sandbox.naming import Naming, new_run_id
from iamdocs.sandbox.report import Report, StepResult, source_digest, stderr_progress
from iamdocs.sandbox.run import Run
from iamdocs.sandbox.steps import STEPS
from iamdocs.sandbox.steps.stacks import COMBINATIONS, StackError
from iamdocs.sandbox.target import TargetOptions, open_target
from iamdocs.sandbox.teardown import CLEANUP_ERRORS, Cleaner, plain_caller, teardown

# What a deploy step may raise that is a finding about the target, not a bug.
DEPLOY_ERRORS = (ClientError, BotoCoreError, WaiterError, InjectedFault, StackError)


class Interrupted(KeyboardInterrupt):
    """SIGINT, from our own handler: stop deploying, clean up."""


class Terminated(KeyboardInterrupt):
    """SIGTERM, SIGHUP (a closed terminal or SSH session) or SIGQUIT, handled like Ctrl-C: stop, clean up."""

    def __init__(self, signum: int = signal.SIGTERM) -> None:
        super().__init__(signal.Signals(signum).name)
        self.name = signal.Signals(signum).name


# Every signal that asks the process to stop and that a process can catch: each one tears down first.
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGQUIT)


def _main_thread() -> bool:
    return threading.current_thread() is threading.main_thread()


@contextmanager
def _signals_as_interrupt() -> Iterator[None]:
    """Stop signals raise (a KeyboardInterrupt) while deploying, even where SIGINT was inherited as ignored."""
    if not _main_thread():
        yield
        return

    def handler(signum: int, frame: FrameType | None) -> None:
        raise Interrupted() if signum == signal.SIGINT else Terminated(signum)

    old = {s: signal.signal(s, handler) for s in STOP_SIGNALS}
    try:
        yield
    finally:
        for s, h in old.items():
            signal.signal(s, h)


@contextmanager
def _deferred_signals(say: Callable[[str], None]) -> Iterator[list[int]]:
    """Note the stop signals instead of acting on them, until the block ends."""
    caught: list[int] = []
    if not _main_thread():
        yield caught
        return

    def handler(signum: int, frame: FrameType | None) -> None:
        caught.append(signum)
        say("interrupt noted: finishing clean-up first so that nothing is left behind")

    old = {s: signal.signal(s, handler) for s in STOP_SIGNALS}
    try:
        yield caught
    finally:
        for s, h in old.items():
            signal.signal(s, h)


_LINTED: dict[str, list[CfnFinding]] = {}


def _lint_once(project: SoundProject) -> list[CfnFinding]:
    """cfn-lint's findings, once per distinct template text in this process.

    The findings depend on the text alone; a process that deploys more than once (the tests, a notebook)
    need not pay about a second of CPU for each run.
    """
    text = template_yaml(project)
    if text not in _LINTED:
        _LINTED[text] = lint_text(text)
    return _LINTED[text]


def _start_lint(project: SoundProject) -> Future[list[CfnFinding]]:
    """cfn-lint in a daemon thread: it overlaps the first steps, and an interrupted run need not wait for it
    to exit (a ThreadPoolExecutor's threads are joined at exit)."""
    future: Future[list[CfnFinding]] = Future()

    def work() -> None:
        if not future.set_running_or_notify_cancel():
            return
        try:
            future.set_result(_lint_once(project))
        except Exception as exc:  # handed to the stacks step, which reports it
            future.set_exception(exc)

    threading.Thread(target=work, name="iamdocs-cfn-lint", daemon=True).start()
    return future


def option_ids(project: SoundProject) -> list[str]:
    """Every valid combination of role options ("engine-b+session-manager"), from the catalog's one function, in
    its order: the default set a run deploys."""
    return [c.id for c in project.catalog.combinations()]


def _combinations(project: SoundProject, wanted: list[str] | None) -> list[str]:
    """The combinations to deploy: all by default; each wanted one resolved by the catalog (or a usage error)."""
    if wanted is None:
        return option_ids(project)
    catalog = project.catalog
    out = []
    for w in wanted:
        unknown = [o for o in w.split("+") if o not in catalog.options]
        if unknown:
            raise UserError(f"unknown role option {', '.join(unknown)}",
                            hint=f"choose from: {', '.join(catalog.options)}")
        try:
            combo = catalog.combination([w])
        except CombinationError as exc:
            raise UserError(f"role options {w}: {exc}", hint=f"valid combinations: {'; '.join(option_ids(project))}") \
                from None
        if combo.id not in out:
            out.append(combo.id)
    return out


def stack_names() -> list[str]:
    return [c.name for c in COMBINATIONS]


def _select(wanted: list[str] | None, known: list[str], what: str) -> list[str]:
    if wanted is None:
        return list(known)
    unknown = [w for w in wanted if w not in known]
    if unknown:
        raise UserError(f"unknown {what} {', '.join(unknown)}", hint=f"choose from: {', '.join(known)}")
    return [k for k in known if k in wanted]


def _sources(project: SoundProject, options: list[str], stacks: list[str]) -> list[Path]:
    catalog = project.catalog
    names = {f for o in options for s in catalog.combination([o]).roles.values() for f in s.policies}
    if stacks:
        names.update(catalog.cloudformation.inline_policies)
        names.update(catalog.cloudformation.session_policies)
    return [project.policies_dir / "catalog.yaml", *(project.policies_dir / n for n in sorted(names))]


def deploy(opts: TargetOptions, project: SoundProject, *, options: list[str] | None = None,
           stacks: list[str] | None = None, faults: Faults | None = None,
           progress: Callable[[str], None] = stderr_progress, run_id: str | None = None) -> Report:
    """Deploy the selected combinations of role options and stacks (default: all), verify, tear down; return the
    report. `options` lists combinations by ID ("engine-a", "engine-b+session-manager").

    Raises UserError (exit 2) for bad arguments or a refused target, before anything is created.
    """
    chosen_options = _combinations(project, options)
    chosen_stacks = _select(stacks, stack_names(), "stack combination")
    if not chosen_options and not chosen_stacks:
        raise UserError("nothing to deploy: no role option and no stack selected")
    naming = Naming(run_id or new_run_id())
    report = Report(run_id=naming.run_id, options=chosen_options)
    report.sources = source_digest(_sources(project, chosen_options, chosen_stacks), project.root)
    started = time.perf_counter()
    interrupted = False
    lint_future = _start_lint(project) if chosen_stacks else None
    with _signals_as_interrupt(), open_target(opts, progress) as target:
        report.target = target.describe()
        r = Run(target=target, project=project, naming=naming, db=load_iamdb(), report=report,
                faults=faults or Faults(), progress=progress, options=chosen_options, stacks=chosen_stacks,
                lint_future=lint_future)
        progress(f"run {naming.run_id}: account {target.account}, {target.region}; "
                 f"{len(chosen_options)} role option(s), {len(chosen_stacks)} stack(s)")
        try:
            for step in [*STEPS, verify]:
                r.step = step.NAME
                t0 = time.perf_counter()
                before = len(r.journal)
                try:
                    step.run(r)
                except DEPLOY_ERRORS as exc:
                    report.steps.append(StepResult(step.NAME, "failed", round(time.perf_counter() - t0, 3),
                                                   len(r.journal) - before, str(exc)))
                    report.errors.append(f"step {step.NAME} failed: {exc}")
                    progress(f"{step.NAME}: FAILED: {exc}")
                    break
                except KeyboardInterrupt:
                    report.steps.append(StepResult(step.NAME, "interrupted", round(time.perf_counter() - t0, 3),
                                                   len(r.journal) - before))
                    raise
                secs = round(time.perf_counter() - t0, 3)
                report.steps.append(StepResult(step.NAME, "ok", secs, len(r.journal) - before))
                progress(f"{step.NAME}: done, {len(r.journal) - before} created ({secs:.2f} s)")
        except KeyboardInterrupt as exc:
            interrupted = True
            what = exc.name if isinstance(exc, Terminated) else "interrupted (Ctrl-C)"
            report.errors.append(f"{what} during step {r.step}")
            progress(f"{what}: cleaning up")
        finally:
            with _deferred_signals(progress) as caught:
                t0 = time.perf_counter()
                teardown(r)
                report.steps.append(StepResult("teardown", "ok", round(time.perf_counter() - t0, 3)))
            interrupted = interrupted or bool(caught)
    if target.server is not None:
        report.server = {"pid": target.server.pid, "url": target.endpoint_url, "peak_rss_mb": target.server.peak_rss_mb}
    report.process = {"pid": os.getpid(), "peak_rss_mb": _own_peak_mb()}
    report.finish(time.perf_counter() - started, interrupted)
    return report


def _own_peak_mb() -> float:
    """This process's peak resident memory (the server's is reported separately)."""
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def cleanup(opts: TargetOptions, progress: Callable[[str], None] = stderr_progress) -> Report:
    """Remove every tagged leftover of earlier runs that are over; never touch a resource without our prefix and tags.

    A run is over when its lease has expired or its owner process (on this host) is gone; the resources of a run
    still in progress are left alone and listed in the report's `in_progress`.
    """
    report = Report(run_id="cleanup", command="deploy --cleanup")
    started = time.perf_counter()
    with _signals_as_interrupt(), open_target(opts, progress) as target:
        report.target = target.describe()
        c = Cleaner(plain_caller(target), target, progress)
        with _deferred_signals(progress) as caught:
            try:
                c.sweep(None, "cleanup by tag")
                left: list[dict[str, Any]] = c.left_behind(None)
            except CLEANUP_ERRORS as exc:
                report.errors.append(f"cleanup failed: {exc}")
                left = []
        report.deleted = c.deleted
        report.left_behind = left
        report.in_progress = sorted(c.in_progress.values(), key=lambda r: r["run"])
        report.errors += [f"could not delete {f['kind']} {f['id']}: {f['error']}" for f in c.failures
                          if any(x["id"] == f["id"] for x in left)]
        progress(f"cleanup: {len(c.deleted)} deleted, {len(left)} left behind, "
                 f"{len(c.in_progress)} run(s) in progress skipped")
    report.finish(time.perf_counter() - started, bool(caught))
    return report
