"""Event store positions the HTTP edge needs, so the api layer never imports `events` itself."""

from __future__ import annotations

from events.positions import head_position

from .context import CommandContext


def event_store_head(ctx: CommandContext) -> int:
    """The position of the newest stored event, 0 when empty (a max() over the primary key)."""
    return head_position(ctx.app)
