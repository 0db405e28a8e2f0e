"""End to end in a real browser: the app is started as `maatwerk serve` would (streamlit run,
headless) on a free local port, and Debian's Chromium is driven by Playwright: log in as each
role, ask a question, open a citation, submit a casus and review it as another user.

Skipped (with the reason) only when /usr/bin/chromium is missing. Playwright's own browser
download is never used. MAATWERK_SCREENSHOTS=DIR also writes screenshots of every page at
1366x900 and 420 px wide (docs/screenshots/ in the repository), with the product's own embedder
(the other runs use the hashing one)."""

from __future__ import annotations

import datetime as dt
import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"
if not Path(CHROMIUM).exists():
    pytest.skip(f"{CHROMIUM} ontbreekt (apt-get install -y chromium); end-to-end-tests overgeslagen",
                allow_module_level=True)
playwright = pytest.importorskip("playwright.sync_api", reason="playwright (pip) is niet geïnstalleerd")

from assistant.identity.auth import DEMO_PASSWORD  # noqa: E402
from assistant.cli.serve import streamlit_command  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
QUESTION = "Mag ik afzien van terugvordering van bijstand als de inwoner door schulden in de problemen komt?"
TIMEOUT_MS = 90_000


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def running_app(tmp_path_factory, **env_extra):
    """The app as `maatwerk serve` starts it, on a free port, with a copy of the corpus and its own
    data dir; MAATWERK_* in env_extra on top (grounded backend unless said otherwise)."""
    import shutil

    data = tmp_path_factory.mktemp("e2e-data")
    corpus = tmp_path_factory.mktemp("e2e-corpus") / "corpus"
    shutil.copytree(REPO / "corpus", corpus)  # the corpus tests add, close and retire documents
    port = free_port()
    env = dict(os.environ, MAATWERK_DATA_DIR=str(data), MAATWERK_EMBEDDER="hashing",
               MAATWERK_CORPUS_DIR=str(corpus), MAATWERK_LLM="grounded", MAATWERK_DEMO="true")
    shots = bool(os.environ.get("MAATWERK_SCREENSHOTS"))
    env.update(env_extra)
    if shots:  # the screenshots in docs/ show what a user sees: the product's own embedder,
        env.pop("MAATWERK_EMBEDDER")  # with the corpus indexed before the app starts (as `make run`)
        subprocess.run([sys.executable, "-m", "assistant", "index", str(corpus)], cwd=REPO, env=env, check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=1200)
    log = open(data / "streamlit.log", "w")
    proc = subprocess.Popen(streamlit_command(port), cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            with urllib.request.urlopen(url + "/_stcore/health", timeout=2) as r:
                if r.status == 200:
                    break
        except OSError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            pytest.fail("de app startte niet: " + (data / "streamlit.log").read_text()[-2000:])
        time.sleep(0.3)
    try:
        yield {"url": url, "data": data, "corpus": corpus}
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with running_app(tmp_path_factory) as app:
        yield app


@pytest.fixture(scope="module")
def browser():
    with playwright.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        yield b
        b.close()


def new_page(browser, width: int = 1366, height: int = 900):
    ctx = browser.new_context(viewport={"width": width, "height": height}, locale="nl-NL")
    page = ctx.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    return page


def wait_idle(page) -> None:
    """Streamlit shows a 'running' indicator while the script runs; wait until it is gone."""
    page.wait_for_timeout(300)
    page.wait_for_function(
        "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')"
        " || !document.querySelector('[data-testid=\"stStatusWidget\"]').innerText.match(/Running|Stop/)",
        timeout=TIMEOUT_MS)
    page.wait_for_timeout(300)


def login(page, base: str, username: str) -> None:
    page.goto(base)
    page.get_by_label("Gebruikersnaam").fill(username)
    page.get_by_label("Wachtwoord").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Inloggen").click()
    page.get_by_role("button", name="Uitloggen").wait_for()
    wait_idle(page)


def goto(page, title: str) -> None:
    nav = page.locator('[data-testid="stSidebarNav"]')
    if nav.count() and nav.first.is_visible():
        nav.get_by_text(title, exact=True).click()
    else:  # narrow screens: the sidebar is collapsed
        page.locator('[data-testid="stExpandSidebarButton"], [data-testid="stSidebarCollapsedControl"] button').first.click()
        page.locator('[data-testid="stSidebarNav"]').get_by_text(title, exact=True).click()
    page.get_by_role("heading", name=title).first.wait_for()
    wait_idle(page)


def ask(page, question: str) -> None:
    box = page.get_by_test_id("stChatInputTextArea")
    box.fill(question)
    box.press("Enter")
    page.get_by_text("Casus vastleggen").wait_for(timeout=TIMEOUT_MS)
    wait_idle(page)


def nav_titles(page) -> list[str]:
    # Each link holds its icon (a ligature name) and its title on separate lines.
    return [t.strip().splitlines()[-1].strip() for t in page.locator('[data-testid="stSidebarNav"] a').all_inner_texts()]


# ---- tests -------------------------------------------------------------------------------------


@pytest.mark.parametrize("username,expected", [
    ("demo-professional", ["Vraag en casus", "Mijn casussen", "Verantwoording"]),
    ("demo-kwaliteit", ["Beoordelen", "Knelpunten", "Uitvoeringstoets", "Verantwoording"]),
    ("demo-jurist", ["Corpus", "Uitvoeringstoets", "Verantwoording"]),
    ("demo-beheerder", ["Knelpunten", "Corpus", "Uitvoeringstoets", "Gebruikers", "Verantwoording"]),
])
def test_each_role_sees_only_its_pages(server, browser, username, expected):
    page = new_page(browser)
    login(page, server["url"], username)
    assert nav_titles(page) == expected
    # A page of another role, typed into the address bar, is not served to this role.
    titles = {"beoordelen": "Beoordelen", "corpus": "Corpus", "vraag": "Vraag en casus"}
    for path, title in titles.items():
        if title in expected:
            continue
        page.goto(f"{server['url']}/{path}")
        page.get_by_label("Gebruikersnaam").or_(page.get_by_role("button", name="Uitloggen")).first.wait_for()
        wait_idle(page)
        assert not page.get_by_role("heading", name=title, exact=True).count(), (username, path)
    page.context.close()


def test_ask_open_citation_submit_and_review(server, browser):
    page = new_page(browser)
    login(page, server["url"], "demo-professional")
    ask(page, QUESTION)
    page.get_by_text("Afwijkingsruimte").first.wait_for()
    page.get_by_text("Kort antwoord").first.wait_for()
    # The sources are folded behind one expander; each opens to its full passage.
    page.get_by_text(re.compile(r"^Alle bronnen \(\d+\)")).first.click()
    sources = page.locator('[data-testid="stExpander"]').filter(has_text=re.compile(r"Alle bronnen \(\d+\)"))
    # (the sources are grouped by layer, so [1] need not be the first listed)
    item = sources.locator('[data-testid="stExpander"]').filter(has=page.get_by_text(re.compile(r"^\[1\] ")))
    item.get_by_text(re.compile(r"^\[1\] ")).first.click()
    item.get_by_text("Volledige passage").first.wait_for()
    assert item.get_by_text(re.compile(r"geldig van \d{4}-\d{2}-\d{2} tot")).first.is_visible()

    # a follow-up builds on the same casus
    ask(page, "en als ze ook nog een zoon heeft?")
    page.get_by_text("Gezocht met de eerdere vragen van deze casus erbij.").first.wait_for()

    page.locator('[data-testid="stRadio"]').filter(has_text="Uitkomst").get_by_text("afgeweken", exact=True).click()
    page.locator('[data-testid="stRadio"]').filter(has_text="AI-antwoord").get_by_text("overgenomen", exact=True).click()
    wait_idle(page)
    finish_motivering(page)
    page.get_by_role("button", name="Indienen ter beoordeling").click()
    page.get_by_text(re.compile(r"Casus \d+ is ingediend")).wait_for()
    case_id = int(re.search(r"Casus (\d+) is ingediend", page.get_by_text(re.compile(r"Casus \d+ is ingediend")).inner_text()).group(1))
    page.context.close()

    rev = new_page(browser)
    login(rev, server["url"], "demo-kwaliteit")
    rev.get_by_text(f"Casus {case_id} · auteur").first.wait_for()
    rev.get_by_role("button", name="Goedkeuren").click()
    # The toast is brief; the emptied queue is the lasting sign.
    rev.get_by_text(f"Casus {case_id} goedgekeurd.").or_(rev.get_by_text("De wachtrij is leeg")).first.wait_for()
    rev.context.close()

    # The professional sees this case as approved (the option names its number and status; the
    # word "goedgekeurd" alone is always on the page, as a status filter).
    mine = new_page(browser)
    login(mine, server["url"], "demo-professional")
    goto(mine, "Mijn casussen")
    pick(mine, "Open casus", re.compile(rf"^Casus {case_id} — goedgekeurd — "), typed=f"Casus {case_id} —")
    mine.get_by_text(f"Casus {case_id} · auteur").first.wait_for()  # this case is open ...
    mine.get_by_text("Beoordeeld door demo-kwaliteit").first.wait_for()  # ... and was reviewed
    mine.context.close()


def test_answer_parts_each_source_opens_in_place_and_downloads(server, browser):
    """The grounded answer in its parts (kort antwoord, room said once, precedents, quotes
    folded), a [n] beside a part opens its passage, and one answer downloads as Markdown and as
    Word."""
    import zipfile

    page = new_page(browser)
    login(page, server["url"], "demo-professional")
    ask(page, QUESTION)
    shown = page.inner_text("body")
    for part in ("Kort antwoord", "Afwijkingsruimte", "Eerdere besluiten", "Citaten per laag"):
        assert part in shown, part
    # the room once: its basis, then the provision that grants it, named once
    box = page.locator('[data-testid="stAlert"]').filter(has_text=re.compile(r" — artikel "))
    assert box.count(), page.locator('[data-testid="stAlert"]').all_inner_texts()
    said = box.first.inner_text()
    cited = "artikel " + said.split(" — artikel ", 1)[1].splitlines()[0].strip()
    assert said.count(cited) == 1, said

    chip = page.locator(".st-key-chips_0_kort").get_by_role("button", name=re.compile(r"^\[\d+\]"))
    n = chip.first.inner_text().split("]")[0] + "]"
    chip.first.click()
    body = page.get_by_test_id("stPopoverBody").filter(has_text=re.compile(r"geldig van \d{4}-\d{2}-\d{2} tot"))
    body.first.wait_for()
    assert body.first.inner_text().startswith(n)
    page.keyboard.press("Escape")

    with page.expect_download() as dl:
        page.get_by_role("button", name="Antwoord (.md)").first.click()
    md = Path(dl.value.path()).read_text(encoding="utf-8")
    assert md.startswith("# Vraag") and "## Kort antwoord (" in md and "## Afwijkingsruimte" in md
    with page.expect_download() as dl:
        page.get_by_role("button", name="Antwoord (.docx)").first.click()
    assert dl.value.suggested_filename == "antwoord.docx"
    with zipfile.ZipFile(dl.value.path()) as z:
        xml = z.read("word/document.xml").decode("utf-8")
    assert "Kort antwoord" in xml and "Afwijkingsruimte" in xml and "Concept-motivering" in xml
    page.context.close()


# Records the page's text on every change, so the test sees what was on screen before the
# answer was complete.
_WATCH_TEXT = """() => { window.__texts = [];
  new MutationObserver(() => window.__texts.push(document.body.innerText))
    .observe(document.body, {subtree: true, childList: true, characterData: true}); }"""
LLM_REPLY = ("Afzien van terugvordering kan als terugvordering voor deze inwoner onaanvaardbare gevolgen heeft [2][3]. "
             "Leg vast welke schulden er zijn en wat terugvordering voor het gezin betekent [3][4]. "
             "Weeg daarna af of een betalingsregeling volstaat [4][5].")


def test_a_language_models_answer_streams_into_the_page(tmp_path_factory, browser):
    """With an OpenAI-compatible server as the backend (a stub that sends a token every 0.15 s),
    the page shows the model's text while it is still arriving, before the answer is complete,
    then the checked text under 'Antwoord' beside the deterministic parts."""
    pytest.importorskip("langchain_openai", reason="langchain-openai (extra 'openai') is niet geïnstalleerd")
    from llm_stub import StubServer

    stub = StubServer(LLM_REPLY, pace=0.15)
    try:
        with running_app(tmp_path_factory, MAATWERK_LLM="openai", MAATWERK_LLM_MODEL="stub-model",
                         MAATWERK_LLM_BASE_URL=stub.url + "/v1", MAATWERK_LLM_TIMEOUT="60") as app:
            page = new_page(browser)
            login(page, app["url"], "demo-professional")
            page.evaluate(_WATCH_TEXT)
            ask(page, QUESTION)
            texts = page.evaluate("window.__texts")
            final = page.inner_text("body")
            page.context.close()
    finally:
        stub.close()
    first, last = "Afzien van terugvordering", "betalingsregeling volstaat"
    partial = [t for t in texts if first in t and last not in t]
    assert partial and all("Casus vastleggen" not in t for t in partial)  # seen while it was arriving
    assert any("Kort antwoord" in t for t in partial)  # the deterministic parts came first
    assert "Antwoord" in final and last in final and "Citaten per laag" not in final
    assert stub.requests and stub.requests[-1][1].get("stream") is True


def test_verantwoording_downloads_register_entry(server, browser):
    page = new_page(browser)
    login(page, server["url"], "demo-jurist")
    goto(page, "Verantwoording")
    with page.expect_download() as dl:
        page.get_by_role("button", name="Download als Markdown").click()
    text = Path(dl.value.path()).read_text(encoding="utf-8")
    assert "## Menselijke tussenkomst" in text and "grounded" in text
    page.context.close()


def test_knelpunten_page(server, browser):
    # Load the demo cases if needed, make a PDF and download it.
    page = new_page(browser)
    login(page, server["url"], "demo-beheerder")
    page.get_by_text("Rapport downloaden").or_(page.get_by_text("Voorbeeldcasussen laden")).first.wait_for()
    seed = page.get_by_role("button", name="Voorbeeldcasussen laden (demo)")
    if seed.count():
        seed.click()
        page.get_by_text("Goedgekeurde casussen", exact=True).wait_for(timeout=TIMEOUT_MS)
        wait_idle(page)
    page.get_by_role("button", name="Rapport maken").click()
    with page.expect_download(timeout=TIMEOUT_MS) as dl:
        page.get_by_role("button", name="Download PDF").click()
    assert Path(dl.value.path()).read_bytes()[:4] == b"%PDF"
    page.context.close()


SHOTS = [
    ("demo-professional", None, "01-login"),
    ("demo-professional", "Vraag en casus", "02-vraag-en-casus"),
    ("demo-professional", "Mijn casussen", "03-mijn-casussen"),
    ("demo-kwaliteit", "Beoordelen", "04-beoordelen"),
    ("demo-kwaliteit", "Knelpunten", "05-knelpunten"),
    # 06-corpus: test_corpus_lifecycle, with a document, its versions and a diff open.
    ("demo-jurist", "Verantwoording", "07-verantwoording"),
]
# Streamlit scrolls inside an element, not the document: find the element that actually scrolls.
_SCROLLERS = """() => [...document.querySelectorAll('*')].filter(e => {
    const o = getComputedStyle(e).overflowY;
    return (o === 'auto' || o === 'scroll') && e.scrollHeight > e.clientHeight + 5 && e.clientWidth > 300;
})"""


def shoot(page, path: Path) -> None:
    """The screen as the user first sees it (top of the page), and the whole page: Streamlit
    scrolls inside its main element, so the viewport is stretched to the content for that."""
    if page.viewport_size["width"] < 700:  # narrow: close the sidebar over the content
        close = page.locator('[data-testid="stSidebarCollapseButton"] button')
        if close.count() and close.first.is_visible():
            close.first.click()
            page.wait_for_timeout(500)
    page.evaluate(f"() => ({_SCROLLERS})().forEach(e => e.scrollTo(0, 0))")
    page.wait_for_timeout(300)
    page.screenshot(path=str(path))
    size = page.viewport_size
    height = page.evaluate(f"() => Math.max(0, ...({_SCROLLERS})().map(e => e.scrollHeight))")
    page.set_viewport_size({"width": size["width"], "height": min(max(height + 40, size["height"]), 8000)})
    page.wait_for_timeout(600)
    page.screenshot(path=str(path.with_name(path.stem + "-volledig.png")))
    page.set_viewport_size(size)


def finish_motivering(page) -> None:
    """What the professional does with the concept: fill in what it leaves open, keep one conclusion
    (a concept with placeholders cannot be submitted)."""
    from assistant.cases import MOTIVERING_SECTIONS

    for kop in MOTIVERING_SECTIONS:
        area = page.get_by_label(kop, exact=True)
        if not area.count():
            continue
        area = area.first
        text = original = area.input_value()
        text = text.replace("[in te vullen door de professional]", "Volgt uit het dossier.")
        text = text.replace("Oordeel van de professional: ...", "Oordeel: ja.")
        if "Kies een van beide conclusies" in text:
            text = next(line for line in text.splitlines() if line.startswith("A."))
        if text != original:
            area.fill(text)
            area.press("Tab")
            wait_idle(page)


def submit_current_case(page) -> None:
    page.locator('[data-testid="stRadio"]').filter(has_text="Uitkomst").get_by_text("gedeeltelijk", exact=True).click()
    page.locator('[data-testid="stRadio"]').filter(has_text="AI-antwoord").get_by_text("aangepast", exact=True).click()
    page.get_by_label("Waarom?").fill("Aflossingstermijn korter gemaakt dan de assistent voorstelde.")
    page.get_by_label("Waarom?").press("Tab")
    wait_idle(page)
    finish_motivering(page)
    page.get_by_role("button", name="Indienen ter beoordeling").click()
    page.get_by_text(re.compile(r"Casus \d+ is ingediend")).wait_for()


@pytest.mark.skipif(not os.environ.get("MAATWERK_SCREENSHOTS"), reason="alleen met MAATWERK_SCREENSHOTS=MAP")
@pytest.mark.parametrize("width,height,suffix", [(1366, 900, "desktop"), (420, 900, "smal")])
def test_screenshots(server, browser, width, height, suffix):
    out = Path(os.environ["MAATWERK_SCREENSHOTS"])
    out.mkdir(parents=True, exist_ok=True)
    for username, title, name in SHOTS:
        page = new_page(browser, width, height)
        if title is None:
            page.goto(server["url"])
            page.get_by_label("Gebruikersnaam").wait_for()
            wait_idle(page)
            shoot(page, out / f"{name}-{suffix}.png")
        elif title == "Vraag en casus":
            login(page, server["url"], username)
            ask(page, QUESTION)
            page.get_by_text("Kort antwoord").first.wait_for()
            shoot(page, out / f"{name}-{suffix}.png")
            # a [n] of the room opened: its passage beside the answer
            page.locator(".st-key-chips_0_ruimte").get_by_role("button").last.click()
            page.get_by_test_id("stPopoverBody").first.wait_for()
            page.wait_for_timeout(500)
            page.screenshot(path=str(out / f"{name}-bron-{suffix}.png"))
            page.keyboard.press("Escape")
            submit_current_case(page)  # so the next shots have a case to show
        else:
            login(page, server["url"], username)
            if nav_titles(page)[:1] != [title]:
                goto(page, title)
            if title == "Beoordelen" and page.get_by_role("tab", name=re.compile("AI-antwoord en spoor")).count():
                page.get_by_role("tab", name=re.compile("AI-antwoord en spoor")).first.click()
                page.wait_for_timeout(500)
            shoot(page, out / f"{name}-{suffix}.png")
        page.context.close()


# ---- the corpus lifecycle (jurist) ----------------------------------------------------------------

BB = "Beleidsregels bijzondere bijstand Lindewaarde"


def approved_case(data: Path, knelpunt: bool) -> int:
    """A casus citing artikel 4 of the 2026 bijzondere-bijstand rules, submitted by a
    professional and approved by kwaliteit (straight through CaseLog, the UI's own workflow is
    tested above)."""
    import datetime as dt

    from assistant.identity import auth
    from assistant.cases import CaseLog

    cl = CaseLog.from_url(f"sqlite:///{(data / 'maatwerk.db').as_posix()}")
    try:
        auth.ensure_demo_accounts(cl)
        fields = dict(question="Mag de bijzondere bijstand voor een wasmachine hoger zijn dan het maximumbedrag?",
                      situation="Gezin van zes; een gewone wasmachine is te klein.", uitkomst="afgeweken",
                      motivering="Het maximumbedrag pakt hier onevenredig uit; afgeweken op grond van 4:84 Awb.",
                      domain="participatiewet", peildatum=dt.date(2026, 3, 1), knelpunt=knelpunt,
                      rules=[{"citation": f"artikel 4, eerste lid, {BB}", "version": "2026-01-01"}])
        if knelpunt:
            fields["knelpunt_description"] = "Het maximumbedrag houdt geen rekening met grote gezinnen."
        case = cl.create_case("demo-professional", **fields)
        cl.submit(case.id, "demo-professional")
        return cl.review(case.id, "demo-kwaliteit", "approve").id
    finally:
        cl.close()


def pick(page, label: str, option, typed: str | None = None) -> None:
    """Choose an option in the (visible) Streamlit selectbox with this label; TYPED narrows a long
    (virtualised) list first."""
    box = page.locator('[data-testid="stSelectbox"]:visible').filter(has_text=label).first
    box.click()
    if typed:
        page.keyboard.type(typed)
    page.get_by_role("option", name=option).first.click()
    wait_idle(page)


def tab(page, name: str):
    page.get_by_role("tab", name=name).click()
    page.wait_for_timeout(300)
    return page.locator('[role="tabpanel"]:visible').first


def test_corpus_lifecycle(server, browser, tmp_path):
    knelpunt = approved_case(server["data"], knelpunt=True)
    to_promote = approved_case(server["data"], knelpunt=False)
    current = (server["corpus"] / "beleidsregels" / "beleidsregels-bijzondere-bijstand-lindewaarde.md").read_text()
    new = tmp_path / "beleidsregels-bijzondere-bijstand-2027.md"
    new.write_text(current.replace("valid_from: '2026-01-01'", "valid_from: '2027-01-01'").replace("€ 525", "€ 600"),
                   encoding="utf-8")

    page = new_page(browser)
    login(page, server["url"], "demo-jurist")
    page.get_by_role("heading", name="Corpus").first.wait_for()
    page.get_by_text("Geldend vandaag").wait_for()

    # A new version of a sample beleidsregel: the open version is closed per the new valid_from.
    panel = tab(page, "Toevoegen")
    panel.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(str(new))
    wait_idle(page)
    pick(page, "Nieuwe versie van", re.compile("^" + re.escape(BB) + "$"))
    page.get_by_role("button", name="Toevoegen aan het corpus").click()
    panel.get_by_text("Vorige versie gesloten per 01-01-2027").wait_for()
    assert panel.get_by_text(re.compile(r"knelpunt mogelijk opgelost")).first.is_visible()
    panel.get_by_text("Verschil met de vorige versie").click()
    panel.get_by_text(re.compile(r"\+.*€ 600")).first.wait_for()

    # Withdraw another document per today, with a reason.
    panel = tab(page, "Documenten")
    pick(page, "Document openen", re.compile("Beleidsregels giften"), typed="giften")
    panel.get_by_role("heading", name=re.compile("Beleidsregels giften")).wait_for()
    retire = panel.get_by_text("Intrekken per datum")
    playwright.expect(retire).to_have_count(1)  # the previous document's elements are gone
    retire.click()
    panel.get_by_label("Reden").fill("Ingetrokken door het college.")
    panel.get_by_role("button", name="Intrekken").click()
    panel.get_by_text(re.compile(r"\(Beleidsregels giften.*\) vervalt per")).wait_for()
    wait_idle(page)

    # Promote an approved case, then mark the precedent achterhaald and read the impact list.
    panel = tab(page, "Precedenten")
    pick(page, "Casus", re.compile(f"^Casus {to_promote} "), typed=f"Casus {to_promote} ")
    panel.get_by_role("button", name="Promoveer tot precedent").click()
    panel.get_by_text(re.compile(f"Casus {to_promote} is precedent MB-\\d{{4}}-C{to_promote:03d}")).wait_for()
    wait_idle(page)
    panel = page.locator('[role="tabpanel"]:visible').first
    panel.get_by_label("ECLI van de uitspraak").fill("ECLI:NL:CRVB:2026:123")
    panel.get_by_label("Toelichting").fill("Vernietigd in beroep.")
    panel.get_by_role("button", name="Markeer als achterhaald").click()
    panel.get_by_text("is achterhaald door ECLI:NL:CRVB:2026:123").first.wait_for()
    panel.get_by_text(re.compile("Gevolgen van wijzigingen in artikel 4")).wait_for()
    assert panel.get_by_text(re.compile(r"\d+× knelpunt mogelijk opgelost")).first.is_visible(), knelpunt
    page.context.close()

    if os.environ.get("MAATWERK_SCREENSHOTS"):
        out = Path(os.environ["MAATWERK_SCREENSHOTS"])
        out.mkdir(parents=True, exist_ok=True)
        for width, suffix in ((1366, "desktop"), (420, "smal")):
            shot = new_page(browser, width, 900)
            login(shot, server["url"], "demo-jurist")
            pick(shot, "Document openen", re.compile(re.escape(BB) + ".*vanaf 01-01-2027"), typed="bijzondere bijstand")
            shot.get_by_text("Versies vergelijken").click()
            shot.get_by_role("button", name="Vergelijken").click()
            shot.get_by_text(re.compile(r"\+.*€ 600")).first.wait_for()
            wait_idle(shot)
            shoot(shot, out / f"06-corpus-{suffix}.png")
            shot.context.close()


# ---- hostile text on a reviewer's page ------------------------------------------------------------

INJECTED = ("[klik hier](https://evil.example/phish) ![pixel](http://evil.example/pixel.png) "
            "zie https://evil.example/raw en www.evil.example of <img src=\"http://evil.example/html.png\"> "
            "<https://evil.example/auto> :red[rood]")


def test_markdown_in_case_text_renders_inert_on_the_review_page(server, browser):
    """Links, images, raw URLs and HTML written into a casus (question, situation, reasons,
    knelpunt) and a feedback reason are shown as text: no <a href> to another host, no image
    from another host, and the browser requests nothing from it."""
    from assistant.identity import auth
    from assistant.cases import CaseLog

    cl = CaseLog.from_url(f"sqlite:///{(server['data'] / 'maatwerk.db').as_posix()}")
    try:
        auth.ensure_demo_accounts(cl)
        case = cl.create_case("demo-professional", question="Injectie? " + INJECTED, situation=INJECTED,
                              uitkomst="afgeweken", motivering=INJECTED, domain="participatiewet",
                              peildatum=dt.date(2026, 3, 1), ai_stance="niet gevolgd", ai_stance_reason=INJECTED,
                              knelpunt=True, knelpunt_description=INJECTED,
                              rules=[{"citation": INJECTED, "version": "2026-01-01"}])
        cl.add_feedback(case.id, "demo-professional", "down", INJECTED)
        cl.submit(case.id, "demo-professional")
    finally:
        cl.close()

    page = new_page(browser)
    outside: list[str] = []
    page.on("request", lambda r: outside.append(r.url) if "evil.example" in r.url else None)
    login(page, server["url"], "demo-kwaliteit")
    pick(page, "Casus beoordelen", re.compile(f"^Casus {case.id} "), typed=f"Casus {case.id} ")
    page.get_by_text(f"Casus {case.id} · auteur").first.wait_for()
    wait_idle(page)
    # The text is there, as text: the link's words with their brackets, the raw URL readable
    # (zero-width spaces keep it from being linked).
    shown = page.inner_text("body").replace("\u200b", "")
    assert "[klik hier](https://evil.example/phish)" in shown and "![pixel](http://evil.example/pixel.png)" in shown
    assert "www.evil.example" in shown and '<img src="http://evil.example/html.png">' in shown
    links = page.eval_on_selector_all(
        "a[href]", "els => els.map(e => e.href).filter(h => !h.startsWith(location.origin) && !h.startsWith('#'))")
    images = page.eval_on_selector_all(
        "img", "els => els.map(e => e.src).filter(s => s && !s.startsWith(location.origin) && !s.startsWith('data:'))")
    assert links == [] and images == [], (links, images)
    assert outside == []
    page.context.close()


def test_a_login_survives_a_reload_and_logging_out_ends_it(server, browser):
    """A signed session cookie brings the login back after a browser reload; a forged or
    cleared cookie does not."""
    page = new_page(browser)
    login(page, server["url"], "demo-consulent")
    cookie = next(c for c in page.context.cookies() if c["name"] == "maatwerk_sessie")
    assert cookie["value"].startswith("demo-consulent|")
    ask(page, "Mag ik afwijken van de normtijd voor huishoudelijke ondersteuning?")
    page.get_by_text("Kort antwoord").first.wait_for()
    page.reload()
    page.get_by_role("button", name="Uitloggen").wait_for()  # still signed in, no login form
    assert page.get_by_label("Gebruikersnaam").count() == 0
    page.get_by_text("Kort antwoord").first.wait_for()  # and the conversation is back
    assert page.get_by_text("normtijd voor huishoudelijke ondersteuning").count()
    # Someone else's name in the same cookie, with the old signature: refused.
    forged = dict(cookie, value=cookie["value"].replace("demo-consulent|", "demo-beheerder|", 1))
    other = new_page(browser)
    other.context.add_cookies([forged])
    other.goto(server["url"])
    other.get_by_label("Gebruikersnaam").wait_for()
    other.context.close()
    # Logging out clears the cookie: a reload asks for the password again.
    page.get_by_role("button", name="Uitloggen").click()
    page.get_by_label("Gebruikersnaam").wait_for()
    wait_idle(page)
    page.reload()
    page.get_by_label("Gebruikersnaam").wait_for()
    page.context.close()
