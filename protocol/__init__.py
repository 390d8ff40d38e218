"""Messages, their schemas, the mailbox transport, event logs and the run directory.

No LLM, no tmux, no UI lives here: everything in this package is plain files on disk.
"""
