"""The project being built: worktrees, safe edits, the sandbox for generated code."""
