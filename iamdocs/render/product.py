"""Where customers get the AI Unlimited templates: the product repository's deployment folder."""

from __future__ import annotations

from iamdocs.model import SoundProject
from iamdocs.render._markdown import code, fence, table

PRODUCT_REPO = "https://github.com/Teradata/ai-unlimited"
DEPLOY_DIR = "deployments/aws"
# The templates that exist in the product repository (its README also names some that do not).
TEMPLATES = {
    "ai-unlimited-with-nlb": ("templates/ai-unlimited", "AI Unlimited manager behind a network load balancer"),
    "ai-unlimited-without-lb": ("templates/ai-unlimited", "AI Unlimited manager without a load balancer"),
    "jupyter-with-nlb": ("templates/jupyter", "JupyterLab behind a network load balancer (optional)"),
    "jupyter-without-lb": ("templates/jupyter", "JupyterLab without a load balancer (optional)"),
}
DEFAULT_TEMPLATE = "ai-unlimited-with-nlb"


def _blob(path: str) -> str:
    return f"{PRODUCT_REPO}/blob/main/{DEPLOY_DIR}/{path}"


def _raw(path: str) -> str:
    return f"https://raw.githubusercontent.com/Teradata/ai-unlimited/main/{DEPLOY_DIR}/{path}"


def product_templates(project: SoundProject) -> str:
    """Table of the product's templates and example parameter files, linked to the product repository."""
    rows = []
    for name, (folder, what) in TEMPLATES.items():
        rows.append([what, f"[{code(name + '.yaml')}]({_blob(f'{folder}/{name}.yaml')})",
                     f"[{code(name + '.json')}]({_blob(f'parameters/{name}.json')})"])
    return table(["What it installs", "Template", "Example parameters"], rows)


def product_template_download(project: SoundProject, name: str = DEFAULT_TEMPLATE) -> str:
    """Commands that download one template and its parameter file into the current folder."""
    folder = TEMPLATES[name][0]
    return fence(f"curl -fsSLO {_raw(f'{folder}/{name}.yaml')}\ncurl -fsSLO {_raw(f'parameters/{name}.json')}\n",
                 "bash")


MACROS = [product_templates, product_template_download]
