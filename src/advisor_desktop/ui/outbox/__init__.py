"""The outbox feature: the Outbox page, the sync indicator, the sync on a worker, and what the
desk said about a referral, for the advisor and for the visitor."""
