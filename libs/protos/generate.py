"""Generates the Python gRPC stubs for every .proto under a source tree.

Used by `make proto` (writes into libs/protos/src) and by the drift test, which
generates into a temporary folder and compares byte for byte.
"""

from __future__ import annotations

import sys
from pathlib import Path


def generate(proto_root: Path, out_dir: Path) -> list[Path]:
    """Runs protoc (from grpcio-tools) over every .proto file; returns the files written."""
    import grpc_tools
    from grpc_tools import protoc

    protos = sorted(p.relative_to(proto_root).as_posix() for p in proto_root.rglob("*.proto"))
    if not protos:
        raise SystemExit(f"no .proto files under {proto_root}")
    out_dir.mkdir(parents=True, exist_ok=True)
    well_known = Path(grpc_tools.__file__).parent / "_proto"
    args = [
        "protoc",
        f"-I{proto_root}",
        f"-I{well_known}",
        f"--python_out={out_dir}",
        f"--pyi_out={out_dir}",
        f"--grpc_python_out={out_dir}",
        *protos,
    ]
    if protoc.main(args) != 0:
        raise SystemExit("protoc failed; see the messages above")
    return sorted(p for p in out_dir.rglob("*") if p.is_file())


if __name__ == "__main__":
    root, out = (Path(a) for a in sys.argv[1:3])
    for path in generate(root, out):
        print(path)
