"""iamdocs: the AI Unlimited IAM policies as one source for the guide, the checks and the sandbox."""

__version__ = "0.1.0"


def version_text() -> str:
    """What --version prints: the IAM data too, since which actions are known depends on its version."""
    from iamdocs.datafiles import describe, iam_data_versions  # lazy: importing the package costs nothing

    return f"iamdocs {__version__}\nIAM data: {describe(iam_data_versions())}\n"
