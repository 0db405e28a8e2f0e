"""The Streamlit app, run in-process with Streamlit's AppTest: every page renders for its role,
a professional asks, records and submits a casus, a kwaliteitsmedewerker approves it, and no
role reaches another role's page. Plus the plain-Python parts of the UI (role mapping, access
table, follow-up context, Algoritmeregister entry). Hashing embedder, temporary data dir."""

from __future__ import annotations

import datetime as dt
import json
import re
import os
from pathlib import Path

import pytest

pytest.importorskip("streamlit")
from streamlit.testing.v1 import AppTest  # noqa: E402

from assistant.identity import auth  # noqa: E402
from assistant.ui import access, register  # noqa: E402
from assistant.ui.conversation import Conversation, Turn  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
APP = str(REPO / "streamlit_app.py")
QUESTION = "Mag ik afzien van terugvordering van bijstand als de inwoner door schulden in de problemen komt?"


@pytest.fixture(scope="module")
def app_env(tmp_path_factory):
    """MAATWERK_* for the app under test; the index is built once, by the first run."""
    import shutil

    data = tmp_path_factory.mktemp("ui-data")
    corpus = tmp_path_factory.mktemp("ui-corpus") / "corpus"
    shutil.copytree(REPO / "corpus", corpus)  # uploads in the tests must not touch the repository
    env = {"MAATWERK_DATA_DIR": str(data), "MAATWERK_EMBEDDER": "hashing",
           "MAATWERK_CORPUS_DIR": str(corpus), "MAATWERK_LLM": "grounded", "MAATWERK_MAX_UPLOAD_MB": "1",
           "MAATWERK_DEMO": "true"}  # demo mode is explicit (as `make run` sets it)
    old = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    cwd = os.getcwd()
    os.chdir(REPO)
    try:
        at = AppTest.from_file(APP, default_timeout=120).run()
        assert not at.exception, at.exception
        # The run that indexed shows the login page as any other: one title, the progress gone.
        assert [t.value for t in at.title] == ["Maatwerkassistent"]
        assert "Klaar" not in repr(at._tree) and "geïndexeerd" not in repr(at._tree)
        assert at.text_input(key="login_user") is not None
        yield {"data": data, "corpus": corpus}
    finally:
        os.chdir(cwd)
        for k, v in old.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def login(username: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60).run()
    at.text_input(key="login_user").input(username)
    at.text_input(key="login_password").input(auth.DEMO_PASSWORD)
    at.button[0].click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.session_state["identity"].username == username
    return at


def read(markdown: str) -> str:
    """What a reader sees of escaped Markdown (views.md_escape): backslash escapes and the
    zero-width spaces that keep URLs inert are not shown."""
    return re.sub(r"\\([!-/:-@\[-`{-~])", r"\1", str(markdown)).replace("\u200b", "")


def texts(at: AppTest) -> str:
    parts = [m.value for m in at.markdown] + [t.value for t in at.title] + [c.value for c in at.caption]
    parts += [e.value for e in at.error] + [w.value for w in at.warning] + [i.value for i in at.info]
    parts += [s.value for s in at.success]
    return "\n".join(read(p) for p in parts)


def finish_motivering(at: AppTest) -> None:
    """What the professional does with the concept: fill in what it leaves open, keep one conclusion."""
    for area in at.text_area:
        if not str(area.key or "").startswith("mot_"):
            continue
        text = area.value.replace("[in te vullen door de professional]", "Volgt uit het dossier.")
        text = text.replace("Oordeel van de professional: ...", "Oordeel: ja.")
        if "Kies een van beide conclusies" in text:
            text = next(line for line in text.splitlines() if line.startswith("A."))
        area.input(text)


# ---- the app ----------------------------------------------------------------------------------


def test_first_start_indexes_and_shows_login_with_demo_accounts(app_env):
    at = AppTest.from_file(APP, default_timeout=60).run()
    assert not at.exception
    assert "Demo-omgeving" in texts(at)
    assert at.text_input(key="login_password").proto.type == at.text_input(key="login_password").proto.PASSWORD


def test_wrong_password_is_refused(app_env):
    at = AppTest.from_file(APP, default_timeout=60).run()
    at.text_input(key="login_user").input("demo-professional")
    at.text_input(key="login_password").input("verkeerd-wachtwoord")
    at.button[0].click().run()
    assert "onjuist" in texts(at)
    assert "identity" not in at.session_state


@pytest.mark.parametrize("username,page,expect", [
    ("demo-professional", None, "Vraag en casus"),
    ("demo-professional", "assistant/ui/pages/mijn_casussen.py", "Mijn casussen"),
    ("demo-professional", "assistant/ui/pages/verantwoording.py", "Algoritmeregister"),
    ("demo-kwaliteit", None, "Beoordelen"),
    ("demo-kwaliteit", "assistant/ui/pages/knelpunten.py", "Knelpunten"),
    ("demo-jurist", None, "Corpus"),
    ("demo-jurist", "assistant/ui/pages/toets.py", "Kies een conceptbestand"),
    ("demo-kwaliteit", "assistant/ui/pages/toets.py", "Uitvoeringstoets"),
    ("demo-beheerder", None, "Knelpunten"),
    ("demo-beheerder", "assistant/ui/pages/verantwoording.py", "Verantwoording"),
])
def test_every_page_renders_for_its_role(app_env, username, page, expect):
    at = login(username)
    if page:
        at.switch_page(page).run()
    assert not at.exception, [e.value for e in at.exception]
    assert expect in texts(at)


def test_knelpunten_report_with_demo_cases(app_env):
    at = login("demo-beheerder")
    assert "Knelpunten" in texts(at)
    seed = [b for b in at.button if b.key == "rep_seed"]
    if seed:
        seed[0].click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.metric[0].label == "Goedgekeurde casussen" and int(at.metric[0].value) > 0
    at.selectbox(key="rep_fmt").set_value("md")
    at.button(key="rep_make").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert [b.label for b in at.get("download_button")] == ["Download Markdown"]
    # Another format: the Markdown file is no longer offered as if it were the new choice.
    at.selectbox(key="rep_fmt").set_value("csv").run()
    assert not [b for b in at.get("download_button") if b.key == "rep_download"]
    at.button(key="rep_make").click().run()
    assert [b.label for b in at.get("download_button")] == ["Download CSV (opvolglijst)"]
    # A day that does not exist is named in Dutch, not silently moved to the 28th.
    at.text_input(key="rep_van").input("31-02-2026").run()
    assert any("31-02-2026 bestaat niet; februari 2026 heeft 28 dagen" in e.value for e in at.error)
    # The seeded demo.* users do not end demo mode: demo accounts still log in.
    assert login("demo-jurist").session_state["identity"].demo


BB = "Beleidsregels bijzondere bijstand Lindewaarde"
UPLOAD = "FormSubmitter:upload-Toevoegen aan het corpus"


def registry():
    from assistant.cases import CaseLog
    from assistant.config import Settings
    from assistant.retrieval.embeddings import HashingEmbeddings
    from assistant.retrieval.index import Index
    from assistant.curation import Registry

    s = Settings()
    return Registry(CaseLog.from_url(s.sqlalchemy_url), Index.open(s.data_dir, HashingEmbeddings()), s.corpus_dir)


def approved_case(rules, knelpunt: bool = False) -> int:
    from assistant.cases import CaseLog
    from assistant.config import Settings

    cl = CaseLog.from_url(Settings().sqlalchemy_url)
    fields = dict(question="Mag de bijzondere bijstand voor een wasmachine hoger zijn dan het maximumbedrag?",
                  situation="Gezin van zes; een gewone wasmachine is te klein.", uitkomst="afgeweken",
                  motivering="Het maximumbedrag pakt hier onevenredig uit; afgeweken op grond van 4:84 Awb.",
                  domain="participatiewet", peildatum=dt.date(2026, 3, 1), rules=rules, knelpunt=knelpunt,
                  afwijkingsruimte={"basis": "beleidsregel-4:84-awb", "citation": "artikel 4:84 Awb",
                                    "rule": rules[0]["citation"], "layer": "beleidsregel"})
    if knelpunt:
        fields["knelpunt_description"] = "Het maximumbedrag houdt geen rekening met grote gezinnen."
    case = cl.create_case("demo-professional", **fields)
    cl.submit(case.id, "demo-professional")
    return cl.review(case.id, "demo-kwaliteit", "approve").id


def new_version_text(corpus: Path, valid_from: str, wasmachine: str) -> bytes:
    text = (corpus / "beleidsregels" / "beleidsregels-bijzondere-bijstand-lindewaarde.md").read_text(encoding="utf-8")
    text = text.replace("valid_from: '2026-01-01'", f"valid_from: '{valid_from}'")
    assert "€ 525" in text
    return text.replace("€ 525", f"€ {wasmachine}").encode()


def upload(at: AppTest, name: str, data: bytes, **fields) -> AppTest:
    at.get("file_uploader")[0].set_value((name, data, "text/markdown"))
    for key, value in fields.items():
        widget = at.selectbox(key=key) if key in ("up_prev", "up_type", "up_domain") else (
            at.text_input(key=key))
        widget.set_value(value.strftime("%d-%m-%Y") if isinstance(value, dt.date) else value)
    return at.button(key=UPLOAD).click().run()


def test_corpus_page_lists_registered_documents(app_env):
    at = login("demo-jurist")
    assert not at.exception, [e.value for e in at.exception]
    assert re.search(r"\*\*\d{2,}\*\* documenten", texts(at))
    df = at.dataframe[0].value
    assert {"titel", "citeertitel", "type", "laag", "domein", "geldig van", "geldig tot", "status",
            "passages"} <= set(df.columns)
    assert df["passages"].sum() > 100
    assert list(df[df["citeertitel"] == BB]["status"]).count("vervallen") >= 1  # both sample versions
    at.multiselect(key="corpus_types").set_value(["besluit"]).run()
    assert set(at.dataframe[0].value["type"]) == {"maatwerkbesluit"}


def test_corpus_new_version_closes_the_old_one_and_shows_impact(app_env):
    art4 = {"citation": f"artikel 4, eerste lid, {BB}", "version": "2026-01-01"}
    knelpunt = approved_case([art4], knelpunt=True)
    at = login("demo-jurist")
    upload(at, "bijzondere bijstand 2027.md", new_version_text(app_env["corpus"], "2027-01-01", "600"), up_prev=BB)
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    shown = texts(at)
    assert "Vorige versie gesloten per 01-01-2027" in shown and "Toegevoegd: document" in shown
    assert "knelpunt mogelijk opgelost" in shown
    assert any("€ 600" in c.value for c in at.code)  # the diff with the previous version
    versions = registry().versions(BB)
    assert [v.valid_from.isoformat() for v in versions] == ["2025-01-01", "2026-01-01", "2027-01-01"]
    assert versions[1].valid_to == dt.date(2027, 1, 1)
    events = [e["action"] for e in registry().log.audit_events() if e["action"].startswith("corpus.")]
    assert events[-2:] == ["corpus.document_added", "corpus.version_closed"]
    # The document opens with its versions and a diff per artikel.
    new_id = versions[-1].id
    assert at.selectbox(key="corpus_doc").value == new_id
    at.text_input(key=f"diff_art_{new_id}").input("4")
    at.radio(key=f"diff_layout_{new_id}").set_value("naast elkaar")
    at.button(key=f"diff_go_{new_id}").click().run()
    assert any("NIEUW:" in c.value and "600" in c.value for c in at.code)
    # The Knelpunten page names the newer version for this rule.
    rep = login("demo-kwaliteit")
    rep.switch_page("assistant/ui/pages/knelpunten.py").run()
    assert not rep.exception, [e.value for e in rep.exception]
    assert "nieuwe versie vanaf 01-01-2027" in texts(rep) + "".join(
        str(d.value.to_dict()) for d in rep.dataframe), knelpunt


def test_corpus_upload_refusals_change_nothing(app_env):
    at = login("demo-jurist")
    before = [d.to_dict() for d in registry().list()]
    sample = (app_env["corpus"] / "beleidsregels" / "beleidsregels-giften-schenkingen-lindewaarde-2025.md").read_bytes()
    upload(at, "giften.md", sample)
    assert "staat al in het corpus" in texts(at)
    upload(at, "zonder-datum.md", b"# Werkafspraak reiskosten\n\nReiskosten worden vergoed tot 12 euro.\n",
           up_citation="Werkafspraak reiskosten Lindewaarde")
    assert "‘Geldig vanaf’" in texts(at) and "ontbreekt" in texts(at)
    upload(at, "bb-overlap.md", new_version_text(app_env["corpus"], "2025-06-01", "575"), up_prev=BB, up_citation="")
    assert "overlapt" in texts(at) and "Er is niets gewijzigd" in texts(at)
    upload(at, "nep.md", b"%PDF-1.4 binary", up_prev=None, up_citation="Nep", up_from=dt.date(2026, 1, 1))
    assert "geen tekstbestand maar een PDF" in texts(at)
    assert not at.exception
    assert [d.to_dict() for d in registry().list()] == before
    # Another file type never reaches the page: the upload widget refuses it.
    refused = upload(login("demo-jurist"), "notities.txt", b"Gewone tekst.")
    assert any("Invalid file extension" in str(e.value) for e in refused.exception)
    assert [d.to_dict() for d in registry().list()] == before


def test_corpus_retire_a_document(app_env):
    at = login("demo-jurist")
    giften = next(d for d in registry().list() if d.citation.startswith("Beleidsregels giften"))
    at.selectbox(key="corpus_doc").set_value(giften.id).run()
    per = dt.date.today() + dt.timedelta(days=30)
    at.text_input(key=f"retire_per_{giften.id}").input(per.strftime("%d-%m-%Y"))
    at.button(key=f"FormSubmitter:retire_{giften.id}-Intrekken").click().run()
    assert "Geef een reden" in texts(at)
    at.text_area(key=f"retire_reden_{giften.id}").input("Ingetrokken door het college.")
    at.button(key=f"FormSubmitter:retire_{giften.id}-Intrekken").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert f"vervalt per {per:%d-%m-%Y}" in texts(at)
    assert "Gevolgen van wijzigingen in" in texts(at)
    got = registry().get(giften.id)
    assert got.valid_to == per and got.note == "Ingetrokken door het college."


def test_corpus_promote_case_mark_achterhaald_and_impact(app_env):
    case_id = approved_case([{"citation": f"artikel 4, eerste lid, {BB}", "version": "2026-01-01"}])
    at = login("demo-jurist")
    at.selectbox(key="prom_case").set_value(case_id)
    at.button(key="FormSubmitter:promote-Promoveer tot precedent").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    year = dt.date.today().year
    assert f"Casus {case_id} is precedent MB-{year}-C{case_id:03d}" in texts(at)
    assert case_id not in at.selectbox(key="prom_case").options  # no longer a candidate
    doc = registry().get(f"MB-{year}-C{case_id:03d}")
    assert at.selectbox(key="prec_doc").value == doc.id
    at.text_input(key="prec_ecli").input("vernietigd")
    at.button(key="FormSubmitter:prec_achterhaald-Markeer als achterhaald").click().run()
    assert "geen geldige ECLI" in texts(at)
    at.text_input(key="prec_ecli").input("ECLI:NL:CRVB:2026:123")
    at.text_area(key="prec_toel").input("Vernietigd in beroep.")
    at.button(key="FormSubmitter:prec_achterhaald-Markeer als achterhaald").click().run()
    assert not at.exception
    assert "achterhaald door ECLI:NL:CRVB:2026:123" in texts(at)
    impact = [d.value for d in at.dataframe if "signaal" in d.value.columns]
    assert impact and doc.precedent_id in set(impact[-1]["kenmerk"])
    assert registry().get(doc.id).status == "achterhaald"


def test_corpus_impact_lookup(app_env):
    at = login("demo-jurist")
    at.selectbox(key="imp_citation").set_value("Verordening maatschappelijke ondersteuning Lindewaarde 2023")
    at.button(key="FormSubmitter:impact-Gevolgen tonen").click().run()
    assert not at.exception and not at.error
    assert "Gevolgen van wijzigingen in Verordening maatschappelijke ondersteuning Lindewaarde 2023" in texts(at)
    table = [d.value for d in at.dataframe if "signaal" in d.value.columns][0]
    assert "MB-2025-003" in set(table["kenmerk"])


def test_verantwoording_names_the_running_backend_and_retention(app_env):
    at = login("demo-jurist")
    at.switch_page("assistant/ui/pages/verantwoording.py").run()
    table = at.dataframe[0].value
    assert "MAATWERK_LLM=grounded" in set(table["instelling"])
    assert "365 dagen" in texts(at)
    assert len(at.get("download_button")) == 2


@pytest.mark.parametrize("username,page", [
    ("demo-professional", "beoordelen"), ("demo-professional", "corpus"), ("demo-professional", "knelpunten"),
    ("demo-kwaliteit", "vraag"), ("demo-kwaliteit", "corpus"), ("demo-jurist", "beoordelen"),
    ("demo-jurist", "mijn-casussen"), ("demo-beheerder", "vraag"), ("demo-beheerder", "beoordelen"),
    ("demo-kwaliteit", "gebruikers"), ("demo-jurist", "gebruikers"), ("demo-professional", "gebruikers"),
    ("demo-professional", "toets"),
])
def test_a_role_never_reaches_another_roles_page(app_env, username, page):
    at = login(username)
    listed = {p.key for p in access.pages_for(at.session_state["identity"].role)}
    assert page not in listed
    with pytest.raises(ValueError):  # not registered in the navigation for this role
        at.switch_page(access.BY_KEY[page].file)
    # And the page itself refuses, even when run directly with this identity.
    direct = AppTest.from_file(str(REPO / access.BY_KEY[page].file), default_timeout=60)
    direct.session_state["identity"] = at.session_state["identity"]
    direct.run()
    assert "geen toegang" in texts(direct)
    assert not direct.dataframe and not direct.chat_input


def test_page_without_login_stops(app_env):
    direct = AppTest.from_file(str(REPO / access.BY_KEY["beoordelen"].file), default_timeout=60).run()
    assert "Log eerst in" in texts(direct)


def test_ask_follow_up_record_submit_and_review(app_env):
    at = login("demo-professional")
    at.chat_input[0].set_value(QUESTION).run()
    assert not at.exception, [e.value for e in at.exception]
    conv = at.session_state["conversation"]
    assert conv.turns[0].answer["grounded"]
    assert any(e.label.startswith("[1]") for e in at.expander)  # citations open to the full passage
    assert "Afwijkingsruimte" in texts(at)

    at.chat_input[0].set_value("en als ze ook nog een zoon heeft?").run()
    conv = at.session_state["conversation"]
    assert len(conv.turns) == 2 and QUESTION in conv.turns[1].asked
    assert conv.turns[1].answer is not None

    # thumbs down with a reason, stored with the trace (creates the concept case)
    at.feedback(key="fb_1").set_value(0).run()
    at.selectbox(key="fb_reason_1").set_value("mist regel")
    at.button(key="fb_send_1").click().run()
    assert not at.error, [e.value for e in at.error]
    feedback_case = at.session_state["conversation"].case_id
    assert feedback_case

    at.radio(key="case_uitkomst").set_value("afgeweken")
    at.radio(key="case_stance").set_value("aangepast").run()
    at.text_area(key="case_stance_reason").input("Omstandigheden zwaarder gewogen")
    # The concept as drafted still has open places: submitting names the section and stores nothing new.
    at.button(key="case_submit").click().run()
    assert at.error and "De motivering is nog niet af" in at.error[0].value
    assert "sectie 'Conclusie'" in at.error[0].value
    finish_motivering(at)
    at.button(key="case_submit").click().run()
    assert not at.error, [e.value for e in at.error]
    case_id = at.session_state["conversation"].case_id
    assert case_id == feedback_case

    from assistant.cases import CaseLog
    from assistant.config import Settings

    stored = CaseLog.from_url(Settings().sqlalchemy_url).get_case(case_id, "demo-kwaliteit")
    assert stored.status == "ingediend" and len(stored.ai_answers) == 2
    assert [(f.rating, f.reason, f.answer_no) for f in stored.feedback] == [("down", "mist regel", 2)]
    assert stored.ai_stance == "aangepast" and "Regel en versie" in (stored.motivering or "")

    rev = login("demo-kwaliteit")
    assert "Beoordelen" in texts(rev)
    rev.selectbox(key="rev_case").set_value(case_id).run()
    assert any("AI-antwoord en spoor" in t.label for t in rev.tabs)
    assert any(e.label.startswith("[1]") for e in rev.expander)  # the sources, clickable here too
    rev.button(key="rev_approve").click().run()
    assert not rev.error, [e.value for e in rev.error]

    mine = login("demo-professional")
    mine.switch_page("assistant/ui/pages/mijn_casussen.py").run()
    assert "goedgekeurd" in set(mine.dataframe[0].value["status"])


def test_answer_reads_kort_antwoord_first_and_open_questions_are_answered_in_place(app_env):
    at = login("demo-professional")
    at.chat_input[0].set_value("Klant wil een wasmachine van 600 euro via de bijzondere bijstand, mag dat?").run()
    assert not at.exception, [e.value for e in at.exception]
    answer = at.session_state["conversation"].turns[0].answer
    assert answer["kort_antwoord"] and answer["nog_nodig"]
    shown = texts(at)
    # The direct answer with the deciding amount and the arithmetic, the room said once.
    assert "Kort antwoord" in shown and "525" in shown and "75" in shown
    assert shown.count("Afwijkingsruimte") == 1 and "Afwijkingsruimte (" not in shown
    assert any(p.proto.popover.label.startswith("[") for p in at.get("popover"))  # each [n] opens a preview
    assert {b.label for b in at.get("download_button")} >= {"Antwoord (.md)", "Concept-motivering (.docx)"}

    # The open question answered in place: it joins the casus and the casus is assessed again.
    at.text_input(key="nodig_0_0").input("Zij heeft een kind met een huidaandoening; veel was.")
    at.button(key="FormSubmitter:nodig_0-Aanvullen en opnieuw beoordelen").click().run()
    assert not at.exception, [e.value for e in at.exception]
    conv = at.session_state["conversation"]
    assert len(conv.turns) == 2 and conv.turns[1].question.startswith("Aanvulling:")
    assert "huidaandoening" in conv.turns[1].question and conv.turns[1].answer["grounded"]
    assert conv.casus()["omstandigheden"] == [conv.turns[1].question]
    bijz = dict((m["kop"], m["tekst"]) for m in conv.turns[1].answer["motivering"])["Bijzondere omstandigheden"]
    assert "huidaandoening" in bijz and "[in te vullen" not in bijz


def test_with_a_language_model_its_tokens_stream_into_the_answer(app_env, monkeypatch):
    """MAATWERK_LLM=fake (the fake chat model, registered like any backend, streams word by
    word): the page streams the model's text as it arrives, then shows the checked text under
    'Antwoord'; an invented article is removed there and said in the warnings."""
    from evals import fakes as generation  # the fake backend (entry point "fake")
    from assistant.ui import answer_view

    reply = ("Afzien van terugvordering kan bij dringende redenen [1][2][3]. Op grond van artikel 999 "
             "Participatiewet mag het altijd [2]. Leg de omstandigheden vast in de motivering [3].")
    made = generation.FakeChatModel
    monkeypatch.setattr(generation, "FakeChatModel", lambda **kw: made(**kw).enqueue(reply))
    fed: list[str] = []
    feed = answer_view.TokenMarkdown.feed
    monkeypatch.setattr(answer_view.TokenMarkdown, "feed", lambda self, piece: fed.append(piece) or feed(self, piece))
    monkeypatch.setenv("MAATWERK_LLM", "fake")
    at = login("demo-professional")
    at.chat_input[0].set_value(QUESTION).run()
    assert not at.exception, [e.value for e in at.exception]
    answer = at.session_state["conversation"].turns[0].answer
    assert answer["trace"]["backend"] == "fake" and "fallback" not in answer["trace"], answer["warnings"]
    assert "".join(fed) == reply and len(fed) == len(reply.split())  # streamed to the page word by word
    shown = texts(at)
    text = next(read(m.value) for m in at.markdown if "Leg de omstandigheden vast" in read(m.value))
    assert "##### Antwoord" in [m.value for m in at.markdown]
    assert "artikel 999" not in text and "[verwijzing verwijderd]" in text
    assert any("artikel 999" in read(w.value) for w in at.warning)
    assert "Citaten per laag" not in shown and not any(e.label.startswith("Citaten per laag") for e in at.expander)


def test_return_with_comment_and_resubmit(app_env):
    at = login("demo-consulent")
    at.text_input(key="peildatum").input("01-03-2026").run()
    at.chat_input[0].set_value("Mag ik afwijken van de normtijd voor huishoudelijke ondersteuning bij een inwoner met een zieke partner?").run()
    at.radio(key="case_uitkomst").set_value("niet afgeweken")
    at.radio(key="case_stance").set_value("overgenomen").run()
    finish_motivering(at)
    at.button(key="case_submit").click().run()
    case_id = at.session_state["conversation"].case_id
    assert case_id and not at.error, [e.value for e in at.error]
    assert at.session_state["conversation"].turns[0].answer["peildatum"] == "2026-03-01"

    rev = login("demo-kwaliteit")
    rev.selectbox(key="rev_case").set_value(case_id).run()
    rev.button(key="rev_return").click().run()
    assert "toelichting" in texts(rev).lower()  # a return needs a comment
    rev.text_area(key=f"rev_comment_{case_id}").input("Motiveer de evenredigheid beter.")
    rev.button(key="rev_return").click().run()
    assert not rev.error

    mine = login("demo-consulent")
    mine.switch_page("assistant/ui/pages/mijn_casussen.py").run()
    mine.selectbox(key="mine_case").set_value(case_id).run()
    assert "Motiveer de evenredigheid beter." in texts(mine)
    mine.button(key="mine_submit").click().run()
    assert not mine.error, [e.value for e in mine.error]
    from assistant.cases import CaseLog
    from assistant.config import Settings

    assert CaseLog.from_url(Settings().sqlalchemy_url).get_case(case_id, "demo-kwaliteit").status == "ingediend"


def test_peildatum_and_question_mistakes_get_a_dutch_message_and_nothing_is_asked(app_env):
    at = login("demo-professional")
    before = at.session_state["conversation"].peildatum
    at.text_input(key="peildatum").input("31-02-2026").run()
    assert [e.value for e in at.error] == ["‘Peildatum’: 31-02-2026 bestaat niet; februari 2026 heeft 28 dagen."]
    assert at.session_state["conversation"].peildatum == before
    at.chat_input[0].set_value(QUESTION).run()
    assert not at.session_state["conversation"].turns and "Corrigeer eerst de peildatum" in texts(at)
    at.text_input(key="peildatum").input("01-03-2026").run()
    assert not at.error and at.session_state["conversation"].peildatum == dt.date(2026, 3, 1)

    long_question = "Mijn cliënt heeft een probleem met de bijstand. " * 420  # about 20,000 characters
    at.chat_input[0].set_value(long_question).run()
    assert not at.session_state["conversation"].turns
    assert [e.value for e in at.error][0].startswith("De vraag is te lang (20.")
    assert not [m for m in at.markdown if "Mijn cliënt heeft een probleem" in m.value]  # not echoed


def test_typed_dates_in_dutch():
    from assistant.ui.views import parse_date

    assert parse_date("01-03-2026") == parse_date("2026-03-01") == parse_date("1/3/2026") == dt.date(2026, 3, 1)
    assert parse_date("29-02-2028") == dt.date(2028, 2, 29) and parse_date("  ") is None
    with pytest.raises(ValueError, match="29-02-2026 bestaat niet; februari 2026 heeft 28 dagen"):
        parse_date("29-02-2026")
    with pytest.raises(ValueError, match="maand 13 bestaat niet"):
        parse_date("01-13-2026")
    with pytest.raises(ValueError, match="‘morgen’ is geen datum; schrijf DD-MM-JJJJ"):
        parse_date("morgen")
    with pytest.raises(ValueError, match="kies een datum tussen"):
        parse_date("01-01-1800")


def test_reviewer_cannot_review_own_case(app_env):
    """A beheerder may review (cases.py), but not their own case; the page shows no buttons then."""
    from assistant.cases import CaseLog
    from assistant.config import Settings

    cl = CaseLog.from_url(Settings().sqlalchemy_url)
    case = cl.create_case("demo-kwaliteit", question="Eigen vraag over bijzondere bijstand", uitkomst="afgeweken",
                          motivering="Omdat.")
    cl.submit(case.id, "demo-kwaliteit")
    rev = login("demo-kwaliteit")
    rev.selectbox(key="rev_case").set_value(case.id).run()
    assert "eigen casus" in texts(rev)
    assert not [b for b in rev.button if b.key == "rev_approve"]


# ---- identity: real accounts, demo mode off, lockout, idle timeout ---------------------------------


@pytest.fixture
def real_env(app_env, tmp_path, monkeypatch):
    """The same app and index, but its own case log and demo mode off: a production start."""
    url = f"sqlite:///{tmp_path / 'echt.db'}"
    monkeypatch.setenv("MAATWERK_DATABASE_URL", url)
    monkeypatch.setenv("MAATWERK_DEMO", "false")
    return url


def real_log(url: str):
    """The production case log as the app opens it: with the audit key of its data dir."""
    from assistant.cases import CaseLog
    from assistant.config import Settings
    from assistant.integrity import AuditKey

    return CaseLog.from_url(url, audit_key=AuditKey.from_settings(Settings()))


def login_as(username: str, password: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60).run()
    at.text_input(key="login_user").input(username)
    at.text_input(key="login_password").input(password)
    at.button[0].click().run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_idle_session_expires(app_env):
    at = login("demo-professional")
    at.run()
    assert at.session_state["identity"].username == "demo-professional"  # activity keeps it alive
    at.session_state["last_activity"] = dt.datetime.now(dt.timezone.utc) - dt.timedelta(minutes=31)
    at.run()
    assert "identity" not in at.session_state
    assert "verlopen na 30 minuten zonder activiteit" in texts(at)


def test_without_demo_mode_an_empty_log_points_to_users_init_and_refuses_demo_logins(real_env):
    at = AppTest.from_file(APP, default_timeout=60).run()
    assert not at.exception
    assert "maatwerk users init" in texts(at) and "Demo-omgeving" not in texts(at)
    at = login_as("demo-beheerder", auth.DEMO_PASSWORD)
    assert "identity" not in at.session_state and "uitgeschakeld" in texts(at)


def test_beheerder_page_adds_a_user_who_can_log_in_changes_role_resets_password_deactivates(real_env):
    pass

    cl = real_log(real_env)
    cl.init_admin("beheer", "beheer-wachtwoord-1")
    at = login_as("beheer", "beheer-wachtwoord-1")
    assert at.session_state["identity"].role == "beheerder"
    at.switch_page("assistant/ui/pages/gebruikers.py").run()
    assert not at.exception, [e.value for e in at.exception]
    at.text_input(key="usr_add_name").input("j.devries")
    at.text_input(key="usr_add_display").input("J. de Vries")
    at.selectbox(key="usr_add_role").set_value("professional")
    at.text_input(key="usr_add_pw1").input("devries-wachtwoord-1")
    at.text_input(key="usr_add_pw2").input("devries-wachtwoord-1")
    at.button(key="FormSubmitter:usr_add-Toevoegen").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert "j.devries toegevoegd" in texts(at)
    user = cl.get_user("j.devries")
    assert (user.role, user.created_by, user.has_password) == ("professional", "beheer", True)
    # The person the issue could not let in, logs in.
    assert login_as("j.devries", "devries-wachtwoord-1").session_state["identity"].role == "professional"

    at.selectbox(key="usr_role_user").set_value("j.devries").run()
    at.selectbox(key="usr_role_role").set_value("kwaliteit").run()
    at.button(key="usr_role_save").click().run()
    assert cl.get_user("j.devries").role == "kwaliteit" and "nu kwaliteitsmedewerker" in texts(at)

    at.selectbox(key="usr_pw_user").set_value("j.devries")
    at.text_input(key="usr_pw_1").input("nieuw-wachtwoord-12")
    at.text_input(key="usr_pw_2").input("nieuw-wachtwoord-12")
    at.button(key="FormSubmitter:usr_pw-Wachtwoord instellen").click().run()
    assert cl.verify_password("j.devries", "nieuw-wachtwoord-12")

    at.selectbox(key="usr_act_user").set_value("j.devries").run()
    at.button(key="usr_deactivate").click().run()
    assert not [u for u in cl.list_users() if u.username == "j.devries"][0].active
    assert "identity" not in login_as("j.devries", "nieuw-wachtwoord-12").session_state
    events = [e["action"] for e in cl.audit_events()]
    assert {"user.created", "user.role_changed", "user.password_set", "user.deactivated"} <= set(events)
    # The last beheerder cannot be demoted or deactivated (nobody could manage users any more).
    at.selectbox(key="usr_role_user").set_value("beheer").run()
    at.selectbox(key="usr_role_role").set_value("jurist").run()
    at.button(key="usr_role_save").click().run()
    assert "laatste actieve beheerder" in texts(at) and cl.get_user("beheer").role == "beheerder"


def test_app_login_locks_out_after_five_wrong_passwords(real_env):
    pass

    real_log(real_env).init_admin("beheer", "beheer-wachtwoord-1")
    for _ in range(4):
        assert "onjuist" in texts(login_as("beheer", "fout-wachtwoord-1"))
    assert "geblokkeerd tot" in texts(login_as("beheer", "fout-wachtwoord-1"))
    at = login_as("beheer", "beheer-wachtwoord-1")  # the right password while locked
    assert "identity" not in at.session_state and "geblokkeerd tot" in texts(at)


# ---- the plain-Python parts ---------------------------------------------------------------------


def test_pages_per_role():
    keys = lambda role: [p.key for p in access.pages_for(role)]  # noqa: E731
    assert keys("professional") == ["vraag", "mijn-casussen", "verantwoording"]
    assert keys("kwaliteit") == ["beoordelen", "knelpunten", "toets", "verantwoording"]
    assert keys("jurist") == ["corpus", "toets", "verantwoording"]
    assert keys("beheerder") == ["knelpunten", "corpus", "toets", "gebruikers", "verantwoording"]
    assert not access.may_see(None, "verantwoording") and not access.may_see("professional", "onbekend")
    for p in access.PAGES:
        assert (REPO / p.file).exists()


def test_role_map_and_claims():
    mapping = auth.parse_role_map("grp-prof=professional, grp-kwal=kwaliteit,grp-jur=jurist,Beheer=beheerder")
    assert auth.role_from_claims({"roles": ["grp-prof"]}, "roles", mapping) == "professional"
    assert auth.role_from_claims({"groups": "grp-prof grp-kwal"}, "groups", mapping) == "kwaliteit"
    assert auth.role_from_claims({"realm_access": {"roles": ["beheer"]}}, "realm_access.roles", mapping) == "beheerder"
    assert auth.role_from_claims({"roles": ["iets-anders"]}, "roles", mapping) is None
    assert auth.role_from_claims({}, "roles", mapping) is None
    with pytest.raises(ValueError, match="onbekende rol"):
        auth.parse_role_map("x=admin")
    with pytest.raises(ValueError, match="claimwaarde=rol"):
        auth.parse_role_map("zonder-rol")
    assert auth.parse_role_map(auth.DEFAULT_ROLE_MAP)["maatwerk-jurist"] == "jurist"


def test_username_from_claims():
    assert auth.username_from_claims({"preferred_username": "J.de.Vries@Lindewaarde.nl"}) == "j.de.vries.lindewaarde.nl"
    assert auth.username_from_claims({"email": "a.b@x.nl"}) == "a.b.x.nl"
    with pytest.raises(auth.AuthError):
        auth.username_from_claims({"preferred_username": "demo-professional"})
    with pytest.raises(auth.AuthError):
        auth.username_from_claims({"preferred_username": "demo.kwaliteit.1"})
    with pytest.raises(auth.AuthError):
        auth.username_from_claims({})


def test_oidc_identity_creates_user_and_refuses_role_change(tmp_path):
    from assistant.cases import CaseLog

    cl = CaseLog.from_url(f"sqlite:///{tmp_path / 'c.db'}")
    mapping = auth.parse_role_map(auth.DEFAULT_ROLE_MAP)
    iss = "https://idp.example.nl"
    me = auth.identity_from_claims(cl, {"iss": iss, "sub": "s-1", "preferred_username": "piet", "name": "Piet",
                                        "roles": ["maatwerk-jurist"]}, "roles", mapping)
    assert (me.username, me.role, me.via) == ("piet", "jurist", "oidc")
    assert not cl.get_user("piet").has_password  # never a local password for OIDC users
    with pytest.raises(auth.AuthError, match="verschilt"):
        auth.identity_from_claims(cl, {"iss": iss, "sub": "s-1", "preferred_username": "piet",
                                       "roles": ["maatwerk-kwaliteit"]}, "roles", mapping)
    with pytest.raises(auth.AuthError, match="geen rol"):
        auth.identity_from_claims(cl, {"iss": iss, "sub": "s-2", "preferred_username": "kees", "roles": []},
                                  "roles", mapping)


def test_oidc_accounts_are_keyed_by_issuer_and_subject_not_by_username(tmp_path):
    from assistant.cases import CaseLog

    cl = CaseLog.from_url(f"sqlite:///{tmp_path / 'c.db'}")
    cl.init_admin("beheer", "beheer-wachtwoord-1")
    mapping = auth.parse_role_map(auth.DEFAULT_ROLE_MAP)
    jurist = ["maatwerk-jurist"]
    first = auth.identity_from_claims(cl, {"iss": "https://a", "sub": "1", "preferred_username": "piet",
                                           "roles": jurist}, "roles", mapping)
    # Same username claim, other subject (a reused or self-chosen name): a new account, not piet's.
    other = auth.identity_from_claims(cl, {"iss": "https://a", "sub": "2", "preferred_username": "piet",
                                           "roles": jurist}, "roles", mapping)
    # Same subject at another issuer: also someone else.
    elsewhere = auth.identity_from_claims(cl, {"iss": "https://b", "sub": "1", "preferred_username": "piet",
                                               "roles": jurist}, "roles", mapping)
    assert (first.username, other.username, elsewhere.username) == ("piet", "piet-2", "piet-3")
    # A username claim equal to a local account (the beheerder) never takes that account over.
    taker = auth.identity_from_claims(cl, {"iss": "https://a", "sub": "3", "preferred_username": "beheer",
                                           "roles": ["maatwerk-beheerder"]}, "roles", mapping)
    assert taker.username == "beheer-2" and cl.get_user("beheer").has_password
    # The same person again, with a changed username claim: still the same account.
    again = auth.identity_from_claims(cl, {"iss": "https://a", "sub": "1", "preferred_username": "p.jansen",
                                           "roles": jurist}, "roles", mapping)
    assert again.username == "piet"
    with pytest.raises(auth.AuthError, match="iss"):
        auth.identity_from_claims(cl, {"preferred_username": "kees", "roles": jurist}, "roles", mapping)
    cl.set_active("piet", False, by="beheer")
    with pytest.raises(auth.AuthError, match="gedeactiveerd"):
        auth.identity_from_claims(cl, {"iss": "https://a", "sub": "1", "roles": jurist}, "roles", mapping)


def test_demo_accounts_only_while_demo_mode(tmp_path):
    from assistant.cases import CaseLog

    cl = CaseLog.from_url(f"sqlite:///{tmp_path / 'c.db'}")
    assert not auth.demo_mode(cl, False)  # an empty user table never implies demo mode
    assert auth.demo_mode(cl, True)
    auth.sync_demo_accounts(cl, True)
    assert all(u.has_password and u.active for u in cl.list_users())
    me = auth.login_local(cl, "demo-jurist", auth.DEMO_PASSWORD, demo_active=True)
    assert me.demo and me.role == "jurist"
    cl.init_admin("echte.beheerder", "echt-wachtwoord-1")
    cl.add_user("echte.jurist", "jurist", by="echte.beheerder")
    # A real account ends demo mode, even with MAATWERK_DEMO=true.
    assert not auth.demo_mode(cl, False) and not auth.demo_mode(cl, True) and auth.demo_ignored(cl, True)
    auth.sync_demo_accounts(cl, False)
    # Deactivated in the case log itself, not only hidden: the case log refuses them for anything.
    assert not any(u.active for u in cl.list_users() if auth.is_demo_username(u.username))
    with pytest.raises(Exception, match="Onbekende gebruiker"):
        cl.create_case("demo-professional", question="Mag dit?")
    with pytest.raises(auth.AuthError, match="uitgeschakeld"):
        auth.login_local(cl, "demo-jurist", auth.DEMO_PASSWORD, demo_active=False)
    assert not auth.still_valid(cl, me, demo_active=False)
    with pytest.raises(auth.AuthError, match="onjuist"):
        auth.login_local(cl, "echte.jurist", "geen-wachtwoord-gezet", demo_active=False)


def test_follow_up_keeps_the_casus():
    conv = Conversation(peildatum=dt.date(2026, 3, 1))
    assert conv.context_for("Mag ik afwijken?") == "Mag ik afwijken?"
    conv.turns.append(Turn("Alleenstaande moeder met schulden: terugvorderen?", "x", answer={"grounded": True}))
    conv.turns.append(Turn("Mislukte vraag", "x", error="fout"))
    text = conv.context_for("en als ze ook nog een zoon heeft?")
    assert text.startswith("Alleenstaande moeder") and text.endswith("zoon heeft?") and "Mislukte" not in text
    conv.turns.append(Turn("Ze heeft ook een auto.", "x", answer={"grounded": True}))
    assert conv.casus() == {"omstandigheden": ["Ze heeft ook een auto."]}
    long = conv.context_for("en nu?", limit=60)
    assert len(long) <= 60 and long.endswith("en nu?")


def test_algoritmeregister_entry_from_configuration():
    from assistant.config import Settings

    s = Settings(llm="ollama", llm_model="llama3.1:8b", embedder="hashing", audit_retention_days=400)
    entry = register.algoritmeregister_entry(s, passages=12)
    for key, _ in register.FIELDS:
        assert entry[key], key
    assert "llama3.1:8b" in entry["technische_werking"] and "400 dagen" in entry["risicobeheer"]
    md = register.to_markdown(entry)
    assert "## Menselijke tussenkomst" in md and "## Technische werking" in md
    assert json.loads(register.to_json(entry))["_configuratie"]["passages_in_index"] == 12


def test_serve_command_line():
    from click.testing import CliRunner

    from assistant.cli.serve import serve, streamlit_command

    cmd = streamlit_command(8600, max_upload_mb=10)
    assert cmd[cmd.index("--server.port") + 1] == "8600"
    assert cmd[cmd.index("--server.headless") + 1] == "true"
    assert cmd[cmd.index("--browser.gatherUsageStats") + 1] == "false"
    assert cmd[cmd.index("--server.maxUploadSize") + 1] == "10"
    assert Path(cmd[4]).name == "streamlit_app.py" and Path(cmd[4]).exists()
    assert "--port" in CliRunner().invoke(serve, ["--help"]).output


def test_corpus_upload_shows_the_personal_data_replaced_in_the_index(app_env):
    six = {"BSN": "253-082-043", "IBAN": "NL68 ABNA 6024 6788 42", "TELEFOON": "+32 470 12 34 56",
           "EMAIL": "m.bakker at gmail punt com", "NAAM": "Marieke Bakker-Huisman", "ADRES": "Achter de Kerk 3"}
    besluit = (
        "---\ntitle: \"Maatwerkbesluit MB-2025-077: wasmachine\"\ncitation: \"Maatwerkbesluit MB-2025-077\"\n"
        "source_type: besluit\nid: MB-2025-077\ndatum: '2025-09-01'\ndomein: participatiewet\n---\n"
        "# Maatwerkbesluit MB-2025-077\n\n## Feiten\n"
        f"Belanghebbende, mevrouw {six['NAAM']}, adres {six['ADRES']}, 4302 AB Lindewaarde, burgerservicenummer "
        f"{six['BSN']}, vraagt bijzondere bijstand voor een wasmachine. Zij is bereikbaar op {six['TELEFOON']} "
        f"en via {six['EMAIL']}.\n\n## Besluit\nHet college verleent op grond van artikel 4:84 Awb € 575,00, "
        f"over te maken op {six['IBAN']}.\n")
    probes = [*six.values(), "253082043", "Bakker-Huisman"]

    at = login("demo-jurist")
    upload(at, "MB-2025-077.md", besluit.encode())
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    line = next(s.value for s in at.success if "Persoonsgegevens vervangen in de index" in s.value)
    for kind in six:
        assert f" {kind}" in line, line
    assert not [v for v in probes if v in texts(at)]
    stored = "\n".join(c.text for c in registry().index.all_chunks() if c.citation == "Maatwerkbesluit MB-2025-077")
    assert "wasmachine" in stored and not [v for v in probes if v in stored]


def test_conversations_are_kept_pseudonymised_and_reopen_from_the_sidebar(app_env):
    """Each conversation is kept; after a new login the earlier ones are in the sidebar and
    reopen, and what is on disk holds no name the professional typed."""
    at = login("demo-consulent")
    at.chat_input[0].set_value("Mevrouw Jansen vraagt hulp bij het huishouden; mag ik afwijken van de normtijd?").run()
    assert not at.exception, [e.value for e in at.exception]
    first_id = at.session_state["conversation"].id
    at.button(key="new_case_top").click().run()
    at.chat_input[0].set_value("Mag ik afzien van terugvordering bij dringende redenen?").run()
    second_id = at.session_state["conversation"].id
    assert first_id != second_id

    again = login("demo-consulent")  # a fresh login starts a new conversation (a reload: tests/test_ui_e2e.py)
    assert not again.session_state["conversation"].turns
    labels = [b.label for b in again.button if b.key and str(b.key).startswith("hist_")]
    assert len(labels) >= 2 and any("normtijd" in label for label in labels)
    again.button(key=f"hist_{first_id}").click().run()
    reopened = again.session_state["conversation"]
    assert reopened.id == first_id and "normtijd" in reopened.turns[0].question
    assert "Jansen" not in reopened.turns[0].question  # shown pseudonymised

    saved = list((app_env["data"] / "gesprekken").rglob("*.json"))
    assert saved and not any("Jansen" in p.read_text(encoding="utf-8") for p in saved)
    assert all(p.stat().st_mode & 0o077 == 0 for p in saved)


def test_conversation_store_skips_damaged_files_and_refuses_odd_ids(tmp_path):
    from assistant.ui.conversation import Conversation, ConversationStore, Turn

    store = ConversationStore(tmp_path, lambda text: text.replace("Jansen", "[NAAM-1]"))
    conv = Conversation(turns=[Turn("Mevrouw Jansen, normtijd?", "Mevrouw Jansen, normtijd?", {"grounded": True})])
    store.save("anna", conv)
    (tmp_path / "anna" / ("0" * 32 + ".json")).write_text("{kapot", encoding="utf-8")
    listed = store.list("anna")
    assert [d["id"] for d in listed] == [conv.id] and listed[0]["title"] == "Mevrouw [NAAM-1], normtijd?"
    assert store.load("anna", conv.id).turns[0].question == "Mevrouw [NAAM-1], normtijd?"
    assert store.load("anna", "../../etc/passwd") is None and store.load("anna", "0" * 32) is None
    assert store.list("bram") == []  # one user's conversations are not another's


def test_a_saved_case_reopens_as_a_chat(app_env):
    at = login("demo-consulent")
    at.chat_input[0].set_value("Mag ik afwijken van de normtijd voor huishoudelijke ondersteuning?").run()
    at.chat_input[0].set_value("en als de partner ook ziek is?").run()
    at.button(key="case_save").click().run()
    assert not at.exception, [e.value for e in at.exception]
    case_id = at.session_state["conversation"].case_id
    assert case_id

    mine = login("demo-consulent")
    mine.switch_page("assistant/ui/pages/mijn_casussen.py").run()
    mine.selectbox(key="mine_case").set_value(case_id).run()
    mine.button(key="mine_as_chat").click().run()
    assert not mine.exception, [e.value for e in mine.exception]
    conv = mine.session_state["conversation"]
    assert conv.case_id == case_id and len(conv.answered) == 2 and conv.attached == 2
    assert conv.turns[1].question == "en als de partner ook ziek is?"
    assert "normtijd" in texts(mine)  # the chat page, with the case's questions and answers
