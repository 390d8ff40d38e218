"""What starts, watches and stops a run's processes: tmux, the team, the supervisor, services."""
