"""A multipart/form-data upload parsed as it streams, the file going straight to a blob
writer: never read whole into memory, never spooled to a temporary file in the clear
(Starlette's form parser spools files; a malware sample must be encrypted from its first
byte on).

The form has one file part, `file`, and an optional field `is_malware` which must come
before it, since it decides how the file is stored (browsers and HTTP clients send fields
in the order given; curl `-F is_malware=true -F file=@x` does).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from python_multipart.exceptions import MultipartParseError
from python_multipart.multipart import MultipartParser, parse_options_header

from rcsc.errors import FieldError, ValidationFailed
from rcsc.storage.blobs import BlobWriter, StoredBlob

MAX_FIELD_BYTES = 64
TRUE = frozenset({"true", "1", "on", "yes"})
FALSE = frozenset({"false", "0", "off", "no", ""})

# (file name as sent, is_malware) -> a writer for the file's bytes
WriterFactory = Callable[[str | None, bool], BlobWriter]


@dataclass(frozen=True)
class Upload:
    filename: str | None
    content_type: str | None
    blob: StoredBlob


def _bad(name: str, message: str) -> ValidationFailed:
    return ValidationFailed(FieldError(name, message))


def boundary_of(content_type: str) -> bytes:
    kind, options = parse_options_header(content_type)
    boundary = options.get(b"boundary")
    if kind != b"multipart/form-data" or not boundary:
        raise _bad("body", "send multipart/form-data with a part named `file` (and, "
                   "before it, `is_malware` for a malware sample)")
    return boundary


def flag(raw: bytes) -> bool:
    text = raw.decode("utf-8", "replace").strip().lower()
    if text in TRUE:
        return True
    if text in FALSE:
        return False
    raise _bad("is_malware", f"{text[:20]!r} is not true or false")


@dataclass
class _Part:
    headers: dict[bytes, bytes] = field(default_factory=dict)
    name: str = ""
    data: bytearray = field(default_factory=bytearray)
    is_file: bool = False


class StreamingUpload:
    """Feed it the body chunk by chunk (`feed`), then `finish`; `abort` on any failure."""

    def __init__(self, content_type: str, open_writer: WriterFactory) -> None:
        self._open_writer = open_writer
        self._parser = MultipartParser(boundary_of(content_type), {
            "on_part_begin": self._part_begin, "on_part_data": self._part_data,
            "on_part_end": self._part_end, "on_header_field": self._header_field,
            "on_header_value": self._header_value, "on_header_end": self._header_end,
            "on_headers_finished": self._headers_finished, "on_end": self._end,
        })
        self._part = _Part()
        self._header = (bytearray(), bytearray())
        self._is_malware: bool | None = None
        self._writer: BlobWriter | None = None
        self._file: tuple[str | None, str | None] | None = None  # (filename, content type)
        self._file_done = False
        self._ended = False

    def feed(self, chunk: bytes) -> None:
        try:
            self._parser.write(chunk)
        except MultipartParseError as exc:
            raise _bad("body", f"malformed multipart/form-data: {exc}") from None

    def finish(self) -> Upload:
        self._parser.finalize()
        if not self._ended:
            raise _bad("body", "the multipart body ended before its closing boundary")
        if self._writer is None or self._file is None or not self._file_done:
            raise _bad("file", "is required: one part named `file` holding the file")
        if self._writer.size == 0:
            raise _bad("file", "is empty")
        blob = self._writer.commit()
        return Upload(self._file[0], self._file[1], blob)

    def abort(self) -> None:
        if self._writer is not None:
            self._writer.abort()

    # --- parser callbacks ---------------------------------------------------------------

    def _part_begin(self) -> None:
        self._part = _Part()

    def _header_field(self, data: bytes, start: int, end: int) -> None:
        self._header[0].extend(data[start:end])

    def _header_value(self, data: bytes, start: int, end: int) -> None:
        self._header[1].extend(data[start:end])

    def _header_end(self) -> None:
        name, value = self._header
        self._part.headers[bytes(name).lower()] = bytes(value)
        self._header = (bytearray(), bytearray())

    def _headers_finished(self) -> None:
        _kind, options = parse_options_header(self._part.headers.get(b"content-disposition"))
        self._part.name = options.get(b"name", b"").decode("utf-8", "replace")
        if self._part.name == "file":
            self._start_file(options)
        elif self._part.name != "is_malware":
            raise _bad(self._part.name or "body",
                       "is not a field of an upload (send `is_malware` and `file`)")

    def _start_file(self, options: dict[bytes, bytes]) -> None:
        if self._writer is not None:
            raise _bad("file", "send one file per request")
        raw_name = options.get(b"filename")
        filename = raw_name.decode("utf-8", "replace") if raw_name is not None else None
        content_type = self._part.headers.get(b"content-type", b"").decode("latin-1")
        self._file = (filename, content_type or None)
        self._part.is_file = True
        self._writer = self._open_writer(filename, bool(self._is_malware))

    def _part_data(self, data: bytes, start: int, end: int) -> None:
        if self._part.is_file:
            assert self._writer is not None
            self._writer.write(data[start:end])
            return
        self._part.data.extend(data[start:end])
        if len(self._part.data) > MAX_FIELD_BYTES:
            raise _bad(self._part.name, f"must be at most {MAX_FIELD_BYTES} bytes")

    def _part_end(self) -> None:
        if self._part.is_file:
            self._file_done = True
            return
        if self._writer is not None:
            raise _bad("is_malware", "must come before the file part: it decides how the "
                       "file is stored")
        if self._is_malware is not None:
            raise _bad("is_malware", "send it once")
        self._is_malware = flag(bytes(self._part.data))

    def _end(self) -> None:
        self._ended = True
