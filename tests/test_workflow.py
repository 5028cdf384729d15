"""The GitHub Actions example: well-formed, deploys from main only, and its build and summary
steps, run here with bash as the runner would, build the example site."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
WORKFLOW = ROOT / ".github" / "workflows" / "report.yml"


def load() -> dict:
    return yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))


def step(job: dict, name: str) -> dict:
    return next(s for s in job["steps"] if s.get("name") == name)


def test_workflow_builds_everywhere_and_deploys_from_main_only() -> None:
    flow = load()
    triggers = flow[True]  # YAML 1.1 reads the key `on` as true
    assert "push" in triggers and "pull_request" in triggers and triggers["push"] is None  # every branch
    build, deploy = flow["jobs"]["build"], flow["jobs"]["deploy"]
    uses = [s.get("uses", "") for s in build["steps"]]
    assert any(u.startswith("actions/upload-pages-artifact@") for u in uses)
    assert step(build, "Upload the Pages artifact")["if"] == "github.event_name == 'push' && github.ref == 'refs/heads/main'"
    assert deploy["if"] == "github.event_name == 'push' && github.ref == 'refs/heads/main'"
    assert deploy["needs"] == "build"
    assert deploy["permissions"] == {"pages": "write", "id-token": "write"}
    assert deploy["steps"][0]["uses"].startswith("actions/deploy-pages@")
    single = step(build, "Upload the single-file report (opens straight from the artifact list)")
    assert single["with"] == {"path": "report.html", "archive": False}
    assert step(build, "Upload the whole site (unzip and open index.html)")["with"]["include-hidden-files"] is True


def test_workflow_steps_build_the_example_site(tmp_path: Path) -> None:
    build = load()["jobs"]["build"]
    shutil.copytree(ROOT / "runs", tmp_path / "runs")
    outputs, summary = tmp_path / "github_output", tmp_path / "step_summary"
    env = dict(os.environ, RUNS_DIR="runs/", FAIL_ON="", GITHUB_OUTPUT=str(outputs), GITHUB_STEP_SUMMARY=str(summary))
    # the runner's python is the one with reportgen installed; here it is the test's
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env['PATH']}"
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH", "")) if p)
    for name in ("Build the report", "Job summary"):
        script = step(build, name)["run"]
        script = script.replace("${{ github.repository_owner }}", "user").replace("${{ github.event.repository.name }}", "repo")
        assert "${{" not in script, script
        script = re.sub(r"\bpython -m", f"{sys.executable} -m", script)
        done = subprocess.run(["bash", "-e", "-c", script], cwd=tmp_path, env=env, capture_output=True, text=True, check=False)
        assert done.returncode == 0, done.stderr
    code = outputs.read_text(encoding="utf-8").strip()
    assert code in ("code=0", "code=1")
    for rel in ("index.html", "404.html", ".nojekyll", "summary.md", "summary.json"):
        assert (tmp_path / "site" / rel).is_file(), rel
    assert (tmp_path / "report.html").stat().st_size > 10_000
    digest = (tmp_path / "site" / "summary.md").read_text(encoding="utf-8")
    assert summary.read_text(encoding="utf-8") == digest
    assert "](https://user.github.io/repo/runs/" in digest  # absolute links for the PR comment
