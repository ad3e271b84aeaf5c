"""A plain (non-editable) install works outside the checkout: the wheel carries selectors.yaml.

The wheel is built from a copy of the package sources (no build/ or egg-info left in the checkout) without
build isolation, and installed with --no-deps --no-index into a fresh venv whose dependencies come from the
project venv's site-packages through a .pth line (a plain path, so the editable install's own finder there
is not loaded and cannot shadow the installed copy). Nothing is downloaded.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import sysconfig
import venv
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _run(args: list[str | Path], cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(a) for a in args], cwd=cwd, env=env, capture_output=True, text=True, timeout=300)


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    """A venv outside the checkout with the wheel installed; returns its bin folder and a clean environment."""
    base = tmp_path_factory.mktemp("install")
    source = base / "source"
    source.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(ROOT / name, source / name)
    shutil.copytree(ROOT / "scraper", source / "scraper", ignore=shutil.ignore_patterns("__pycache__"))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "SC_WATCH_", "VIRTUAL_ENV"))}
    env |= {"HOME": str(base / "home"), "PYTHON_KEYRING_BACKEND": "keyring.backends.null.Keyring"}
    env |= {"PIP_NO_INDEX": "1", "PIP_DISABLE_PIP_VERSION_CHECK": "1", "PIP_NO_CACHE_DIR": "1"}
    built = _run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-w", base / "dist", source],
        base,
        env,
    )
    assert built.returncode == 0, built.stderr
    (wheel,) = (base / "dist").glob("sc_watch_scraper-*.whl")
    target = base / "venv"
    venv.create(target, with_pip=False)
    python = target / "bin" / "python"
    purelib = _run([python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"], base, env)
    Path(purelib.stdout.strip(), "project-deps.pth").write_text(sysconfig.get_path("purelib") + "\n")
    done = _run([sys.executable, "-m", "pip", "--python", python, "install", "--no-deps", wheel], base, env)
    assert done.returncode == 0, done.stderr
    return target / "bin", env


def test_the_wheel_runs_outside_the_checkout(installed: tuple[Path, dict[str, str]], tmp_path: Path) -> None:
    bin_dir, env = installed
    shown = _run([bin_dir / "scraper", "--help"], tmp_path, env)
    assert shown.returncode == 0, shown.stderr
    assert "usage: scraper" in shown.stdout
    code = (
        "import json, scraper, scraper.spec as s; sp = s.load_spec(); "
        "print(json.dumps([scraper.__file__, str(sp.path), sorted(sp.sections)]))"
    )
    loaded = _run([bin_dir / "python", "-c", code], tmp_path, env)
    assert loaded.returncode == 0, loaded.stderr
    package, spec_path, sections = json.loads(loaded.stdout)
    assert Path(package).is_relative_to(bin_dir.parent), package  # the installed copy, not the checkout
    assert Path(spec_path).is_relative_to(bin_dir.parent), spec_path
    assert not Path(spec_path).is_symlink()
    assert Path(spec_path).read_bytes() == (ROOT / "selectors.yaml").read_bytes()
    assert len(sections) == 6


def test_the_installed_cli_reads_a_page_with_the_shipped_spec(
    installed: tuple[Path, dict[str, str]], tmp_path: Path
) -> None:
    bin_dir, env = installed
    body = tmp_path / "feedback.json"
    shutil.copy2(ROOT / "fixtures" / "feedback" / "api" / "de-typical.json", body)
    expected = json.loads((ROOT / "fixtures" / "feedback" / "api" / "de-typical.expected.json").read_text())
    parsed = _run([bin_dir / "scraper", "parse", "feedback", body, "--format", "json"], tmp_path, env)
    assert parsed.returncode == 0, parsed.stderr
    got = json.loads(parsed.stdout)
    assert got["records"] == expected["records"]


@pytest.mark.browser
def test_the_installed_demo_runs_from_its_packaged_data(installed: tuple[Path, dict[str, str]], tmp_path: Path) -> None:
    """`scraper demo` of the wheel, outside the checkout: the demo site serves its own packaged data."""
    bin_dir, env = installed
    done = subprocess.run(
        [str(bin_dir / "scraper"), "demo", "--quiet"],
        cwd=tmp_path,
        env={**env, "COLUMNS": "200"},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    for title in (
        "Performance Notifications",
        "Voice of the Customer",
        "Case Log",
        "Regulatory Compliance",
        "Product Compliance Requests",
        "Feedback Manager",
    ):
        # the summary row: status "read", N records all new on a first run (never "not read ...")
        row = re.search(rf"^\s*{title}\s+read\s+(\d+)\s+\+(\d+) ~0 -0\s", done.stdout, re.MULTILINE)
        assert row is not None, done.stdout[-3000:]
        assert int(row.group(1)) == int(row.group(2)) > 0
    assert "Account demo: run 1, Germany (amazon.de)" in done.stdout
    assert "Feedback Manager: Amazon's count 10 ratings: verified" in done.stdout  # the demo's own data
    assert "not read" not in done.stdout.lower()
