"""Packaging inputs, checked fast (no PyInstaller build): icons, ICO/ICNS, .desktop, metainfo, spec.

The full build and the frozen smoke test are ``python packaging/build.py && packaging/smoke_test.sh``.
"""

from __future__ import annotations

import configparser
import importlib.util
import shutil
import struct
import subprocess
import tomllib
import xml.etree.ElementTree as ET
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGING = ROOT / "packaging"
APP_ID = "io.github.leadgen_desktop"
DESKTOP_FILE = PACKAGING / "linux" / f"{APP_ID}.desktop"
METAINFO_FILE = PACKAGING / "linux" / f"{APP_ID}.metainfo.xml"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def _load_build_module() -> ModuleType:
    # packaging/ is not a Python package (and must not shadow the PyPI "packaging" library): load by path.
    spec = importlib.util.spec_from_file_location("leadgen_packaging_build", PACKAGING / "build.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


build = _load_build_module()


def png_info(data: bytes) -> tuple[int, int, int, int]:
    """(width, height, bit depth, colour type) from a PNG's IHDR chunk."""
    assert data[:8] == PNG_SIGNATURE, "not a PNG"
    length, kind = struct.unpack(">I4s", data[8:16])
    assert kind == b"IHDR"
    assert length == 13
    width, height, depth, colour = struct.unpack(">IIBB", data[16:26])
    return width, height, depth, colour


@pytest.fixture(scope="module")
def icons(qapp: object, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Icons generated from the real SVG into a temporary folder (qapp: reuse pytest-qt's QApplication)."""
    out = tmp_path_factory.mktemp("icons")
    build.generate_icons(build.SVG, out)
    return out


# --- icons --------------------------------------------------------------------------------------------------


def test_svg_icon_parses(qapp: object) -> None:
    from PySide6.QtSvg import QSvgRenderer

    renderer = QSvgRenderer(str(build.SVG))
    assert renderer.isValid()
    assert renderer.viewBoxF().width() == renderer.viewBoxF().height()  # square


@pytest.mark.parametrize("size", [16, 24, 32, 48, 64, 128, 256, 512])
def test_hicolor_pngs_have_the_right_size(icons: Path, size: int) -> None:
    data = (icons / "hicolor" / f"{size}x{size}" / "apps" / "leadgen-desktop.png").read_bytes()
    assert png_info(data) == (size, size, 8, 6)  # 8-bit RGBA


def test_small_icon_is_not_blank(icons: Path, qapp: object) -> None:
    from PySide6.QtGui import QImage

    image = QImage(str(icons / "hicolor" / "16x16" / "apps" / "leadgen-desktop.png"))
    assert image.pixelColor(8, 8).alpha() == 255  # the tile is opaque in the middle
    assert image.pixelColor(0, 0).alpha() < 128  # and has rounded (transparent) corners


def test_icon_generation_is_deterministic(icons: Path, tmp_path: Path, qapp: object) -> None:
    build.generate_icons(build.SVG, tmp_path)
    first = sorted(p.relative_to(icons) for p in icons.rglob("*") if p.is_file())
    second = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*") if p.is_file())
    assert first == second
    assert len(first) == 10  # 8 PNGs + .ico + .icns
    for rel in first:
        assert (icons / rel).read_bytes() == (tmp_path / rel).read_bytes(), rel


def test_ico_container_parses(icons: Path) -> None:
    data = (icons / "leadgen-desktop.ico").read_bytes()
    reserved, kind, count = struct.unpack("<HHH", data[:6])
    assert (reserved, kind, count) == (0, 1, len(build.ICO_SIZES))
    sizes = []
    end = 6 + 16 * count
    for index in range(count):
        width, height, colours, res, planes, bpp, size, offset = struct.unpack(
            "<BBBBHHII", data[6 + 16 * index : 6 + 16 * (index + 1)]
        )
        real = width or 256
        assert (height or 256) == real
        assert (colours, res, planes, bpp) == (0, 0, 1, 32)
        assert offset == end, "entries are stored back to back after the directory"
        image = data[offset : offset + size]
        assert len(image) == size
        assert png_info(image)[:2] == (real, real)
        sizes.append(real)
        end = offset + size
    assert end == len(data)
    assert sizes == sorted(build.ICO_SIZES)


def test_ico_rejects_sizes_above_256() -> None:
    with pytest.raises(ValueError, match=r"1\.\.256"):
        build.build_ico({512: PNG_SIGNATURE})


def test_icns_container_parses(icons: Path) -> None:
    data = (icons / "leadgen-desktop.icns").read_bytes()
    assert data[:4] == b"icns"
    assert struct.unpack(">I", data[4:8])[0] == len(data)
    found = {}
    pos = 8
    while pos < len(data):
        kind, length = struct.unpack(">4sI", data[pos : pos + 8])
        assert length > 8
        found[kind] = png_info(data[pos + 8 : pos + length])[:2]
        pos += length
    assert pos == len(data)
    assert found == {b"ic07": (128, 128), b"ic08": (256, 256), b"ic09": (512, 512), b"ic10": (1024, 1024)}


# --- Linux desktop integration files ------------------------------------------------------------------------


def test_desktop_file_has_the_required_keys() -> None:
    parser = configparser.ConfigParser(interpolation=None, strict=True)
    parser.optionxform = str  # type: ignore[assignment,method-assign]  # keys are case-sensitive
    parser.read(DESKTOP_FILE, encoding="utf-8")
    entry = parser["Desktop Entry"]
    assert entry["Type"] == "Application"
    assert entry["Exec"] == "leadgen-desktop"
    assert entry["Icon"] == "leadgen-desktop"
    assert entry["Terminal"] == "false"
    for key in ("Name", "GenericName", "Comment"):
        assert entry[key].strip(), key
    assert entry["Categories"] == "Office;Network;"
    keywords = entry["Keywords"]
    assert keywords.endswith(";")
    assert len([k for k in keywords.split(";") if k]) >= 3


def test_metainfo_has_the_required_elements() -> None:
    root = ET.parse(METAINFO_FILE).getroot()
    assert root.tag == "component"
    assert root.get("type") == "desktop-application"

    def text(path: str) -> str:
        element = root.find(path)
        assert element is not None, path
        return (element.text or "").strip()

    assert text("id") == APP_ID
    assert text("metadata_license") == "CC0-1.0"
    assert text("project_license") == "MIT"
    assert text("name")
    assert text("summary")
    assert root.findall("description/p")
    launchable = root.find("launchable")
    assert launchable is not None
    assert launchable.get("type") == "desktop-id"
    assert launchable.text == DESKTOP_FILE.name
    with (ROOT / "pyproject.toml").open("rb") as fh:
        version = tomllib.load(fh)["project"]["version"]
    assert [r.get("version") for r in root.findall("releases/release")] == [version]
    assert root.find("content_rating") is not None
    images = [(i.text or "").strip() for i in root.findall("screenshots/screenshot/image")]
    assert images
    assert all(image.endswith("docs/screenshots/main-window.png") for image in images)


@pytest.mark.parametrize(
    ("tool", "args", "path"),
    [
        ("desktop-file-validate", [], DESKTOP_FILE),
        ("appstreamcli", ["validate", "--no-net"], METAINFO_FILE),
    ],
)
def test_linux_files_pass_the_freedesktop_validators(tool: str, args: list[str], path: Path) -> None:
    exe = shutil.which(tool)
    if exe is None:
        pytest.skip(f"{tool} not installed (apt-get install desktop-file-utils appstream)")
    result = subprocess.run([exe, *args, str(path)], capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 0, result.stdout + result.stderr


# --- spec, entry scripts, smoke test ---------------------------------------------------------------------


@pytest.mark.parametrize("name", ["leadgen-desktop.spec", "entry_desktop.py", "entry_cli.py", "build.py"])
def test_packaging_python_compiles(name: str) -> None:
    path = PACKAGING / name
    compile(path.read_text(encoding="utf-8"), str(path), "exec")


def test_spec_names_both_programs_and_the_data_it_needs() -> None:
    spec = (PACKAGING / "leadgen-desktop.spec").read_text(encoding="utf-8")
    for needle in (
        'name="leadgen-desktop"',
        'name="leadgen"',
        "entry_desktop.py",
        "entry_cli.py",
        'copy_metadata("keyring")',
        'collect_submodules("keyring.backends")',
        'collect_data_files("tldextract")',
        "COLLECT(",
    ):
        assert needle in spec, needle


def test_smoke_script_is_valid_bash() -> None:
    bash = shutil.which("bash")
    if bash is None:
        pytest.skip("bash not installed")
    result = subprocess.run([bash, "-n", str(PACKAGING / "smoke_test.sh")], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


def test_resources_sit_next_to_the_package() -> None:
    """The spec bundles resources/ at the bundle root next to leadgen_desktop/, mirroring the source tree.

    Both resource lookups derive the folder from ``__file__``; if this layout assumption changes, the spec's
    datas destination ("resources") must change with it.
    """
    from leadgen_desktop import paths
    from leadgen_desktop.net.providers import demo

    expected = ROOT / "resources"
    assert paths.resources_dir() == expected
    assert demo._resources_dir() == expected
    assert (expected / "demo").is_dir()
