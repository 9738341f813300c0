"""The reference central desk (workstation half): its identity, its encrypted store (enrolled
devices, packages received, seen ids, status history), receiving and opening packages,
receipts, backup. See docs/desk.md."""
