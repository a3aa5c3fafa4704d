"""Who said what: statements and their speakers found at ingest, stored with the index, searchable
through the API and the CLI, and used to answer "what did X say" questions."""

from __future__ import annotations

import json
import shutil

import pytest
from conftest import LAVROV_DOC, SEEDS, assistant_over, run_cli

from assistant import Assistant, Settings
from assistant.analysis import analyse
from assistant.asked import asks_who_said, speaker_asked
from assistant.errors import QuestionError, SpeakerNotFoundError
from assistant.evaluation import load_statement_labels, score_statements
from assistant.types import Article


def said(text: str, title: str = "A headline") -> list[tuple[str, list[str]]]:
    """(sentence, speaker keys) for each sentence of a made-up article."""
    article = Article(doc_id="t", title=title, text=f"{title}\n{text}")
    (sentences,) = analyse([article])
    return [(article.text[s.start:s.end], [a.speaker for a in s.said]) for s in sentences]


def speakers_of(text: str) -> list[list[str]]:
    return [keys for _, keys in said(text)][1:]  # without the headline


@pytest.mark.parametrize("sentence, speaker", [
    ("Lavrov said the agenda was not ready.", "lavrov"),
    ("“The agenda is not ready,” said Lavrov.", "lavrov"),
    ("Lavrov told NBC that the agenda was not ready.", "lavrov"),
    ("According to Lavrov, the agenda is not ready.", "lavrov"),
    ("Lavrov stated in an interview that the agenda was not ready.", "lavrov"),
    ("Trump wrote on Truth Social that the war must end.", "trump"),
    ("Peskov: “The agenda is not ready.”", "peskov"),
    ("In Peskov's words, the agenda is not ready.", "peskov"),
    ("The Guardian reported that the talks had stalled.", "guardian"),
    ("The Kremlin said a lot needs to be decided.", "kremlin"),
    ("Russian media reported that the summit was off.", "russian media"),
    ("A senior official said the talks had stalled.", "unnamed"),
    ("Trump doubled down on Friday, saying the war must end.", "trump"),  # the subject of the verb it hangs on
    ("However, the report from Fox News presented a different picture, suggesting a strained atmosphere.", "fox news"),
    # a role as the subject, the name beside it: the name speaks
    ("Its spokesperson, Tobias Reinholt, said the campaign was not opposed to trade.", "reinholt"),
    ("Vessmark’s trade minister, Adaeze Lindqvist, said the talks were close.", "lindqvist"),
    # a surname the parser hangs on the first name, with an "of ..." after it
    ("Justice Rosalind Achterberg of the Halloway High Court said the case could go to trial.", "achterberg"),
    ("Hospital management said it was “deeply disappointed” by the walkout.", "hospital management"),
])
def test_each_form_of_attribution_finds_its_speaker(sentence, speaker):
    assert speakers_of(sentence) == [[speaker]]


def test_a_sentence_that_only_mentions_someone_holds_no_statement():
    assert speakers_of("Trump met Putin in Alaska on Friday. Zelensky arrived in Washington later.") == [[], []]


def test_a_headline_is_nobodys_statement():
    assert said("Lavrov said the agenda was not ready.", title="Lavrov says the agenda is not ready")[0][1] == []


def test_pronouns_and_roles_continue_the_most_recent_compatible_speaker():
    text = ("Russian Foreign Minister Sergei Lavrov spoke to NBC on Sunday. Lavrov said the agenda was not ready. "
            "Trump met Zelensky in Washington. He said that Trump proposed some views. "
            "The Russian foreign minister added that Russia was flexible. "
            "The Bloomberg news agency reported that talks stalled. It said that Europe was worried.")
    assert speakers_of(text) == [[], ["lavrov"], [], ["lavrov"], ["lavrov"], ["bloomberg news agency"],
                                 ["bloomberg news agency"]]


def test_a_quotation_over_several_sentences_is_its_speakers_throughout():
    text = ("Ukrainian President Volodymyr Zelensky spoke after the meeting. “We want this. We are ready. "
            "Putin doesn’t want it,” he said. "
            "The meeting ended at noon.")
    assert speakers_of(text) == [[], ["zelensky"], ["zelensky"], ["zelensky"], []]


def test_a_quotation_introduced_by_a_colon_is_its_speakers():
    text = "Mykola Bielieskov, a senior analyst, said:\n“It’s a matter of pressure. Constant pressure.”"
    assert speakers_of(text) == [["bielieskov"], ["bielieskov"], ["bielieskov"]]


def test_one_person_has_one_key_across_forms_and_articles(seed_assistant):
    first = Article(doc_id="a", title="One", text="One\nRussian Foreign Minister Sergei Lavrov said talks would go on.")
    second = Article(doc_id="b", title="Two", text="Two\nSergey Lavrov told reporters that the agenda was ready.")
    assert {a.speaker for s in sum(analyse([first, second]), ()) for a in s.said} == {"lavrov"}
    third = Article(doc_id="c", title="Three", text="Three\nZelenskyy said the war must end. Zelenskiy added more.")
    assert {a.speaker for s in analyse([third])[0] for a in s.said} == {"zelensky"}


def test_every_statement_is_the_articles_text_at_its_offsets(seed_assistant):
    statements = seed_assistant.statements(k=1000)
    assert len(statements) > 80
    for s in statements:
        text = seed_assistant.document(s.doc_id).text
        assert text[s.start:s.end] == s.quote
        assert s.sentence_start <= s.start < s.end <= s.sentence_end


def test_lavrov_on_the_agenda_and_his_pronoun_continuation(seed_assistant):
    found = seed_assistant.statements("Lavrov", about="agenda", k=5)
    assert found and all(s.speaker == "lavrov" for s in found)
    assert "the agenda is not ready yet" in found[0].quote or "the agenda is not ready yet" in found[1].quote
    assert found[0].doc_id == LAVROV_DOC and found[0].role == "Russian Foreign Minister" and found[0].title
    everything = seed_assistant.statements("Sergey Lavrov", k=50)
    text = seed_assistant.document(LAVROV_DOC).text
    he_said = [s for s in everything if text[s.sentence_start:].startswith("He said that Trump proposed")]
    assert len(he_said) == 1 and he_said[0].kind == "continuation" and he_said[0].name_as_written == "He"


def test_speakers_lists_who_is_quoted_how_often_and_where(seed_assistant):
    speakers = {s.speaker: s for s in seed_assistant.speakers()}
    assert speakers["trump"].statements >= speakers["lavrov"].statements >= 3
    assert speakers["lavrov"].doc_ids == (LAVROV_DOC,)
    assert "unnamed" not in speakers and "nixon" not in speakers  # Nixon is in a photo, saying nothing


def test_an_unknown_speaker_is_one_clear_error_offering_close_spellings(seed_assistant):
    with pytest.raises(SpeakerNotFoundError, match="did you mean lavrov"):
        seed_assistant.statements("Lavrof")
    with pytest.raises(SpeakerNotFoundError, match="quote nothing"):
        seed_assistant.statements("Nixon")
    with pytest.raises(QuestionError, match="speaker is empty"):
        seed_assistant.statements("  ")
    with pytest.raises(QuestionError, match="number of statements"):
        seed_assistant.statements("Lavrov", k=0)


def test_statements_follow_their_article_through_change_and_removal(seed_assistant, tmp_path):
    folder = tmp_path / "news"
    folder.mkdir()
    story = folder / "story.txt"
    story.write_text("Harbour news\nMayor Jane Okafor said the harbour would reopen in March.\n", encoding="utf-8")
    seed_assistant.ingest([folder])
    assert [s.quote for s in seed_assistant.statements("Okafor")] == ["the harbour would reopen in March"]
    seed_assistant.ingest([folder])  # unchanged: nothing doubled
    assert len(seed_assistant.statements("Okafor")) == 1
    story.write_text("Harbour news\nOkafor told reporters that the harbour stays shut.\n", encoding="utf-8")
    seed_assistant.ingest([folder])
    assert [s.quote for s in seed_assistant.statements("Okafor")] == ["that the harbour stays shut"]
    story.unlink()
    seed_assistant.ingest([folder], prune=True)
    with pytest.raises(SpeakerNotFoundError):
        seed_assistant.statements("Okafor")


def test_statements_live_in_chroma_so_a_lost_catalogue_gets_them_back(seed_index, tmp_path):
    index_dir = tmp_path / "index"
    shutil.copytree(seed_index, index_dir)
    before = [s.to_dict() for s in Assistant(index_dir=index_dir, corpus=[]).statements(k=1000)]
    for catalogue in index_dir.glob("catalogue-*"):
        catalogue.unlink()
    after = [s.to_dict() for s in Assistant(index_dir=index_dir, corpus=[]).statements(k=1000)]
    assert after == before and len(before) > 80


def test_statements_are_shared_through_a_chroma_server(chroma_server, tmp_path):
    _, url = chroma_server
    writer = Assistant(index_dir=tmp_path / "a", corpus=[SEEDS], chroma_url=url)
    reader = Assistant(index_dir=tmp_path / "b", corpus=[], chroma_url=url)
    written = [s.to_dict() for s in writer.statements("Lavrov", k=50)]
    assert written and [s.to_dict() for s in reader.statements("Lavrov", k=50)] == written


def test_what_someone_did_not_say_is_refused_saying_so(seed_assistant):
    answer = seed_assistant.ask("What did Nixon say to Khrushchev?", mode="extractive")
    assert answer.refused and "mention Nixon but quote nothing from Nixon" in answer.text
    answer = seed_assistant.ask("What did Lavrov say about Tomahawk missiles?", mode="extractive")
    assert answer.refused and "quote nothing from Lavrov about Tomahawk missiles" in answer.text


@pytest.mark.parametrize("question, name, about, strict", [
    ("What did Lavrov say about the agenda?", "Lavrov", "the agenda", True),
    ("What did Trump say Putin told him?", "Trump", "", True),  # the asker's speaker, not the one reported
    ("How did Putin himself describe the talks?", "Putin", "", True),
    ("How has Moscow reacted to the missiles?", "Moscow", "the missiles", True),
    ("Did Zelensky share Trump's view that Putin wants peace?", "Zelensky", "Putin wants peace", True),
    ("What did Ukrainian commander-in-chief Oleksandr Syrsky say about drones?",
     "Ukrainian commander-in-chief Oleksandr Syrsky", "drones", True),
    # a role: no one excluded
    ("What did the Russian foreign minister tell NBC?", "Russian foreign minister", "", False),
    ("According to the Ukrainian president, what happened?", "Ukrainian president", "", False),
    ("According to Lavrov, how did Zelensky respond?", "Lavrov", "", False),
    ("According to Russia's foreign minister, what was agreed?", "Russia's foreign minister", "", False),
])
def test_questions_name_the_speaker_they_ask_about(question, name, about, strict):
    asked = speaker_asked(question)
    assert (asked.name, asked.about, asked.strict) == (name, about, strict)


def test_a_role_finds_the_speaker_it_describes(seed_assistant):
    assert {s.speaker for s in seed_assistant.statements("the Russian foreign minister")} == {"lavrov"}
    # "Russia's foreign minister" is the "Russian Foreign Minister" of the article, not Russia
    assert {s.speaker for s in seed_assistant.statements("Russia's foreign minister")} == {"lavrov"}
    answer = seed_assistant.ask("What did the Russian foreign minister say about the agenda?", mode="extractive")
    assert "the agenda is not ready yet" in answer.text


def test_who_said_it_is_answered_with_the_speaker_and_what_the_articles_call_them(seed_assistant):
    assert asks_who_said("Which analyst warned that the talks would fail?") and not asks_who_said("Who is Lavrov?")
    assert asks_who_said("At the Alaska meeting, who remarked that relations had worsened?")
    answer = seed_assistant.ask("Who said “We want this”?", mode="extractive")
    assert answer.text.startswith("Volodymyr Zelensky (Ukrainian President): “We want this.")
    # A paraphrase of a statement that dense and keyword search both rank low: the statement index finds it.
    answer = seed_assistant.ask("Who cautioned that a second summit with Putin carries considerable risk for Trump?",
                                mode="extractive")
    assert "according to Celeste Wallander" in answer.text


def test_how_something_was_said_finds_the_statement_said_that_way(seed_assistant):
    answer = seed_assistant.ask("How did Trump reply when Zelensky said Ukraine needs Tomahawks?", mode="extractive")
    assert answer.text.startswith("Trump replied:")
    answer = seed_assistant.ask("Did Putin agree with Fox News that the meeting was tense?", mode="extractive")
    assert "constructive and respectful" in answer.text  # his words just after the report they answer


def test_a_what_did_x_say_answer_quotes_x_and_names_a_pronoun_speaker(seed_assistant):
    answer = seed_assistant.ask("What did Lavrov say Trump proposed at the summit?", mode="extractive")
    assert "He said that Trump proposed" in answer.text and answer.text.startswith("Lavrov: ")
    text = seed_assistant.document(LAVROV_DOC).text
    assert all(text[c.start:c.end] == c.quote for c in answer.citations)


def test_a_claim_naming_a_speaker_must_cite_that_speakers_words(seed_assistant):
    passages = seed_assistant.retrieve("What did Lavrov say about the agenda?", 3)
    n = next(i for i, p in enumerate(passages, 1) if "the agenda is not ready yet" in p.text)
    right = seed_assistant.verify(f"Lavrov said the agenda for the meeting is not ready yet [{n}].", passages)
    wrong = seed_assistant.verify(f"Zelensky said the agenda for the meeting is not ready yet [{n}].", passages)
    assert right.citations and not right.unsupported
    assert not wrong.citations and wrong.unsupported  # Zelensky is in that passage, but did not say it


def test_said_on_the_command_line(seed_index):
    result = run_cli("--index-dir", str(seed_index), "said", "Lavrov", "--about", "agenda")
    assert result.returncode == 0, result.stderr
    assert "the agenda is not ready yet" in result.stdout and LAVROV_DOC in result.stdout
    listed = json.loads(run_cli("--index-dir", str(seed_index), "said", "Lavrov", "--json").stdout)
    assert {s["speaker"] for s in listed} == {"lavrov"}
    assert any(s["quote"].startswith("that Trump proposed") or "Trump proposed" in s["quote"] for s in listed)
    everyone = run_cli("--index-dir", str(seed_index), "said")
    assert everyone.returncode == 0 and "Lavrov" in everyone.stdout
    unknown = run_cli("--index-dir", str(seed_index), "said", "Lavrof")
    lines = [line for line in unknown.stderr.splitlines() if line.strip()]
    assert unknown.returncode == 2 and len(lines) == 1 and "did you mean lavrov" in lines[0]


def test_statement_scores_count_detection_and_speakers():
    labels = {("d", 0): {"speakers": ["lavrov"], "kind": "direct"}, ("d", 10): {"speakers": [], "kind": "none"},
              ("d", 20): {"speakers": ["trump"], "kind": "continuation"}, ("d", 30): {"speakers": ["guardian"],
                                                                                     "kind": "outlet"}}
    found = {("d", 0): ["lavrov"], ("d", 10): ["putin"], ("d", 20): ["putin"]}
    scores = score_statements(labels, found)
    assert scores["statement_precision"] == pytest.approx(2 / 3)
    assert scores["statement_recall"] == pytest.approx(2 / 3)
    assert scores["speaker_accuracy"] == pytest.approx(1 / 2)
    assert scores["recall_by_kind"] == {"continuation": 1.0, "direct": 1.0, "outlet": 0.0}


def test_the_labelled_set_covers_every_sentence_of_the_seeds():
    labels = load_statement_labels()
    assert len(labels) == 234 and sum(1 for label in labels.values() if label["speakers"]) >= 80
    kinds = {label["kind"] for label in labels.values()}
    assert {"continuation", "multi", "outlet", "mention"} <= kinds


def test_ingest_without_attribution_stores_no_statements(tmp_path):
    quiet = Assistant(index_dir=tmp_path / "index", corpus=[SEEDS], settings=Settings(attribute=False))
    assert quiet.speakers() == []


def test_an_index_analysed_by_an_older_version_is_analysed_again(seed_index, tmp_path):
    """After an upgrade that changes the text analysis, answers must not quietly lose their sentences."""
    from conftest import chroma_collection

    index_dir = tmp_path / "index"
    shutil.copytree(seed_index, index_dir)
    collection = chroma_collection(index_dir)
    stored = collection.get(include=["metadatas"])
    collection.update(ids=stored["ids"], metadatas=[{**m, "analysis": "0"} for m in stored["metadatas"]])
    for catalogue in index_dir.glob("catalogue-*"):  # as the older version left it
        catalogue.unlink()
    old = Assistant(index_dir=index_dir, corpus=[])
    assert old.articles() == []  # not served without their sentences: marked for the next ingest
    old.close()
    again = Assistant(index_dir=index_dir, corpus=[SEEDS])  # the next start ingests the corpus: analysed again
    assert "the agenda is not ready yet" in again.ask("What did Lavrov say about the agenda?", mode="extractive").text
    from assistant.analysis import VERSION

    assert {m["analysis"] for m in collection.get(include=["metadatas"])["metadatas"]} == {VERSION}


def test_the_sentences_of_one_quotation_are_marked_as_one_within_a_paragraph():
    text = ("Tarn bridge\nRuiz spoke on Monday. “We waited three years. The river would not wait,” she said.\n"
            "“It was hard.\nTraffic was slow.")
    article = Article(doc_id="t", title="Tarn bridge", text=text)
    continues = [(text[s.start:s.end], s.continues) for s in analyse([article])[0]]
    assert continues == [("Tarn bridge", False), ("Ruiz spoke on Monday.", False), ("“We waited three years.", False),
                         ("The river would not wait,” she said.", True), ("“It was hard.", False),
                         ("Traffic was slow.", False)]


def test_words_a_question_puts_in_the_wrong_mouth_are_refused_naming_who_said_them(tmp_path):
    assistant = assistant_over(
        tmp_path, "Tarn bridge reopens\nMayor Ana Ruiz stressed how long the town had waited. “We waited three "
        "years. The river would not wait for us,” she said.\nEngineer Tom Lee said the steel had come from Spain.\n")
    wrong = assistant.ask("Why did Tom Lee say 'the river would not wait'?", mode="extractive")
    assert wrong.refused and "do not quote" in wrong.text and "Ana Ruiz saying so" in wrong.text, wrong.text
    right = assistant.ask("Why did Ana Ruiz say 'the river would not wait'?", mode="extractive")
    assert not right.refused and "The river would not wait for us" in right.text, right.text


@pytest.mark.parametrize("sentence, inside, parsed", [
    ("“I said no to all of it,” the minister told reporters.", False, True),  # "told", outside the quotation
    ("“I said no to all of it, and I meant it.”", False, False),  # only the quoted person's "said"
    ("and they said it again.”", True, False),  # the rest of a quotation opened before
    ("According to the ministry, the talks failed.", False, True),
])
def test_only_sentences_with_a_reporting_word_outside_their_quotations_are_parsed(sentence, inside, parsed):
    from assistant.attribution import reports_outside_quotes

    assert reports_outside_quotes(sentence, inside) is parsed


def test_a_misquote_is_not_taken_for_words_in_the_wrong_mouth(tmp_path):
    """Words nobody in the articles said prove nothing about who said what: answered as usual."""
    assistant = assistant_over(
        tmp_path, "Tarn bridge reopens\nMayor Ana Ruiz stressed how long the town had waited. “We waited three "
        "years. The river would not wait for us,” she said.\n")
    answer = assistant.ask("Why did Ana Ruiz say 'the river would never wait'?", mode="extractive")
    assert "do not quote" not in answer.text, answer.text
    punctuated = assistant.ask("Why did Ana Ruiz say 'we waited three years … the river would not wait'?",
                               mode="extractive")
    assert not punctuated.refused and "The river would not wait for us" in punctuated.text, punctuated.text


def test_quoted_words_in_the_paragraph_of_an_account_go_on_with_that_persons_account():
    """"However, ... Zelensky “said ‘no’ to all issues.”" in the paragraph of Lavrov's interview is Lavrov's
    account, not the United States' (whose stated belief stands between) nor nobody's; a new paragraph
    starts afresh, and a sentence with no quotation is left to nobody."""
    text = ("Lavrov said that Trump proposed some views. The United States believes that several principles must "
            "be accepted. However, Zelensky “said ‘no’ to all issues.” The talks resumed in June.\n"
            "The summit was dubbed the “meeting of the century” by organisers in Geneva.\n"
            "The new bridge, the “Golden Arch”, opened on Monday.")
    assert speakers_of(text) == [["lavrov"], ["united states"], ["lavrov"], [], [], []]


def test_her_words_and_the_paper_continue_who_was_spoken_of():
    text = ("Castellanos said the offer was too low. But in her words, “the offer has to move, or we move.”\n"
            "The Templemoor Echo reported that costs had risen. According to the paper, managers had warned the "
            "board.")
    assert speakers_of(text) == [["castellanos"], ["castellanos"], ["templemoor echo"], ["templemoor echo"]]


def test_he_is_not_a_woman_the_article_called_she():
    """"He told the Post" after Lindqvist's "she said" is not Lindqvist's: with no man quoted yet, it is
    nobody's rather than words in the wrong mouth; Mr and Ms say which from the start."""
    text = ("Lindqvist said the gaps were technical. “We are close,” she said.\n"
            "Orland’s chief negotiator, Pieter Vandermeulen, was less upbeat. He told the Post that his delegation "
            "had no mandate.\n"
            "Ms. Okafor said the budget was fixed. Mr. Whitlock said it was not. She said she would veto it.")
    assert speakers_of(text) == [["lindqvist"], ["lindqvist"], [], [], ["okafor"], ["whitlock"], ["okafor"]]


def test_the_paragraph_rule_leaves_other_speakers_quotations_and_scare_quotes_alone():
    """Quoted words go on with the paragraph's account only when nobody is said to have spoken them and they
    are speech, not a name in quotation marks; "the paper" is an outlet's, and an observer is a person."""
    text = ("Lavrov said the talks were close. A senior official said: “We are close. We will sign in June.” "
            "The so-called “grain corridor” reopened on Monday.\n"
            "The Kremlin said the meeting was useful. According to the paper, the talks had stalled.\n"
            "Chief Observer Maria Lopez said the count was clean.")
    assert speakers_of(text) == [["lavrov"], ["unnamed"], [], [], ["kremlin"], [], ["lopez"]]  # not Lavrov's
