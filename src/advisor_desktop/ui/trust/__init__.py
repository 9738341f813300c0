"""Keys and updates: the organisation profile, desk keys, guide packs."""
