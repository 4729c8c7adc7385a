#!/usr/bin/env python3
"""Fetch the pinned front-end packages into static/vendor/.

Runs with the standard library only, so that a machine with nothing but Python can build
the app. Each tarball is checked against the integrity hash pinned in tools/assets.json
(the same `sha512-…` value npm records in a lock file). Set NPM_REGISTRY to use a mirror;
set ASSETS_CACHE to a folder of already downloaded tarballs for an offline build.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import os
import sys
import tarfile
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MANIFEST = ROOT / "tools" / "assets.json"
TARGET = ROOT / "static" / "vendor"
REGISTRY = os.environ.get("NPM_REGISTRY", "https://registry.npmjs.org").rstrip("/")


def _tarball_name(name: str, version: str) -> str:
    return f"{name.rsplit('/', 1)[-1]}-{version}.tgz"


def _fetch(name: str, version: str) -> bytes:
    cache = os.environ.get("ASSETS_CACHE")
    filename = _tarball_name(name, version)
    if cache and (Path(cache) / filename).exists():
        return (Path(cache) / filename).read_bytes()
    url = f"{REGISTRY}/{name}/-/{filename}"
    with urllib.request.urlopen(url, timeout=60) as response:  # noqa: S310 - fixed https registry
        return response.read()


def _check_integrity(data: bytes, integrity: str, name: str) -> None:
    algorithm, _, expected = integrity.partition("-")
    digest = base64.b64encode(hashlib.new(algorithm, data).digest()).decode()
    if digest != expected:
        sys.exit(f"vendor_assets: integrity mismatch for {name}: got {algorithm}-{digest}")


def _stamp(package: dict) -> str:
    return f"{package['name']}@{package['version']} {package['integrity']}\n"


def main() -> int:
    manifest = json.loads(MANIFEST.read_text(encoding="utf-8"))
    for package in manifest["packages"]:
        stamp_file = TARGET / f".{package['name']}.stamp"
        wanted = [TARGET / dest for dest in package["files"].values()]
        if (
            stamp_file.exists()
            and stamp_file.read_text() == _stamp(package)
            and all(p.exists() for p in wanted)
        ):
            continue
        data = _fetch(package["name"], package["version"])
        _check_integrity(data, package["integrity"], package["name"])
        with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as archive:
            for source, dest in package["files"].items():
                member = archive.extractfile(f"package/{source}")
                if member is None:
                    sys.exit(f"vendor_assets: {source} missing from {package['name']}")
                out = TARGET / dest
                out.parent.mkdir(parents=True, exist_ok=True)
                out.write_bytes(member.read())
        stamp_file.write_text(_stamp(package))
        print(f"vendor_assets: {package['name']}@{package['version']}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
