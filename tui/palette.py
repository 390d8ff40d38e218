"""The command palette's entries: every dashboard key, by name (built from ``keys.py``)."""

from __future__ import annotations

from functools import partial

from textual.command import DiscoveryHit, Hit, Hits, Provider

from crewmux.tui.keys import KEYS


class TeamCommands(Provider):
    def _main_screen(self):
        from crewmux.tui.screens.main import MainScreen

        screen = self.screen
        return screen if isinstance(screen, MainScreen) else None

    async def discover(self) -> Hits:
        screen = self._main_screen()
        if screen is None:
            return
        for key in KEYS:
            yield DiscoveryHit(key.description, partial(screen.run_action, key.action), help=f"key: {key.label}")

    async def search(self, query: str) -> Hits:
        screen = self._main_screen()
        if screen is None:
            return
        matcher = self.matcher(query)
        for key in KEYS:
            score = matcher.match(key.description)
            if score > 0:
                yield Hit(score, matcher.highlight(key.description), partial(screen.run_action, key.action), help=f"key: {key.label}")
