"""The design system in one place: spacing and type scales, a calm accent, the status colours,
light / dark / high-contrast palettes that follow the system, the icons, and the one style
sheet that applies them to every widget.

Widgets do not set colours or style sheets of their own; they say what they are with a
``role`` property (``primary``, ``link``, ``note``, ``error``, ``banner``…) or a status
(:func:`status_color`), and :func:`apply_design` styles them. Icons come from the Phosphor set
shipped in ``resources/icons/phosphor`` (MIT licence, in the third-party notices), drawn in
the palette's text colour, and mirrored in right-to-left layouts where they point a way.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from enum import Enum
from functools import cache
from pathlib import Path

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QSize, Qt
from PySide6.QtGui import QColor, QGuiApplication, QIcon, QImageReader, QPalette, QPixmap
from PySide6.QtWidgets import QApplication, QWidget

from advisor_desktop.platform.paths import resources_dir

# -- scales -------------------------------------------------------------------------------

SPACE_XS, SPACE_S, SPACE_M, SPACE_L, SPACE_XL = 4, 8, 12, 16, 24
"""The spacing scale (pixels at 1×): between related controls, in forms, between groups."""

TYPE_SCALE = {"small": 0.9, "body": 1.0, "subheading": 1.2, "heading": 1.5, "display": 2.0}
"""Font sizes relative to the system font (which follows the user's setting)."""

ICON_SIZES = (16, 20, 24, 32, 48)


class Status(Enum):
    """What a status colour means; the same everywhere it appears."""

    OVERDUE = "overdue"
    DUE = "due"
    DELIVERED = "delivered"
    FAILED = "failed"
    SENDING = "sending"
    WAITING = "waiting"
    TRAINING = "training"


@dataclass(frozen=True)
class Tokens:
    """The colours of one scheme."""

    name: str
    window: str
    surface: str
    text: str
    muted: str
    border: str
    accent: str
    accent_text: str
    selection: str
    link: str
    overdue: str
    due: str
    delivered: str
    failed: str
    sending: str
    waiting: str
    training: str
    banner: str
    mark: str
    mark_text: str

    def status(self, status: Status) -> str:
        """The colour of ``status`` in this scheme."""
        return str(getattr(self, status.value))


LIGHT = Tokens(
    name="light",
    window="#f5f6f8",
    surface="#ffffff",
    text="#1b2430",
    muted="#566271",
    border="#cfd6df",
    accent="#2b6a8a",
    accent_text="#ffffff",
    selection="#d7e8f1",
    link="#1f5c7a",
    overdue="#b42318",
    due="#9a4a00",
    delivered="#067647",
    failed="#b42318",
    sending="#2b6a8a",
    waiting="#566271",
    training="#6941c6",
    banner="#fff4dc",
    mark="#ffe08a",
    mark_text="#1b2430",
)

DARK = Tokens(
    name="dark",
    window="#14181d",
    surface="#1c2229",
    text="#e6eaf0",
    muted="#a3adba",
    border="#343e4a",
    accent="#6cb0cf",
    accent_text="#0b1116",
    selection="#24455a",
    link="#8cc7e3",
    overdue="#f97066",
    due="#fdb022",
    delivered="#47cd89",
    failed="#f97066",
    sending="#6cb0cf",
    waiting="#a3adba",
    training="#b692f6",
    banner="#3a2f14",
    mark="#6b5200",
    mark_text="#ffffff",
)

HIGH_CONTRAST = Tokens(
    name="high-contrast",
    window="#000000",
    surface="#000000",
    text="#ffffff",
    muted="#ffffff",
    border="#ffffff",
    accent="#ffd600",
    accent_text="#000000",
    selection="#1c3f8c",
    link="#7fd4ff",
    overdue="#ff6b6b",
    due="#ffd600",
    delivered="#5cff9d",
    failed="#ff6b6b",
    sending="#7fd4ff",
    waiting="#ffffff",
    training="#d6b8ff",
    banner="#000000",
    mark="#ffd600",
    mark_text="#000000",
)

CONTRAST_ENV = "ADVISOR_CONTRAST"
"""``high`` forces the high-contrast scheme (where the system does not say)."""


def system_tokens() -> Tokens:
    """The scheme the system asks for: high contrast, dark or light."""
    if wants_high_contrast():
        return HIGH_CONTRAST
    hints = QGuiApplication.styleHints()
    if hints is not None and hints.colorScheme() == Qt.ColorScheme.Dark:
        return DARK
    return LIGHT


def wants_high_contrast() -> bool:
    """The system's (or ``ADVISOR_CONTRAST=high``) request for high contrast."""
    if os.environ.get(CONTRAST_ENV, "").strip().lower() == "high":
        return True
    if "highcontrast" in os.environ.get("GTK_THEME", "").replace("-", "").lower():
        return True
    hints = QGuiApplication.styleHints()
    accessibility = getattr(hints, "accessibility", None)
    if callable(accessibility):
        try:
            preference = accessibility().contrastPreference()
            return bool(preference == Qt.ContrastPreference.HighContrast)
        except AttributeError:  # an older Qt: no such hint
            return False
    return False


_current: Tokens = LIGHT


def tokens() -> Tokens:
    """The scheme in use (after :func:`apply_design`)."""
    return _current


def status_color(status: Status) -> QColor:
    """The colour for ``status`` in the scheme in use."""
    return QColor(_current.status(status))


# -- palette and style sheet ---------------------------------------------------------------


def palette_for(t: Tokens) -> QPalette:
    """A Qt palette from the tokens (for what the style sheet does not reach)."""
    p = QPalette()
    role = QPalette.ColorRole
    for which, value in (
        (role.Window, t.window),
        (role.WindowText, t.text),
        (role.Base, t.surface),
        (role.AlternateBase, t.window),
        (role.Text, t.text),
        (role.Button, t.surface),
        (role.ButtonText, t.text),
        (role.Highlight, t.accent),
        (role.HighlightedText, t.accent_text),
        (role.ToolTipBase, t.surface),
        (role.ToolTipText, t.text),
        (role.PlaceholderText, t.muted),
        (role.Link, t.link),
        (role.LinkVisited, t.link),
        (role.Mid, t.border),
        (role.Midlight, t.border),
    ):
        p.setColor(which, QColor(value))
    disabled = QPalette.ColorGroup.Disabled
    for which in (role.WindowText, role.Text, role.ButtonText):
        p.setColor(disabled, which, QColor(t.muted))
    return p


def style_sheet(t: Tokens) -> str:
    """The application's style sheet for the scheme ``t``."""
    return f"""
QPushButton {{
    padding: {SPACE_XS + 1}px {SPACE_M}px; border: 1px solid {t.border};
    border-radius: 6px; background: {t.surface}; color: {t.text}; min-height: 1.4em;
}}
QPushButton:hover {{ border-color: {t.accent}; }}
QPushButton:focus {{ border-color: {t.accent}; }}
QPushButton:pressed {{ background: {t.selection}; }}
QPushButton:default, QPushButton[role="primary"] {{
    background: {t.accent}; color: {t.accent_text}; border-color: {t.accent};
}}
QPushButton:disabled {{ color: {t.muted}; background: {t.window}; border-color: {t.border}; }}
QPushButton[role="link"] {{
    border: none; background: transparent; color: {t.link}; text-decoration: underline;
    padding: 2px 0px; min-height: 0px;
}}
QPushButton[role="link"]:focus {{ color: {t.accent}; }}
QPushButton[role="danger"] {{ color: {t.failed}; border-color: {t.failed}; }}
QLineEdit, QPlainTextEdit, QTextEdit, QTextBrowser {{
    border: 1px solid {t.border}; border-radius: 4px; background: {t.surface};
    color: {t.text}; selection-background-color: {t.accent};
    selection-color: {t.accent_text};
}}
QLineEdit {{ padding: 3px {SPACE_S - 2}px; min-height: 1.4em; }}
QLineEdit:focus, QPlainTextEdit:focus, QTextEdit:focus {{ border-color: {t.accent}; }}
QLineEdit[invalid="true"] {{ border-color: {t.failed}; }}
QGroupBox {{
    border: 1px solid {t.border}; border-radius: 8px; margin-top: 1.1em;
    padding: {SPACE_XS}px {SPACE_XS}px {SPACE_XS}px {SPACE_XS}px; background: {t.surface};
}}
QGroupBox::title {{ subcontrol-origin: margin; padding: 0px {SPACE_XS}px; color: {t.text}; }}
QListWidget#navigation {{
    background: {t.surface}; border: none; padding: {SPACE_S}px {SPACE_XS}px;
    outline: 0;
}}
QListWidget#navigation::item {{
    padding: {SPACE_S}px {SPACE_S + 2}px; margin: 1px {SPACE_XS}px; border-radius: 6px;
    color: {t.text};
}}
QListWidget#navigation::item:hover {{ background: {t.window}; }}
QListWidget#navigation::item:selected {{ background: {t.selection}; color: {t.text}; }}
QToolBar {{
    background: {t.surface}; border: none; border-bottom: 1px solid {t.border};
    spacing: {SPACE_XS}px; padding: {SPACE_XS}px;
}}
QToolButton {{ padding: {SPACE_XS}px {SPACE_S}px; border-radius: 6px; color: {t.text}; }}
QToolButton:hover {{ background: {t.selection}; }}
QStatusBar {{ background: {t.surface}; border-top: 1px solid {t.border}; color: {t.muted}; }}
QTreeView, QTableView, QListView {{
    background: {t.surface}; alternate-background-color: {t.window};
    border: 1px solid {t.border}; border-radius: 4px;
    selection-background-color: {t.selection}; selection-color: {t.text};
}}
QHeaderView::section {{
    background: {t.window}; color: {t.text}; padding: {SPACE_XS}px {SPACE_S - 2}px;
    border: none; border-bottom: 1px solid {t.border};
}}
QProgressBar {{
    border: 1px solid {t.border}; border-radius: 4px; background: {t.window};
    min-height: 8px; max-height: 10px; text-align: center; color: transparent;
}}
QProgressBar::chunk {{ background: {t.accent}; border-radius: 3px; }}
QProgressBar[level="weak"]::chunk {{ background: {t.failed}; }}
QProgressBar[level="fair"]::chunk {{ background: {t.due}; }}
QProgressBar[level="strong"]::chunk {{ background: {t.delivered}; }}
QLabel[role="note"] {{ color: {t.muted}; }}
QLabel[role="error"] {{ color: {t.failed}; font-weight: bold; }}
QLabel[role="success"] {{ color: {t.delivered}; }}
QFrame[role="banner"] {{
    background: {t.banner}; border: 1px solid {t.due}; border-radius: 6px;
}}
QWidget#quickHide, QWidget#lockScreen {{ background: {t.window}; }}
QWidget#card {{ background: {t.surface}; border: 1px solid {t.border}; border-radius: 10px; }}
QTabWidget::pane {{ border: 1px solid {t.border}; border-radius: 4px; top: -1px; }}
QTabBar::tab {{ padding: {SPACE_XS + 1}px {SPACE_M}px; }}
QTabBar::tab:selected {{ border-bottom: 2px solid {t.accent}; }}
"""


def apply_design(app: QApplication | None = None, scheme: Tokens | None = None) -> Tokens:
    """Style the whole application with ``scheme`` (by default the system's); follows the
    system's later switches between light and dark. Returns the scheme applied."""
    global _current
    instance = app or QApplication.instance()
    if not isinstance(instance, QApplication):
        return _current
    chosen = scheme or system_tokens()
    if instance.property("advisorDesign") != chosen.name or _current is not chosen:
        if instance.property("advisorDesign") is None:
            instance.setStyle("Fusion")
            hints = QGuiApplication.styleHints()
            if hints is not None and scheme is None:
                hints.colorSchemeChanged.connect(lambda _s: apply_design(instance))
        _current = chosen
        instance.setPalette(palette_for(chosen))
        instance.setStyleSheet(style_sheet(chosen))
        instance.setProperty("advisorDesign", chosen.name)
        _icon.cache_clear()
    return chosen


def set_role(widget: QWidget, role: str) -> QWidget:
    """Give ``widget`` a design role (``primary``, ``link``, ``note``, ``error``…)."""
    widget.setProperty("role", role)
    style = widget.style()
    style.unpolish(widget)
    style.polish(widget)
    return widget


# -- icons -----------------------------------------------------------------------------------

DIRECTIONAL = frozenset({"arrow-left", "arrow-right", "caret-left", "caret-right", "sign-out"})
"""Icons that point a way: mirrored in right-to-left layouts."""


def icon_dir() -> Path:
    """The shipped icon set."""
    return resources_dir() / "icons" / "phosphor"


def _render(svg: bytes, size: int) -> QPixmap:
    data = QByteArray(svg)
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.ReadOnly)
    reader = QImageReader(buffer, QByteArray(b"svg"))
    reader.setScaledSize(QSize(size, size))
    image = reader.read()
    return QPixmap.fromImage(image)


def icon(name: str, color: str | None = None, rtl: bool | None = None) -> QIcon:
    """The icon ``name`` from the shipped set, drawn in ``color`` (the scheme's text colour by
    default), mirrored when it points a way and the layout is (or ``rtl`` says) right to
    left. An unknown name gives an empty icon."""
    if rtl is None:
        rtl = QGuiApplication.layoutDirection() == Qt.LayoutDirection.RightToLeft
    return _icon(name, color or _current.text, rtl and name in DIRECTIONAL)


@cache
def _icon(name: str, color: str, mirrored: bool) -> QIcon:
    path = icon_dir() / f"{name}.svg"
    try:
        svg = path.read_bytes()
    except OSError:
        return QIcon()
    svg = svg.replace(b"currentColor", color.encode("ascii"))
    result = QIcon()
    for size in ICON_SIZES:
        for scale in (1, 2):
            pixmap = _render(svg, size * scale)
            if pixmap.isNull():
                continue
            if mirrored:
                pixmap = QPixmap.fromImage(pixmap.toImage().flipped(Qt.Orientation.Horizontal))
            pixmap.setDevicePixelRatio(scale)
            result.addPixmap(pixmap)
    return result


def status_icon(status: Status) -> QIcon:
    """The icon beside a status (never colour alone)."""
    name = {
        Status.OVERDUE: "warning-circle",
        Status.DUE: "clock",
        Status.DELIVERED: "check-circle",
        Status.FAILED: "x-circle",
        Status.SENDING: "cloud-arrow-up",
        Status.WAITING: "clock",
        Status.TRAINING: "graduation-cap",
    }[status]
    return icon(name, _current.status(status))
