"""codeloop: language models write programs; codeloop runs, checks and learns from them."""

__version__ = "0.1.0"
