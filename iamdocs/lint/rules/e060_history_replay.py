from __future__ import annotations

import datetime
from collections.abc import Iterable

from iamdocs.grants import allowed_actions, display_action
from iamdocs.history import replay
from iamdocs.lint.actions import misspelled
from iamdocs.lint.base import Context, Finding, Rule
from iamdocs.model import PolicyFile
from iamdocs.output import short_list
from iamdocs.positions import Location


class HistoryReplay(Rule):
    id = "E060"
    name = "history-replay"
    description = "The catalog's history, replayed from nothing, must give exactly the actions of today's policy files."
    explanation = (
        "Every change to a policy needs a dated history entry, which the guide publishes. The replay starts "
        "empty, applies each entry in date order (added/removed, case-insensitive, following renames) and "
        "compares the result with each file's allowed actions, naming the actions that differ."
    )
    project_only = True

    def check_project(self, ctx: Context) -> Iterable[Finding]:
        catalog = ctx.catalog
        db = ctx.iam
        # How each action is written in the history and the files: an unknown name is shown as written.
        spelled = {a.lower(): a for e in catalog.history for c in e.changes for a in [*c.added, *c.removed]}
        spelled.update({v.text.lower(): v.text for f in ctx.project.files for st in f.statements
                        for v in st.actions})
        show = lambda names: self._show(names, ctx, spelled)  # noqa: E731
        last: tuple[datetime.date, int] | None = None
        for i, entry in enumerate(catalog.history):
            date_loc = catalog.locate(["history", i, "date"])
            try:
                date = datetime.date.fromisoformat(entry.date)
            except ValueError:
                yield self.finding(f'history date "{entry.date}" is not a calendar date', date_loc)
                date = None
            if date is not None:
                if last is not None and date < last[0]:
                    yield self.finding(f"history entry {entry.date} comes after {last[0].isoformat()} (line "
                                       f"{last[1]}); entries must be in ascending date order", date_loc)
                last = (date, date_loc.line)
        steps, conflicts = replay(catalog.history, db)
        for c in conflicts:
            entry = catalog.history[c.entry]
            loc = catalog.locate(["history", c.entry, "changes", c.change])
            if c.kind == "again":
                yield self.finding(f"{entry.date}: adds {show(set(c.actions))} to {c.policy}, which "
                                   "already had them", loc)
            else:
                yield self.finding(f"{entry.date}: removes {show(set(c.actions))} from {c.policy}, "
                                   "which did not have them", loc)
        state = steps[-1].state if steps else {}
        for f in ctx.project.files:
            if f.root is None or f.name not in catalog.policies:
                continue  # unreadable (E001) or without a catalog entry (E053)
            replayed = set(state.get(f.name, frozenset()))
            actual = allowed_actions(f.document, db)
            quiet = misspelled([f.document], db)  # E020/E021 report them, and what they probably mean
            unrecorded = actual - replayed - quiet
            gone = replayed - actual - quiet
            if not unrecorded and not gone:
                continue
            parts = []
            if unrecorded:
                parts.append(f"the file allows {show(unrecorded)} that no history entry adds")
            if gone:
                parts.append(f"the history adds {show(gone)} that the file does not allow")
            advice = ("add a dated entry to the catalog's history" if not gone else
                      "add a dated entry for a change, or correct the history where it is wrong")
            if not gone:  # a change the history misses: where its entry goes, and the entry
                advice += self._entry(f.name, unrecorded, ctx, spelled)
            yield self.finding(f"history does not replay to {f.name}: " + "; ".join(parts) + f"; {advice}",
                               self._where(f, unrecorded, ctx))

    @staticmethod
    def _entry(name: str, added: set[str], ctx: Context, spelled: dict[str, str]) -> str:
        """Where the entry goes (after the last one, by its catalog line) and the entry itself, as one line of YAML
        that can be pasted there (a flow mapping), with the date and summary left for the writer."""
        history = ctx.catalog.history
        last = ctx.catalog.locate(["history", len(history) - 1]) if history else None
        where = (f" after its last entry ({history[-1].date}, {last.path}:{last.line})" if last else
                 f" ({ctx.catalog.locate(['history'])})")

        def names(actions: set[str]) -> str:
            return ", ".join(display_action(a, ctx.iam) if ctx.iam.action(a) else spelled.get(a, a)
                             for a in sorted(actions))

        return (f"{where}, for example: - {{date: YYYY-MM-DD, summary: What changed., why: Why., "
                f"changes: [{{policies: [{name}], added: [{names(added)}]}}]}}")

    @staticmethod
    def _show(actions: set[str], ctx: Context, spelled: dict[str, str]) -> str:
        names = [display_action(a, ctx.iam) if ctx.iam.action(a) else spelled.get(a, a) for a in sorted(actions)]
        return short_list(names, 10)

    @staticmethod
    def _where(f: PolicyFile, unrecorded: set[str], ctx: Context) -> Location:
        """The first action in the file that no entry adds; else the policy's catalog entry."""
        for st in f.statements:
            for v in st.actions:
                if v.text.lower() in unrecorded:
                    return v.loc
        return ctx.catalog.locate(["policies", f.name])
