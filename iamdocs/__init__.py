"""iamdocs: the AI Unlimited IAM policies as one source for the guide, the checks and the sandbox."""

__version__ = "0.1.0"
