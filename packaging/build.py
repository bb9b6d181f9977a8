"""Build the leadgen-desktop bundle: icons, PyInstaller one-folder app, .tar.gz archive.

Usage (from anywhere; the project's ``.venv`` Python is used when the current one lacks PySide6)::

    python packaging/build.py                 # icons + PyInstaller + archive
    python packaging/build.py --skip-archive  # icons + PyInstaller only
    python packaging/build.py --icons-only    # only (re)generate the icons

Steps:

1. Render ``resources/icons/leadgen-desktop.svg`` with PySide6's ``QSvgRenderer`` (offscreen) into
   ``resources/icons/hicolor/<n>x<n>/apps/leadgen-desktop.png`` for n in 16 … 512, a multi-size
   Windows ``resources/icons/leadgen-desktop.ico`` and a macOS ``resources/icons/leadgen-desktop.icns``.
   The ICO and ICNS containers are written here with :mod:`struct` (PNG-compressed entries).
   Output is deterministic; files are rewritten only when their bytes change. All of them are
   generated artefacts (not committed).
2. Install PyInstaller into the running interpreter when it is missing (``pip install pyinstaller``).
3. Run PyInstaller on ``packaging/leadgen-desktop.spec``: ``dist/leadgen-desktop/`` with the
   windowed ``leadgen-desktop`` and the console ``leadgen`` side by side (work files in
   ``build/pyinstaller/``). On Linux the ``.desktop`` file, AppStream metainfo and hicolor icons
   are copied into ``dist/leadgen-desktop/share/``.
4. Write ``dist/leadgen-desktop-<version>-<os>-<arch>.tar.gz`` and print the bundle size (MB),
   file count and archive size.

Run ``packaging/smoke_test.sh`` afterwards to exercise the built bundle.
"""

from __future__ import annotations

import argparse
import gzip
import importlib.util
import os
import platform
import shutil
import struct
import subprocess
import sys
import tarfile
import time
import tomllib
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGING = ROOT / "packaging"
SPEC = PACKAGING / "leadgen-desktop.spec"
ICON_DIR = ROOT / "resources" / "icons"
SVG = ICON_DIR / "leadgen-desktop.svg"
APP_ID = "io.github.leadgen_desktop"
APP_NAME = "leadgen-desktop"
DIST = ROOT / "dist"
WORK = ROOT / "build" / "pyinstaller"

HICOLOR_SIZES = (16, 24, 32, 48, 64, 128, 256, 512)
ICO_SIZES = (16, 24, 32, 48, 64, 128, 256)  # ICO tops out at 256 (stored as 0 in the directory)
ICNS_TYPES: Mapping[bytes, int] = {b"ic07": 128, b"ic08": 256, b"ic09": 512, b"ic10": 1024}


# ---------------------------------------------------------------------------------------------------------
# 1. Icons
# ---------------------------------------------------------------------------------------------------------


def render_pngs(svg: Path, sizes: Iterable[int]) -> dict[int, bytes]:
    """Render ``svg`` to square RGBA PNGs, one per size, with QSvgRenderer (offscreen)."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QRectF, Qt
    from PySide6.QtGui import QGuiApplication, QImage, QPainter
    from PySide6.QtSvg import QSvgRenderer

    app = QGuiApplication.instance() or QGuiApplication([sys.argv[0] if sys.argv else "build"])
    renderer = QSvgRenderer(str(svg))
    if not renderer.isValid():
        raise ValueError(f"cannot parse SVG icon: {svg}")
    pngs: dict[int, bytes] = {}
    for size in sizes:
        image = QImage(size, size, QImage.Format.Format_ARGB32_Premultiplied)
        image.fill(Qt.GlobalColor.transparent)
        painter = QPainter(image)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, True)
        renderer.render(painter, QRectF(0, 0, size, size))
        painter.end()
        data = QByteArray()
        buffer = QBuffer(data)
        buffer.open(QIODevice.OpenModeFlag.WriteOnly)
        if not image.convertToFormat(QImage.Format.Format_ARGB32).save(buffer, "PNG"):
            raise RuntimeError(f"PNG encoding failed at {size} px")
        buffer.close()
        pngs[size] = bytes(data.data())
    del app  # keep the (possibly new) application alive until all images are painted
    return pngs


def build_ico(pngs: Mapping[int, bytes]) -> bytes:
    """A Windows ICO container holding the given square PNG images (sizes 1…256), smallest first."""
    sizes = sorted(pngs)
    if not sizes or sizes[0] < 1 or sizes[-1] > 256:
        raise ValueError(f"ICO sizes must be within 1..256, got {sizes}")
    header = struct.pack("<HHH", 0, 1, len(sizes))  # reserved, type 1 = icon, image count
    offset = len(header) + 16 * len(sizes)
    directory = b""
    payload = b""
    for size in sizes:
        data = pngs[size]
        dim = 0 if size == 256 else size  # 0 means 256
        # width, height, palette colours, reserved, colour planes, bits per pixel, data size, data offset
        directory += struct.pack("<BBBBHHII", dim, dim, 0, 0, 1, 32, len(data), offset)
        payload += data
        offset += len(data)
    return header + directory + payload


def build_icns(entries: Sequence[tuple[bytes, bytes]]) -> bytes:
    """A macOS ICNS container: ``(type, png bytes)`` entries, e.g. ``(b"ic07", png128)``."""
    body = b""
    for kind, data in entries:
        if len(kind) != 4:
            raise ValueError(f"ICNS type must be 4 bytes: {kind!r}")
        body += kind + struct.pack(">I", 8 + len(data)) + data
    return b"icns" + struct.pack(">I", 8 + len(body)) + body


def _write_if_changed(path: Path, data: bytes) -> bool:
    """Write ``data`` to ``path`` unless it already holds exactly that; True when written."""
    if path.is_file() and path.read_bytes() == data:
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return True


def generate_icons(svg: Path = SVG, out_dir: Path = ICON_DIR) -> list[Path]:
    """Render the hicolor PNGs, the .ico and the .icns from ``svg`` into ``out_dir``; return their paths."""
    sizes = sorted(set(HICOLOR_SIZES) | set(ICO_SIZES) | set(ICNS_TYPES.values()))
    pngs = render_pngs(svg, sizes)
    outputs: list[tuple[Path, bytes]] = [
        (out_dir / "hicolor" / f"{n}x{n}" / "apps" / f"{APP_NAME}.png", pngs[n]) for n in HICOLOR_SIZES
    ]
    outputs.append((out_dir / f"{APP_NAME}.ico", build_ico({n: pngs[n] for n in ICO_SIZES})))
    outputs.append((out_dir / f"{APP_NAME}.icns", build_icns([(k, pngs[n]) for k, n in ICNS_TYPES.items()])))
    for path, data in outputs:
        _write_if_changed(path, data)
    return [path for path, _ in outputs]


# ---------------------------------------------------------------------------------------------------------
# 2. + 3. PyInstaller
# ---------------------------------------------------------------------------------------------------------


def ensure_pyinstaller() -> None:
    """``pip install pyinstaller`` into the running interpreter when it is not importable."""
    if importlib.util.find_spec("PyInstaller") is not None:
        return
    _say("PyInstaller is missing: pip install pyinstaller")
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "pyinstaller"], check=True)
    importlib.invalidate_caches()


def run_pyinstaller() -> float:
    """Run PyInstaller on the spec file (clean build); return the wall time in seconds."""
    start = time.perf_counter()
    subprocess.run(
        [
            sys.executable,
            "-m",
            "PyInstaller",
            "--noconfirm",
            "--clean",
            "--log-level=WARN",
            f"--distpath={DIST}",
            f"--workpath={WORK}",
            str(SPEC),
        ],
        check=True,
        cwd=ROOT,
    )
    return time.perf_counter() - start


def add_linux_share(bundle: Path) -> None:
    """Copy the .desktop file, AppStream metainfo and hicolor icons into ``bundle/share`` (Linux only)."""
    share = bundle / "share"
    linux = PACKAGING / "linux"
    (share / "applications").mkdir(parents=True, exist_ok=True)
    (share / "metainfo").mkdir(parents=True, exist_ok=True)
    shutil.copy2(linux / f"{APP_ID}.desktop", share / "applications" / f"{APP_ID}.desktop")
    shutil.copy2(linux / f"{APP_ID}.metainfo.xml", share / "metainfo" / f"{APP_ID}.metainfo.xml")
    shutil.copytree(ICON_DIR / "hicolor", share / "icons" / "hicolor", dirs_exist_ok=True)
    scalable = share / "icons" / "hicolor" / "scalable" / "apps"
    scalable.mkdir(parents=True, exist_ok=True)
    shutil.copy2(SVG, scalable / f"{APP_NAME}.svg")


# ---------------------------------------------------------------------------------------------------------
# 4. Archive and numbers
# ---------------------------------------------------------------------------------------------------------


def tree_stats(folder: Path) -> tuple[int, int]:
    """(total bytes, number of files) under ``folder``; symlinks count as entries, not followed."""
    total = files = 0
    for path in folder.rglob("*"):
        if path.is_symlink() or path.is_file():
            total += path.lstat().st_size
            files += 1
    return total, files


def project_version() -> str:
    """The version from pyproject.toml."""
    with (ROOT / "pyproject.toml").open("rb") as fh:
        return str(tomllib.load(fh)["project"]["version"])


def archive_name() -> str:
    """``leadgen-desktop-<version>-<os>-<arch>.tar.gz``."""
    system = {"darwin": "macos", "win32": "windows"}.get(sys.platform, sys.platform)
    return f"{APP_NAME}-{project_version()}-{system}-{platform.machine().lower()}.tar.gz"


def make_archive(folder: Path, out: Path) -> Path:
    """A reproducible .tar.gz of ``folder``: sorted, root-owned, fixed mtime, under ``folder.name/``."""
    mtime = int(os.environ.get("SOURCE_DATE_EPOCH", "0"))

    def normalise(info: tarfile.TarInfo) -> tarfile.TarInfo:
        info.uid = info.gid = 0
        info.uname = info.gname = ""
        info.mtime = mtime
        return info

    paths = sorted(folder.rglob("*"), key=lambda p: p.relative_to(folder).as_posix())
    with (
        out.open("wb") as raw,
        gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=mtime, compresslevel=6) as gz,
        tarfile.open(fileobj=gz, mode="w", format=tarfile.PAX_FORMAT) as tar,
    ):
        tar.add(folder, arcname=folder.name, recursive=False, filter=normalise)
        for path in paths:
            arcname = f"{folder.name}/{path.relative_to(folder).as_posix()}"
            tar.add(path, arcname=arcname, recursive=False, filter=normalise)
    return out


def _say(message: str) -> None:
    """Progress output on stdout (flushed so it interleaves with PyInstaller's log)."""
    sys.stdout.write(message + "\n")
    sys.stdout.flush()


def _mb(n: int) -> str:
    return f"{n / 1_000_000:.1f} MB"


# ---------------------------------------------------------------------------------------------------------


def _reexec_in_venv() -> None:
    """Re-run this script with the project's .venv Python when the current one has no PySide6."""
    venv_python = ROOT / ".venv" / ("Scripts/python.exe" if sys.platform == "win32" else "bin/python")
    in_venv = Path(sys.prefix).resolve() == (ROOT / ".venv").resolve()
    if importlib.util.find_spec("PySide6") is None and venv_python.is_file() and not in_venv:
        os.execv(str(venv_python), [str(venv_python), __file__, *sys.argv[1:]])


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: see the module docstring."""
    parser = argparse.ArgumentParser(prog="packaging/build.py", description=__doc__.splitlines()[0])
    parser.add_argument("--icons-only", action="store_true", help="only regenerate the icons")
    parser.add_argument("--skip-archive", action="store_true", help="do not write the .tar.gz")
    args = parser.parse_args(argv)

    start = time.perf_counter()
    icons = generate_icons()
    _say(f"icons: {len(icons)} files in {ICON_DIR.relative_to(ROOT)} ({time.perf_counter() - start:.1f} s)")
    if args.icons_only:
        return 0

    ensure_pyinstaller()
    build_seconds = run_pyinstaller()
    bundle = DIST / APP_NAME
    if sys.platform.startswith("linux"):
        add_linux_share(bundle)
    size, files = tree_stats(bundle)
    _say(f"pyinstaller: {build_seconds:.1f} s")
    _say(f"bundle: {bundle.relative_to(ROOT)}  {_mb(size)}  {files} files")
    if not args.skip_archive:
        archive = make_archive(bundle, DIST / archive_name())
        _say(f"archive: {archive.relative_to(ROOT)}  {_mb(archive.stat().st_size)}")
    _say(f"total: {time.perf_counter() - start:.1f} s")
    return 0


if __name__ == "__main__":
    _reexec_in_venv()
    sys.exit(main())
