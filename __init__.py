"""crewmux: a team of LLM coding agents on your own machine, in tmux panes."""

__version__ = "0.1.0"
