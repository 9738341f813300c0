"""The desk's intake server (``advisor-desk serve``): it stores what advisors deliver and hands
it to the workstation, and never holds the key that reads referrals. Needs the ``desk`` extra
(Starlette, uvicorn, http-message-signatures). See docs/sync-protocol.md and docs/desk.md."""
