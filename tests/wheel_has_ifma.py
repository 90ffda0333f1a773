"""`make test-matrix`: each wheel given carries curve25519-dalek's AVX-512 IFMA code, so that
.cargo/config.toml's flag reached its build. Loads the wheel's extension alone, by its path.

    python tests/wheel_has_ifma.py WHEEL...
"""

import importlib.machinery
import importlib.util
import sys
import tempfile
import zipfile


def has_ifma(wheel: str) -> bool:
    with tempfile.TemporaryDirectory() as directory, zipfile.ZipFile(wheel) as archive:
        [extension] = [name for name in archive.namelist() if name.endswith(".so")]
        path = archive.extract(extension, directory)
        loader = importlib.machinery.ExtensionFileLoader("ninja_simple_jwt._core", path)
        spec = importlib.util.spec_from_file_location("ninja_simple_jwt._core", path, loader=loader)
        assert spec is not None
        core = importlib.util.module_from_spec(spec)
        loader.exec_module(core)
        return bool(core.ED25519_IFMA)


if __name__ == "__main__":
    missing = [wheel for wheel in sys.argv[1:] if not has_ifma(wheel)]
    for wheel in missing:
        print(f"{wheel}: built without curve25519-dalek's AVX-512 IFMA code", file=sys.stderr)
    sys.exit(1 if missing or len(sys.argv) < 2 else 0)
