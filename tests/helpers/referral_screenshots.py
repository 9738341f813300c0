"""Screenshots of the referral wizard with fictional demo data (offscreen or under Xvfb).

Builds a throw-away vault in a temporary folder, a desk key made on the spot, and one
fictional record; then walks the wizard and grabs its pages. Demo tooling for
``tests/screenshots.py`` and the tests, kept out of the installed package: its vault uses a
deliberately cheap key derivation that no production module may reach.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path

import pyrage
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from PySide6.QtCore import QCoreApplication, QEventLoop
from PySide6.QtWidgets import QWidget

from advisor_desktop.app.workspace import Workspace
from advisor_desktop.crypto.keyslots import KdfParams, KdfPolicy
from advisor_desktop.notebook.models import ContactChannel, ConversationRecord, VisitorRole
from advisor_desktop.platform.paths import AppPaths
from advisor_desktop.protocol.keys import encode_public_key, raw_public
from advisor_desktop.protocol.profile import Desk, load_profile, with_desk
from advisor_desktop.referral.consent import parse_scopes
from advisor_desktop.storage.meta import store_profile
from advisor_desktop.storage.store import create_vault
from advisor_desktop.ui.referral.referral_wizard import ReferralWizard

DEMO_NOTES = (
    "Maria Jansen (maria.jansen@example.org, +31 6 12345678) says that her team lead "
    "Pieter de Vries shouted at her in the weekly meeting on 14 March 2026 and again the "
    "week after. Colleagues saw it. She wants it on record and would like advice from the "
    "central desk; she does not want her manager to be told yet. Her personnel number is "
    "AB-123456; details at https://intranet.example.org/team."
)
DEMO_SCOPES = "category,role,region,period=month,summary,contact"
DEMO_DESK = "Central reporting and advice desk"
_DEMO_KDF = KdfPolicy.fixed(KdfParams(time_cost=1, memory_kib=8192, lanes=1))
DEFAULT_SIZE = (1080, 680)


def _settle() -> None:
    for _round in range(10):
        QCoreApplication.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 20)


def _save(widget: QWidget, path: Path) -> Path:
    from tests.helpers.geometry import inspect

    _settle()
    widget.grab().save(str(path))
    inspect(widget, path.stem)
    return path


def demo_desk() -> Desk:
    """A desk with freshly made keys (the private halves are thrown away)."""
    age = pyrage.x25519.Identity.generate()
    signing = Ed25519PrivateKey.generate()
    return Desk(
        DEMO_DESK, str(age.to_public()), encode_public_key(raw_public(signing.public_key()))
    )


def demo_record() -> ConversationRecord:
    """The fictional record the screenshots refer."""
    return ConversationRecord(
        conv_date=dt.date(2026, 3, 14),
        channel=ContactChannel.IN_PERSON,
        role=VisitorRole.LOCALLY_EMPLOYED,
        categories=("bullying",),
        notes=DEMO_NOTES,
        language="en",
        identifiers=("Maria Jansen",),
    )


def render_referral_screenshots(
    out_dir: Path, *, size: tuple[int, int] = DEFAULT_SIZE
) -> list[Path]:
    """Save desk, consent (en, ar), draft and preview pages as PNGs in ``out_dir``; returns them.

    Needs a running ``QApplication``.
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    profile = with_desk(load_profile(), demo_desk())
    written: list[Path] = []
    with tempfile.TemporaryDirectory(prefix="referral-shots-") as tmp:
        root = Path(tmp)
        paths = AppPaths(data=root, config=root / "config", logs=root / "logs")
        vault, _code = create_vault(
            paths, bytearray(b"demo passphrase, screenshots only"), _DEMO_KDF
        )
        try:
            store_profile(vault, profile)
            workspace = Workspace(vault, paths)
            record_id = workspace.notebook.add(demo_record())
            record = workspace.notebook.get(record_id)
            wizard = ReferralWizard(workspace, record, request_visitor_view=lambda _l: None)
            wizard.resize(*size)
            wizard.show()
            written.append(_save(wizard, out_dir / "referral-desk.png"))
            wizard.next()
            consent = wizard.consent_page
            consent.set_scopes(parse_scopes(DEMO_SCOPES))
            consent.region.setText("West Africa")
            written.append(_save(wizard, out_dir / "referral-consent-en.png"))
            consent.set_language("ar")
            written.append(_save(wizard, out_dir / "referral-consent-ar.png"))
            consent.set_language("en")
            wizard.next()
            draft = wizard.draft_page
            draft.select_row(0)
            draft.accept_selected()
            draft.select_row(1)
            written.append(_save(wizard, out_dir / "referral-draft.png"))
            wizard.next()
            wizard.preview_page.checked.setChecked(True)
            written.append(_save(wizard, out_dir / "referral-preview.png"))
            wizard.close()
            wizard.deleteLater()
            _settle()
        finally:
            vault.close()
    return written
