"""The built wheel carries the grammar and the script library, and runs.

The grammar and ``stdlib/`` live outside the package in the checkout and are
mapped into ``zscript/_data/`` by hatchling's ``force-include`` (ARCHITECTURE
§4.4).  Running tests from the checkout hides a wheel that forgot them, so
this module builds the wheel from a copy of the sources, checks its contents
and then runs it, unpacked, from a directory outside the repository.
"""

from __future__ import annotations

import configparser
import os
import shutil
import subprocess
import sys
import zipfile
from email.parser import Parser
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

pytest.importorskip("build")
pytest.importorskip("hatchling")


def _tree_files(top: Path) -> set[str]:
    """Files under ``top`` as POSIX paths relative to it, without bytecode."""
    return {
        p.relative_to(top).as_posix()
        for p in top.rglob("*")
        if p.is_file() and "__pycache__" not in p.parts and p.suffix != ".pyc"
    }


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    """Build the wheel once, from a copy of what the wheel is made of."""
    base = tmp_path_factory.mktemp("wheel")
    src = base / "src"
    src.mkdir()
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    for name in ("zscript", "grammar", "stdlib"):
        shutil.copytree(ROOT / name, src / name, ignore=ignore)
    for name in ("pyproject.toml", "README.md", ".gitignore"):
        if (ROOT / name).exists():
            shutil.copy2(ROOT / name, src / name)
    out = base / "dist"
    proc = subprocess.run(
        [sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", str(out)],
        cwd=src,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, f"wheel build failed:\n{proc.stdout}\n{proc.stderr}"
    wheels = list(out.glob("*.whl"))
    assert len(wheels) == 1, wheels
    return wheels[0]


@pytest.fixture(scope="module")
def names(wheel) -> set[str]:
    with zipfile.ZipFile(wheel) as z:
        return set(z.namelist())


def _dist_info(names: set[str], leaf: str) -> str:
    hits = [n for n in names if n.endswith(f".dist-info/{leaf}")]
    assert len(hits) == 1, f"expected one {leaf}, found {hits}"
    return hits[0]


def test_wheel_contains_grammar_and_stdlib(names):
    assert "zscript/_data/grammar/zscript.lark" in names
    assert "zscript/_data/stdlib/base/init-bare.zs" in names


def test_wheel_data_matches_source_trees(names):
    # Every grammar/stdlib file is shipped, and nothing else ends up in _data.
    expected = {f"zscript/_data/grammar/{f}" for f in _tree_files(ROOT / "grammar")}
    expected |= {f"zscript/_data/stdlib/{f}" for f in _tree_files(ROOT / "stdlib")}
    shipped = {n for n in names if n.startswith("zscript/_data/")}
    assert shipped == expected


def test_wheel_contains_every_module(names):
    modules = {f"zscript/{f}" for f in _tree_files(ROOT / "zscript") if f.endswith(".py")}
    assert modules, "no modules found in the checkout"
    missing = sorted(modules - names)
    assert not missing, f"modules missing from the wheel: {missing}"
    for required in (
        "zscript/__init__.py",
        "zscript/__main__.py",
        "zscript/cli.py",
        "zscript/host/__init__.py",
    ):
        assert required in names


def test_wheel_has_no_stray_files(names):
    tops = {n.split("/")[0] for n in names}
    assert tops == {"zscript", *(t for t in tops if t.endswith(".dist-info"))}
    assert len([t for t in tops if t.endswith(".dist-info")]) == 1
    stray = sorted(n for n in names if "__pycache__" in n or n.endswith((".pyc", ".pyo")))
    assert not stray


def test_wheel_console_script(wheel, names):
    with zipfile.ZipFile(wheel) as z:
        text = z.read(_dist_info(names, "entry_points.txt")).decode()
    cp = configparser.ConfigParser()
    cp.read_string(text)
    assert cp.has_section("console_scripts"), text
    assert cp["console_scripts"].get("zscript", "").strip() == "zscript.cli:main"


def test_wheel_metadata(wheel, names):
    import zscript

    with zipfile.ZipFile(wheel) as z:
        meta = Parser().parsestr(z.read(_dist_info(names, "METADATA")).decode())
    assert meta["Name"] == "zscript"
    assert meta["Version"] == zscript.__version__
    requires = " ".join(meta.get_all("Requires-Dist") or [])
    assert "lark" in requires and "attrs" in requires


@pytest.fixture(scope="module")
def unpacked(wheel, tmp_path_factory) -> Path:
    site = tmp_path_factory.mktemp("site")
    with zipfile.ZipFile(wheel) as z:
        z.extractall(site)
    return site


def _run_unpacked(site: Path, cwd: Path, *args: str) -> subprocess.CompletedProcess:
    # PYTHONPATH puts the unpacked wheel before the editable install; lark and
    # attrs still come from this interpreter's site-packages.
    env = dict(os.environ, PYTHONPATH=str(site), TZ="UTC", LC_ALL="C")
    env.pop("ZSCRIPTPATH", None)
    return subprocess.run(
        [sys.executable, *args], cwd=cwd, capture_output=True, text=True, timeout=120, env=env
    )


def test_unpacked_wheel_finds_its_data(unpacked, tmp_path):
    code = (
        "import zscript, zscript.resources as r\n"
        "print(zscript.__file__)\n"
        "print(r.grammar_path())\n"
        "print(r.stdlib_dir())\n"
    )
    proc = _run_unpacked(unpacked, tmp_path, "-c", code)
    assert proc.returncode == 0, proc.stderr
    init, grammar, stdlib = (Path(line) for line in proc.stdout.splitlines())
    assert init.resolve() == (unpacked / "zscript" / "__init__.py").resolve()
    assert (
        grammar.resolve() == (unpacked / "zscript" / "_data" / "grammar" / "zscript.lark").resolve()
    )
    assert stdlib.resolve() == (unpacked / "zscript" / "_data" / "stdlib").resolve()


def test_unpacked_wheel_runs_a_script(unpacked, tmp_path):
    assert ROOT not in tmp_path.resolve().parents
    (tmp_path / "hello.zs").write_text(
        'event zeek_init()\n\t{\n\tprint fmt("hello from %s", "the wheel");\n\t}\n',
        encoding="utf-8",
    )
    proc = _run_unpacked(unpacked, tmp_path, "-m", "zscript", "run", "standalone", "hello.zs")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == "hello from the wheel\n"
    assert proc.stderr == ""


def test_unpacked_wheel_checks_a_script(unpacked, tmp_path):
    (tmp_path / "bad.zs").write_text("global x: count = nope;\n", encoding="utf-8")
    proc = _run_unpacked(unpacked, tmp_path, "-m", "zscript", "check", "bad.zs")
    assert proc.returncode == 1
    assert proc.stderr.startswith("error in bad.zs, line 1, column 19: unknown identifier 'nope'")


def test_unpacked_wheel_entry_point_target(unpacked, tmp_path):
    # What the console script does: import zscript.cli and call main().
    code = "import sys\nfrom zscript.cli import main\nsys.exit(main(['--version']))\n"
    proc = _run_unpacked(unpacked, tmp_path, "-c", code)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("zscript ")
