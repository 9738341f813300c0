"""Key handling: Argon2id key slots, recovery codes. Only `cryptography` primitives."""
