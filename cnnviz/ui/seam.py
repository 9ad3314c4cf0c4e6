"""What a page and its step player need from whatever surrounds the page: by default nothing.

``app.py`` installs what surrounds every page (``install``: the classroom's room); a page file run on
its own keeps the default, a page alone. Pages and widgets ask ``current()`` and know nothing else of it.
"""
from __future__ import annotations

from collections.abc import Mapping


class Seam:
    """Nothing around the page: no step to take, nothing reported, nobody followed."""

    def player_command(self) -> tuple[str, int, bool] | None:
        """The step this session's player must take: ``(token, step, playing)``, applied once per token."""
        return None

    def reports_player(self) -> bool:
        """True when this session's player reports its view (``publish_player_view``) for others to follow."""
        return False

    def following(self) -> bool:
        """True when this session's page shows someone else's view (the player alone, sized for this screen)."""
        return False

    def publish_player_view(self, report: object, data: Mapping | None = None) -> None:
        """The player got ``data`` and reported ``report`` (``{step, playing, speed}``, or None yet)."""

    def own_change(self) -> None:
        """The student changed the page themselves (typed into the player, used its tools)."""

    def after_page(self, page: object | None = None) -> None:
        """The page ran (``page``, ``st.navigation``'s), or only a fragment of it (None)."""


_current = Seam()


def install(seam: Seam) -> None:
    """Put ``seam`` around every page of this process (``app.py`` does, on each run)."""
    global _current
    _current = seam


def current() -> Seam:
    """What surrounds the pages now: the installed seam, else the default ``Seam()``."""
    return _current
