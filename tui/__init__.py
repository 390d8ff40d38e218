"""The Textual dashboard: watch the whole team and steer it from the keyboard."""
