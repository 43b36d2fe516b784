"""Track LLM leaderboards and usage rankings; publish what changed."""

__version__ = "0.1.0"
