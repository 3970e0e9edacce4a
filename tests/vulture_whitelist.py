"""Names that frameworks call or read, for vulture (scripts/deadcode): not dead code.

Each line names what uses it. Discovered lint rules are added by scripts/deadcode itself.
"""
# ruff: noqa: B018, F821

ignore_aliases  # yaml.SafeDumper calls it (cfn/template.py)
formatter_class  # argparse reads it (clidoc.py)
handle_starttag  # html.parser.HTMLParser calls these (drift/sources/site.py)
handle_endtag
handle_data
nav  # mkdocs reads config.nav (guide/hooks.py)
on_files  # mkdocs hooks, found by name (guide/hooks.py)
on_startup
on_post_page
dirty  # on_startup's signature: mkdocs passes it by name
define_env  # mkdocs-macros calls these, found by name in a module it loads (guide/macros.py)
on_pre_page_macros
on_post_page_macros
on_post_build
template_class  # Jinja reads it when a page is compiled (guide/macros.py)
process  # fields of the deploy report, written to JSON by asdict (sandbox/report.py)
finished
exc_type  # __exit__'s signature (sandbox/server.py)
tb
spell  # used only by tests: placeholders.spell, guide.hooks.pasted_policies, sandbox.steps.STEP_NAMES
pasted_policies
STEP_NAMES
effective  # access.effective and access.decide: the evaluator's request API, tested in tests/drift/test_access.py
decide
policies_grants  # access.policies_grants: what a role's documents grant together, tested in tests/drift/test_access.py
