"""The committed stubs must be exactly what `make proto` generates from proto/."""

import importlib.util
from pathlib import Path

REPO = Path(__file__).resolve().parents[3]
COMMITTED = REPO / "libs" / "protos" / "src"


def _load_generator():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("generate", REPO / "libs/protos/generate.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_committed_stubs_are_what_make_proto_generates(tmp_path: Path) -> None:
    generated = _load_generator().generate(REPO / "proto", tmp_path)
    fresh = {p.relative_to(tmp_path): p.read_bytes() for p in generated}
    committed = {
        p.relative_to(COMMITTED): p.read_bytes()
        for p in COMMITTED.rglob("*")
        if p.is_file() and "__pycache__" not in p.parts
    }
    assert sorted(fresh) == sorted(committed), "stub files differ from proto/: run `make proto`"
    stale = [str(name) for name, data in fresh.items() if committed[name] != data]
    assert not stale, f"stubs out of date with proto/: run `make proto` ({stale})"
