"""The signer is bound to the advisor the package names: a package naming advisor A's key
(``advisor_key_id``) but signed by enrolled advisor B is refused, by ``open`` and by
``import``, and nothing of it is stored. (Disabling that check in
``protocol/referral_package.verify_envelope`` makes these tests fail.)"""

from __future__ import annotations

import json
from pathlib import Path

from advisor_desktop.protocol.errors import EXIT_SIGNATURE
from tests.desk.conftest import Advisor, DeskRunner, Forger, payload
from tests.desk.test_packages import stored


def _a_names_b_signs(
    desk: DeskRunner, advisor: Advisor, forger: Forger, out: Path
) -> tuple[Path, str]:
    """A valid payload that names advisor A's device key, signed and sealed by device B."""
    a_key_id = json.loads(advisor.cli("device-key", "--json").out)["key_id"]
    assert desk("enrol", forger.public_text, "--name", "Advisor B", "--yes").code == 0
    doc = {**payload(forger.key, category=["bullying"]), "advisor_key_id": a_key_id}
    return forger.seal(desk, doc, out), doc["referral_id"]


def test_open_refuses_a_package_signed_by_another_enrolled_advisor(
    ready: tuple[DeskRunner, Advisor], forger: Forger, tmp_path: Path
) -> None:
    desk, advisor = ready
    package, _ref = _a_names_b_signs(desk, advisor, forger, tmp_path / "x.referral")
    refused = desk("open", str(package))
    assert refused.code == EXIT_SIGNATURE
    assert "names another signing key than the one used" in refused.err
    assert stored(desk, "SELECT id FROM packages") == []


def test_import_refuses_a_package_signed_by_another_enrolled_advisor(
    ready: tuple[DeskRunner, Advisor], forger: Forger, tmp_path: Path
) -> None:
    desk, advisor = ready
    package, ref = _a_names_b_signs(desk, advisor, forger, tmp_path / "x.referral")
    refused = desk("import", str(package))
    assert refused.code == EXIT_SIGNATURE
    assert ref not in refused.out
    assert stored(desk, "SELECT id FROM packages") == []
    assert not (tmp_path / "x.receipt").exists()
    # The same payload naming B's own key, signed by B, is B's referral and is received.
    own = {**payload(forger.key, category=["bullying"])}
    accepted = desk("import", str(forger.seal(desk, own, tmp_path / "own.referral")))
    assert accepted.code == 0, accepted.err
    assert "from Advisor B" in accepted.out
