"""Text that came from a child, made safe to show anywhere (terminal, Markdown, XML, JSON, CSV).

The wire decoder applies ``clean`` to every string a child sends, once: after it, no string in
the parent holds a lone surrogate (which strict UTF-8 encoders refuse), a noncharacter (U+FFFE,
U+FDD0, ...), a control character other than tab and newline (ESC starts terminal escape
sequences), or a bidirectional override (text that displays other than it reads). Each is
*replaced* by U+FFFD, never removed: removing would let ``"hid\\x01den"`` pass for ``"hidden"``.
"""

from __future__ import annotations

import re

REPLACEMENT = "\ufffd"

_UNSAFE = re.compile(
    "["
    "\x00-\x08\x0b-\x1f\x7f-\x9f"  # C0 (but tab, newline) and C1 controls, DEL; ESC is \x1b
    "\ud800-\udfff"  # surrogates: only lone ones survive decoding with surrogatepass
    "\ufdd0-\ufdef"  # noncharacters
    "\u200e\u200f\u202a-\u202e\u2066-\u2069"  # bidirectional marks, embeddings and overrides
    "\ufeff"  # zero-width no-break space (a byte-order mark in the middle of text)
    "]|[\ufffe\uffff]|[\U0001fffe\U0001ffff\U0002fffe\U0002ffff\U0003fffe\U0003ffff"
    "\U0004fffe\U0004ffff\U0005fffe\U0005ffff\U0006fffe\U0006ffff\U0007fffe\U0007ffff"
    "\U0008fffe\U0008ffff\U0009fffe\U0009ffff\U000afffe\U000affff\U000bfffe\U000bffff"
    "\U000cfffe\U000cffff\U000dfffe\U000dffff\U000efffe\U000effff\U000ffffe\U000fffff"
    "\U0010fffe\U0010ffff]"
)


def clean(text: str) -> str:
    """``text`` with every unsafe character replaced by U+FFFD (see the module docstring)."""
    if text.isascii() and text.isprintable():
        return text  # the common case, checked in C
    return _UNSAFE.sub(REPLACEMENT, text)


def is_clean(text: str) -> bool:
    """Whether ``clean`` would leave ``text`` as it is."""
    return _UNSAFE.search(text) is None
