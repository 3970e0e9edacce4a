"""The rule framework: what a rule is, what it yields, and how rules are found and run."""

from __future__ import annotations

import importlib
import pkgutil
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from functools import cached_property
from pathlib import Path
from typing import ClassVar, TypeVar

from iamdocs import iamdb
from iamdocs.model import AcceptedFinding, Catalog, PolicyFile, Project, Statement, Value
from iamdocs.positions import Location

T = TypeVar("T")

SEVERITIES = {"E": "error", "W": "warning", "I": "info"}
RULE_ID = re.compile(r"[EWI][0-9]{3}")


@dataclass(frozen=True)
class Finding:
    rule: str  # stable rule ID, e.g. E021
    message: str
    loc: Location
    accepted: str | None = None  # the catalog's justification, when the finding is accepted there
    # What the finding is about, for acceptances: ("path", "passrole-runinstances") for an escalation path,
    # ("statement", sid, (actions...)) for actions of one statement; () for rules whose findings are not keyed.
    key: tuple = ()

    @property
    def severity(self) -> str:
        return SEVERITIES[self.rule[0]]


@dataclass
class Context:
    """What the rules look at: the project (catalog and files) and the files being checked."""

    project: Project
    files: Sequence[PolicyFile]  # lone files may be read one at a time as run() reaches them (LazyFiles)
    lone: bool = False  # files outside the project: check grammar and content, not catalog relations
    options: dict = field(default_factory=dict)
    # Lone files that come sorted by the path their findings show: each file's findings can then be reported as
    # soon as it is checked (iter_findings), and none are kept for a final sort.
    in_report_order: bool = False

    @cached_property
    def iam(self) -> iamdb.IAMDatabase:
        return iamdb.load()

    @property
    def catalog(self) -> Catalog | None:
        return self.project.catalog

    @cached_property
    def _actions_cache(self) -> dict[int, dict]:
        return {}

    def statement_actions(self, st: Statement) -> dict[str, tuple[iamdb.Action, Value]]:
        """Known actions a statement's Action list covers (lower-case name -> (action, entry)), computed once."""
        cache = self._actions_cache
        key = id(st)
        if key not in cache:
            out: dict[str, tuple[iamdb.Action, Value]] = {}
            for v in st.actions:
                for a in self.iam.expand(v.text):
                    out.setdefault(a.full_name.lower(), (a, v))
            cache[key] = (st, out)  # keep st alive so that its id is not reused
        return cache[key][1]

    def memo(self, key: tuple, compute: Callable[[], T]) -> T:
        """A value that several rules need (e.g. E023 and W023), computed once per run."""
        cache = self._memo
        if key not in cache:
            cache[key] = compute()
        return cache[key]

    @cached_property
    def _memo(self) -> dict:
        return {}

    def forget(self) -> None:
        """Drop what was computed about the statements checked so far (run() does after each lone file)."""
        self._actions_cache.clear()
        self._memo.clear()

    def granted_actions(self, st: Statement) -> dict[str, tuple[iamdb.Action, Value]]:
        """Like statement_actions, but a NotAction statement covers every known action it does not name.

        Those are attributed to the first NotAction entry. For the security rules: NotAction is no way around them.
        """
        if st.actions or not st.not_actions:
            return self.statement_actions(st)

        def compute() -> dict[str, tuple[iamdb.Action, Value]]:
            excluded = {a.full_name.lower() for v in st.not_actions for a in self.iam.expand(v.text)}
            entry = st.not_actions[0]
            return {low: (a, entry) for a in self.iam.expand("*") if (low := a.full_name.lower()) not in excluded}

        return self.memo(("granted-actions", id(st)), compute)

    @cached_property
    def project_paths(self) -> frozenset[Path]:
        """The paths (as shown in findings) of the project's own policy files."""
        return frozenset(f.path for f in self.project.files)


class Rule:
    """Base class. Subclasses set the metadata and override one or both check methods."""

    id: ClassVar[str]
    name: ClassVar[str]  # short kebab-case name
    description: ClassVar[str]  # one line, shown in the rule reference
    explanation: ClassVar[str] = ""  # why the rule exists and how to fix a finding
    project_only: ClassVar[bool] = False  # needs the catalog: skipped for lone files

    @classmethod
    def severity(cls) -> str:
        return SEVERITIES[cls.id[0]]

    def check_file(self, f: PolicyFile, ctx: Context) -> Iterable[Finding]:
        return ()

    def check_project(self, ctx: Context) -> Iterable[Finding]:
        return ()

    def finding(self, message: str, loc: Location, key: tuple = ()) -> Finding:
        return Finding(self.id, message, loc, key=key)


class DuplicateRuleError(RuntimeError):
    pass


def discover_rules() -> list[type[Rule]]:
    """Every Rule subclass defined in a module of iamdocs.lint.rules, sorted by ID."""
    from iamdocs.lint import rules as pkg  # lazy: the rules package is walked when rules are discovered

    found: dict[str, type[Rule]] = {}
    for info in pkgutil.iter_modules(pkg.__path__):
        module = importlib.import_module(f"{pkg.__name__}.{info.name}")
        for obj in vars(module).values():
            is_rule = isinstance(obj, type) and issubclass(obj, Rule) and obj is not Rule
            if not is_rule or obj.__module__ != module.__name__:
                continue
            if obj.id in found:
                raise DuplicateRuleError(
                    f"rule ID {obj.id} is defined twice: {found[obj.id].__module__} and {module.__name__}"
                )
            if not RULE_ID.fullmatch(obj.id):
                raise DuplicateRuleError(f"rule ID {obj.id} must be E, W or I and three digits, e.g. E021")
            found[obj.id] = obj
    return [found[k] for k in sorted(found)]


def run(ctx: Context, select: set[str] | None = None) -> list[Finding]:
    """Run every rule (or the selected IDs) and return the findings, sorted by place."""
    return list(iter_findings(ctx, select))


def iter_findings(ctx: Context, select: set[str] | None = None) -> Iterator[Finding]:
    """The findings in report order (by place), yielded file by file where that order allows.

    File by file, every rule on one file before the next is read: lone files (LazyFiles) are then dropped with
    what the rules computed about them. When they also come in report order (`ctx.in_report_order`), their
    findings are yielded as each file is done, so that memory does not grow with the number of files or
    findings; otherwise (the project's own files, with the project-wide rules) they are sorted at the end.
    """
    rules = _rules(ctx, select)
    if not (ctx.lone and ctx.in_report_order):
        findings = [x for f in ctx.files for x in _check_file(f, rules, ctx)]
        if not ctx.lone:
            for rule in rules:
                findings.extend(rule.check_project(ctx))
        yield from _in_order(findings, ctx)
        return
    previous = ""
    for f in ctx.files:
        shown = str(f.path)
        if shown <= previous:
            raise RuntimeError(f"lone files out of report order: {shown} after {previous}")
        previous = shown
        found = _check_file(f, rules, ctx)
        if any(str(x.loc.path) != shown for x in found):
            raise RuntimeError(f"a finding for {shown} names another file")
        del f  # before the next file is read
        yield from _in_order(found, ctx)


def _rules(ctx: Context, select: set[str] | None) -> list[Rule]:
    rules = []
    for rule_cls in discover_rules():
        if select and rule_cls.id not in select:
            continue
        if rule_cls.project_only and (ctx.lone or ctx.catalog is None):
            continue
        if not ctx.lone and ctx.catalog is None and rule_cls.id[0] != "E":
            continue  # warnings need the catalog (to accept them); without it they bury its one error
        rules.append(rule_cls())
    return rules


def _check_file(f: PolicyFile, rules: list[Rule], ctx: Context) -> list[Finding]:
    """Every per-file rule on one file; in lone mode, what the rules computed about it is then dropped."""
    found = [x for rule in rules for x in rule.check_file(f, ctx)]
    if ctx.lone:
        ctx.forget()
        if f.path not in ctx.project_paths:  # no catalog entry can accept it: its key is dead weight
            found = [replace(x, key=()) if x.key else x for x in found]
    return found


def _in_order(findings: list[Finding], ctx: Context) -> list[Finding]:
    """Accepted where the catalog accepts them, each once, sorted by place."""
    return sorted({_accept(f, ctx) for f in findings},
                  key=lambda f: (str(f.loc.path), f.loc.line, f.loc.col, f.rule, f.message))


def _accept(finding: Finding, ctx: Context) -> Finding:
    """Mark a warning accepted when the catalog accepts exactly what it is about, with a justification.

    A keyed finding (an escalation path, or the actions of one statement) is accepted only by an entry that
    names that path, or that statement with exactly the same set of actions: a new path or a new action is a
    new finding. An entry without paths or statements accepts only findings without a key.
    """
    if finding.rule[0] != "W" or ctx.catalog is None:
        return finding
    if finding.loc.path not in ctx.project_paths:
        return finding  # a lone file outside policies/ is not the catalog's to accept, whatever its name
    name = finding.loc.path.name
    for a in ctx.catalog.accepted_findings:
        if a.rule == finding.rule and name in a.policies and accepts(a, finding.key):
            return Finding(finding.rule, finding.message, finding.loc, a.justification, finding.key)
    return finding


def accepts(entry: AcceptedFinding, key: tuple) -> bool:
    """Whether a catalog entry (for the finding's rule and policy) covers a finding with this key."""
    if not key:
        return not entry.paths and not entry.statements
    if key[0] == "path":
        return key[1] in entry.paths
    return any(sid == key[1] and tuple(sorted({x.lower() for x in listed})) == key[2]
               for sid, listed in entry.statements)


def statement_key(st: Statement, actions: Iterable[str]) -> tuple:
    """The key of a finding about some actions of one statement: its Sid (#N without one) and the action set."""
    sid = st.sid if st.sid else f"#{st.index + 1}"
    return ("statement", sid, tuple(sorted({a.lower() for a in actions})))
