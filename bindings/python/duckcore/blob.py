"""Blob (sqlite3's Connection.blobopen): one value of a table read and written in place, over
the header's "Incremental blob I/O" calls. Its memory is its connection's handle's."""
import ctypes

from . import _capi as C
from .errors import ProgrammingError

_lib = C.lib


class Blob:
    """A file-like window on one blob: read(), write(), seek(), tell(), len(), indexing and
    slicing by bytes, a context manager that closes it. Its size never changes."""

    __slots__ = ("_connection", "_ptr", "_offset", "__weakref__")

    def __init__(self, connection, ptr):
        self._connection = connection
        self._ptr = ptr
        self._offset = 0

    def _check(self):
        self._connection._check()
        if not self._ptr:
            raise ProgrammingError("Cannot operate on a closed blob.")

    def _error(self, rc):
        return self._connection._error(rc)

    def close(self):
        """Closes the blob; closing twice is fine."""
        with self._connection._lock:
            ptr, self._ptr = self._ptr, None
            if ptr and self._connection._h is not None:
                self._connection._blobs.discard(self)
                rc = _lib.db_blob_close(ptr)
                if rc != C.DB_OK:
                    raise self._error(rc)

    def _size(self):
        return _lib.db_blob_bytes(self._ptr)

    def __len__(self):
        with self._connection._lock:
            self._check()
            return self._size()

    def _read(self, offset, length):
        buf = ctypes.create_string_buffer(length)
        rc = _lib.db_blob_read(self._ptr, buf, length, offset)
        if rc != C.DB_OK:
            raise self._error(rc)
        return buf.raw

    def _write(self, offset, data):
        rc = _lib.db_blob_write(self._ptr, data, len(data), offset)
        if rc != C.DB_OK:
            raise self._error(rc)

    def read(self, length=-1, /):
        """Up to length bytes from the current offset (all that remain when length < 0)."""
        with self._connection._lock:
            self._check()
            left = self._size() - self._offset
            if length < 0 or length > left:
                length = left
            data = self._read(self._offset, length) if length > 0 else b""
            self._offset += length
            return data

    def write(self, data, /):
        """Writes data at the current offset; it must fit in the blob (ValueError)."""
        data = bytes(memoryview(data))
        with self._connection._lock:
            self._check()
            if len(data) > self._size() - self._offset:
                raise ValueError("data longer than blob length")
            self._write(self._offset, data)
            self._offset += len(data)

    def tell(self):
        with self._connection._lock:
            self._check()
            return self._offset

    def seek(self, offset, origin=0, /):
        """Moves the offset: from the start (origin 0), the current offset (1) or the end (2)."""
        with self._connection._lock:
            self._check()
            if origin == 0:
                base = 0
            elif origin == 1:
                base = self._offset
            elif origin == 2:
                base = self._size()
            else:
                raise ValueError("'origin' should be os.SEEK_SET, os.SEEK_CUR, or os.SEEK_END")
            target = base + offset
            if not 0 <= target <= self._size():
                raise ValueError("offset out of blob range")
            self._offset = target

    def _index(self, key, size):
        if not isinstance(key, int):
            raise TypeError("Blob indices must be integers")
        if key < 0:
            key += size
        if not 0 <= key < size:
            raise IndexError("Blob index out of range")
        return key

    def __getitem__(self, key):
        with self._connection._lock:
            self._check()
            size = self._size()
            if isinstance(key, slice):
                start, stop, step = key.indices(size)
                if step == 1:
                    return self._read(start, stop - start) if stop > start else b""
                whole = self._read(0, size) if size else b""
                return whole[start:stop:step]
            return self._read(self._index(key, size), 1)[0]

    def __setitem__(self, key, value):
        with self._connection._lock:
            self._check()
            size = self._size()
            if isinstance(key, slice):
                start, stop, step = key.indices(size)
                data = bytes(memoryview(value))
                positions = range(start, stop, step)
                if len(data) != len(positions):
                    raise IndexError("Blob slice assignment is wrong size")
                if step == 1:
                    if data:
                        self._write(start, data)
                    return
                for position, byte in zip(positions, data):
                    self._write(position, bytes((byte,)))
                return
            index = self._index(key, size)
            if not isinstance(value, int):
                raise TypeError("'" + type(value).__name__ + "' object cannot be interpreted "
                                "as an integer")
            if not 0 <= value <= 255:
                raise ValueError("byte must be in range(0, 256)")
            self._write(index, bytes((value,)))

    def __enter__(self):
        with self._connection._lock:
            self._check()
        return self

    def __exit__(self, *exc_info):
        self.close()
        return False

    def __del__(self):
        try:
            self.close()
        except Exception:
            pass
