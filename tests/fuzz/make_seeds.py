#!/usr/bin/env python3
"""Writes the seed files of tests/fuzz/corpus/: small valid GGUF and
safetensors files and a few truncated or corrupted variants.

Usage: tests/fuzz/make_seeds.py [corpus_dir]   (default: tests/fuzz/corpus)
"""
import json
import pathlib
import struct
import sys

# GGUF value types.
U8, I8, U16, I16, U32, I32, F32, BOOL, STR, ARR, U64, I64, F64 = range(13)


def gstr(s):
    b = s.encode()
    return struct.pack("<Q", len(b)) + b


def kv(key, vtype, payload):
    return gstr(key) + struct.pack("<I", vtype) + payload


def arr(etype, items):
    return struct.pack("<IQ", etype, len(items)) + b"".join(items)


def gguf(kvs, tensors, version=3, alignment=32):
    """tensors: (name, dims, ggml_type, n_bytes)."""
    out = b"GGUF" + struct.pack("<IQQ", version, len(tensors), len(kvs)) + b"".join(kvs)
    offset, data = 0, b""
    for name, dims, gtype, n_bytes in tensors:
        offset = (offset + alignment - 1) // alignment * alignment
        out += gstr(name) + struct.pack("<I", len(dims))
        out += b"".join(struct.pack("<Q", d) for d in dims)
        out += struct.pack("<IQ", gtype, offset)
        data = data.ljust(offset, b"\0") + bytes((offset + i) * 31 % 256 for i in range(n_bytes))
        offset += n_bytes
    if tensors:
        out = out.ljust((len(out) + alignment - 1) // alignment * alignment, b"\0")
    return out + data


def safetensors(tensors, metadata=None):
    """tensors: (name, dtype, shape, n_bytes)."""
    header, data = {}, b""
    for name, dtype, shape, n_bytes in tensors:
        header[name] = {"dtype": dtype, "shape": shape,
                        "data_offsets": [len(data), len(data) + n_bytes]}
        data += bytes(range(n_bytes % 256)) * (n_bytes // 256) + bytes(range(n_bytes % 256))
    if metadata is not None:
        header["__metadata__"] = metadata
    text = json.dumps(header).encode()
    return struct.pack("<Q", len(text)) + text + data


def main():
    root = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else "tests/fuzz/corpus")
    g = root / "gguf"
    s = root / "safetensors"
    g.mkdir(parents=True, exist_ok=True)
    s.mkdir(parents=True, exist_ok=True)

    all_types = [
        kv("general.architecture", STR, gstr("llama")),
        kv("general.alignment", U32, struct.pack("<I", 32)),
        kv("u8", U8, b"\x07"), kv("i8", I8, b"\xff"),
        kv("u16", U16, struct.pack("<H", 9)), kv("i16", I16, struct.pack("<h", -9)),
        kv("i32", I32, struct.pack("<i", -1)), kv("f32", F32, struct.pack("<f", 0.5)),
        kv("b", BOOL, b"\x01"), kv("u64", U64, struct.pack("<Q", 1 << 40)),
        kv("i64", I64, struct.pack("<q", -(1 << 40))), kv("f64", F64, struct.pack("<d", 2.5)),
        kv("tokens", ARR, arr(STR, [gstr("a"), gstr("bc"), gstr("<s>")])),
        kv("scores", ARR, arr(F32, [struct.pack("<f", x) for x in (0.0, -1.0, 2.0)])),
        kv("nested", ARR, arr(ARR, [arr(U8, [b"\x01", b"\x02"]), arr(I64, [])])),
    ]
    tensors = [("token_embd.weight", [32, 2], 2, 2 * 18),   # Q4_0
               ("output_norm.weight", [8], 0, 32),           # F32
               ("blk.0.ffn.weight", [256], 12, 144),         # Q4_K
               ("blk.0.other", [256], 10, 84)]               # Q2_K (not computable)
    model = gguf(all_types, tensors)
    (g / "seed-model.gguf").write_bytes(model)
    (g / "seed-model-v2.gguf").write_bytes(gguf(all_types[2:], tensors[:2], version=2))
    (g / "seed-vocab.gguf").write_bytes(gguf(all_types[:1] + all_types[12:13], []))
    (g / "seed-align64.gguf").write_bytes(
        gguf([kv("general.alignment", U32, struct.pack("<I", 64))], tensors[:2], alignment=64))
    (g / "trunc-header.gguf").write_bytes(model[:200])
    (g / "trunc-data.gguf").write_bytes(model[:-5])
    (g / "bad-version.gguf").write_bytes(model[:4] + struct.pack("<I", 1) + model[8:])

    st = [("w", "F32", [2, 3], 24), ("b", "BF16", [4], 8), ("h", "F16", [2, 2], 8),
          ("ids", "I64", [2], 16), ("mask", "BOOL", [3], 3), ("f4", "F4", [4], 2),
          ("empty", "F32", [0, 3], 0)]
    valid = safetensors(st, {"format": "pt"})
    (s / "seed-model.safetensors").write_bytes(valid)
    (s / "seed-no-metadata.safetensors").write_bytes(safetensors(st[:2]))
    (s / "trunc-data.safetensors").write_bytes(valid[:-3])
    (s / "trunc-header.safetensors").write_bytes(valid[:40])
    (s / "overlap.safetensors").write_bytes(
        valid.replace(b'"data_offsets": [24, 32]', b'"data_offsets": [20, 28]'))


if __name__ == "__main__":
    main()
