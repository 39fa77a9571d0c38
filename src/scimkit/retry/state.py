"""`RetryState`: what the handlers of one call share across its attempts."""

from __future__ import annotations

from typing import Any

__all__ = ["RetryState"]


class RetryState:
    """The retry bookkeeping of one call, shared by every handler.

    - `current_attempt` counts the retries made so far (0 during the first attempt),
      whichever handler asked for them;
    - `next_attempt_requested`: set by `prepare_for_next_attempt`; the send loop resends only
      when it is true afterwards, so a handler that overrides that method can still decline;
    - `next_wait`: while a handler prepares the next attempt, the seconds the send loop
      computed (`wait_for`, once) and checked against the call's deadline; the base
      `prepare_for_next_attempt` sleeps exactly that. `None` outside the loop;
    - `custom_values` is free for handlers to keep their own notes in.
    """

    __slots__ = ("current_attempt", "custom_values", "next_attempt_requested", "next_wait")

    def __init__(
        self, *, current_attempt: int = 0, custom_values: dict[str, Any] | None = None
    ) -> None:
        self.current_attempt = current_attempt
        self.next_attempt_requested = False
        self.next_wait: float | None = None
        self.custom_values: dict[str, Any] = custom_values if custom_values is not None else {}

    def increment_current_attempt(self) -> int:
        """Count one more retry; returns the new `current_attempt`."""
        self.current_attempt += 1
        return self.current_attempt

    def __repr__(self) -> str:
        return (
            f"RetryState(current_attempt={self.current_attempt}, "
            f"next_attempt_requested={self.next_attempt_requested})"
        )
