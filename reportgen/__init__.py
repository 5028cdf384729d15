"""reportgen: turn folders of ML training logs into a linked static HTML report site."""

__version__ = "0.1.0"
