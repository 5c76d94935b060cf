#!/usr/bin/env python3
"""Mark a GNU symbol-version requirement as weak in ELF shared objects (stdlib only).

TorchSharp 0.107.0's libLibTorchSharp.so requires GLIBCXX_3.4.32 (GCC 13) for one symbol that is
never bound (_ZSt21ios_base_library_initv). Debian 12's libstdc++ stops at 3.4.30, so the loader
refuses the library. Setting VER_FLG_WEAK (0x2) on the Vernaux entry of that version in
.gnu.version_r makes the loader accept the missing version (see docs/toolchain.md, section 1).

Usage: patch_glibcxx.py [--check] [--version GLIBCXX_3.4.32] FILE...
  default : patch in place (idempotent); prints one line per file.
  --check : change nothing; exit 1 if some file still has the version as a strong requirement.
"""
import os
import struct
import sys

SHT_GNU_VERNEED = 0x6FFFFFFE
VER_FLG_WEAK = 0x2


def find_entries(data, version):
    """Yields file offsets of the vna_flags fields of Vernaux entries named `version`."""
    if data[:4] != b"\x7fELF":
        raise ValueError("not an ELF file")
    if data[4] != 2 or data[5] != 1:
        raise ValueError("only 64-bit little-endian ELF is supported")
    e_shoff, = struct.unpack_from("<Q", data, 0x28)
    e_shentsize, e_shnum = struct.unpack_from("<HH", data, 0x3A)
    sections = [struct.unpack_from("<IIQQQQIIQQ", data, e_shoff + i * e_shentsize) for i in range(e_shnum)]
    for (_name, sh_type, _fl, _addr, sh_offset, _size, sh_link, sh_info, _al, _es) in sections:
        if sh_type != SHT_GNU_VERNEED:
            continue
        strtab_off = sections[sh_link][4]

        def cstr(off):
            start = strtab_off + off
            return data[start:data.index(b"\0", start)].decode("ascii", "replace")

        vn = sh_offset
        for _ in range(sh_info):  # sh_info = number of Verneed entries
            _vn_version, vn_cnt, _vn_file, vn_aux, vn_next = struct.unpack_from("<HHIII", data, vn)
            aux = vn + vn_aux
            for _ in range(vn_cnt):
                _hash, _flags, _other, vna_name, vna_next = struct.unpack_from("<IHHII", data, aux)
                if cstr(vna_name) == version:
                    yield aux + 4
                if vna_next == 0:
                    break
                aux += vna_next
            if vn_next == 0:
                break
            vn += vn_next


def main(argv):
    check = "--check" in argv
    version = "GLIBCXX_3.4.32"
    args = [a for a in argv if a != "--check"]
    if "--version" in args:
        i = args.index("--version")
        version = args[i + 1]
        del args[i:i + 2]
    if not args:
        print(__doc__.strip().splitlines()[-3], file=sys.stderr)
        return 2
    strong_left = False
    for path in args:
        with open(path, "rb") as f:
            data = bytearray(f.read())
        try:
            offsets = list(find_entries(data, version))
        except (ValueError, struct.error, IndexError) as e:
            print(f"patch_glibcxx: {path}: cannot parse ELF ({e})", file=sys.stderr)
            return 2
        if not offsets:
            print(f"patch_glibcxx: {path}: no {version} requirement (nothing to do)")
            continue
        strong = [o for o in offsets if not struct.unpack_from("<H", data, o)[0] & VER_FLG_WEAK]
        if not strong:
            print(f"patch_glibcxx: {path}: {version} already weak (ok)")
            continue
        if check:
            print(f"patch_glibcxx: {path}: {version} is a strong requirement (not patched)")
            strong_left = True
            continue
        for o in strong:
            flags, = struct.unpack_from("<H", data, o)
            struct.pack_into("<H", data, o, flags | VER_FLG_WEAK)
        tmp = path + ".patching"
        with open(tmp, "wb") as f:
            f.write(data)
        os.chmod(tmp, os.stat(path).st_mode & 0o7777)
        os.replace(tmp, path)
        print(f"patch_glibcxx: {path}: marked {version} weak ({len(strong)} entr{'y' if len(strong) == 1 else 'ies'})")
    return 1 if strong_left else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
