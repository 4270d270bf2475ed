"""The binding's C declarations (duckcore/_capi.py) against the header they restate: every call
of include/duckcore.h is declared, with its arity, and each type as ctypes must see it. A call
added to the header fails this test until the binding declares it."""
import ctypes
import os
import re

import pytest

from duckcore import _capi

HEADER = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "include",
                      "duckcore.h")
pytestmark = pytest.mark.skipif(not os.path.exists(HEADER),
                                reason="runs in the source tree, beside include/duckcore.h")


def split_arguments(text):
    """The top-level comma-separated parts of a parameter list (function pointers inside)."""
    parts, depth, current = [], 0, ""
    for ch in text:
        if ch == "," and depth == 0:
            parts.append(current.strip())
            current = ""
            continue
        depth += ch == "("
        depth -= ch == ")"
        current += ch
    if current.strip() and current.strip() != "void":
        parts.append(current.strip())
    return parts


def header_calls():
    if not os.path.exists(HEADER):  # a copy of the tests beside an installed wheel
        return {}
    with open(HEADER, encoding="utf-8") as f:
        text = f.read()
    text = re.sub(r"/\*.*?\*/", "", text, flags=re.S)
    calls = {}
    for m in re.finditer(r"DUCKCORE_API\s+(.*?)\b(db_\w+)\((.*?)\);", text, re.S):
        result, name, args = m.group(1).strip(), m.group(2), " ".join(m.group(3).split())
        calls[name] = (result, split_arguments(args))
    return calls


def c_type(decl):
    """A parameter's (or result's) type, without its name: 'const char *', 'int64_t', ..."""
    if "(*" in decl:
        return "function pointer"
    decl = decl.replace("const ", "").strip()
    stars = decl.count("*")
    words = decl.replace("*", " ").split()
    base = words[0] if words else ""
    return base + " " + "*" * stars if stars else base


def accepts(ctype, c):
    """Whether ctypes type ctype passes or returns the C type c correctly."""
    if c == "void":
        return ctype is None
    if c == "function pointer":
        return ctype is ctypes.c_void_p or (isinstance(ctype, type) and
                                            issubclass(ctype, ctypes._CFuncPtr))
    exact = {"int": ctypes.c_int, "int64_t": ctypes.c_int64, "double": ctypes.c_double,
             "size_t": ctypes.c_size_t, "unsigned": ctypes.c_uint}
    if c in exact:
        return ctype is exact[c]
    if c == "char *":  # text: as a NUL-terminated string, or as raw bytes read with a length
        return ctype in (ctypes.c_char_p, ctypes.c_void_p)
    if c.endswith("*"):  # handles, statements, buffers, out-parameters: opaque or typed pointers
        return ctype in (ctypes.c_void_p, ctypes.c_char_p) or (
            isinstance(ctype, type) and issubclass(ctype, ctypes._Pointer))
    return False


def test_every_header_call_is_declared():
    calls = header_calls()
    assert len(calls) > 70
    missing = sorted(set(calls) - set(_capi._DECLARATIONS))
    assert not missing, f"declared in include/duckcore.h, missing from _capi.py: {missing}"
    extra = sorted(set(_capi._DECLARATIONS) - set(calls))
    assert not extra, f"declared in _capi.py, not in include/duckcore.h: {extra}"


@pytest.mark.parametrize("name", sorted(header_calls()))
def test_declaration_matches_header(name):
    result, args = header_calls()[name]
    restype, argtypes = _capi._DECLARATIONS[name]
    if len(argtypes) != len(args):
        pytest.fail(f"{name}: {len(args)} parameters in the header, {len(argtypes)} in _capi.py")
    if not accepts(restype, c_type(result)):
        pytest.fail(f"{name}: returns {result}, declared {restype}")
    # A char * result that is not const is the caller's to free (db_expanded_sql): ctypes must
    # hand back the pointer, not a bytes copy that loses it.
    if result.replace(" ", "") == "char*" and restype is not ctypes.c_void_p:
        pytest.fail(f"{name}: returns char * to be freed, declared {restype}")
    for i, (decl, ctype) in enumerate(zip(args, argtypes)):
        if not accepts(ctype, c_type(decl)):
            pytest.fail(f"{name}: parameter {i + 1} is '{decl}', declared {ctype}")
