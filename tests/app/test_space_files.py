"""What a fresh clone and the Hugging Face Space need: requirements, front matter, endpoints, index place."""

from __future__ import annotations

import re
from pathlib import Path

import yaml
from packaging.requirements import Requirement

from qa.settings import Settings

try:
    import tomllib
except ImportError:  # Python 3.10
    import tomli as tomllib

ROOT = Path(__file__).resolve().parents[2]


def requirements() -> dict[str, Requirement]:
    lines = (ROOT / "requirements.txt").read_text(encoding="utf-8").splitlines()
    reqs = [Requirement(line.split("#")[0].strip()) for line in lines if line.split("#")[0].strip()]
    return {r.name.lower(): r for r in reqs}


def front_matter(text: str) -> dict:
    m = re.search(r"^---\n(.*?)\n---\n", text, re.S | re.M)
    assert m, "no front matter block"
    return yaml.safe_load(m.group(1))


def test_requirements_install_the_project_dependencies_and_gradio_without_torch():
    reqs = requirements()
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    for dep in map(Requirement, project["dependencies"]):
        assert dep.name.lower() in reqs, f"requirements.txt lacks {dep}"
        assert reqs[dep.name.lower()].specifier == dep.specifier, f"{dep} differs in requirements.txt"
    assert str(reqs["gradio"].specifier).startswith("==")
    assert not {"torch", "sentence-transformers", "transformers"} & set(reqs)


def test_space_front_matter_matches_requirements():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert readme.startswith("---\n"), "a Space reads its configuration from the top of README.md"
    meta = front_matter(readme)
    assert meta["sdk"] == "gradio" and (ROOT / meta["app_file"]).is_file()
    assert f"=={meta['sdk_version']}" == str(requirements()["gradio"].specifier)
    assert len(meta["short_description"]) <= 60


def test_app_exposes_exactly_the_documented_endpoints(monkeypatch, tmp_path):
    monkeypatch.setenv("QA_INDEX_DIR", str(tmp_path / "index"))
    import app

    public = {fn.api_name for fn in app.demo.fns.values() if fn.api_visibility == "public"}
    assert public == {"ask", "upload", "remove", "status"}
    assert not (tmp_path / "index").exists()  # importing the app builds nothing


def test_on_a_space_with_storage_the_index_lives_in_data(monkeypatch, tmp_path):
    import app

    monkeypatch.setattr(app, "get_space", lambda: "user/news-qa")
    monkeypatch.setattr(app, "SPACE_STORAGE", tmp_path)
    monkeypatch.delenv("QA_INDEX_DIR", raising=False)
    assert app.app_settings().index_dir == tmp_path / "index"
    monkeypatch.setenv("QA_INDEX_DIR", "/elsewhere")  # an explicit choice wins
    assert app.app_settings().index_dir == Path("/elsewhere")
    monkeypatch.delenv("QA_INDEX_DIR")
    monkeypatch.setattr(app, "SPACE_STORAGE", tmp_path / "absent")  # no persistent storage
    assert app.app_settings().index_dir == Settings().index_dir
