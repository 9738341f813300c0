"""The notebook of advisory conversations (plain Python, no Qt)."""
