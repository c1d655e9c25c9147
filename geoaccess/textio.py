"""How geoaccess decodes text inputs: one encoding policy for every reader.

Every text reader (GTFS ``.txt`` files, commuting CSVs, scenario and limits TOML, ...)
opens its input through this module, so all of them follow the same rules:

1. **UTF-8** is the default. A UTF-8 byte-order mark (BOM, common in files saved by
   Excel) is removed.
2. **UTF-16 and UTF-32** are detected and decoded: by their BOM, or, for UTF-16 without a
   BOM, by the zero bytes every other byte that ASCII text has in UTF-16.
3. **Anything else is refused by name**: a byte sequence that is not UTF-8 raises an
   :class:`~geoaccess.errors.InputError` naming the file, the line and the byte, saying
   what the file most likely is (Latin-1 / Windows-1252, or binary) and what to do: save
   it as UTF-8, or pass ``encoding="cp1252"`` (or another Python codec name) to the reader.
   An explicit ``encoding`` is always obeyed (a BOM of that encoding is still removed).
   geoaccess never guesses between single-byte encodings: a wrong guess turns
   ``Ø`` into ``Ã˜`` silently.

XML is the one exception, because an XML file declares its own encoding: see
:class:`RepairingUtf8Reader`, the documented repair of stray single bytes in a file that
declares UTF-8 (used by the NeTEx reader, which counts every repair in its report).

Reading is streamed: :func:`open_text` checks the bytes as they pass, so a large file is
never held twice in memory.
"""

from __future__ import annotations

import codecs
import contextlib
import io
import os
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from geoaccess.errors import InputError

__all__ = ["RepairingUtf8Reader", "decode_bytes", "open_text", "read_text", "sniff_encoding"]

_HEAD = 4096
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


def sniff_encoding(head: bytes) -> str:
    """The codec the policy chooses for a file starting with ``head`` (its first few KB).

    Returns
    -------
    str
        ``"utf-8-sig"`` (UTF-8, BOM or not), ``"utf-16"`` / ``"utf-32"`` (with a BOM), or
        ``"utf-16-le"`` / ``"utf-16-be"`` (no BOM, detected from the zero bytes).
    """
    for bom, name in _BOMS:
        if head.startswith(bom):
            return name
    n = len(head) - len(head) % 2
    if n >= 2:
        even, odd = head[0:n:2], head[1:n:2]
        half = n // 2
        if odd.count(0) > 0.6 * half and even.count(0) < 0.1 * half:
            return "utf-16-le"
        if even.count(0) > 0.6 * half and odd.count(0) < 0.1 * half:
            return "utf-16-be"
    return "utf-8-sig"


def _diagnose(data: bytes, start: int, *, source: str, line: int, encoding: str) -> InputError:
    """The error for bytes that are not ``encoding``: name the line and byte and guess what they are."""
    bad = data[start : start + 1]
    lo = max(data.rfind(b"\n", 0, start) + 1, start - 30)
    hi = data.find(b"\n", start)
    snippet = data[lo : min(hi if hi >= 0 else len(data), start + 30)]
    if b"\x00" in data[:_HEAD] and not encoding.startswith("utf-16"):
        guess = "a binary file (it holds zero bytes: a zip, Excel or Parquet file?), not text"
        hint = "Export it as a UTF-8 CSV/text file."
    else:
        as_1252 = snippet.decode("cp1252", errors="replace").strip()
        guess = f"Latin-1 / Windows-1252 text (read that way it says {as_1252!r})"
        hint = ('Save it as UTF-8, or give its encoding if that reading is right: encoding="cp1252" in Python, '
                "--encoding cp1252 where a command has that option.")
    what = "UTF-8" if encoding.startswith("utf-8") else encoding
    msg = (
        f"{source}: line {line} is not valid {what} (byte 0x{bad.hex().upper()} at byte {start}); "
        f"it looks like {guess}. {hint}"
    )
    return InputError(msg)


class _CheckedRaw(io.RawIOBase):
    """A binary stream that passes bytes through and stops at the first byte not in ``encoding``."""

    def __init__(self, raw: IO[bytes], head: bytes, *, encoding: str, source: str) -> None:
        super().__init__()
        self._raw = raw
        self._buf = head
        self._decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
        self._encoding = encoding
        self._source = source
        self._offset = 0  # bytes passed on so far
        self._lines = 0  # newlines passed on so far
        self._eof = False

    def readable(self) -> bool:
        return True

    def _check(self, chunk: bytes, final: bool) -> None:
        pending = len(self._decoder.getstate()[0])
        try:
            self._decoder.decode(chunk, final)
        except UnicodeDecodeError as exc:
            pos = max(exc.start - pending, 0)  # position of the bad byte inside ``chunk``
            line = self._lines + chunk[:pos].count(b"\n") + 1
            err = _diagnose(chunk, pos, source=self._source, line=line, encoding=self._encoding)
            err.args = (err.args[0].replace(f"at byte {pos}", f"at byte {self._offset + pos}"),)
            raise err from None

    def readinto(self, b: bytearray | memoryview) -> int:  # type: ignore[override]
        if self._buf:
            chunk, self._buf = self._buf[: len(b)], self._buf[len(b) :]
        elif self._eof:
            return 0
        else:
            chunk = self._raw.read(len(b))
        if not chunk:
            self._eof = True
            self._check(b"", True)
            return 0
        self._check(chunk, False)
        self._offset += len(chunk)
        self._lines += chunk.count(b"\n")
        n = len(chunk)
        b[:n] = chunk
        return n


@contextlib.contextmanager
def open_text(
    source: str | os.PathLike[str] | IO[bytes],
    *,
    name: str | None = None,
    encoding: str | None = None,
) -> Iterator[tuple[IO[str], str]]:
    """Open a text input under the policy above; yield ``(text stream, codec used)``.

    Parameters
    ----------
    source
        A path, or a binary stream (e.g. a zip member opened by :mod:`geoaccess.archive`).
    name
        Name of the input in error messages (default: the path).
    encoding
        A Python codec name to use instead of the policy (e.g. ``"cp1252"``).

    Raises
    ------
    InputError
        While reading: a byte that is not in the encoding (see the module docstring).
    """
    label = name or str(source)
    with contextlib.ExitStack() as stack:
        if isinstance(source, (str, os.PathLike)):
            p = Path(source)
            if not p.is_file():
                msg = f"{label} does not exist or is not a file."
                raise InputError(msg)
            raw: IO[bytes] = stack.enter_context(p.open("rb"))
        else:
            raw = source
        head = raw.read(_HEAD)
        codec = sniff_encoding(head) if encoding is None else _explicit(encoding, head)
        checked = _CheckedRaw(raw, head, encoding=codec, source=label)
        text = io.TextIOWrapper(io.BufferedReader(checked, buffer_size=1 << 16), encoding=codec, newline="")
        stack.callback(text.detach)
        yield text, codec


def _explicit(encoding: str, head: bytes) -> str:
    try:
        name = codecs.lookup(encoding).name
    except LookupError:
        msg = f"Unknown text encoding {encoding!r}; give a Python codec name such as 'utf-8', 'cp1252' or 'utf-16'."
        raise InputError(msg) from None
    if name == "utf-8" and head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    return name


def decode_bytes(data: bytes, *, name: str, encoding: str | None = None) -> str:
    """Decode a whole (small) input under the policy above; see :func:`open_text`."""
    codec = sniff_encoding(data[:_HEAD]) if encoding is None else _explicit(encoding, data[:_HEAD])
    try:
        return data.decode(codec)
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise _diagnose(data, exc.start, source=name, line=line, encoding=codec) from None


def read_text(path: str | os.PathLike[str], *, what: str = "file", encoding: str | None = None) -> str:
    """Read a small text file (TOML, JSON) whole, under the policy above.

    Parameters
    ----------
    path
        The file.
    what
        What the file is, for the message when it is missing (e.g. ``"scenario file"``).
    encoding
        A codec to use instead of the policy.
    """
    p = Path(path)
    if not p.is_file():
        msg = f"The {what} {p} does not exist or is not a file."
        raise InputError(msg)
    return decode_bytes(p.read_bytes(), name=str(p), encoding=encoding)


def _cp1252_fallback(exc: UnicodeError) -> tuple[str, int]:
    """Codec error handler: decode each byte that is not UTF-8 as Windows-1252 (Latin-1 where undefined)."""
    if not isinstance(exc, UnicodeDecodeError):
        raise exc
    byte = exc.object[exc.start : exc.start + 1]
    try:
        ch = byte.decode("cp1252")
    except UnicodeDecodeError:
        ch = byte.decode("latin-1")
    return ch, exc.start + 1


_FALLBACK = "geoaccess-cp1252-fallback"


class RepairingUtf8Reader(io.RawIOBase):
    """A binary stream of valid UTF-8: bytes that are not UTF-8 are read as Windows-1252 and re-encoded.

    This is the documented repair for XML files that declare UTF-8 but hold a few stray
    single-byte characters (an ``Ø`` saved as Latin-1 byte 0xD8 in an otherwise UTF-8
    file): each such byte becomes the character it is in Windows-1252, so ``Ø`` stays
    ``Ø``; the rest of the file is untouched. :attr:`repaired` counts the bytes repaired
    and :attr:`first_line` gives the line of the first one, for the reader's report.

    Parameters
    ----------
    raw
        The binary input.
    """

    def __init__(self, raw: IO[bytes]) -> None:
        super().__init__()
        self._raw = raw
        self._pending = b""
        self._out = b""
        self._eof = False
        self._lines = 0
        self.repaired = 0
        self.first_line: int | None = None

    def readable(self) -> bool:
        return True

    def _decode(self, chunk: bytes, final: bool) -> str:
        data = self._pending + chunk
        if final:
            self._pending = b""
        else:
            cut = _complete_prefix(data)
            data, self._pending = data[:cut], data[cut:]
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError:
            pass
        bad = list(_invalid_positions(data))
        if self.first_line is None:
            self.first_line = self._lines + data[: bad[0]].count(b"\n") + 1
        self.repaired += len(bad)
        return data.decode("utf-8", errors=_register_fallback())

    def readinto(self, b: bytearray | memoryview) -> int:  # type: ignore[override]
        while not self._out and not self._eof:
            chunk = self._raw.read(1 << 16)
            final = not chunk
            self._eof = final
            self._out = self._decode(chunk, final).encode("utf-8")
            self._lines += chunk.count(b"\n")
        n = min(len(b), len(self._out))
        b[:n] = self._out[:n]
        self._out = self._out[n:]
        return n


def _invalid_positions(data: bytes) -> Iterator[int]:
    pos = 0
    while pos < len(data):
        try:
            data[pos:].decode("utf-8")
            return
        except UnicodeDecodeError as exc:
            yield pos + exc.start
            pos += exc.start + 1


def _complete_prefix(data: bytes) -> int:
    """Length of ``data`` without an incomplete multi-byte UTF-8 sequence at its end."""
    for k in range(1, min(4, len(data)) + 1):
        b = data[-k]
        if b & 0xC0 != 0x80:  # ASCII or a lead byte
            need = 2 if 0xC0 <= b < 0xE0 else 3 if 0xE0 <= b < 0xF0 else 4 if b >= 0xF0 else 1
            return len(data) - k if need > k else len(data)
    return len(data)


def _register_fallback() -> str:
    """Register (once) and name the codec error handler of :class:`RepairingUtf8Reader`."""
    try:
        codecs.lookup_error(_FALLBACK)
    except LookupError:
        codecs.register_error(_FALLBACK, _cp1252_fallback)
    return _FALLBACK
