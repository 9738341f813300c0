"""What crosses a wire or a USB stick, read alike by the advisor and the desk: formats, keys,
profiles."""
