"""Extractive answers: verbatim citations with offsets, and plain refusals."""

import json

import pytest
from conftest import LAVROV_DOC, LAVROV_QUESTION, assistant_over

from assistant import Answer, Assistant
from assistant.errors import ConfigError, QuestionError


def assert_citations_verbatim(assistant: Assistant, answer: Answer) -> None:
    for citation in answer.citations:
        assert assistant.document(citation.doc_id).text[citation.start:citation.end] == citation.quote


def test_lavrov_answer_quotes_the_article_verbatim(seed_assistant):
    answer = seed_assistant.ask(LAVROV_QUESTION)
    assert not answer.refused and answer.mode == "extractive"
    lavrov = [c for c in answer.citations if c.doc_id == LAVROV_DOC and "the agenda is not ready yet" in c.quote]
    assert lavrov, answer.text
    assert_citations_verbatim(seed_assistant, answer)
    assert lavrov[0].quote in answer.text and f"[{lavrov[0].number}]" in answer.text


@pytest.mark.parametrize("question, expected", [
    ("How much Ukrainian territory did Putin say his forces seized in 2025?", "5,000 sq km"),
    ("How long did Trump and Putin meet in Alaska?", "three-hour"),
    ("What did Zelensky say Putin only understands?", "force and pressure"),
])
def test_answers_quote_the_sentence_that_holds_the_fact(seed_assistant, question, expected):
    answer = seed_assistant.ask(question)
    assert not answer.refused
    assert any(expected in c.quote for c in answer.citations), answer.text
    assert_citations_verbatim(seed_assistant, answer)


@pytest.mark.parametrize("question", [
    "What did Angela Merkel say about the Alaska summit?",  # a person in none of the articles
    "What is the boiling point of water at sea level?",  # off topic
    "What is the recipe for sourdough bread?",
])
def test_questions_the_articles_cannot_answer_are_refused(seed_assistant, question):
    answer = seed_assistant.ask(question)
    assert answer.refused and answer.citations == ()
    assert answer.text.startswith("The articles don't say")


def test_refusal_names_the_unknown_person(seed_assistant):
    answer = seed_assistant.ask("What did Olaf Scholz say about Tomahawks?")
    assert answer.refused and "Olaf" in answer.text and "Scholz" in answer.text


def test_a_name_spelt_another_way_still_finds_its_article(seed_assistant):
    # The article writes "Kiev"; readers write "Kyiv".
    answer = seed_assistant.ask("Which analyst said America has more in common with Russia than with Brussels or Kyiv?")
    assert not answer.refused and "Blokhin" in answer.text


def test_transliterations_match_but_different_names_do_not():
    from assistant.analysis import transliterated

    assert transliterated("kyiv", "kiev") and transliterated("kharkiv", "kharkov")
    assert not transliterated("scholz", "school") and not transliterated("kyiv", "kyle")


def test_an_answer_may_spell_a_name_as_the_reader_does(seed_assistant):
    passages = seed_assistant.retrieve("The Trump administration pressure Kiev, not Moscow", 5)
    number = next(n for n, p in enumerate(passages, 1) if "pressure Kiev" in p.text)
    right = seed_assistant.verify(f"The Trump administration pressured Kyiv, not Moscow [{number}].", passages)
    assert right.citations and not right.unsupported


def test_answer_serialises_to_json(seed_assistant):
    answer = seed_assistant.ask(LAVROV_QUESTION)
    data = json.loads(answer.to_json())
    assert data["text"] == answer.text and data["refused"] is False
    assert data["citations"][0].keys() >= {"doc_id", "title", "quote", "start", "end", "number"}
    assert data["timings"]["total"] > 0


@pytest.mark.parametrize("question, message", [
    ("", "empty"), ("   \n\t ", "empty"), ("x" * 1001, "1001 characters long; the limit is 1000"),
])
def test_bad_questions_are_rejected_with_a_clear_message(seed_assistant, question, message):
    with pytest.raises(QuestionError, match=message):
        seed_assistant.ask(question)


def test_unknown_mode_is_rejected(seed_assistant):
    with pytest.raises(ConfigError, match="unknown answer mode 'telepathy'"):
        seed_assistant.ask(LAVROV_QUESTION, mode="telepathy")


def test_document_returns_the_exact_article(seed_assistant):
    article = seed_assistant.document(LAVROV_DOC)
    assert article.title.startswith("Trump Posts Photos with Putin")
    assert "the agenda is not ready yet" in article.text


@pytest.mark.parametrize("question", [
    "How many journalists attended the Kremlin briefing on the Budapest summit?",
    "How many people did the Hungarian leader say preparations involved?",
])
def test_a_how_many_question_with_no_amount_among_the_best_sentences_is_refused(seed_assistant, question):
    answer = seed_assistant.ask(question, mode="extractive")
    assert answer.refused and "gives the number asked for" in answer.text


def test_a_how_many_question_the_articles_answer_is_not_refused(seed_assistant):
    answer = seed_assistant.ask("How much of Ukraine does Russia control?", mode="extractive")
    assert not answer.refused and any("22%" in c.quote for c in answer.citations)


def test_an_amount_is_not_a_day_an_ordinal_or_the_word_one():
    from assistant.analysis import amounts

    assert amounts("They met on the 18th, after one meeting and a second summit.") == set()
    assert amounts("control of 22% of Ukraine") == {"22"} and amounts("thousands of drones") == {"thousands"}
    assert amounts("a three-hour meeting") == {"3"}


BRIDGE = ("Tarn bridge reopens\n"
          "The old bridge in Tarn reopened on Monday after three years of repairs.\n"
          "Mayor Ana Ruiz stressed how long the town had waited. “We waited three years. The river would not "
          "wait for us,” she said. “Next spring we start on the ferry landing.”\n"
          "Traffic was slow on the first morning, and the bus company said its timetable would return to normal.\n")


def _bridge_assistant(tmp_path, **settings) -> Assistant:
    from assistant import Settings

    return assistant_over(tmp_path, BRIDGE, settings=Settings(**settings))


def test_an_answer_quotes_a_quotation_whole_with_the_words_that_follow_the_gist(tmp_path):
    """A quotation the sentence splitter cuts in two is quoted whole, and the speaker's quotation right
    after a paraphrase of them comes with it: never half a quotation, never the gist without the words."""
    assistant = _bridge_assistant(tmp_path)
    answer = assistant.ask("How did Ana Ruiz explain the wait for the bridge?", mode="extractive")
    assert not answer.refused
    quote = answer.citations[0].quote
    assert quote.startswith("Mayor Ana Ruiz stressed") and "The river would not wait for us,” she said." in quote
    assert "ferry landing" in quote  # her next quotation in the same paragraph
    assert "Traffic" not in quote  # the next paragraph is someone else's
    assert_citations_verbatim(assistant, answer)


def test_a_quotation_crossing_the_end_of_a_chunk_is_quoted_whole(tmp_path):
    """Chunks overlap but need not hold a whole quotation: the answer reads on in the chunk that continues it."""
    assistant = _bridge_assistant(tmp_path, chunk_tokens=24, chunk_overlap_tokens=16)
    question = "What did Ana Ruiz say about the river?"
    chunks = assistant.retrieve(question, k=10)
    assert not any("We waited three years" in c.text and "ferry landing" in c.text for c in chunks)
    answer = assistant.ask(question, mode="extractive")
    assert any("“We waited three years. The river would not wait for us,” she said. “Next spring we start on the "
               "ferry landing.”" in c.quote for c in answer.citations), answer.text
    assert_citations_verbatim(assistant, answer)


def test_the_model_reads_every_sentence_of_a_quotation_it_is_given_part_of(tmp_path):
    assistant = _bridge_assistant(tmp_path, chunk_tokens=24, chunk_overlap_tokens=16)
    texts = [e.text for e in assistant.evidence("What did Ana Ruiz say about the river?")]
    assert {"“We waited three years.", "The river would not wait for us,” she said."} <= set(texts), texts
    assert texts.index("“We waited three years.") + 1 == texts.index("The river would not wait for us,” she said.")


@pytest.mark.parametrize("question, phrases", [
    ("Why did Zelensky say he had been 'worked' by the best?", ["worked"]),
    ("Why did she call it ‘it doesn’t work’?", ["it doesn’t work"]),
    ("Did Zelensky share Trump's view that Putin's war is over?", []),  # apostrophes are no quotation marks
    ("Who said “we need Tomahawk”?", ["we need Tomahawk"]),
])
def test_words_a_question_puts_in_quotation_marks_are_read_as_a_quotation(question, phrases):
    from assistant.analysis import quoted

    assert quoted(question) == phrases


def test_a_quote_that_names_its_speakers_gets_no_speaker_label_before_it(tmp_path):
    assistant = assistant_over(
        tmp_path, "Tarn bridge\nAccording to the regional news agency, Mayor Ana Ruiz stated that the bridge would "
        "reopen in May.\nThe ferry stopped running in June.\n“We waited three years,” she said.\n")
    named = assistant.ask("When did Ana Ruiz say the bridge would reopen?", mode="extractive")
    assert named.text.startswith("According to the regional news agency, Mayor Ana Ruiz stated"), named.text
    unnamed = assistant.ask("How long did Ana Ruiz say they waited?", mode="extractive")
    assert "Ana Ruiz: “We waited three years,” she said." in unnamed.text, unnamed.text  # "she" is told


# Answerability: what a question asks for, or takes as given, must be in the sentence that answers it.
HARBOUR = ("Harbour works in Tarn finish early\n"
           "The harbour works in Tarn finished on Monday, two months early.\n"
           "Several regional officials attended the opening ceremony on the quay.\n"
           "Mayor Ana Ruiz posted a photo of the new quay to thank the workers.\n"
           "The works cost 4 million euros, and the region paid 40% of the cost.\n"
           "The council rejected a plan to close the quay road at night, because the ferry runs until midnight.\n"
           "The new lights were not ready in time for the opening.\n"
           "It was not clear exactly who paid for the new lights on the pier.\n"
           "Ruiz told a Spanish radio station that cruise ships would dock at the quay next year.\n"
           "Peter Okafor opened the new ferry office on the quay.\n"
           "The council met the ferry company because the winter timetable had to change.\n"
           "The harbour master did not want to delay the opening, because the sailing season starts in May.\n"
           "Peter Okafor described the works as careful, since no boat had to leave the harbour.\n"
           "Several local firms built the new slipway, and a Danish company made its cranes.\n"
           "The new quay lamps were made by Lumen, a Swedish company.\n"
           "The council set several conditions for the slipway, including a night limit on lorries.\n"
           "The ferry company's director, a professor at the Tarn Maritime School, praised the quay.\n"
           "The regatta, sponsored by Lumen, drew record crowds.\n"
           "Ana Ruiz suggested Lisbon as the venue for the sailing festival.\n"
           "The ferry company turned to the council for help with the timetable.\n"
           "The council put off the vote on a second ferry, since the quay is too short.\n"
           "Divers inspected Norwegian ships in the harbour.\n"
           "The council said it might consider other measures.\n")


@pytest.fixture(scope="module")
def harbour(tmp_path_factory):
    with assistant_over(tmp_path_factory.mktemp("harbour"), HARBOUR) as assistant:
        yield assistant


@pytest.mark.parametrize("question, reason", [
    # the sentence that matches names no official, gives a weekday, not a date, and no time of day
    ("Which regional officials attended the opening ceremony?", "gives the name asked for"),
    ("On what date did the harbour works in Tarn finish?", "gives the date asked for"),
    ("At what time of day did the harbour works finish?", "gives the time of day asked for"),
    ("What percentage of the harbour works did Tarn's council pay?", "gives the percentage asked for"),
    ("Which radio station did Ruiz tell that cruise ships would dock at the quay?", "gives the name asked for"),
    # a premise the article contradicts, or does not state
    ("Why did the council approve the plan to close the quay road at night?", "takes as given (“approve”)"),
    ("Why did the council say the new lights were ready for the opening?", "takes as given (“ready”)"),
    ("Why did Ana Ruiz praise the workers on the new quay?", "takes as given (“praise”)"),
    # the council rejected it, not the mayor
    ("Why did Ana Ruiz reject the plan to close the quay road at night?", "takes as given (“reject”)"),
    # it runs until midnight: that is no "never"
    ("Why did the council say the ferry will never run at night?", "takes as given (“run”)"),
    ("Why did Peter Okafor describe the works as careless?", "takes as given (“careless”)"),  # careful
    ("Why did the council meet Ana Ruiz?", "takes as given (“meet”, “Ruiz”)"),  # it met the ferry company
    # the sentence says there was one, not which
    ("Which local firms built the new slipway?", "mention several local firms but do not say which"),
    ("Which Norwegian ships did the divers inspect?", "mention Norwegian ships but do not say which"),
    ("What other measures might the council consider?", "mention other measures but do not say which"),
    # no place: an institution where a city is asked, a sponsor
    ("In which city is the ferry company's director based?", "gives the place asked for"),
    ("Where was the regatta held?", "gives the place asked for"),
    ("What is the maximum length of the new slipway?", "gives the number asked for"),
    # about another time, someone else's deed, another phrase ("turned to")
    ("What happened on the quay in 2023?", "the time the question names (2023)"),
    ("Who painted the new ferry office?", "takes as given (“painted”)"),
    ("What did the council and the ferry company agree on?", "takes as given (“agree”)"),  # they met
    ("Why did the ferry company turn down help with the timetable?", "takes as given (“turn down”)"),
    # his words name no Lumen: they are about the works
    ("What did Peter Okafor say about Lumen?", "quote nothing from Peter Okafor about Lumen"),
])
def test_a_question_whose_answer_the_matching_sentence_lacks_is_refused(harbour, question, reason):
    answer = harbour.ask(question, mode="extractive")
    assert answer.refused, answer.text
    assert reason is None or reason in answer.text


@pytest.mark.parametrize("question, expected", [
    ("On what day did the harbour works in Tarn finish?", "on Monday"),
    ("What percentage of the cost did the region pay?", "40%"),
    ("Why did the council reject the plan to close the quay road at night?", "the ferry runs until midnight"),
    ("Why did Ana Ruiz post a photo of the new quay?", "to thank the workers"),  # posting a photo is not speech
    ("Roughly how much did the harbour works cost?", "4 million euros"),  # "Roughly" is no name
    ("Who opened the new ferry office?", "Peter Okafor"),  # a name first in its sentence is still one
    ("What did regional officials attend on the quay?", "the opening ceremony"),  # words, not a name, asked for
    ("Why did the council meet the ferry company?", "the winter timetable"),  # "met" is "meet"
    ("Why did the harbour master not want to delay the opening?", "the sailing season"),  # denied as asked
    ("Why did Peter Okafor describe the works as careful?", "no boat had to leave"),
    ("Which company made the new quay lamps?", "Lumen, a Swedish company"),  # named beside it
    ("Which conditions did the council set for the slipway?", "a night limit on lorries"),  # listed after it
    ("Where will the sailing festival take place?", "Lisbon as the venue"),  # a place beside a word for one
    ("What starts in May?", "the sailing season starts in May"),
    ("Why did the council put off the vote on a second ferry?", "the quay is too short"),
    ("What did Peter Okafor say about the works?", "careful"),
])
def test_the_same_shapes_are_answered_when_the_sentence_holds_the_answer(harbour, question, expected):
    answer = harbour.ask(question, mode="extractive")
    assert not answer.refused and any(expected in c.quote for c in answer.citations), answer.text


def test_a_question_the_article_says_nobody_knows_is_refused_quoting_that_sentence(harbour):
    answer = harbour.ask("Who paid for the new lights on the pier?", mode="extractive")
    [cited] = answer.citations
    assert cited.quote == "It was not clear exactly who paid for the new lights on the pier."
    assert answer.refused
    assert answer.text == f"The articles don't say. The articles say it is not known: {cited.quote} [1]"
    assert harbour.document(cited.doc_id).text[cited.start:cited.end] == cited.quote
