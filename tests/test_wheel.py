"""What pip installs is what the tests run: the wheel is built from a copy of the source, installed
into an empty folder (its dependencies come from this venv), and used from a folder outside the
checkout, so nothing can silently come from the repository: the prompts, the name lists, the
templates, the migrations and the Streamlit script must all be inside the package."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from conftest import REPO

QUESTION = "Kan ik afzien van terugvordering bij dringende redenen?"
SKIP = shutil.ignore_patterns(".git", ".venv", ".maatwerk", "build", "dist", "*.egg-info", "__pycache__",
                              ".pytest_cache", "corpus", "tests", "docs")


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> dict:
    base = tmp_path_factory.mktemp("wheel")
    src = base / "src"
    # A copy, so the build neither reads stale build/ output nor writes into the checkout.
    shutil.copytree(REPO, src, ignore=SKIP)
    out = subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation",
                          "-w", str(base / "dist"), str(src)], capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stderr
    wheel = next((base / "dist").glob("maatwerkassistent-*.whl"))
    target = base / "site"
    out = subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--target", str(target),
                          str(wheel)], capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stderr
    work = base / "elders"  # the cwd: no corpus/, no prompts/, no assistant/ here
    corpus = work / "gemeente-corpus"
    shutil.copytree(REPO / "corpus", corpus)  # the sample corpus, as a gemeente would bring its own
    env = {k: v for k, v in os.environ.items() if not k.startswith("MAATWERK_")}
    env.update(PYTHONPATH=str(target), MAATWERK_DATA_DIR=str(work / "data"), MAATWERK_EMBEDDER="hashing",
               MAATWERK_CORPUS_DIR=str(corpus), PYTHONNOUSERSITE="1")
    return {"wheel": wheel, "target": target, "work": work, "env": env}


def run(installed, *args, **env) -> subprocess.CompletedProcess:
    return subprocess.run([str(installed["target"] / "bin" / "maatwerk"), *args], cwd=installed["work"],
                          env={**installed["env"], **env}, capture_output=True, text=True, timeout=600)


def test_the_wheel_carries_the_package_data(installed):
    names = set(zipfile.ZipFile(installed["wheel"]).namelist())
    for required in ("assistant/prompts/antwoord.md", "assistant/data/lexicon.yaml",
                     "assistant/data/deduce/names/lst_first_name/items.txt",
                     "assistant/data/deduce/names/lst_surname/items.txt",
                     "assistant/data/deduce/whitelist/lst_common_word/items.txt",
                     "assistant/data/deduce/COPYING", "assistant/data/deduce/COPYING.LESSER",
                     "assistant/data/deduce/README.md",
                     "assistant/templates/knelpunten.html.j2", "assistant/cases/migrations/script.py.mako",
                     "assistant/cases/migrations/versions/0001_cases.py", "assistant/ui/streamlit_app.py",
                     "assistant/ui/pages/vraag.py"):
        assert required in names, required


def test_installed_package_is_the_one_imported_and_finds_its_names(installed):
    code = ("import assistant, json; from assistant.privacy import Pseudonymiser; p = Pseudonymiser(); "
            "print(json.dumps({'file': assistant.__file__, 'backend': p.name_backend, "
            "'out': p.pseudonymise('Gesprek met Wilhelmina Groeneveld over haar schuld.')}))")
    out = subprocess.run([sys.executable, "-c", code], cwd=installed["work"], env=installed["env"],
                         capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    got = json.loads(out.stdout)
    assert Path(got["file"]).is_relative_to(installed["target"])
    assert got["backend"] == "rules+deduce-lexicon"
    assert "Wilhelmina" not in got["out"] and "Groeneveld" not in got["out"]


def test_ask_from_the_wheel_grounded_and_with_an_llm_backend_that_needs_the_prompt(installed):
    out = run(installed, "index", "--quiet")
    assert out.returncode == 0, out.stderr
    grounded = run(installed, "ask", QUESTION, "--json", MAATWERK_LLM="grounded")
    assert grounded.returncode == 0, grounded.stderr
    answer = json.loads(grounded.stdout)
    assert answer["grounded"] and answer["trace"]["backend"] == "grounded"
    assert "artikel 58" in json.dumps(answer["citations"], ensure_ascii=False)

    # The fake chat model gets the rendered prompt: it must come from the installed package.
    fake = run(installed, "ask", QUESTION, "--json", MAATWERK_LLM="fake")
    assert fake.returncode == 0, fake.stderr
    trace = json.loads(fake.stdout)["trace"]
    assert "ontbreekt" not in fake.stdout + fake.stderr
    from assistant.answering.generation import Prompt

    assert trace["backend"] == "fake" and trace["prompt"] == {"name": "antwoord", "hash": Prompt.load("antwoord").hash}
    assert trace["llm_output"].startswith("Dit is een testantwoord")


def test_ask_from_the_wheel_sends_the_packaged_prompt_to_an_llm_server(installed):
    pytest.importorskip("langchain_ollama", reason="the ollama extra is part of the dev set")
    from test_generation import StubServer

    stub = StubServer("Terugvordering kan achterwege blijven bij dringende redenen.")
    try:
        out = run(installed, "ask", QUESTION, "--json", MAATWERK_LLM="ollama", MAATWERK_LLM_MODEL="stub",
                  MAATWERK_LLM_BASE_URL=stub.url, MAATWERK_LLM_TIMEOUT="20")
    finally:
        stub.close()
    assert out.returncode == 0, out.stderr
    assert stub.requests, out.stdout
    path, body = stub.requests[-1]
    system = body["messages"][0]["content"]
    assert path == "/api/chat" and "Nederlands" in system
    assert QUESTION in body["messages"][-1]["content"]
