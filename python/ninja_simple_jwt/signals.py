"""Audit signals, for a project to connect to its logs or alerting. None of them carries a token.

- `session_started(sender, request, user, session_id)`: a sign-in started a session (the sessions app).
- `session_ended(sender, user_id, session_id, reason)`: a session ended; `reason` is an `EndReason` value.
- `refresh_token_reused(sender, request, user_id, session_id)`: a used-up refresh token came back after the
  grace: the sign of a stolen token. The session has been ended.
- `sign_in_throttled(sender, request, username)`: a sign-in was refused with 429 by the throttle.
"""

from django.dispatch import Signal

__all__ = ["refresh_token_reused", "session_ended", "session_started", "sign_in_throttled"]

session_started = Signal()
session_ended = Signal()
refresh_token_reused = Signal()
sign_in_throttled = Signal()
