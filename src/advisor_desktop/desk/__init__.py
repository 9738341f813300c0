"""The reference central desk: its identity, trusted advisors and opening of packages."""
